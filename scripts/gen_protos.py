"""Generate Python (+ .pyi) and gRPC code for protos/ into libs/protos (import path = proto path).

Usage: gen_protos.py [--out DIR]   (default: libs/protos). `make gen-check` generates into a temporary
folder and compares, so stale committed code fails the check.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

from grpc_tools import protoc

ROOT = Path(__file__).resolve().parent.parent
PROTOS = ROOT / "protos"
THIRD_PARTY = ROOT / "third_party"


def generate(out: Path) -> None:
    target = out / "yousync"
    if target.exists():
        shutil.rmtree(target)
    out.mkdir(parents=True, exist_ok=True)
    files = sorted(str(p.relative_to(PROTOS)) for p in PROTOS.rglob("*.proto"))
    wkt = Path(protoc.__file__).parent / "_proto"
    args = [
        "protoc",
        f"-I{PROTOS}",
        f"-I{THIRD_PARTY}",
        f"-I{wkt}",
        f"--python_out={out}",
        f"--pyi_out={out}",
        f"--grpc_python_out={out}",
        *files,
    ]
    if protoc.main(args) != 0:
        sys.exit("protoc failed")
    for package in {p.parent for p in target.rglob("*.py")} | {target}:
        while package != out:
            (package / "__init__.py").touch()
            (package / "py.typed").touch()
            package = package.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=ROOT / "libs" / "protos")
    generate(parser.parse_args().out)


if __name__ == "__main__":
    main()
