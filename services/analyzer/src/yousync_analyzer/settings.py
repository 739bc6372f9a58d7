"""Typed settings from the environment (prefix ANALYZER_)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from yousync_analyzer.domain import Limits
from yousync_platform import caps
from yousync_platform.settings import ServiceSettings


class AnalyzerSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="ANALYZER_", extra="ignore", frozen=True)

    grpc_port: int = 50055
    # Worker processes (0: one per core). Each runs one BLAS thread.
    workers: int = 0
    # Analyses admitted beyond the workers before RESOURCE_EXHAUSTED (-1: twice the workers).
    queue_size: int = -1
    reference_cache_entries: int = 256
    # One source with the orchestrator's and the gateway's caps (yousync_platform.caps, YOUSYNC_*).
    max_duration_seconds: float = Field(
        default=caps.MAX_TAKE_SECONDS,
        validation_alias=caps.shared(
            "max_duration_seconds", "ANALYZER_MAX_DURATION_SECONDS", caps.MAX_TAKE_SECONDS_ENV
        ),
    )
    max_take_bytes: int = Field(
        default=caps.MAX_TAKE_BYTES,
        validation_alias=caps.shared("max_take_bytes", "ANALYZER_MAX_TAKE_BYTES", caps.MAX_TAKE_BYTES_ENV),
    )
    max_reference_bytes: int = 10 * 1024 * 1024

    def limits(self) -> Limits:
        return Limits(
            max_take_bytes=self.max_take_bytes,
            max_reference_bytes=self.max_reference_bytes,
            max_duration_seconds=self.max_duration_seconds,
        )
