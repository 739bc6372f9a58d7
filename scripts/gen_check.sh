#!/usr/bin/env bash
# Fails when the committed generated code differs from what the protos generate now.
set -euo pipefail
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$1" scripts/gen_protos.py --out "$tmp"
if ! diff -r -q "$tmp/yousync" libs/protos/yousync; then
  echo "generated code is stale: run 'make gen' and commit" >&2
  exit 1
fi
echo "generated code is current"
