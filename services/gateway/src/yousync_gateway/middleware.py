"""The gateway's outermost ASGI layer: optional trailing slash, request id, body cap, HTTP metrics."""

from __future__ import annotations

import re
import time
from typing import Any

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from yousync_gateway.errors import ApiError, error_response
from yousync_gateway.metrics import HTTP_LATENCY, HTTP_REQUESTS
from yousync_platform.context import new_request_id, request_id_var
from yousync_platform.pipeline import REQUEST_ID_HEADER

_REQUEST_ID_KEY = REQUEST_ID_HEADER.encode()
_SAFE_ID = re.compile(r"^[A-Za-z0-9._:\-]{1,128}$")
# Ordinary JSON bodies are small; uploads and the webhook enforce their own caps while streaming.
MAX_BODY_BYTES = 1024 * 1024
_OWN_CAP = ("/upload-audio", "/webhook/analysis-complete")


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
        request_id = ""
        for key, value in scope["headers"]:
            if key == _REQUEST_ID_KEY:
                candidate = value.decode("latin-1")
                if _SAFE_ID.match(candidate):
                    request_id = candidate
                break
        request_id = request_id or new_request_id()
        reset = request_id_var.set(request_id)
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableHeaders(scope=message)[REQUEST_ID_HEADER] = request_id
                route = _route_of(scope)
                HTTP_LATENCY.labels(route, scope["method"]).observe(time.perf_counter() - started)
            await send(message)

        app = self.app
        if not scope["path"].endswith(_OWN_CAP):
            if _declared_length(scope) > MAX_BODY_BYTES:
                app = error_response(
                    413, "PAYLOAD_TOO_LARGE", f"request body over {MAX_BODY_BYTES} bytes", {"Connection": "close"}
                )
            else:
                receive = _capped(receive, MAX_BODY_BYTES)
        try:
            await app(scope, receive, send_with_id)
        finally:
            HTTP_REQUESTS.labels(_route_of(scope), scope["method"], str(status)).inc()
            request_id_var.reset(reset)


def _route_of(scope: dict[str, Any] | Scope) -> str:
    route = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) else "unmatched"


def _declared_length(scope: Scope) -> int:
    for key, value in scope["headers"]:
        if key == b"content-length":
            return int(value) if value.isdigit() else 0
    return 0


def _capped(receive: Receive, limit: int) -> Receive:
    seen = 0

    async def capped() -> Message:
        nonlocal seen
        message = await receive()
        if message["type"] == "http.request":
            seen += len(message.get("body", b""))
            if seen > limit:
                raise ApiError(
                    413, "PAYLOAD_TOO_LARGE", f"request body over {limit} bytes", headers={"Connection": "close"}
                )
        return message

    return capped
