"""A real auth server (real PostgreSQL, real gRPC on 127.0.0.1:0) for the whole session."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import grpc
import pytest
from sqlalchemy import text

from yousync.auth.v1 import auth_pb2_grpc
from yousync_auth.keys import generate_private_pem
from yousync_auth.server import MIGRATIONS, create_server
from yousync_auth.settings import AuthSettings
from yousync_dev.fake_google import FakeGoogle
from yousync_platform.db import create_engine
from yousync_platform.migrations import upgrade
from yousync_platform.server import GrpcServer

ADMIN_EMAIL = "admin@example.com"


@dataclass
class AuthHarness:
    server: GrpcServer
    settings: AuthSettings
    stub: auth_pb2_grpc.AuthServiceStub
    channel: grpc.aio.Channel
    target: str


def auth_settings(postgres_url: str, google: FakeGoogle, **overrides: object) -> AuthSettings:
    values: dict[str, object] = {
        "database_url": postgres_url,
        "google_client_ids": [google.client_id, "another-client"],
        "google_certs_url": google.certs_url,
        "signing_key": generate_private_pem(),
        "refresh_reuse_grace_seconds": 1.0,
        "admin_emails": [ADMIN_EMAIL],
        "dev_sign_in_enabled": True,
        "grpc_port": 0,
    }
    values.update(overrides)
    return AuthSettings(**values)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
async def auth(postgres_url: str, fake_google: FakeGoogle) -> AsyncIterator[AuthHarness]:
    settings = auth_settings(postgres_url, fake_google)
    await upgrade(MIGRATIONS, postgres_url)
    server, resources = await create_server(settings)
    port = await server.start()
    await server.set_serving()
    target = f"127.0.0.1:{port}"
    channel = grpc.aio.insecure_channel(target)
    try:
        yield AuthHarness(server, settings, auth_pb2_grpc.AuthServiceStub(channel), channel, target)
    finally:
        await channel.close()
        await server.stop(1)
        await resources.aclose()


@pytest.fixture(autouse=True)
async def clean_auth_schema(auth: AuthHarness, postgres_url: str) -> AsyncIterator[None]:
    yield
    engine = create_engine(postgres_url)
    async with engine.begin() as conn:
        await conn.execute(text("TRUNCATE auth.users, auth.refresh_families, auth.refresh_tokens CASCADE"))
    await engine.dispose()
