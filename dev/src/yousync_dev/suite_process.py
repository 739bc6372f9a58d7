"""The `make run` supervisor in a subprocess, on free ports, stopped on exit: for benchmarks and the
test of `make run` itself. Each service runs in its own process (as in `make run`), so a load
generator in the caller's process is not in their way. Yields the addresses the supervisor printed.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psutil

# "  auth       127.0.0.1:50051", "  gateway    http://127.0.0.1:8080  (API docs: ...)", "  nats  nats://..."
ADDRESS = re.compile(r"\s+(\w+)\s+((?:[a-z]+://)?(?:[^@\s]+@)?\d+\.\d+\.\d+\.\d+:\d+\S*)")


@dataclass
class Suite:
    addresses: dict[str, str]
    process: subprocess.Popen[str]
    output: list[str]
    run_dir: Path | None = None
    pump: threading.Thread | None = None

    def pids(self) -> dict[str, int]:
        """The pid of each supervised process by name (nats, auth, gateway, gateway_2, dispatcher, ...),
        as the supervisor last (re)started them."""
        assert self.run_dir is not None
        return {name: int(pid) for name, pid in json.loads((self.run_dir / "processes.json").read_text()).items()}

    def read_output(self) -> None:
        """Keep reading what the supervisor prints (restarts), into `output`, in a daemon thread."""

        def pump() -> None:
            assert self.process.stdout is not None
            for line in self.process.stdout:
                self.output.append(line.rstrip())

        self.pump = threading.Thread(target=pump, daemon=True)
        self.pump.start()

    def target(self, name: str) -> str:
        return self.addresses[name]

    def stop(self, timeout: float = 60.0) -> tuple[int, str]:
        """Ctrl-C, as a user would: the exit code and what the supervisor printed while stopping."""
        self.process.send_signal(signal.SIGINT)
        if self.pump is not None:  # stdout is being read already: wait, then take what came after
            mark = len(self.output)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
            self.pump.join(10)
            return self.process.returncode, "\n".join(self.output[mark:])
        try:
            rest, _ = self.process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            rest, _ = self.process.communicate()
        return self.process.returncode, rest

    def pid_of(self, module: str) -> int:
        """The pid of the service process running `python -m <module>`."""
        for child in psutil.Process(self.process.pid).children(recursive=True):
            with contextlib.suppress(psutil.Error):
                if module in child.cmdline():
                    return int(child.pid)
        raise LookupError(module)


@contextlib.contextmanager
def running_suite(extra_env: dict[str, str] | None = None, *, start_timeout: float = 300.0) -> Iterator[Suite]:
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
        [sys.executable, "-m", "yousync_dev.supervisor"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    addresses: dict[str, str] = {}
    output: list[str] = []
    try:
        assert process.stdout is not None
        deadline = time.monotonic() + start_timeout
        for line in process.stdout:
            output.append(line.rstrip())
            match = ADDRESS.match(line)
            if match:
                addresses[match.group(1)] = match.group(2)
            if line.startswith("ready") or time.monotonic() > deadline:
                break
        if not output or not output[-1].startswith("ready"):
            raise RuntimeError("the suite did not start:\n" + "\n".join(output))
        yield Suite(addresses, process, output, run_dir)
    finally:
        if process.poll() is None:
            Suite(addresses, process, output).stop()
        shutil.rmtree(run_dir, ignore_errors=True)
