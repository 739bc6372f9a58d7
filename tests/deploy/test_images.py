"""Dockerfiles and the image build script: checked statically (no Docker engine on these machines)."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SERVICES = sorted(p.parent.name for p in (ROOT / "services").glob("*/pyproject.toml"))
DOCKERFILES = [ROOT / "services" / s / "Dockerfile" for s in SERVICES] + [ROOT / "deploy" / "envoy" / "Dockerfile"]
BUILD = ROOT / "deploy" / "build-images.sh"


def test_every_service_has_a_dockerfile() -> None:
    missing = [str(p.relative_to(ROOT)) for p in DOCKERFILES if not p.exists()]
    assert not missing, missing


def resolved_bases(text: str) -> list[str]:
    args = dict(re.findall(r"^ARG (\w+)=(\S+)$", text, flags=re.M))
    bases = []
    for base in re.findall(r"^FROM (\S+)", text, flags=re.M):
        bases.append(re.sub(r"\$\{(\w+)\}", lambda m: args[m[1]], base))
    return bases


@pytest.mark.parametrize("dockerfile", DOCKERFILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_dockerfile_is_multi_stage_pinned_and_non_root(dockerfile: Path) -> None:
    text = dockerfile.read_text()
    bases = resolved_bases(text)
    assert len(bases) >= 2, "multi-stage: build tools stay out of the runtime image"
    for base in bases:
        if "@sha256:" in base:
            continue
        tag = base.rpartition(":")[2]
        assert ":" in base and tag != "latest" and re.search(r"\d+\.\d+", tag), f"{base}: not pinned to a version"
    final = text[text.rindex("\nFROM ") :]
    user = re.findall(r"^USER (\S+)", final, flags=re.M)
    assert user and not user[-1].startswith(("0", "root")), "the runtime stage must switch to a non-root user"


@pytest.mark.parametrize("service", SERVICES)
def test_service_image_installs_from_the_lock(service: str) -> None:
    text = (ROOT / "services" / service / "Dockerfile").read_text()
    package = "yousync-" + service.replace("_", "-")
    assert f"uv sync --frozen --no-dev --no-editable --package {package}" in text
    # Every workspace member's pyproject is copied, so uv sees the same workspace as the lock.
    for member in ["libs/protos", "libs/platform", *(f"services/{s}" for s in SERVICES)]:
        assert f"COPY {member}/pyproject.toml {member}/" in text, member
    # The command is a console script the package really declares.
    script = re.search(r'^CMD \["([\w-]+)"\]', text, flags=re.M)
    assert script and f'{script[1]} = "' in (ROOT / "services" / service / "pyproject.toml").read_text()


def test_build_script_refuses_latest_and_says_when_there_is_no_engine() -> None:
    env = {**os.environ, "DOCKER": "/nonexistent/docker"}
    latest = subprocess.run(["bash", str(BUILD), "latest"], capture_output=True, text=True, env=env, timeout=30)
    assert latest.returncode == 1 and "never latest" in latest.stderr
    none = subprocess.run(["bash", str(BUILD), "1.2.3"], capture_output=True, text=True, env=env, timeout=30)
    assert none.returncode == 2 and "no Docker engine" in none.stderr
    script = BUILD.read_text()
    assert "deploy/envoy/Dockerfile" in script and '"services/$service/Dockerfile"' in script
    assert all(s in script for s in SERVICES), "every service is built"
