"""The FastAPI application: routers, error handlers, CORS, the gateway middleware, the lifespan."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from yousync_gateway import console
from yousync_gateway.clients import open_clients
from yousync_gateway.deps import GatewayState, Limits
from yousync_gateway.errors import HANDLERS
from yousync_gateway.limits import AnalysisSlots, Concurrency, SlidingWindow
from yousync_gateway.middleware import GatewayMiddleware
from yousync_gateway.routes import analysis, auth, blobs, catalog, mypage, ops
from yousync_gateway.settings import GatewaySettings
from yousync_gateway.tickets import TicketSealer
from yousync_platform.storage.filesystem import FilesystemBlobStore

DESCRIPTION = """The browser's API of YouSync: sign-in, the catalog of scripts (scenes) and tokens (lines),
uploading takes, live analysis progress (server-sent events), results and the user's page.

**Authentication.** `POST /api/auth/google` (or `/api/auth/dev` on a local stack) returns an
`access_token`; send it as `Authorization: Bearer <access_token>`. A missing, malformed, expired or
forged token is always **401**. Refresh with `POST /api/auth/refresh {refresh_token}`.

**Progress streams and EventSource.** A browser's `EventSource` cannot send an Authorization header.
The upload response therefore carries a `stream_ticket` and a ready `progress_url`
(`/api/tokens/analysis-progress/{job_id}?ticket=...`); `POST /api/tokens/analysis-progress/{job_id}/ticket`
mints a fresh one. A ticket is sealed with AES-256-GCM under the gateway's secret, names one job,
and expires within minutes (never later than the access token it was minted from). The access token
itself never appears in a URL, and a ticket is accepted nowhere but that job's stream.

**Errors.** Every error is `{"detail": "...", "code": "UPPER_SNAKE"}`. Statuses: 400/422 invalid input,
401 authentication, 403 forbidden, 404 not found *or not yours*, 409 conflict, 413 too large,
415 unsupported audio, 429 per-user limit (with `Retry-After`), 503/504 a backend is unavailable or slow.

**Conventions.** A trailing slash is optional on every path (never a redirect). `X-Request-Id` is
accepted and echoed, and follows the request through every service. Paths tagged *compatibility*
serve the original frontend (where its "token" is our script and its "script" is our token).
"""


def create_app(settings: GatewaySettings) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        clients = open_clients(settings)
        blob_store = blob_signer = None
        if settings.serve_blobs and settings.blob.backend == "filesystem":
            blob_signer = settings.blob.signer()
            blob_store = FilesystemBlobStore(settings.blob.fs_root, blob_signer)
        app.state.gateway = GatewayState(
            settings=settings,
            clients=clients,
            sealer=TicketSealer(
                settings.stream_ticket_secret.get_secret_value().encode(), settings.stream_ticket_ttl_seconds
            ),
            limits=Limits(
                uploads=SlidingWindow(settings.uploads_per_minute, 60.0),
                analyses=AnalysisSlots(settings.max_concurrent_analyses, settings.analysis_slot_seconds),
                streams=Concurrency(
                    settings.max_concurrent_streams, settings.max_total_streams, "TOO_MANY_STREAMS", "progress streams"
                ),
            ),
            blob_store=blob_store,
            blob_signer=blob_signer,
        )
        try:
            yield
        finally:
            await clients.close()

    app = FastAPI(
        title="YouSync API",
        version="1.0.0",
        description=DESCRIPTION,
        lifespan=lifespan,
        redirect_slashes=False,
        exception_handlers=HANDLERS,
    )
    for router in (
        auth.router,
        catalog.router,
        analysis.router,
        mypage.router,
        blobs.router,
        analysis.legacy,
        ops.router,
    ):
        app.include_router(router)
    console.install(app, settings)
    origins = list(settings.cors_origins)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=origins,
        allow_credentials="*" not in origins,
        allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
        allow_headers=["Authorization", "Content-Type", "Idempotency-Key", "Last-Event-ID", "X-Request-Id"],
        expose_headers=["X-Request-Id", "Retry-After", "X-Next-Page-Token"],
        max_age=600,
    )
    app.add_middleware(GatewayMiddleware)
    return app
