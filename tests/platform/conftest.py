"""A probe servicer for testing the shared server stack (pipeline, lifecycle, clients).

It implements AuthService's DevSignIn with test commands carried in `email`; it is a test double of a
*servicer*, used to exercise the real platform code around it.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import dataclass

import grpc
import pytest

from yousync.auth.v1 import auth_pb2, auth_pb2_grpc
from yousync_platform.client import Channels, ClientPolicy
from yousync_platform.context import current_principal, current_request_id
from yousync_platform.errors import NotFound
from yousync_platform.server import GrpcServer, Service

SERVICE = "yousync.auth.v1.AuthService"


class ProbeServicer(auth_pb2_grpc.AuthServiceServicer):
    def __init__(self, channels: Channels, next_hop: list[str]) -> None:
        self.channels = channels
        self.next_hop = next_hop
        self.calls = 0

    async def DevSignIn(self, request: auth_pb2.DevSignInRequest, context: object) -> auth_pb2.DevSignInResponse:
        self.calls += 1
        command, _, arg = request.email.partition(":")
        if command == "sleep":
            await asyncio.sleep(float(arg))
            return auth_pb2.DevSignInResponse(session=auth_pb2.Session(token_type="slept"))
        if command == "boom":
            raise RuntimeError("database password is hunter2")
        if command == "missing":
            raise NotFound("THING_NOT_FOUND", "no such thing", {"thing": arg})
        if command == "rid":
            return auth_pb2.DevSignInResponse(session=auth_pb2.Session(access_token=current_request_id() or ""))
        if command == "whoami":
            principal = current_principal()
            return auth_pb2.DevSignInResponse(
                session=auth_pb2.Session(access_token=principal.subject if principal else "")
            )
        if command == "hop":
            stub = auth_pb2_grpc.AuthServiceStub(self.channels.get(self.next_hop[0], ClientPolicy(SERVICE)))
            return await stub.DevSignIn(auth_pb2.DevSignInRequest(email="rid"))
        return auth_pb2.DevSignInResponse()

    async def GetJwks(self, request: auth_pb2.GetJwksRequest, context: object) -> auth_pb2.GetJwksResponse:
        return auth_pb2.GetJwksResponse()


@dataclass
class Probe:
    server: GrpcServer
    servicer: ProbeServicer
    target: str
    channels: Channels


async def start_probe(next_hop: list[str] | None = None, **kwargs: object) -> Probe:
    channels = Channels()
    servicer = ProbeServicer(channels, next_hop or [])
    server = GrpcServer(
        [Service(SERVICE, servicer, auth_pb2_grpc.add_AuthServiceServicer_to_server)],
        domain="probe.yousync",
        **kwargs,  # type: ignore[arg-type]
    )
    port = await server.start()
    await server.set_serving()
    return Probe(server, servicer, f"127.0.0.1:{port}", channels)


@pytest.fixture
async def probe() -> AsyncIterator[Probe]:
    probe = await start_probe()
    async with AsyncExitStack() as stack:
        stack.push_async_callback(probe.channels.close)
        yield probe
        await probe.server.stop(0)


def stub_for(channel: grpc.aio.Channel) -> auth_pb2_grpc.AuthServiceStub:
    return auth_pb2_grpc.AuthServiceStub(channel)
