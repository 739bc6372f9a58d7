"""Graceful shutdown: health flips to NOT_SERVING, in-flight calls finish, then the server stops."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from tests.platform.conftest import start_probe, stub_for
from yousync.auth.v1 import auth_pb2
from yousync_auth.keys import generate_private_pem
from yousync_dev.fake_google import FakeGoogle
from yousync_dev.ports import free_port


async def until(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.01)


async def until_not_serving(health: health_pb2_grpc.HealthStub, timeout: float = 10.0) -> None:
    """Poll health until it says NOT_SERVING (a server gone before saying so is a failure)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            reply = await health.Check(health_pb2.HealthCheckRequest(service=""), timeout=5)
        except grpc.aio.AioRpcError as error:
            assert error.code() == grpc.StatusCode.DEADLINE_EXCEEDED, f"health failed: {error.code()}"
        else:
            if reply.status == health_pb2.HealthCheckResponse.NOT_SERVING:
                return
        assert time.monotonic() < deadline, "health never said NOT_SERVING"
        await asyncio.sleep(0.01)


async def test_stop_flips_health_then_drains_in_flight_calls() -> None:
    probe = await start_probe()
    async with grpc.aio.insecure_channel(probe.target) as channel:
        health = health_pb2_grpc.HealthStub(channel)
        slow = asyncio.ensure_future(stub_for(channel).DevSignIn(auth_pb2.DevSignInRequest(email="sleep:1.0")))
        await until(lambda: probe.servicer.calls == 1)  # the slow call is in flight
        stopping = asyncio.create_task(probe.server.stop(grace=5, drain_seconds=0.5))
        await until_not_serving(health)
        assert not slow.done(), "health flipped while the call was still running"
        assert (await slow).session.token_type == "slept", "the in-flight call finished within the grace"
        await stopping
        try:
            await stub_for(channel).DevSignIn(auth_pb2.DevSignInRequest(email="rid"), timeout=1)
        except grpc.aio.AioRpcError as error:
            assert error.code() in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED)
        else:
            raise AssertionError("a stopped server answered")
    await probe.channels.close()


async def test_sigterm_stops_the_auth_process_gracefully(postgres_url: str, fake_google: FakeGoogle) -> None:
    port = free_port()
    env = {
        **os.environ,
        "AUTH_DATABASE_URL": postgres_url,
        "AUTH_SIGNING_KEY": generate_private_pem(),
        "AUTH_GOOGLE_CLIENT_IDS": fake_google.client_id,
        "AUTH_GOOGLE_CERTS_URL": fake_google.certs_url,
        "AUTH_GRPC_PORT": str(port),
        "AUTH_GRACE_SECONDS": "3",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "yousync_auth"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    try:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
            health = health_pb2_grpc.HealthStub(channel)
            deadline = time.monotonic() + 30
            while True:
                try:
                    reply = await health.Check(health_pb2.HealthCheckRequest(service=""), timeout=1)
                    if reply.status == health_pb2.HealthCheckResponse.SERVING:
                        break
                except grpc.aio.AioRpcError:
                    pass
                assert time.monotonic() < deadline, "auth did not become SERVING"
                await asyncio.sleep(0.1)
            process.send_signal(signal.SIGTERM)
            await until_not_serving(health)  # within the drain (1 s) that precedes the stop
        assert process.wait(15) == 0
        stderr = process.stderr.read().decode() if process.stderr else ""
        lines = [json.loads(line) for line in stderr.splitlines() if line.startswith("{")]
        assert {"logger": "yousync_platform.server", "message": "stopped"}.items() <= lines[-1].items(), lines[-1]
        assert all(line["service"] == "auth" for line in lines)
        # Before serving, the start-up heap left the collector's view (yousync_platform.heap): a full collection
        # then walks what calls hold, not the ~100,000s of objects of the modules and engines.
        messages = [line["message"] for line in lines]
        frozen = next(line for line in lines if line["message"] == "start-up heap frozen")
        assert frozen["objects"] > 50_000, frozen
        assert messages.index("start-up heap frozen") < messages.index("serving"), messages
        assert "AUTH_SIGNING_KEY" not in stderr and "BEGIN PRIVATE KEY" not in stderr, "secrets never logged"
    finally:
        if process.poll() is None:
            process.kill()
