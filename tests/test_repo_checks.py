"""The protos are lint-clean (buf STANDARD, formatted) and the committed generated code is current."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BUF = ROOT / "tools/node_modules/@bufbuild/buf-linux-x64/bin/buf"


def test_generated_code_is_current() -> None:
    result = subprocess.run(["bash", "scripts/gen_check.sh", sys.executable], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("args", [["lint"], ["format", "-d", "--exit-code"]], ids=["lint", "format"])
def test_protos_pass_buf(args: list[str]) -> None:
    assert BUF.exists(), "buf is missing: `make test` installs it (npm ci in tools/)"
    result = subprocess.run([str(BUF), *args], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
