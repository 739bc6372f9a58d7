"""The shared blob storage lib: S3 (moto server mode) and filesystem stores, presigned/signed URLs."""

from __future__ import annotations

import datetime as dt
import os
import time
from collections.abc import AsyncIterator
from pathlib import Path

import grpc
import httpx
import pytest

from tests.catalog.conftest import DEMO, CatalogHarness, catalog_settings
from yousync.catalog.v1 import catalog_pb2 as pb
from yousync.catalog.v1 import catalog_pb2_grpc
from yousync_catalog.importer import import_catalog
from yousync_catalog.server import create_app
from yousync_platform.errors import DomainError
from yousync_platform.storage import BlobNotFound, BlobSettings, InvalidBlobKey
from yousync_platform.storage.filesystem import FilesystemBlobStore
from yousync_platform.storage.s3 import MIN_PART_SIZE, S3BlobStore
from yousync_platform.storage.signed_urls import UrlSigner


@pytest.fixture
async def s3(s3_endpoint_url: str) -> AsyncIterator[S3BlobStore]:
    store = S3BlobStore(
        bucket="test-blobs",
        endpoint_url=s3_endpoint_url,
        access_key_id="testing",
        secret_access_key="testing",
        part_size=MIN_PART_SIZE,
        prefix="unit",
    )
    await store.open()
    await store.ensure_bucket()
    await store.ensure_bucket()  # idempotent
    try:
        yield store
    finally:
        await store.close()


async def _chunks(total: int, size: int = 256 * 1024) -> AsyncIterator[bytes]:
    sent = 0
    while sent < total:
        n = min(size, total - sent)
        yield bytes((sent + i) % 251 for i in range(n)) if n < 4096 else os.urandom(n)
        sent += n


async def test_s3_put_stream_multipart_presign_and_delete(s3: S3BlobStore) -> None:
    info = await s3.put("a/small.ogg", b"OggS-small", content_type="audio/ogg")
    assert info.size == 10
    stat = await s3.stat("a/small.ogg")
    assert stat is not None and stat.content_type == "audio/ogg" and stat.size == 10
    assert await s3.get("a/small.ogg") == b"OggS-small"

    # A streamed body larger than a part becomes a multipart upload (3 parts here).
    parts = [chunk async for chunk in _chunks(2 * MIN_PART_SIZE + 12345)]

    async def body() -> AsyncIterator[bytes]:
        for part in parts:
            yield part

    big = await s3.put("b/big.bin", body())
    assert big.size == 2 * MIN_PART_SIZE + 12345 and big.etag.endswith("-3")
    streamed = [chunk async for chunk in s3.iter_chunks("b/big.bin", chunk_size=1 << 20)]
    assert max(len(c) for c in streamed) <= 1 << 20 and len(streamed) > 3
    assert b"".join(streamed) == b"".join(parts)

    signed = await s3.signed_url("a/small.ogg", expires_in=dt.timedelta(minutes=5))
    assert "X-Amz-Signature" in signed.url and signed.expires_at > dt.datetime.now(dt.UTC)
    async with httpx.AsyncClient() as http:
        response = await http.get(signed.url)
        assert response.status_code == 200 and response.content == b"OggS-small"
        forged = signed.url.replace("small.ogg", "big.bin")
        assert (await http.get(forged)).status_code != 200

    await s3.delete("a/small.ogg")
    assert await s3.stat("a/small.ogg") is None
    with pytest.raises(BlobNotFound):
        await s3.get("a/small.ogg")
    with pytest.raises(InvalidBlobKey):
        await s3.put("../escape", b"x")


async def test_filesystem_store_and_signed_urls(tmp_path: Path) -> None:
    signer = UrlSigner(b"0123456789abcdef-secret", "https://example.test/api/blobs")
    store = FilesystemBlobStore(tmp_path, signer)

    async def body() -> AsyncIterator[bytes]:
        yield b"part one, "
        yield b"part two"

    info = await store.put("x/y/clip.mp3", body(), content_type="audio/mpeg")
    assert info.size == 18 and (await store.stat("x/y/clip.mp3")) == info
    assert await store.get("x/y/clip.mp3") == b"part one, part two"
    chunks = [c async for c in store.iter_chunks("x/y/clip.mp3", chunk_size=4)]
    assert chunks[0] == b"part" and len(chunks) == 5
    assert not list((tmp_path / ".tmp").iterdir())  # no temporary files left behind

    signed = await store.signed_url("x/y/clip.mp3", expires_in=dt.timedelta(minutes=1))
    target = signed.url.removeprefix("https://example.test")
    assert signer.verify_url(target) == "x/y/clip.mp3"
    for bad, reason in [
        (target.replace("signature=", "signature=A"), "INVALID_SIGNATURE"),
        (target.replace("clip.mp3", "clip.wav"), "INVALID_SIGNATURE"),
        (target.replace("expires=", "expires=1"), "INVALID_SIGNATURE"),
        (target.split("&")[0], "INVALID_SIGNED_URL"),
        ("/elsewhere/x/y/clip.mp3?expires=1&signature=x", "INVALID_SIGNED_URL"),
        ("/api/blobs/../../etc/passwd?expires=1&signature=x", "INVALID_SIGNED_URL"),
    ]:
        with pytest.raises(DomainError) as refused:
            signer.verify_url(bad)
        assert refused.value.reason == reason, bad
    with pytest.raises(DomainError) as expired:
        signer.verify_url(target, now=time.time() + 120)
    assert expired.value.reason == "SIGNED_URL_EXPIRED"
    other = UrlSigner(b"another-secret-of-16+bytes", "/api/blobs")
    with pytest.raises(DomainError):
        other.verify_url(target)

    await store.delete("x/y/clip.mp3")
    assert await store.stat("x/y/clip.mp3") is None
    with pytest.raises(BlobNotFound):
        await store.get("x/y/clip.mp3")
    for key in ("", "/abs", "a//b", ".meta/x", "a/../b", "a/.hidden"):
        with pytest.raises(InvalidBlobKey):
            store.path_of(key)


async def test_catalog_on_s3_hands_out_presigned_urls_that_fetch_the_audio(
    catalog: CatalogHarness, postgres_url: str, s3_endpoint_url: str
) -> None:
    settings = catalog_settings(
        postgres_url,
        blob=BlobSettings(
            backend="s3",
            s3_bucket="catalog-test",
            s3_endpoint_url=s3_endpoint_url,
            s3_access_key_id="testing",
            s3_secret_access_key="testing",
            s3_create_bucket=True,
        ),
    )
    server, resources, app = await create_app(settings)
    port = await server.start()
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{port}")
    try:
        await import_catalog(DEMO, app.service, progress=False)
        stub = catalog_pb2_grpc.CatalogServiceStub(channel)
        listing = await stub.ListScripts(pb.ListScriptsRequest(query="wherefore"))
        script = await stub.GetScript(pb.GetScriptRequest(script_id=listing.scripts[0].id))
        token = await stub.GetToken(pb.GetTokenRequest(token_id=script.tokens[2].id))
        assert (
            token.reference_audio.url.startswith(s3_endpoint_url) and "X-Amz-Expires=600" in token.reference_audio.url
        )
        response = await catalog.http.get(token.reference_audio.url)
        assert response.status_code == 200
        assert response.content == (DEMO / "audio" / "romeo-juliet-2-2-03.ogg").read_bytes()
    finally:
        await channel.close()
        await server.stop(0)
        await resources.aclose()
