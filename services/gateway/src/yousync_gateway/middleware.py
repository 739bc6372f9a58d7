"""The gateway's outer ASGI layer: optional trailing slash, request id, body cap, control characters,
HTTP metrics.

Ordinary bodies (JSON; everything but uploads and the webhook, which cap their own streams) are read
here first, at most MAX_BODY_BYTES, whether sent with Content-Length or chunked: more is 413 before any
route runs (a route's own body parsing would turn the cap into a 400). A NUL or another C0 control
character, escaped in a JSON body (`\u0000`) or percent-encoded in the path or query (`%00`), is 422:
no text field of the API carries one, and PostgreSQL refuses NUL in text.
"""

from __future__ import annotations

import re
import time
from typing import Any

from starlette.datastructures import MutableHeaders
from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from yousync_gateway.errors import error_response
from yousync_gateway.metrics import HTTP_LATENCY, HTTP_REQUESTS
from yousync_platform.context import new_request_id, request_id_var
from yousync_platform.pipeline import REQUEST_ID_HEADER

_REQUEST_ID_KEY = REQUEST_ID_HEADER.encode()
_SAFE_ID = re.compile(r"^[A-Za-z0-9._:\-]{1,128}$")
# Ordinary JSON bodies are small; uploads and the webhook enforce their own caps while streaming.
MAX_BODY_BYTES = 1024 * 1024
_OWN_CAP = ("/upload-audio", "/webhook/analysis-complete")
# C0 controls but tab, LF and CR: escaped in JSON, percent-encoded in a URL.
_JSON_CONTROL = re.compile(rb"(?<!\\)(?:\\\\)*\\u00(?:0[0-8bcef]|1[0-9a-f])", re.IGNORECASE)
_CONTROL_ESCAPE = re.compile(rb"%(?:0[0-9a-f]|1[0-9a-f]|7f)", re.IGNORECASE)


class GatewayMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        if len(path) > 1 and path.endswith("/"):
            # A trailing slash is optional everywhere and never redirects.
            scope = dict(scope)
            scope["path"] = path.rstrip("/") or "/"
            raw: bytes | None = scope.get("raw_path")
            if raw:
                scope["raw_path"] = raw.rstrip(b"/") or b"/"
        request_id = request_id_of(scope)
        reset = request_id_var.set(request_id)
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableHeaders(scope=message)[REQUEST_ID_HEADER] = request_id
                observe_latency(_route_of(scope), scope["method"], started)
            await send(message)

        app = self.app
        if _CONTROL_ESCAPE.search(scope.get("raw_path") or b"") or _CONTROL_ESCAPE.search(scope["query_string"]):
            app = _control_characters("path or query")
        elif not scope["path"].endswith(_OWN_CAP):
            if _declared_length(scope) > MAX_BODY_BYTES:
                app = _too_large()
            elif has_body(scope):
                try:
                    body = await _read_capped(receive, MAX_BODY_BYTES)
                except ClientDisconnect:
                    request_id_var.reset(reset)
                    return  # nobody to answer
                if body is None:
                    app = _too_large()
                elif _JSON_CONTROL.search(body) and _is_json(scope):
                    app = _control_characters("body")
                else:
                    receive = _replay(body, receive)
        try:
            await app(scope, receive, send_with_id)
        finally:
            count_request(_route_of(scope), scope["method"], status)
            request_id_var.reset(reset)


def request_id_of(scope: Scope) -> str:
    """The caller's `X-Request-Id` when it is a safe token, else a new one."""
    for key, value in scope["headers"]:
        if key == _REQUEST_ID_KEY:
            candidate: str = value.decode("latin-1")
            if _SAFE_ID.match(candidate):
                return candidate
            break
    return new_request_id()


def observe_latency(route: str, method: str, started: float) -> None:
    """The time to the response's start, by route template (the HTTP latency histogram)."""
    HTTP_LATENCY.labels(route, method).observe(time.perf_counter() - started)


def count_request(route: str, method: str, status: int) -> None:
    HTTP_REQUESTS.labels(route, method, str(status)).inc()


def _route_of(scope: dict[str, Any] | Scope) -> str:
    route = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) else "unmatched"


def _declared_length(scope: Scope) -> int:
    for key, value in scope["headers"]:
        if key == b"content-length":
            return int(value) if value.isdigit() else 0
    return 0


def _too_large() -> ASGIApp:
    return error_response(
        413, "PAYLOAD_TOO_LARGE", f"request body over {MAX_BODY_BYTES} bytes", {"Connection": "close"}
    )


def _control_characters(where: str) -> ASGIApp:
    return error_response(422, "CONTROL_CHARACTERS", f"{where}: control characters (such as NUL) are not allowed")


def has_body(scope: Scope) -> bool:
    for key, value in scope["headers"]:
        if key == b"content-length" and value.strip() not in (b"", b"0"):
            return True
        if key == b"transfer-encoding":
            return True
    return False


def _is_json(scope: Scope) -> bool:
    for key, value in scope["headers"]:
        if key == b"content-type":
            return b"json" in value.lower()
    return False


async def _read_capped(receive: Receive, limit: int) -> bytes | None:
    """The whole body, or None as soon as it is over `limit` bytes (the rest is left unread)."""
    chunks: list[bytes] = []
    seen = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            raise ClientDisconnect()
        chunk: bytes = message.get("body", b"")
        seen += len(chunk)
        if seen > limit:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay
