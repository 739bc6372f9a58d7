"""Blob store settings (prefix BLOB_, shared by every service and the gateway) and the factory."""

from __future__ import annotations

from contextlib import AsyncExitStack
from typing import Literal

from pydantic import SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from yousync_platform.storage.base import BlobStore
from yousync_platform.storage.filesystem import FilesystemBlobStore
from yousync_platform.storage.s3 import S3BlobStore
from yousync_platform.storage.signed_urls import UrlSigner


class BlobSettings(BaseSettings):
    """Where blobs live. The same values must reach the catalog (signs URLs) and the gateway (serves them)."""

    model_config = SettingsConfigDict(env_prefix="BLOB_", extra="ignore", frozen=True)

    backend: Literal["filesystem", "s3"] = "filesystem"
    # filesystem
    fs_root: str = ".run/blobs"
    # HMAC secret of signed gateway URLs (filesystem backend, required there); at least 16 bytes.
    url_secret: SecretStr = SecretStr("")
    # Prefix of signed gateway URLs: a path ("/api/blobs") or an absolute URL.
    url_base: str = "/api/blobs"
    # s3
    s3_bucket: str = "yousync"
    s3_region: str = "us-east-1"
    s3_endpoint_url: str = ""
    s3_public_endpoint_url: str = ""
    s3_access_key_id: str = ""
    s3_secret_access_key: SecretStr = SecretStr("")
    s3_prefix: str = ""
    s3_part_size: int = 8 * 1024 * 1024
    s3_create_bucket: bool = False

    @model_validator(mode="after")
    def _filesystem_needs_a_secret(self) -> BlobSettings:
        if self.backend == "filesystem" and len(self.url_secret.get_secret_value()) < 16:
            raise ValueError("BLOB_URL_SECRET (at least 16 bytes) is required by the filesystem store's signed URLs")
        return self

    def signer(self) -> UrlSigner:
        return UrlSigner(self.url_secret.get_secret_value().encode(), self.url_base)


async def open_blob_store(settings: BlobSettings, resources: AsyncExitStack) -> BlobStore:
    """Open the configured store; it is closed when `resources` closes."""
    if settings.backend == "filesystem":
        return FilesystemBlobStore(settings.fs_root, settings.signer())
    store = S3BlobStore(
        bucket=settings.s3_bucket,
        region=settings.s3_region,
        endpoint_url=settings.s3_endpoint_url or None,
        public_endpoint_url=settings.s3_public_endpoint_url or None,
        access_key_id=settings.s3_access_key_id or None,
        secret_access_key=settings.s3_secret_access_key.get_secret_value() or None,
        prefix=settings.s3_prefix,
        part_size=settings.s3_part_size,
    )
    await store.open()
    resources.push_async_callback(store.close)
    if settings.s3_create_bucket:
        await store.ensure_bucket()
    return store
