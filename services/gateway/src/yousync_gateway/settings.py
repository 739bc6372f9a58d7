"""Gateway settings (prefix GATEWAY_; blob storage from BLOB_*, shared with the catalog)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import NoDecode, SettingsConfigDict

from yousync_platform import caps
from yousync_platform.settings import ServiceSettings
from yousync_platform.storage import BlobSettings


class GatewaySettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="GATEWAY_", extra="ignore", frozen=True)

    http_host: str = "127.0.0.1"
    http_port: int = 8080
    auth_target: str = "127.0.0.1:50051"
    catalog_target: str = "127.0.0.1:50052"
    analysis_target: str = "127.0.0.1:50053"
    # Browser origins allowed by CORS (comma-separated in the env; "*" allows any, without credentials).
    cors_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: ["http://localhost:3000", "http://127.0.0.1:3000"]
    )
    # Deadline of ordinary unary calls to the services.
    rpc_timeout_seconds: float = Field(default=5.0, gt=0)
    # Deadline of one upload (the whole client stream).
    upload_timeout_seconds: float = Field(default=120.0, gt=0)
    # Largest multipart body accepted; 413 as soon as more arrives: the take cap (one source,
    # YOUSYNC_MAX_TAKE_BYTES, which the orchestrator and the analyzer enforce) plus the multipart
    # overhead, unless GATEWAY_MAX_UPLOAD_BYTES says otherwise.
    max_take_bytes: int = Field(
        default=caps.MAX_TAKE_BYTES,
        ge=1024,
        validation_alias=caps.shared("max_take_bytes", "GATEWAY_MAX_TAKE_BYTES", caps.MAX_TAKE_BYTES_ENV),
    )
    max_upload_bytes: int = Field(default=0, ge=0)
    # The completion webhook's body (one source with the orchestrator's).
    max_webhook_body_bytes: int = Field(
        default=caps.MAX_WEBHOOK_BODY_BYTES,
        ge=1024,
        validation_alias=caps.shared(
            "max_webhook_body_bytes", "GATEWAY_MAX_WEBHOOK_BODY_BYTES", caps.MAX_WEBHOOK_BODY_BYTES_ENV
        ),
    )
    # Stream tickets (EventSource cannot send Authorization): HMAC/AES-GCM key and lifetime.
    stream_ticket_secret: SecretStr = Field(min_length=16)
    stream_ticket_ttl_seconds: int = Field(default=600, ge=10, le=3600)
    # SSE: heartbeat comment period, reconnection delay advertised to EventSource.
    sse_heartbeat_seconds: float = Field(default=15.0, gt=0)
    sse_retry_ms: int = Field(default=2000, ge=100)
    # Longest life of one SSE connection (the browser reconnects with Last-Event-ID).
    sse_max_seconds: float = Field(default=600.0, gt=0)
    # Per-user limits.
    uploads_per_minute: int = Field(default=20, ge=1)
    max_concurrent_streams: int = Field(default=8, ge=1)
    # Whole-process cap on open SSE streams.
    max_total_streams: int = Field(default=5000, ge=1)
    # Original frontend (/compat/api): its progress EventSource cannot authenticate, so the job id (a
    # random UUID only the uploader learns) is the capability for its own stream. False → 401 there.
    compat_progress_by_job_id: bool = True
    # Shared with the orchestrator (ORCHESTRATOR_JOB_CAPABILITY_SECRET): proves the gateway's calls to
    # JobCapabilityService. Empty disables the capability path (401), whatever the switch above says.
    job_capability_secret: SecretStr = SecretStr("")
    # Serve signed filesystem blob URLs under /api/blobs (filesystem backend only).
    serve_blobs: bool = True
    blob: BlobSettings = Field(default_factory=BlobSettings)
    # --- the HTTP server's own limits (see yousync_gateway.server and SECURITY.md) ---
    # Largest request head (request line + headers); more is 431 and the connection closes.
    max_request_head_bytes: int = Field(default=32 * 1024, ge=1024, le=1024 * 1024)
    # A request head must arrive completely within this many seconds of its first byte (or of the
    # connection's opening); otherwise 408 and the connection closes (slow-loris).
    request_head_timeout_seconds: float = Field(default=10.0, gt=0)
    # While a request body is being received, the longest silence between two reads.
    body_idle_timeout_seconds: float = Field(default=30.0, gt=0)
    # Idle time allowed between two requests on a kept-alive connection.
    keep_alive_seconds: int = Field(default=5, ge=1)
    # After an early error (413, 431, 408) the rest of the request is read and discarded, up to this
    # many bytes and seconds, so that a client still sending sees the answer instead of a reset.
    drain_max_bytes: int = Field(default=8 * 1024 * 1024, ge=0)
    drain_max_seconds: float = Field(default=5.0, ge=0)
    # Peers whose X-Forwarded-For / X-Forwarded-Proto are trusted (the edge proxy; "*" when only Envoy can
    # reach the gateway, as in deploy/k8s). The client IP feeds the per-IP limits.
    forwarded_allow_ips: str = "127.0.0.1"
    # Serve /docs, /redoc and /openapi.json (make run turns it on; off in production).
    docs_enabled: bool = False
    # Sign-in, refresh and logout attempts per client IP, and per account (the e-mail of a dev sign-in,
    # the refresh token presented), each per `auth_rate_window_seconds`; more is 429 with Retry-After.
    auth_attempts_per_ip: int = Field(default=30, ge=1)
    auth_attempts_per_account: int = Field(default=10, ge=1)
    auth_rate_window_seconds: float = Field(default=60.0, gt=0)

    @model_validator(mode="after")
    def _upload_cap(self) -> GatewaySettings:
        if not self.max_upload_bytes:
            self.__dict__["max_upload_bytes"] = self.max_take_bytes + caps.MULTIPART_OVERHEAD_BYTES
        return self

    # Worker processes of uvicorn (each its own event loop, caches and per-user limits).
    workers: int = Field(default=1, ge=1, le=64)
    # NATS, for the catalog's change events (`catalog.changed`) that keep the response cache honest.
    nats_url: str = ""
    # Public catalog reads kept in memory this long at most (0 turns the response cache off), and how many.
    catalog_cache_seconds: float = Field(default=5.0, ge=0)
    catalog_cache_entries: int = Field(default=512, ge=1)
    # The web console: its build (empty: the repository's web/dist) and Google's client id for its sign-in button.
    console_dir: str = ""
    # Origins the console may play audio from besides its own (the blob stores' presigned or signed URLs when
    # they are served elsewhere: an S3/CDN endpoint, the catalog's blob host), for its Content-Security-Policy.
    media_origins: tuple[str, ...] = ()
    console_google_client_id: str = ""

    @field_validator("cors_origins", "media_origins", mode="before")
    @classmethod
    def _split_csv(cls, value: object) -> object:
        if isinstance(value, str):
            return [v.strip() for v in value.split(",") if v.strip()]
        return value
