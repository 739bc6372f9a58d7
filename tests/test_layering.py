"""The layering rules hold (import-linter contracts in pyproject.toml, also run by `make lint`): the shared
libs import no service, no service imports another, domain and service modules import no grpc/protobuf."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LINT_IMPORTS = str(Path(sys.executable).parent / "lint-imports")
CONFIG = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]


def lint_imports(*args: str, cwd: Path = ROOT, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [LINT_IMPORTS, "--no-cache", *args], cwd=cwd, capture_output=True, text=True, timeout=300, env=env
    )


def test_the_layering_contracts_are_kept() -> None:
    result = lint_imports()
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_every_domain_and_service_module_is_under_contract() -> None:
    """A service's domain or service module (file or package) that the contract forgets is a failure."""
    contract = next(c for c in CONFIG["contracts"] if c["name"].startswith("Domain and service"))
    for package in sorted((ROOT / "services").glob("*/src/yousync_*")):
        for layer in ("domain", "service"):
            if (package / f"{layer}.py").is_file() or (package / layer / "__init__.py").is_file():
                assert f"{package.name}.{layer}" in contract["source_modules"], f"{package.name}.{layer}"


def test_a_broken_rule_is_reported(tmp_path: Path) -> None:
    """The contracts can fail: a domain module importing grpc breaks a contract of the same shape."""
    package = tmp_path / "probe_service"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "domain.py").write_text("import grpc\n")
    (tmp_path / "setup.cfg").write_text(
        "[importlinter]\nroot_packages =\n    probe_service\ninclude_external_packages = True\n\n"
        "[importlinter:contract:1]\nname = domain imports no grpc\ntype = forbidden\n"
        "source_modules =\n    probe_service.domain\nforbidden_modules =\n    grpc\n"
    )
    result = lint_imports("--config", str(tmp_path / "setup.cfg"), cwd=tmp_path, env={"PYTHONPATH": str(tmp_path)})
    assert result.returncode == 1, result.stdout + result.stderr
    assert "domain imports no grpc BROKEN" in result.stdout
    assert "probe_service.domain -> grpc" in result.stdout
