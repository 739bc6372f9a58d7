"""`make run`'s supervisor brings up PostgreSQL, NATS and the services, and stops them on Ctrl-C."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc


async def test_devstack_starts_and_stops_cleanly(tmp_path: Path) -> None:
    run_dir = Path(tmp_path) / "run"
    env = {**os.environ, "YOUSYNC_RUN_DIR": str(run_dir), "YOUSYNC_PORTS": "auto", "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "yousync_platform.devstack"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: list[str] = []
    try:
        deadline = time.monotonic() + 120
        assert process.stdout is not None
        while time.monotonic() < deadline:
            line = process.stdout.readline()
            if not line:
                break
            lines.append(line.rstrip())
            if line.startswith("ready"):
                break
        output = "\n".join(lines)
        assert any(line.startswith("ready") for line in lines), output
        auth = re.search(r"auth\s+127\.0\.0\.1:(\d+)", output)
        assert auth and "postgres" in output and "nats" in output, output
        async with grpc.aio.insecure_channel(f"127.0.0.1:{auth.group(1)}") as channel:
            reply = await health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=5)
            assert reply.status == health_pb2.HealthCheckResponse.SERVING
        process.send_signal(signal.SIGINT)
        rest, _ = process.communicate(timeout=60)
        assert process.returncode == 0, rest
        assert rest.rstrip().endswith("stopped")
    finally:
        if process.poll() is None:
            process.kill()
