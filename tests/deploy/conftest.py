"""The edge under test: real auth + catalog (real PostgreSQL/NATS from the platform plugin), a stand-in
for the HTTP gateway, and the wheel's envoy running deploy/envoy/envoy.yaml rendered for 127.0.0.1.

The stand-in gateway (Starlette on 127.0.0.1) serves what Envoy must pass through untouched: an SSE stream
that emits events with pauses between them, an upload sink, /readyz. The catalog's tables are emptied
again when tests/deploy ends, so suites that expect an empty catalog are unaffected.
"""

from __future__ import annotations

import asyncio
import contextlib
import tempfile
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import grpc
import pytest
import uvicorn
from sqlalchemy import text
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response, StreamingResponse
from starlette.routing import Route

from tests.auth.conftest import auth_settings
from tests.deploy.envoy_harness import Envoy, build_descriptor, free_port, start_envoy
from yousync.catalog.v1 import catalog_pb2_grpc
from yousync_auth.server import MIGRATIONS as AUTH_MIGRATIONS
from yousync_auth.server import create_server as create_auth_server
from yousync_catalog.importer import import_catalog
from yousync_catalog.server import MIGRATIONS as CATALOG_MIGRATIONS
from yousync_catalog.server import create_app
from yousync_catalog.settings import CatalogSettings
from yousync_platform.db import create_engine
from yousync_platform.migrations import upgrade
from yousync_platform.storage import BlobSettings
from yousync_platform.testing.google import FakeGoogle

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "services" / "catalog" / "demo"
SSE_EVENTS = 4
SSE_PAUSE_SECONDS = 0.4


@pytest.fixture(scope="session")
def deploy_tmp() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="yousync-deploy-") as tmp:
        yield Path(tmp)


@pytest.fixture(scope="session")
def descriptor(deploy_tmp: Path) -> Path:
    """Built once per session from protos/, the way `make envoy-descriptor` builds it."""
    return build_descriptor(deploy_tmp / "descriptor.pb")


def stand_in_gateway() -> Starlette:
    async def progress(request: Request) -> Response:
        async def events() -> AsyncIterator[str]:
            yield "retry: 2000\n\n"
            for sequence in range(1, SSE_EVENTS + 1):
                yield f'id: {sequence}\nevent: progress\ndata: {{"sequence": {sequence}}}\n\n'
                await asyncio.sleep(SSE_PAUSE_SECONDS)

        return StreamingResponse(
            events(), media_type="text/event-stream", headers={"cache-control": "no-cache", "x-accel-buffering": "no"}
        )

    async def upload(request: Request) -> Response:
        size = 0
        async for chunk in request.stream():
            size += len(chunk)
        return JSONResponse({"received_bytes": size, "token_id": request.path_params["token_id"]}, status_code=202)

    async def echo(request: Request) -> Response:
        return JSONResponse({"path": request.url.path, "query": str(request.url.query)})

    async def ok(request: Request) -> Response:
        return PlainTextResponse("ok")

    return Starlette(
        routes=[
            Route("/readyz", ok),
            Route("/metrics", ok),
            Route("/api/tokens/analysis-progress/{job_id}", progress),
            Route("/api/tokens/{token_id}/upload-audio", upload, methods=["POST"]),
            Route("/api/{rest:path}", echo, methods=["GET", "POST"]),
        ]
    )


async def wait_until(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    async with asyncio.timeout(timeout):
        while not condition():  # noqa: ASYNC110 (uvicorn offers no event to wait on)
            await asyncio.sleep(0.02)


@dataclass
class Edge:
    envoy: Envoy
    catalog: catalog_pb2_grpc.CatalogServiceStub
    catalog_channel: grpc.aio.Channel


async def _empty_catalog(postgres_url: str) -> None:
    engine = create_engine(postgres_url)
    async with engine.begin() as conn:
        rows = await conn.execute(
            text(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'catalog' "
                "AND table_type = 'BASE TABLE' AND table_name <> 'alembic_version'"
            )
        )
        tables = ", ".join(f'catalog."{name}"' for (name,) in rows)
        if tables:
            await conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    await engine.dispose()


@pytest.fixture(scope="package")
async def edge(
    postgres_url: str, nats_url: str, fake_google: FakeGoogle, deploy_tmp: Path, descriptor: Path
) -> AsyncIterator[Edge]:
    async with contextlib.AsyncExitStack() as stack:
        await upgrade(AUTH_MIGRATIONS, postgres_url)
        auth_server, auth_resources = await create_auth_server(auth_settings(postgres_url, fake_google))
        stack.push_async_callback(auth_resources.aclose)
        auth_port = await auth_server.start()
        stack.push_async_callback(auth_server.stop, 1)
        await auth_server.set_serving()

        blob_root = deploy_tmp / "blobs"
        blob = BlobSettings(backend="filesystem", fs_root=str(blob_root), url_secret="edge-test-url-secret-0123456789")
        settings = CatalogSettings(  # type: ignore[call-arg]
            database_url=postgres_url,
            grpc_port=0,
            nats_url=nats_url,
            auth_target=f"127.0.0.1:{auth_port}",
            blob=blob,
        )
        await upgrade(CATALOG_MIGRATIONS, postgres_url)
        stack.push_async_callback(_empty_catalog, postgres_url)
        catalog_server, catalog_resources, app = await create_app(settings)
        stack.push_async_callback(catalog_resources.aclose)
        catalog_port = await catalog_server.start()
        stack.push_async_callback(catalog_server.stop, 1)
        await catalog_server.set_serving()
        await import_catalog(DEMO, uow=app.service._uow, blobs=app.blobs, progress=False)

        gateway_port = free_port()
        gateway = uvicorn.Server(
            uvicorn.Config(stand_in_gateway(), host="127.0.0.1", port=gateway_port, log_level="warning", lifespan="off")
        )
        gateway_task = asyncio.create_task(gateway.serve())

        async def stop_gateway() -> None:
            gateway.should_exit = True
            await asyncio.wait_for(gateway_task, 10)

        stack.push_async_callback(stop_gateway)
        await wait_until(lambda: gateway.started)

        # Nothing answers as the orchestrator yet: its cluster points at a closed port (calls → 503).
        upstreams = {"auth": auth_port, "catalog": catalog_port, "analysis": free_port(), "gateway": gateway_port}
        envoy = await asyncio.to_thread(start_envoy, deploy_tmp, descriptor, upstreams, {"auth", "catalog", "gateway"})
        stack.callback(envoy.stop)
        channel = grpc.aio.insecure_channel(f"127.0.0.1:{catalog_port}")
        stack.push_async_callback(channel.close)
        yield Edge(envoy, catalog_pb2_grpc.CatalogServiceStub(channel), channel)
