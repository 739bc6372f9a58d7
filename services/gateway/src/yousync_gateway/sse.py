"""Server-sent events: the framing (the WHATWG `text/event-stream` format) and the response that streams them."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Protocol

from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from yousync_gateway.server import DIRECT_BODY, DirectBody


def event(data: dict[str, Any], *, event_id: int | None = None, retry_ms: int | None = None) -> bytes:
    """One unnamed event (delivered to `EventSource.onmessage`) whose data is one line of JSON."""
    lines = []
    if retry_ms is not None:
        lines.append(f"retry: {retry_ms}")
    if event_id is not None:
        lines.append(f"id: {event_id}")
    # json.dumps escapes control characters, so the payload is a single line.
    lines.append("data: " + json.dumps(data, separators=(",", ":"), ensure_ascii=False))
    return ("\n".join(lines) + "\n\n").encode()


def comment(text: str = "keep-alive") -> bytes:
    return f": {text}\n\n".encode()


def parse_last_event_id(value: str | None) -> int:
    """The sequence to resume after; anything unusable means from the start."""
    if not value:
        return 0
    try:
        sequence = int(value.strip())
    except ValueError:
        return 0
    return sequence if 0 <= sequence < 2**62 else 0


class Source(Protocol):
    def run(self, body: Callable[[bytes], Awaitable[None]], direct: DirectBody | None) -> Awaitable[None]:
        """Send the stream's events: `await body(data)` for each, or `direct.write(chunk(data))` when it can."""

    def disconnected(self) -> None:
        """The client went away (called from plain code; `run` should end soon)."""


class EventStream(Response):
    """A `text/event-stream` response written by a `Source`. Its start and end go through `send` (and so
    through every middleware); its events may go straight to the socket through the server's `DirectBody`.
    The disconnect is learnt from the server (`DirectBody.on_lost`), or else by reading `receive` in a task
    as Starlette's StreamingResponse does."""

    media_type = "text/event-stream"

    def __init__(self, source: Source, headers: Mapping[str, str] | None = None) -> None:
        self.source = source
        self.status_code = 200
        self.background = None
        self.init_headers(headers)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers})
        direct: DirectBody | None = scope.get("extensions", {}).get(DIRECT_BODY)
        listener: asyncio.Task[None] | None = None
        if direct is not None:
            direct.on_lost(self.source.disconnected)
            if not direct.connected:
                self.source.disconnected()
        else:
            listener = asyncio.create_task(self._until_disconnect(receive))

        async def body(data: bytes) -> None:
            await send({"type": "http.response.body", "body": data, "more_body": True})

        try:
            await self.source.run(body, direct)
        finally:
            if direct is not None:
                direct.on_lost(None)
            if listener is not None:
                listener.cancel()
        await send({"type": "http.response.body", "body": b"", "more_body": False})

    async def _until_disconnect(self, receive: Receive) -> None:
        while (await receive())["type"] != "http.disconnect":
            pass
        self.source.disconnected()
