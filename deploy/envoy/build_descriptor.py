"""Build the descriptor set Envoy's gRPC-JSON transcoder reads, from the same protos as the Python code.

Usage: build_descriptor.py [--out PATH]   (default: deploy/envoy/descriptor.pb, git-ignored)

Compiles every file under protos/ with third_party/ (google/api) and the well-known types on the
include path, plus google/rpc/{status,error_details}.proto from the googleapis-common-protos wheel:
`convert_grpc_status` renders the `google.rpc.ErrorInfo` details of an error as JSON only when their
types are in the set. `--include_imports` makes the set self-contained.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import google.rpc.status_pb2
from grpc_tools import protoc

ROOT = Path(__file__).resolve().parents[2]
PROTOS = ROOT / "protos"
THIRD_PARTY = ROOT / "third_party"
DEFAULT_OUT = Path(__file__).resolve().parent / "descriptor.pb"
# Error types the transcoder must know to print `details` of a google.rpc.Status.
EXTRA = ("google/rpc/status.proto", "google/rpc/error_details.proto")


def build(out: Path) -> Path:
    wkt = Path(protoc.__file__).parent / "_proto"
    # site-packages (or wherever googleapis-common-protos put google/rpc/*.proto).
    googleapis = Path(google.rpc.status_pb2.__file__).resolve().parents[2]
    files = sorted(str(p.relative_to(PROTOS)) for p in PROTOS.rglob("*.proto"))
    out.parent.mkdir(parents=True, exist_ok=True)
    args = [
        "protoc",
        f"-I{PROTOS}",
        f"-I{THIRD_PARTY}",
        f"-I{googleapis}",
        f"-I{wkt}",
        "--include_imports",
        f"--descriptor_set_out={out}",
        *files,
        *EXTRA,
    ]
    if protoc.main(args) != 0:
        sys.exit("protoc failed")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    print(build(parser.parse_args().out))


if __name__ == "__main__":
    main()
