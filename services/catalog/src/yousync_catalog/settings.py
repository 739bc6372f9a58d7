"""Catalog settings (prefix CATALOG_; blob storage from BLOB_*, shared with the gateway)."""

from __future__ import annotations

from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

from yousync_platform.settings import ServiceSettings
from yousync_platform.storage import BlobSettings


class CatalogSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="CATALOG_", extra="ignore", frozen=True)

    grpc_port: int = 50052
    database_url: SecretStr
    # NATS with JetStream; empty disables the take-counter consumer (e.g. for the import CLI).
    nats_url: str = ""
    # Lifetime of reference-audio URLs handed to browsers.
    audio_url_ttl_seconds: int = Field(default=600, ge=30, le=86400)
    # Popular/latest lists are cached this long (and refreshed sooner after events).
    list_cache_ttl_seconds: float = Field(default=5.0, ge=0.0, le=300.0)
    detail_cache_ttl_seconds: float = Field(default=2.0, ge=0.0, le=300.0)
    cache_min_refresh_seconds: float = Field(default=0.5, ge=0.0, le=60.0)
    db_pool_size: int = Field(default=10, ge=1, le=100)
    consumer_ack_wait_seconds: float = Field(default=30.0, gt=0)
    consumer_max_deliver: int = Field(default=10, ge=1)
    blob: BlobSettings = Field(default_factory=BlobSettings)
