"""A blob store on the local filesystem (the local default), with HMAC-signed gateway URLs.

Layout under `root`: objects at `<root>/<key>`, their content type at `<root>/.meta/<key>.json`.
Writes go to a temporary file first and are renamed into place, so readers never see a partial
object. Keys never start a segment with a dot (see `validate_key`), so `.meta` and `.tmp` can't clash.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import hashlib
import json
import os
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import BinaryIO

from yousync_platform.storage.base import (
    DEFAULT_CHUNK_SIZE,
    BlobInfo,
    BlobNotFound,
    BlobStore,
    Body,
    SignedUrl,
    validate_key,
)
from yousync_platform.storage.signed_urls import UrlSigner


class FilesystemBlobStore(BlobStore):
    def __init__(self, root: str | Path, signer: UrlSigner) -> None:
        self.root = Path(root).resolve()
        self.signer = signer
        (self.root / ".tmp").mkdir(parents=True, exist_ok=True)
        (self.root / ".meta").mkdir(parents=True, exist_ok=True)

    # Synchronous helpers: also what a gateway uses to serve a verified signed URL.
    def path_of(self, key: str) -> Path:
        return self.root / validate_key(key)

    def _meta_path(self, key: str) -> Path:
        return self.root / ".meta" / f"{validate_key(key)}.json"

    def stat_sync(self, key: str) -> BlobInfo | None:
        path = self.path_of(key)
        try:
            size = path.stat().st_size
        except FileNotFoundError:
            return None
        try:
            meta = json.loads(self._meta_path(key).read_text())
        except (FileNotFoundError, ValueError):
            meta = {}
        return BlobInfo(
            key=key,
            size=size,
            content_type=str(meta.get("content_type", "application/octet-stream")),
            etag=str(meta.get("etag", "")),
        )

    async def put(self, key: str, body: Body, *, content_type: str = "application/octet-stream") -> BlobInfo:
        path = self.path_of(key)
        fd, tmp_name = tempfile.mkstemp(dir=self.root / ".tmp")
        digest = hashlib.md5(usedforsecurity=False)
        size = 0
        try:
            with os.fdopen(fd, "wb") as handle:
                if isinstance(body, bytes | bytearray | memoryview):
                    data = bytes(body)
                    digest.update(data)
                    size = len(data)
                    await asyncio.to_thread(handle.write, data)
                else:
                    async for chunk in body:
                        digest.update(chunk)
                        size += len(chunk)
                        await asyncio.to_thread(handle.write, chunk)
                await asyncio.to_thread(_flush, handle)
            info = BlobInfo(key=key, size=size, content_type=content_type, etag=digest.hexdigest())
            await asyncio.to_thread(self._commit, Path(tmp_name), path, info)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp_name)
            raise
        return info

    def _commit(self, tmp: Path, path: Path, info: BlobInfo) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        meta = self._meta_path(info.key)
        meta.parent.mkdir(parents=True, exist_ok=True)
        meta_tmp = meta.with_name(meta.name + ".tmp")
        meta_tmp.write_text(json.dumps({"content_type": info.content_type, "etag": info.etag}))
        os.replace(meta_tmp, meta)
        os.replace(tmp, path)

    async def iter_chunks(self, key: str, chunk_size: int = DEFAULT_CHUNK_SIZE) -> AsyncIterator[bytes]:
        path = self.path_of(key)
        try:
            handle: BinaryIO = await asyncio.to_thread(open, path, "rb")
        except FileNotFoundError:
            raise BlobNotFound(key) from None
        try:
            while chunk := await asyncio.to_thread(handle.read, chunk_size):
                yield chunk
        finally:
            handle.close()

    async def stat(self, key: str) -> BlobInfo | None:
        return await asyncio.to_thread(self.stat_sync, key)

    async def delete(self, key: str) -> None:
        def remove() -> None:
            self.path_of(key).unlink(missing_ok=True)
            self._meta_path(key).unlink(missing_ok=True)

        await asyncio.to_thread(remove)

    async def signed_url(self, key: str, *, expires_in: dt.timedelta) -> SignedUrl:
        return self.signer.sign(key, expires_in=expires_in)


def _flush(handle: BinaryIO) -> None:
    handle.flush()
    os.fsync(handle.fileno())
