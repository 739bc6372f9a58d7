"""The gateway on a real uvicorn (127.0.0.1:0) in front of the real suite: auth, catalog, analyzer and
orchestrator servers with PostgreSQL, NATS and an S3 API server, started once per session (the
orchestrator's harness)."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
import uvicorn
from sqlalchemy import text

from tests.catalog.conftest import URL_SECRET
from tests.orchestrator.conftest import (  # noqa: F401 - session fixtures
    MAX_UPLOAD,
    WEBHOOK_SECRET,
    Flow,
    analyzer_for_flow,
    blob_root,
    catalog,
    dispatcher_paused,
    flow,
    lines,
    lines_manifest,
    s3_blobs,
    take,
)
from yousync_gateway.app import create_app
from yousync_gateway.deps import GatewayState
from yousync_gateway.settings import GatewaySettings
from yousync_platform.db import create_engine
from yousync_platform.storage import BlobSettings

# The gateway's own cap, a little over the orchestrator's (multipart overhead), so both are exercised.
GATEWAY_MAX_UPLOAD = MAX_UPLOAD + 64 * 1024
ORIGIN = "http://localhost:3000"


@dataclass
class Gateway:
    url: str
    app: Any
    server: uvicorn.Server
    http: httpx.AsyncClient
    flow: Flow
    sessions: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def state(self) -> GatewayState:
        state: GatewayState = self.app.state.gateway
        return state

    async def sign_in(self, email: str) -> dict[str, str]:
        """Authorization headers of `email` (dev sign-in through the gateway)."""
        response = await self.http.post("/api/auth/dev", json={"email": email, "display_name": email.split("@")[0]})
        assert response.status_code == 200, response.text
        self.sessions[email] = response.json()
        return {"Authorization": f"Bearer {response.json()['access_token']}"}


async def start_gateway(settings: GatewaySettings) -> tuple[uvicorn.Server, asyncio.Task[None], Any, str]:
    app = create_app(settings)
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_config=None, access_log=False, lifespan="on")
    server = uvicorn.Server(config)
    server.install_signal_handlers = lambda: None  # type: ignore[method-assign]
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    return server, task, app, f"http://127.0.0.1:{port}"


def gateway_settings(harness: Flow, blobs: Any, **overrides: Any) -> GatewaySettings:
    assert harness.orchestrator.server is not None
    values: dict[str, Any] = {
        "http_port": 0,
        "auth_target": harness.catalog.settings.auth_target,
        "catalog_target": harness.settings.catalog_target,
        "analysis_target": f"127.0.0.1:{harness.orchestrator.server.port}",
        "cors_origins": [ORIGIN],
        "max_upload_bytes": GATEWAY_MAX_UPLOAD,
        "stream_ticket_secret": "test-stream-ticket-secret-0123456789",
        "sse_heartbeat_seconds": 0.5,
        "uploads_per_minute": 1000,
        "max_concurrent_analyses": 1000,
        "max_concurrent_streams": 50,
        "blob": BlobSettings(backend="filesystem", fs_root=str(blobs), url_secret=URL_SECRET),
    }
    values.update(overrides)
    return GatewaySettings(**values)


@pytest.fixture(scope="session")
async def gateway(flow: Flow, blob_root: Any) -> AsyncIterator[Gateway]:  # noqa: F811
    server, task, app, url = await start_gateway(gateway_settings(flow, blob_root))
    http = httpx.AsyncClient(base_url=url, timeout=30)
    try:
        yield Gateway(url=url, app=app, server=server, http=http, flow=flow)
    finally:
        await http.aclose()
        server.should_exit = True
        await task


@pytest.fixture(scope="session")
async def demo_loaded(flow: Flow) -> None:  # noqa: F811
    """The demo catalog (scenes with several lines), imported once."""
    from tests.catalog.conftest import DEMO

    await flow.catalog.import_demo(DEMO)


@pytest.fixture(autouse=True)
async def clean_gateway_analysis(request: pytest.FixtureRequest, postgres_url: str) -> AsyncIterator[None]:
    yield
    if "flow" not in request.fixturenames and "gateway" not in request.fixturenames:
        return
    engine = create_engine(postgres_url)
    async with engine.begin() as conn:
        await conn.execute(text("TRUNCATE analysis.takes, analysis.jobs, analysis.results, analysis.outbox CASCADE"))
    await engine.dispose()


# ---------------------------------------------------------------- a browser's EventSource, in miniature
@dataclass
class SseEvent:
    data: dict[str, Any]
    id: str | None
    event: str


@dataclass
class SseStream:
    status: int
    headers: httpx.Headers
    events: list[SseEvent] = field(default_factory=list)
    comments: int = 0
    retry: int | None = None
    body: str = ""


async def read_sse(
    http: httpx.AsyncClient,
    url: str,
    *,
    headers: dict[str, str] | None = None,
    timeout: float = 60.0,
    stop_after: int | None = None,
    until_comment: bool = False,
) -> SseStream:
    """Parse a stream as the WHATWG EventSource does (fields, comments, dispatch on a blank line), and
    JSON.parse every message's data the way the original frontend does (no try/catch: must not fail)."""
    async with asyncio.timeout(timeout), http.stream("GET", url, headers=headers or {}) as response:
        stream = SseStream(response.status_code, response.headers)
        if response.status_code != 200:
            stream.body = (await response.aread()).decode()
            return stream
        data: list[str] = []
        event_id: str | None = None
        event_type = ""
        async for line in response.aiter_lines():
            if line == "":
                if data:
                    stream.events.append(SseEvent(json.loads("\n".join(data)), event_id, event_type or "message"))
                    if stop_after is not None and len(stream.events) >= stop_after:
                        return stream
                data, event_type = [], ""
                continue
            if line.startswith(":"):
                stream.comments += 1
                if until_comment:
                    return stream
                continue
            name, _, value = line.partition(":")
            value = value.removeprefix(" ")
            if name == "data":
                data.append(value)
            elif name == "id":
                event_id = value
            elif name == "event":
                event_type = value
            elif name == "retry" and value.isdigit():
                stream.retry = int(value)
        return stream


def multipart(
    field_name: str, data: bytes, filename: str = "take.wav", content_type: str = "audio/wav"
) -> dict[str, Any]:
    return {"files": {field_name: (filename, data, content_type)}}


class RequestIdLog(logging.Handler):
    """Captures the request id that each service's access log line was written under."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        from yousync_platform.context import request_id_var

        value = request_id_var.get()
        if value:
            self.ids.append(value)
