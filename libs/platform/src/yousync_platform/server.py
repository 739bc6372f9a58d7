"""gRPC server lifecycle, after grpc's asyncio examples.

`GrpcServer` builds a grpc.aio server with our `ServerPipeline`, grpc.health.v1 and reflection.
`run_until_terminated` freezes the start-up heap (heap.py), serves until SIGTERM/SIGINT, then: health
NOT_SERVING → a short drain so load balancers notice → `stop(grace)` lets in-flight calls finish →
resources are closed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Awaitable, Callable, Iterable, Sequence
from contextlib import AsyncExitStack
from dataclasses import dataclass
from typing import Any

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from yousync_platform.access_tokens import AccessTokenVerifier
from yousync_platform.heap import settle_heap
from yousync_platform.pipeline import PipelineRegistrar, ServerPipeline

log = logging.getLogger(__name__)

MAX_MESSAGE_BYTES = 8 * 1024 * 1024
# Pings accepted from a client this often even when no data flows (gRPC's default is one per 5 minutes).
MIN_PING_INTERVAL_MS = 10_000


@dataclass(frozen=True)
class Service:
    """A servicer and the generated function that registers it."""

    name: str  # full name, e.g. "yousync.auth.v1.AuthService"
    servicer: Any
    register: Callable[[Any, grpc.aio.Server], None]


class GrpcServer:
    def __init__(
        self,
        services: Sequence[Service],
        *,
        domain: str,
        host: str = "127.0.0.1",
        port: int = 0,
        verifier: AccessTokenVerifier | None = None,
        public_methods: Iterable[str] = (),
    ) -> None:
        self.services = list(services)
        self._address = f"{host}:{port}"
        self.server = grpc.aio.server(
            options=[
                ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
                ("grpc.max_send_message_length", MAX_MESSAGE_BYTES),
                ("grpc.so_reuseport", 0),
                # Clients reconnect now and then, so new replicas behind DNS round robin get traffic.
                ("grpc.max_connection_age_ms", 300_000),
                ("grpc.max_connection_age_grace_ms", 1_800_000),
                # Our clients ping every client.KEEPALIVE_TIME_MS while a call is open, data or not; gRPC's
                # default here (5 min without data) answers the third such ping with GOAWAY ENHANCE_YOUR_CALM,
                # which fails every call on the connection (a quiet WatchJob stream and all its watchers).
                ("grpc.http2.min_ping_interval_without_data_ms", MIN_PING_INTERVAL_MS),
            ],
        )
        pipeline = ServerPipeline(domain=domain, verifier=verifier, public_methods=public_methods)
        registrar = PipelineRegistrar(self.server, pipeline)
        for service in self.services:
            service.register(service.servicer, registrar)
        self.health = health.aio.HealthServicer()
        health_pb2_grpc.add_HealthServicer_to_server(self.health, self.server)
        names = [s.name for s in self.services]
        reflection.enable_server_reflection([*names, health.SERVICE_NAME, reflection.SERVICE_NAME], self.server)
        self.port = 0

    async def start(self) -> int:
        """Bind, start and report NOT_SERVING until `set_serving`; returns the bound port."""
        self.port = self.server.add_insecure_port(self._address)
        if self.port == 0:
            raise RuntimeError(f"cannot bind {self._address}")
        await self.server.start()
        await self._set_all(health_pb2.HealthCheckResponse.NOT_SERVING)
        return self.port

    async def set_serving(self) -> None:
        await self._set_all(health_pb2.HealthCheckResponse.SERVING)

    async def stop(self, grace: float | None, drain_seconds: float = 0.0) -> None:
        """NOT_SERVING first, then after `drain_seconds` stop accepting and give calls `grace` seconds."""
        await self.health.enter_graceful_shutdown()
        if drain_seconds > 0:
            await asyncio.sleep(drain_seconds)
        await self.server.stop(grace)

    async def _set_all(self, status: Any) -> None:
        for name in ("", *(s.name for s in self.services)):
            await self.health.set(name, status)


async def run_until_terminated(
    server: GrpcServer,
    *,
    resources: AsyncExitStack,
    grace_seconds: float,
    drain_seconds: float = 1.0,
    ready: Callable[[], Awaitable[None]] | None = None,
    on_started: Callable[[int], None] | None = None,
) -> None:
    """Serve until SIGTERM or SIGINT, then shut down gracefully and close `resources`."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    async with resources:
        port = await server.start()
        if ready is not None:
            await ready()
        settle_heap()
        await server.set_serving()
        log.info("serving", extra={"port": port, "services": [s.name for s in server.services]})
        if on_started is not None:
            on_started(port)
        waiter = asyncio.create_task(server.server.wait_for_termination())
        signalled = asyncio.create_task(stop.wait())
        await asyncio.wait({waiter, signalled}, return_when=asyncio.FIRST_COMPLETED)
        log.info("shutting down", extra={"grace_seconds": grace_seconds})
        await server.stop(grace_seconds, drain_seconds)
        for task in (waiter, signalled):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
    log.info("stopped")
