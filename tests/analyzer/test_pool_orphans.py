"""An analyzer killed outright takes its pool's worker processes with it (no orphans holding memory)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import psutil

# An analyzer's pool in a process of its own: every worker started, their pids printed, then it waits.
_ANALYZER = """
import asyncio, time
from yousync_analyzer.pool import AnalysisPool
workers = asyncio.run(AnalysisPool(workers=2).start())  # every worker up: (pid, peak RSS)
print(" ".join(str(pid) for pid, _ in workers), flush=True)
time.sleep(60)
"""


def test_workers_die_with_a_killed_analyzer() -> None:
    analyzer = subprocess.Popen([sys.executable, "-c", _ANALYZER], stdout=subprocess.PIPE, text=True)
    try:
        assert analyzer.stdout is not None
        workers = [int(pid) for pid in analyzer.stdout.readline().split()]
        assert len(workers) == 2, workers
        assert all(psutil.pid_exists(pid) for pid in workers)
        os.kill(analyzer.pid, signal.SIGKILL)
        analyzer.wait(10)
        deadline = time.monotonic() + 10
        alive = workers
        while alive and time.monotonic() < deadline:
            alive = [pid for pid in workers if psutil.pid_exists(pid) and psutil.Process(pid).status() != "zombie"]
            time.sleep(0.05)
        assert alive == [], f"workers outlived their analyzer: {alive}"
    finally:
        analyzer.kill()
        analyzer.wait(10)
