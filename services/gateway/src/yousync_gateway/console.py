"""The web console (the React app built into web/dist) at `/`, and `GET /api/config` for it.

Static files are served from the dist directory; any other GET/HEAD path that is not the API's (see
RESERVED) answers the app's index.html to a browser's page load (Accept: text/html), so that client-side
routes survive a reload; other clients keep the API's JSON 404. The console is the
router's *default* (called only when no route matched), so it never shadows a route, whatever order
the routers are included in; reserved paths keep the API's JSON 404.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import grpc
from fastapi import APIRouter, FastAPI
from pydantic import BaseModel, Field
from starlette.responses import FileResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from yousync.auth.v1 import auth_pb2
from yousync_gateway.deps import GatewayState, State
from yousync_gateway.errors import COMMON_ERRORS, error_response
from yousync_gateway.settings import GatewaySettings

# Paths that never fall back to the app: the API, the compatibility surface, operations, the docs.
RESERVED = ("/api", "/compat", "/healthz", "/readyz", "/metrics", "/docs", "/redoc", "/openapi.json", "/blobs")
# The repository's build (editable installs and tests); images set GATEWAY_CONSOLE_DIR.
REPO_DIST = Path(__file__).resolve().parents[4] / "web" / "dist"
_PROBE_TTL = 60.0


class ConsoleConfig(BaseModel):
    dev_sign_in: bool = Field(description="Whether `POST /api/auth/dev` is enabled (local stacks).")
    google_client_id: str = Field(description="OAuth client id for Google's sign-in button; empty when none.")
    max_upload_bytes: int = Field(description="Largest take upload accepted (bigger is 413).")


router = APIRouter(tags=["console"], responses=COMMON_ERRORS)


async def _dev_sign_in_enabled(state: GatewayState) -> bool:
    """Asks auth, without side effects: an e-mail without '@' is refused after the enabled check."""
    cached: tuple[float, bool] | None = getattr(state, "_dev_sign_in", None)
    if cached is not None and time.monotonic() - cached[0] < _PROBE_TTL:
        return cached[1]
    try:
        await state.clients.auth.DevSignIn(auth_pb2.DevSignInRequest(email="-"), timeout=2.0)
        enabled = True
    except grpc.aio.AioRpcError as error:
        if error.code() in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED):
            return False  # not cached: ask again when auth is back
        enabled = error.code() != grpc.StatusCode.PERMISSION_DENIED
    state._dev_sign_in = (time.monotonic(), enabled)  # type: ignore[attr-defined]
    return enabled


@router.get(
    "/api/config",
    response_model=ConsoleConfig,
    summary="What the web console needs to know: the sign-in methods on offer",
)
async def console_config(state: State) -> dict[str, Any]:
    return {
        "dev_sign_in": await _dev_sign_in_enabled(state),
        "google_client_id": state.settings.console_google_client_id,
        "max_upload_bytes": state.settings.max_upload_bytes,
    }


def dist_dir(settings: GatewaySettings) -> Path:
    return Path(settings.console_dir) if settings.console_dir else REPO_DIST


class ConsoleApp:
    """The router's default: web/dist's files, index.html for client routes, the original 404 otherwise."""

    def __init__(self, root: Path, fallback: ASGIApp) -> None:
        self.root = root
        self.fallback = fallback

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope.get("path", "/")
        if (
            scope["type"] != "http"
            or scope["method"] not in ("GET", "HEAD")
            or any(path == p or path.startswith(p + "/") for p in RESERVED)
        ):
            await self.fallback(scope, receive, send)
            return
        response = await asyncio.to_thread(self._response, path, _accepts_html(scope))
        if response is None:
            await self.fallback(scope, receive, send)
            return
        await response(scope, receive, send)

    def _response(self, path: str, page_load: bool) -> Any:
        root = self.root.resolve()
        index = root / "index.html"
        if not index.is_file():
            return error_response(
                404, "CONSOLE_NOT_BUILT", "the web console is not built: run `make web` (npm ci, npm run build)"
            )
        relative = path.lstrip("/")
        if relative:
            candidate = (root / relative).resolve()
            if candidate.is_relative_to(root) and candidate.is_file():
                immutable = candidate.parent == root / "assets"
                return FileResponse(
                    candidate,
                    headers={"Cache-Control": "public, max-age=31536000, immutable" if immutable else "no-cache"},
                )
            if relative.startswith("assets/") or "." in relative.rsplit("/", 1)[-1] or not page_load:
                return None
        return FileResponse(index, media_type="text/html; charset=utf-8", headers={"Cache-Control": "no-cache"})


def _accepts_html(scope: Scope) -> bool:
    for key, value in scope["headers"]:
        if key == b"accept":
            return b"text/html" in value
    return False


def install(app: FastAPI, settings: GatewaySettings) -> None:
    """`GET /api/config` and the console as the router's default (whatever routes are added later)."""
    app.include_router(router)
    app.router.default = ConsoleApp(dist_dir(settings), app.router.default)  # type: ignore[method-assign]
