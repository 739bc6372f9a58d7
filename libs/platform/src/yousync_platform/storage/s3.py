"""A blob store on S3 (or any S3 API) through aioboto3: multipart uploads, streaming reads, presigned GETs.

One client is opened per store and reused by every call (`open()` / `close()`). Bodies of unknown
length are streamed: up to `part_size` bytes are buffered; a small body becomes one PutObject, a
larger one a multipart upload whose parts are sent as they fill (aborted if anything fails).
Presigned URLs may be signed for a different endpoint than the one the service talks to
(`public_endpoint_url`), e.g. when the service reaches the store inside a cluster network.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from typing import Any

import aioboto3
from aiobotocore.config import AioConfig
from botocore.exceptions import ClientError

from yousync_platform.storage.base import (
    DEFAULT_CHUNK_SIZE,
    BlobInfo,
    BlobNotFound,
    BlobStore,
    Body,
    SignedUrl,
    validate_key,
)

MIN_PART_SIZE = 5 * 1024 * 1024
_MISSING = {"404", "NoSuchKey", "NotFound", "NoSuchBucket"}


def _missing(error: ClientError) -> bool:
    return str(error.response.get("Error", {}).get("Code", "")) in _MISSING


class S3BlobStore(BlobStore):
    def __init__(
        self,
        *,
        bucket: str,
        region: str = "us-east-1",
        endpoint_url: str | None = None,
        public_endpoint_url: str | None = None,
        access_key_id: str | None = None,
        secret_access_key: str | None = None,
        prefix: str = "",
        part_size: int = 8 * 1024 * 1024,
        path_style: bool = False,
    ) -> None:
        if part_size < MIN_PART_SIZE:
            raise ValueError("S3 parts must be at least 5 MiB")
        self.bucket = bucket
        self._prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        self._part_size = part_size
        self._session = aioboto3.Session(
            aws_access_key_id=access_key_id, aws_secret_access_key=secret_access_key, region_name=region
        )
        self._endpoint_url = endpoint_url or None
        self._public_endpoint_url = public_endpoint_url or None
        self._config = AioConfig(
            signature_version="s3v4",
            s3={"addressing_style": "path" if path_style or endpoint_url else "auto"},
            retries={"max_attempts": 3, "mode": "standard"},
            max_pool_connections=50,
        )
        self._stack = AsyncExitStack()
        self._client: Any = None
        self._presigner: Any = None

    async def open(self) -> S3BlobStore:
        if self._client is None:
            self._client = await self._stack.enter_async_context(
                self._session.client("s3", endpoint_url=self._endpoint_url, config=self._config)
            )
            if self._public_endpoint_url and self._public_endpoint_url != self._endpoint_url:
                self._presigner = await self._stack.enter_async_context(
                    self._session.client("s3", endpoint_url=self._public_endpoint_url, config=self._config)
                )
            else:
                self._presigner = self._client
        return self

    async def close(self) -> None:
        await self._stack.aclose()
        self._client = self._presigner = None

    @property
    def client(self) -> Any:
        if self._client is None:
            raise RuntimeError("S3BlobStore.open() was not awaited")
        return self._client

    def _object(self, key: str) -> str:
        return self._prefix + validate_key(key)

    async def ensure_bucket(self) -> None:
        """Create the bucket when it does not exist (local stacks and tests)."""
        try:
            await self.client.head_bucket(Bucket=self.bucket)
        except ClientError as error:
            if not _missing(error):
                raise
            await self.client.create_bucket(Bucket=self.bucket)

    async def put(self, key: str, body: Body, *, content_type: str = "application/octet-stream") -> BlobInfo:
        name = self._object(key)
        if isinstance(body, bytes | bytearray | memoryview):
            data = bytes(body)
            if len(data) <= self._part_size:
                response = await self.client.put_object(
                    Bucket=self.bucket, Key=name, Body=data, ContentType=content_type
                )
                return BlobInfo(key=key, size=len(data), content_type=content_type, etag=response["ETag"].strip('"'))
            return await self._put_chunks(key, name, _chunks_of(data, self._part_size), content_type)
        return await self._put_chunks(key, name, body, content_type)

    async def _put_chunks(self, key: str, name: str, chunks: Any, content_type: str) -> BlobInfo:
        buffer = bytearray()
        upload_id: str | None = None
        parts: list[dict[str, Any]] = []
        size = 0
        try:
            async for chunk in chunks:
                buffer += chunk
                size += len(chunk)
                while len(buffer) >= self._part_size:
                    if upload_id is None:
                        created = await self.client.create_multipart_upload(
                            Bucket=self.bucket, Key=name, ContentType=content_type
                        )
                        upload_id = created["UploadId"]
                    part = bytes(buffer[: self._part_size])
                    del buffer[: self._part_size]
                    parts.append(await self._upload_part(name, upload_id, len(parts) + 1, part))
            if upload_id is None:
                response = await self.client.put_object(
                    Bucket=self.bucket, Key=name, Body=bytes(buffer), ContentType=content_type
                )
                return BlobInfo(key=key, size=size, content_type=content_type, etag=response["ETag"].strip('"'))
            if buffer:
                parts.append(await self._upload_part(name, upload_id, len(parts) + 1, bytes(buffer)))
            done = await self.client.complete_multipart_upload(
                Bucket=self.bucket, Key=name, UploadId=upload_id, MultipartUpload={"Parts": parts}
            )
            return BlobInfo(key=key, size=size, content_type=content_type, etag=done["ETag"].strip('"'))
        except BaseException:
            if upload_id is not None:
                with contextlib.suppress(Exception):
                    await self.client.abort_multipart_upload(Bucket=self.bucket, Key=name, UploadId=upload_id)
            raise

    async def _upload_part(self, name: str, upload_id: str, number: int, data: bytes) -> dict[str, Any]:
        response = await self.client.upload_part(
            Bucket=self.bucket, Key=name, UploadId=upload_id, PartNumber=number, Body=data
        )
        return {"PartNumber": number, "ETag": response["ETag"]}

    async def iter_chunks(self, key: str, chunk_size: int = DEFAULT_CHUNK_SIZE) -> AsyncIterator[bytes]:
        try:
            response = await self.client.get_object(Bucket=self.bucket, Key=self._object(key))
        except ClientError as error:
            if _missing(error):
                raise BlobNotFound(key) from None
            raise
        body = response["Body"]  # aiobotocore StreamingBody: read(n) returns at most n bytes
        async with body:
            while chunk := await body.read(chunk_size):
                yield chunk

    async def stat(self, key: str) -> BlobInfo | None:
        try:
            head = await self.client.head_object(Bucket=self.bucket, Key=self._object(key))
        except ClientError as error:
            if _missing(error):
                return None
            raise
        return BlobInfo(
            key=key,
            size=int(head["ContentLength"]),
            content_type=str(head.get("ContentType", "application/octet-stream")),
            etag=str(head.get("ETag", "")).strip('"'),
        )

    async def delete(self, key: str) -> None:
        await self.client.delete_object(Bucket=self.bucket, Key=self._object(key))

    async def signed_url(self, key: str, *, expires_in: dt.timedelta) -> SignedUrl:
        if self._presigner is None:
            raise RuntimeError("S3BlobStore.open() was not awaited")
        seconds = int(expires_in.total_seconds())
        url = await self._presigner.generate_presigned_url(
            "get_object", Params={"Bucket": self.bucket, "Key": self._object(key)}, ExpiresIn=seconds
        )
        return SignedUrl(url=str(url), expires_at=dt.datetime.now(dt.UTC) + dt.timedelta(seconds=seconds))


async def _chunks_of(data: bytes, size: int) -> AsyncIterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]
