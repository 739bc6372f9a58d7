"""`make run`'s supervisor keeps the stack up: a process that dies is restarted with exponential backoff
(and the rest keeps running), and YOUSYNC_REPLICAS=2 runs two of the gateway, orchestrator, dispatcher
and analyzer, every one of which serves; a take uploaded through one gateway is watched to its result
through the other."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path

import grpc
import httpx
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from tests.analyzer.helpers import FIXTURES, LINES, write_lines_catalog
from yousync_dev.suite_process import Suite, running_suite
from yousync_dev.supervisor import BACKOFF_FIRST, BACKOFF_MAX, STABLE_SECONDS, Supervisor

# Twelve processes start on a shared 2-core machine: more than the default per-test time.
pytestmark = pytest.mark.timeout(900)
GRPC = ("auth", "catalog", "analyzer", "analyzer_2", "analysis_orchestrator", "analysis_orchestrator_2")
HEALTH_ONLY = ("dispatcher", "dispatcher_2")


async def until(condition: Callable[[], Awaitable[bool]], timeout: float = 60.0, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while not await condition():
        assert time.monotonic() < deadline, f"not in {timeout}s: {what}"
        await asyncio.sleep(0.2)


def test_a_dead_process_is_restarted_with_doubling_backoff_reset_once_stable(tmp_path: Path) -> None:
    now = 1000.0
    supervisor = Supervisor(tmp_path / "processes.json", clock=lambda: now)
    exits = [sys.executable, "-c", "raise SystemExit(3)"]
    first = supervisor.adopt("flaky", lambda: subprocess.Popen(exits))
    managed = supervisor.managed[0]
    assert json.loads((tmp_path / "processes.json").read_text()) == {"flaky": first.pid}
    first.wait(10)
    expected = BACKOFF_FIRST
    pids = {first.pid}
    for _ in range(8):  # dies at once each time: 0.5, 1, 2, 4, ... capped at BACKOFF_MAX
        now += 0.1
        supervisor.watch()
        assert managed.restart_at == pytest.approx(now + expected)
        now += expected - 0.01
        supervisor.watch()
        assert managed.process is not None and managed.process.pid in pids, "not before its backoff"
        now += 0.01
        supervisor.watch()
        assert managed.process.pid not in pids, "restarted once the backoff is over"
        pids.add(managed.process.pid)
        assert json.loads((tmp_path / "processes.json").read_text()) == {"flaky": managed.process.pid}
        managed.process.wait(10)
        expected = min(expected * 2, BACKOFF_MAX)
    assert expected == BACKOFF_MAX and managed.restarts == 8
    # Once it has stayed up STABLE_SECONDS, a crash starts over at the first backoff.
    now += STABLE_SECONDS + 1
    supervisor.watch()
    assert managed.restart_at == pytest.approx(now + BACKOFF_FIRST)


@pytest.fixture(scope="module")
def replicated() -> Iterator[Suite]:
    lines = Path(tempfile.mkdtemp(prefix="yousync-test-lines-"))
    try:
        env = {"YOUSYNC_REPLICAS": "2", "YOUSYNC_CATALOG_DIRS": str(write_lines_catalog(lines))}
        with running_suite(env, start_timeout=900) as suite:
            suite.read_output()
            yield suite
    finally:
        shutil.rmtree(lines, ignore_errors=True)


async def serving(target: str) -> bool:
    try:
        async with grpc.aio.insecure_channel(target) as channel:
            reply = await health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=2)
    except grpc.aio.AioRpcError:
        return False
    return bool(reply.status == health_pb2.HealthCheckResponse.SERVING)


async def test_two_replicas_of_each_start_and_all_serve(replicated: Suite) -> None:
    gateways = [replicated.target("gateway"), replicated.target("gateway_2")]
    assert {*GRPC, *HEALTH_ONLY} <= set(replicated.addresses), replicated.output
    assert int(gateways[1].rsplit(":", 1)[1]) != int(gateways[0].rsplit(":", 1)[1])
    for name in (*GRPC, *HEALTH_ONLY):
        assert await serving(replicated.target(name)), name
    for gateway in gateways:
        async with httpx.AsyncClient(base_url=gateway, timeout=10) as http:
            assert (await http.get("/readyz")).status_code == 200
            assert (await http.get("/api/scripts", params={"q": "Famous lines"})).json()["scripts"]


async def test_a_take_uploaded_through_one_gateway_is_watched_to_its_result_through_the_other(
    replicated: Suite,
) -> None:
    first, second = replicated.target("gateway"), replicated.target("gateway_2")
    async with httpx.AsyncClient(timeout=30) as http:
        token = (await http.post(f"{first}/api/auth/dev", json={"email": "replicas@example.com"})).json()
        headers = {"Authorization": f"Bearer {token['access_token']}"}
        script = (await http.get(f"{first}/api/scripts", params={"q": "Famous lines"})).json()["scripts"][0]
        tokens = (await http.get(f"{first}/api/scripts/{script['id']}")).json()["tokens"]
        text = str(LINES["offer"]["text"])[:12].lower()
        token_id = next(t["id"] for t in tokens if t["text"].lower().startswith(text))
        take = (FIXTURES / "offer" / "good.wav").read_bytes()
        for _ in range(2):  # two takes: round-robin puts them on both orchestrators
            upload = await http.post(
                f"{first}/api/tokens/{token_id}/upload-audio",
                files={"audio_file": ("take.wav", take, "audio/wav")},
                headers=headers,
            )
            assert upload.status_code == 202, upload.text
            job = upload.json()
            statuses = []
            async with http.stream("GET", f"{second}{job['progress_url']}", timeout=120) as stream:
                assert stream.status_code == 200
                async for line in stream.aiter_lines():
                    if line.startswith("data:"):
                        statuses.append(json.loads(line[5:])["status"])
            assert statuses[-1] == "completed", statuses


async def test_a_killed_replica_comes_back_and_serves_while_the_rest_keeps_serving(replicated: Suite) -> None:
    for name in ("gateway_2", "analyzer"):
        before = replicated.pids()[name]
        os.kill(before, signal.SIGKILL)

        async def restarted(name: str = name, before: int = before) -> bool:
            return replicated.pids()[name] != before

        await until(restarted, what=f"{name} restarted")
        if name == "gateway_2":

            async def answers(name: str = name) -> bool:
                try:
                    async with httpx.AsyncClient(base_url=replicated.target(name), timeout=5) as http:
                        return (await http.get("/readyz")).status_code == 200
                except httpx.TransportError:
                    return False

            await until(answers, what="the restarted gateway answers")
        else:
            await until(lambda name=name: serving(replicated.target(name)), what="the restarted analyzer serves")
        assert any(f"{name} exited with -9; restarting in" in line for line in replicated.output), replicated.output
        assert any(line.startswith(f"  {name} restarted (pid") for line in replicated.output)
    # Everything else stayed up: the stack did not stop.
    assert replicated.process.poll() is None
    for name in (*GRPC, *HEALTH_ONLY):
        assert await serving(replicated.target(name)), name
    code, rest = replicated.stop()
    assert code == 0, rest
    assert rest.rstrip().endswith("stopped")
