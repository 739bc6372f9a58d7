"""The blob store interface shared by every implementation."""

from __future__ import annotations

import abc
import datetime as dt
import re
from collections.abc import AsyncIterable, AsyncIterator
from dataclasses import dataclass

from yousync_platform.errors import InvalidArgument, NotFound

DEFAULT_CHUNK_SIZE = 64 * 1024
MAX_KEY_LENGTH = 512
# Path-like keys: segments of letters, digits and . _ - =, separated by single slashes; no segment
# starts with a dot (so no `..`, no hidden files, no clash with the filesystem store's metadata).
_KEY = re.compile(r"^(?!/)(?:[A-Za-z0-9_\-=][A-Za-z0-9._\-=]*)(?:/[A-Za-z0-9_\-=][A-Za-z0-9._\-=]*)*$")


class BlobNotFound(NotFound):
    def __init__(self, key: str) -> None:
        super().__init__("BLOB_NOT_FOUND", "stored object not found", {"key": key})
        self.key = key


class InvalidBlobKey(InvalidArgument):
    def __init__(self, key: str) -> None:
        super().__init__("INVALID_BLOB_KEY", "invalid storage key", {"key": key[:100]})


def validate_key(key: str) -> str:
    """The key itself when it is a safe relative path; InvalidBlobKey otherwise."""
    if not key or len(key) > MAX_KEY_LENGTH or not _KEY.match(key):
        raise InvalidBlobKey(key)
    return key


@dataclass(frozen=True, slots=True)
class BlobInfo:
    key: str
    size: int
    content_type: str
    etag: str = ""


@dataclass(frozen=True, slots=True)
class SignedUrl:
    """A short-lived URL that reads one object (GET), and when it stops working."""

    url: str
    expires_at: dt.datetime


Body = bytes | AsyncIterable[bytes]


class BlobStore(abc.ABC):
    """Async object storage. Implementations are safe to share between tasks."""

    @abc.abstractmethod
    async def put(self, key: str, body: Body, *, content_type: str = "application/octet-stream") -> BlobInfo:
        """Store `body` (bytes, or an async iterable of chunks streamed without buffering it all)."""

    @abc.abstractmethod
    def iter_chunks(self, key: str, chunk_size: int = DEFAULT_CHUNK_SIZE) -> AsyncIterator[bytes]:
        """Stream the object's bytes; raises BlobNotFound (on first iteration) when it is absent."""

    @abc.abstractmethod
    async def stat(self, key: str) -> BlobInfo | None:
        """Size and content type, or None when absent."""

    @abc.abstractmethod
    async def delete(self, key: str) -> None:
        """Remove the object; absent objects are fine."""

    @abc.abstractmethod
    async def signed_url(self, key: str, *, expires_in: dt.timedelta) -> SignedUrl:
        """A URL that lets a browser GET the object until it expires."""

    async def get(self, key: str) -> bytes:
        return b"".join([chunk async for chunk in self.iter_chunks(key)])

    async def exists(self, key: str) -> bool:
        return await self.stat(key) is not None

    async def close(self) -> None:  # noqa: B027 - optional hook
        """Release connections; the store is unusable afterwards."""
