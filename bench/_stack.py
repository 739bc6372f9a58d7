"""The whole suite for the gateway benchmarks, as `make run` runs it (each service its own process on
127.0.0.1, via yousync_dev.suite_process), with the analyzer fixture lines imported as a
catalog ('Famous lines'), plus the HTTP helpers the benchmarks share."""

from __future__ import annotations

import contextlib
import os
import resource
import shutil
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.analyzer.helpers import FIXTURES, LINES, write_lines_catalog  # noqa: E402
from yousync_dev.suite_process import Suite, running_suite  # noqa: E402

__all__ = ["FIXTURES", "Stack", "fixture_text", "line_token", "running_stack", "sign_in"]
DEMO = ROOT / "services" / "catalog" / "demo"
QUIET = {f"{prefix}_LOG_LEVEL": "WARNING" for prefix in ("AUTH", "CATALOG", "ANALYZER", "ORCHESTRATOR", "GATEWAY")}


@dataclass
class Stack:
    url: str
    gateway_pid: int
    suite: Suite  # every address and pid, for benchmarks that need more than the first gateway


@contextlib.contextmanager
def running_stack(*, extra_env: dict[str, str] | None = None, demo: bool = True) -> Iterator[Stack]:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, 65536)), hard))
    lines = Path(tempfile.mkdtemp(prefix="yousync-bench-lines-"))
    try:
        folders = [write_lines_catalog(lines), *([DEMO] if demo else [])]
        env = {**QUIET, "YOUSYNC_CATALOG_DIRS": os.pathsep.join(map(str, folders)), **(extra_env or {})}
        with running_suite(env) as suite:
            yield Stack(suite.target("gateway"), suite.pid_of("yousync_gateway"), suite)
    finally:
        shutil.rmtree(lines, ignore_errors=True)


async def sign_in(session: aiohttp.ClientSession, url: str, email: str) -> dict[str, str]:
    async with session.post(f"{url}/api/auth/dev", json={"email": email}) as response:
        token = (await response.json())["access_token"]
    return {"Authorization": f"Bearer {token}"}


async def line_token(session: aiohttp.ClientSession, url: str, line_text_start: str) -> int:
    """The token id of a fixture line of the 'Famous lines' script."""
    async with session.get(f"{url}/api/scripts", params={"q": "Famous lines"}) as response:
        script_id = (await response.json())["scripts"][0]["id"]
    async with session.get(f"{url}/api/scripts/{script_id}") as response:
        tokens = (await response.json())["tokens"]
    return next(t["id"] for t in tokens if t["text"].lower().startswith(line_text_start.lower()))


def fixture_text(line_id: str) -> str:
    return str(LINES[line_id]["text"])
