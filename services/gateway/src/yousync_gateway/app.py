"""The FastAPI application: routers, error handlers, CORS, the gateway middleware, the lifespan."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from starlette.types import Receive, Scope, Send

from yousync_gateway import console
from yousync_gateway.caching import CacheMiddleware, CatalogInvalidation, FastHits, ResponseCache
from yousync_gateway.clients import open_clients
from yousync_gateway.compat import analysis as compat_analysis
from yousync_gateway.compat import auth as compat_auth
from yousync_gateway.compat import catalog as compat_catalog
from yousync_gateway.compat import mypage as compat_mypage
from yousync_gateway.compat import requests as compat_requests
from yousync_gateway.compat import synthesize as compat_synthesize
from yousync_gateway.deps import GatewayState, Limits
from yousync_gateway.errors import HANDLERS
from yousync_gateway.limits import Concurrency, SlidingWindow
from yousync_gateway.metrics import MetricsServer
from yousync_gateway.middleware import GatewayMiddleware
from yousync_gateway.routes import analysis, auth, blobs, catalog, mypage, ops
from yousync_gateway.security import JsonCors, SecurityHeaders
from yousync_gateway.settings import GatewaySettings
from yousync_gateway.throttle import AuthThrottle
from yousync_gateway.tickets import TicketSealer
from yousync_platform.storage.filesystem import FilesystemBlobStore
from yousync_platform.telemetry import asgi_middleware

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


class GatewayApp(FastAPI):
    """The API; a repeated public catalog read is answered before routing (`caching.FastHits`) once the
    response cache is up, unless tracing is on (every request is then a span of the whole stack)."""

    fast_hits: FastHits | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.fast_hits is None:
            await super().__call__(scope, receive, send)
        else:
            await self.fast_hits(scope, receive, send, super().__call__)


def create_app(settings: GatewaySettings) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        clients = open_clients(settings)
        metrics_server = MetricsServer(settings.metrics_host, settings.metrics_port)
        app.state.metrics_port = metrics_server.port
        cache = ResponseCache(ttl_seconds=settings.catalog_cache_seconds, max_entries=settings.catalog_cache_entries)
        invalidation = CatalogInvalidation(cache)
        if settings.nats_url and cache.enabled:
            await invalidation.start(settings.nats_url)
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
                streams=Concurrency(
                    settings.max_concurrent_streams, settings.max_total_streams, "TOO_MANY_STREAMS", "progress streams"
                ),
            ),
            blob_store=blob_store,
            blob_signer=blob_signer,
            cache=cache,
        )
        assert isinstance(app, GatewayApp)
        if cache.enabled and asgi_middleware() is None:
            app.fast_hits = FastHits(cache)
        try:
            yield
        finally:
            app.fast_hits = None
            metrics_server.close()
            await invalidation.close()
            await clients.close()

    app = GatewayApp(
        title="YouSync API",
        version="1.0.0",
        description=DESCRIPTION,
        lifespan=lifespan,
        redirect_slashes=False,
        exception_handlers=HANDLERS,
        docs_url="/docs" if settings.docs_enabled else None,
        redoc_url="/redoc" if settings.docs_enabled else None,
        openapi_url="/openapi.json" if settings.docs_enabled else None,
        # FastAPI's own OpenTelemetry spans would record the raw path and query (a progress stream's
        # ticket, a compatibility stream's job id) and double the HTTP span: the gateway's HTTP spans
        # come from yousync_platform.telemetry's ASGI middleware below, which records neither.
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )
    app.state.auth_throttle = AuthThrottle(
        settings.auth_attempts_per_ip, settings.auth_attempts_per_account, settings.auth_rate_window_seconds
    )
    for router in (
        auth.router,
        catalog.router,
        analysis.router,
        mypage.router,
        blobs.router,
        analysis.legacy,
        ops.router,
        compat_catalog.router,
        compat_auth.router,
        compat_analysis.router,
        compat_mypage.router,
        compat_synthesize.router,
        compat_requests.router,
    ):
        app.include_router(router)
    console.install(app, settings)
    app.add_middleware(CacheMiddleware)
    origins = list(settings.cors_origins)
    app.add_middleware(
        JsonCors,
        allow_origins=origins,
        allow_credentials="*" not in origins,
        allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
        allow_headers=["Authorization", "Content-Type", "Idempotency-Key", "Last-Event-ID", "X-Request-Id"],
        expose_headers=["X-Request-Id", "Retry-After", "X-Next-Page-Token"],
        max_age=600,
    )
    app.add_middleware(GatewayMiddleware)
    app.add_middleware(SecurityHeaders, media_origins=settings.media_origins)
    if (tracing := asgi_middleware()) is not None:
        # Outermost: one SERVER span per request, continuing a caller's `traceparent`, named after the
        # route (no query, no ids). Only when tracing is on (OTEL_TRACES_EXPORTER), so the hot path is
        # unchanged otherwise. Probes are not traced; no span per ASGI send/receive (an SSE stream would
        # make one per event).
        app.add_middleware(
            tracing,
            excluded_urls=os.environ.get("OTEL_PYTHON_ASGI_EXCLUDED_URLS", "/healthz,/readyz,/livez,/metrics"),
            exclude_spans=["receive", "send"],
        )
    return app
