"""Orchestrator settings (prefix ORCHESTRATOR_); blob storage comes from BLOB_* (shared)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import NoDecode, SettingsConfigDict

from yousync_platform import caps
from yousync_platform.settings import ServiceSettings

ROLES = frozenset({"api", "relay", "dispatcher"})


class OrchestratorSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="ORCHESTRATOR_", extra="ignore", frozen=True)

    grpc_port: int = 50053
    database_url: SecretStr
    nats_url: str = "nats://127.0.0.1:4222"
    catalog_target: str = "127.0.0.1:50052"
    analyzer_target: str = "127.0.0.1:50055"
    # What this process runs: the gRPC API, the outbox relay, the dispatcher (comma-separated).
    roles: Annotated[frozenset[str], NoDecode] = ROLES
    # The analyzer's caps (one source: yousync_platform.caps, YOUSYNC_* in the environment): an upload
    # over them is refused at once, with the analyzer's reasons (TOO_LARGE, TOO_LONG).
    max_upload_bytes: int = Field(
        default=caps.MAX_TAKE_BYTES,
        ge=1024,
        validation_alias=caps.shared("max_upload_bytes", "ORCHESTRATOR_MAX_UPLOAD_BYTES", caps.MAX_TAKE_BYTES_ENV),
    )
    max_take_seconds: float = Field(
        default=caps.MAX_TAKE_SECONDS,
        gt=0,
        validation_alias=caps.shared("max_take_seconds", "ORCHESTRATOR_MAX_TAKE_SECONDS", caps.MAX_TAKE_SECONDS_ENV),
    )
    # Analyses (queued or running) one user may have at once; more uploads are RESOURCE_EXHAUSTED
    # (TOO_MANY_ANALYSES) with a retry hint of `busy_retry_after_seconds`.
    max_active_analyses: int = Field(default=4, ge=1)
    busy_retry_after_seconds: int = Field(default=5, ge=1, le=3600)
    # Events kept per job for watchers that resume (older resumes get a snapshot).
    job_events_kept: int = Field(default=256, ge=8)
    dispatch_concurrency: int = Field(default=4, ge=1, le=64)
    # JetStream redelivers an unacked dispatch after this long; workers heartbeat well within it.
    ack_wait_seconds: float = Field(default=30.0, ge=1.0)
    max_deliver: int = Field(default=5, ge=1)
    # Delay before a job whose analyzer was unavailable is tried again (grows per attempt).
    retry_delay_seconds: float = Field(default=2.0, ge=0.0)
    analyzer_deadline_seconds: float = Field(default=120.0, ge=1.0)
    # Shared secret of the completion webhook (HMAC-SHA256); the webhook is refused while empty.
    webhook_secret: SecretStr = SecretStr("")
    webhook_tolerance_seconds: int = Field(default=300, ge=1)
    max_webhook_body_bytes: int = Field(
        default=caps.MAX_WEBHOOK_BODY_BYTES,
        ge=1024,
        validation_alias=caps.shared(
            "max_webhook_body_bytes", "ORCHESTRATOR_MAX_WEBHOOK_BODY_BYTES", caps.MAX_WEBHOOK_BODY_BYTES_ENV
        ),
    )
    # Shared with the gateway: proves its calls to JobCapabilityService (watching a job by its id
    # alone, for the original frontend's EventSource). Empty (the default) disables that service.
    job_capability_secret: SecretStr = SecretStr("")
    audio_url_ttl_seconds: int = Field(default=600, ge=30, le=86400)

    @field_validator("roles", mode="before")
    @classmethod
    def _roles(cls, value: object) -> object:
        if isinstance(value, str):
            value = frozenset(v.strip() for v in value.split(",") if v.strip())
        if isinstance(value, frozenset | set | list) and not set(value) <= ROLES:
            raise ValueError(f"roles must be among {sorted(ROLES)}")
        return value
