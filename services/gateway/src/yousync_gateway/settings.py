"""Gateway settings (prefix GATEWAY_; blob storage from BLOB_*, shared with the catalog)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import NoDecode, SettingsConfigDict

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
    # Largest multipart body accepted; 413 as soon as more arrives. The orchestrator has its own cap.
    max_upload_bytes: int = Field(default=50 * 1024 * 1024, ge=1024)
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
    max_concurrent_analyses: int = Field(default=4, ge=1)
    max_concurrent_streams: int = Field(default=8, ge=1)
    # Whole-process cap on open SSE streams.
    max_total_streams: int = Field(default=5000, ge=1)
    # A job the gateway started counts as running for at most this long (unless seen finishing sooner).
    analysis_slot_seconds: float = Field(default=180.0, gt=0)
    # Serve signed filesystem blob URLs under /api/blobs (filesystem backend only).
    serve_blobs: bool = True
    blob: BlobSettings = Field(default_factory=BlobSettings)
    # The web console: its build (empty: the repository's web/dist) and Google's client id for its sign-in button.
    console_dir: str = ""
    console_google_client_id: str = ""

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_csv(cls, value: object) -> object:
        if isinstance(value, str):
            return [v.strip() for v in value.split(",") if v.strip()]
        return value
