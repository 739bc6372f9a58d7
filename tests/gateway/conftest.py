"""Gateway test helpers: a browser's EventSource in miniature, multipart bodies, request-id capture.
The gateway and the suite behind it are session fixtures in tests/fixtures/suite.py."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from tests.fixtures.suite import (
    GATEWAY_MAX_UPLOAD,
    MAX_UPLOAD,
    ORIGIN,
    WEBHOOK_SECRET,
    Flow,
    Gateway,
    clear_analysis_tables,
    dispatcher_paused,
    gateway_settings,
    running_gateway,
    take,
)

__all__ = [
    "GATEWAY_MAX_UPLOAD",
    "MAX_UPLOAD",
    "ORIGIN",
    "WEBHOOK_SECRET",
    "Flow",
    "Gateway",
    "dispatcher_paused",
    "gateway_settings",
    "running_gateway",
    "take",
]


@pytest.fixture(autouse=True)
async def clean_gateway_analysis(request: pytest.FixtureRequest, postgres_url: str) -> AsyncIterator[None]:
    yield
    if "flow" not in request.fixturenames and "gateway" not in request.fixturenames:
        return
    await clear_analysis_tables(postgres_url)


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


async def upload(gateway: Gateway, headers: dict[str, str], token_id: int, data: bytes, **kw: str) -> dict[str, Any]:
    """Upload a take through the gateway's original-frontend path; asserts 202 and returns the answer."""
    response = await gateway.http.post(
        f"/api/tokens/{token_id}/upload-audio", headers=headers, **multipart("audio_file", data, **kw)
    )
    assert response.status_code == 202, response.text
    accepted: dict[str, Any] = response.json()
    return accepted


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
