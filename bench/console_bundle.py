"""First-load JavaScript of the web console: what index.html makes the browser fetch before the first
render (its module scripts and modulepreloads), gzipped. Builds web/ first when needed (make web).
Prints one JSON object; the goal is ≤ 200 KB gzipped. The stop → result latency is measured in a real
browser by tests/browser/test_console.py::test_latency_from_last_sample_to_result (it prints a JSON line)."""

from __future__ import annotations

import gzip
import json
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DIST = ROOT / "web" / "dist"
GOAL_KB = 200


def first_load(dist: Path = DIST) -> dict[str, int]:
    """Gzipped size (level 9) of every script index.html loads up front, by file."""
    html = (dist / "index.html").read_text()
    paths = re.findall(r'<script[^>]+src="([^"]+\.js)"', html) + re.findall(
        r'<link[^>]+rel="modulepreload"[^>]+href="([^"]+\.js)"', html
    )
    return {p: len(gzip.compress((dist / p.lstrip("/")).read_bytes(), 9)) for p in dict.fromkeys(paths)}


def main() -> int:
    build = subprocess.run(["make", "-s", "web"], cwd=ROOT, capture_output=True, text=True)
    if build.returncode:
        sys.stderr.write(build.stdout + build.stderr)
        return build.returncode
    files = first_load()
    total = sum(files.values())
    lazy = sum(len(gzip.compress(p.read_bytes(), 9)) for p in (DIST / "assets").glob("*.js"))
    print(
        json.dumps(
            {
                "bench": "console_bundle",
                "first_load_js_gzip_kb": round(total / 1024, 1),
                "goal_kb": GOAL_KB,
                "files": len(files),
                "all_js_gzip_kb": round(lazy / 1024, 1),
            }
        )
    )
    return 0 if total <= GOAL_KB * 1024 else 1


if __name__ == "__main__":
    sys.exit(main())
