"""The `make run` supervisor as a benchmark fixture: the whole suite on free ports, stopped on exit.

Each service runs in its own process (as in `make run`), so the load generator in the benchmark's
process is not in their way. Yields the addresses the supervisor printed.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psutil


@dataclass
class Suite:
    addresses: dict[str, str]
    process: subprocess.Popen[str]

    def target(self, name: str) -> str:
        return self.addresses[name]

    def pid_of(self, module: str) -> int:
        """The pid of the service process running `python -m <module>`."""
        for child in psutil.Process(self.process.pid).children(recursive=True):
            with contextlib.suppress(psutil.Error):
                if module in child.cmdline():
                    return child.pid
        raise LookupError(module)


@contextlib.contextmanager
def running_suite(extra_env: dict[str, str] | None = None) -> Iterator[Suite]:
    run_dir = Path(tempfile.mkdtemp(prefix="yousync-bench-run-"))
    os.chmod(run_dir, 0o755)  # noqa: S103 - PostgreSQL runs unprivileged when we are root
    env = {
        **os.environ,
        "YOUSYNC_RUN_DIR": str(run_dir),
        "YOUSYNC_PORTS": "auto",
        "PYTHONUNBUFFERED": "1",
        **(extra_env or {}),
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "yousync_platform.devstack"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    addresses: dict[str, str] = {}
    try:
        assert process.stdout is not None
        deadline = time.monotonic() + 180
        for line in process.stdout:
            match = re.match(r"\s+(\w+)\s+(\S+)", line)
            if match:
                addresses[match.group(1)] = match.group(2)
            if line.startswith("ready") or time.monotonic() > deadline:
                break
        if "gateway" not in addresses:
            raise RuntimeError(f"the suite did not start: {addresses}")
        yield Suite(addresses, process)
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(60)
        except subprocess.TimeoutExpired:
            process.kill()
        shutil.rmtree(run_dir, ignore_errors=True)
