"""Client-side load balancing over replicas: one channel to a multi-address target spreads calls
round-robin, and a replica that reports NOT_SERVING (draining, starting) or is gone gets no calls."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

from grpc_health.v1 import health_pb2

from tests.platform.conftest import SERVICE, start_probe
from yousync.auth.v1 import auth_pb2, auth_pb2_grpc
from yousync_platform.client import Channels, ClientPolicy

POLICY = ClientPolicy(SERVICE, timeout_seconds=5.0, idempotent=frozenset({"DevSignIn"}))


async def until(condition: Callable[[], Awaitable[bool]], timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not await condition():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.05)


async def test_calls_spread_over_replicas_and_skip_one_not_serving() -> None:
    a, b = await start_probe(), await start_probe()
    channels = Channels()
    try:
        target = f"ipv4:{a.target},{b.target}"
        stub = auth_pb2_grpc.AuthServiceStub(channels.get(target, POLICY))

        async def call() -> None:
            await stub.DevSignIn(auth_pb2.DevSignInRequest(email="plain"))

        # Both replicas get calls once both are connected and healthy.
        async def both_called() -> bool:
            await call()
            return a.servicer.calls > 0 and b.servicer.calls > 0

        await until(both_called)
        before_a, before_b = a.servicer.calls, b.servicer.calls
        for _ in range(20):
            await call()
        assert a.servicer.calls - before_a >= 5 and b.servicer.calls - before_b >= 5, "round-robin, not pick-first"

        # b drains (NOT_SERVING): once the health watch tells the channel, every call goes to a.
        await b.server.health.set("", health_pb2.HealthCheckResponse.NOT_SERVING)

        async def b_left_out() -> bool:
            seen = b.servicer.calls
            for _ in range(10):
                await call()
            return b.servicer.calls == seen

        await until(b_left_out)
        seen_b = b.servicer.calls
        for _ in range(20):
            await call()
        assert b.servicer.calls == seen_b

        # b serves again and a goes away altogether: calls keep succeeding, on b.
        await b.server.health.set("", health_pb2.HealthCheckResponse.SERVING)
        await a.server.stop(grace=0)
        seen_b = b.servicer.calls
        for _ in range(20):
            await call()
        assert b.servicer.calls - seen_b == 20
    finally:
        await channels.close()
        for probe in (a, b):
            await probe.server.stop(grace=0)
            await probe.channels.close()
