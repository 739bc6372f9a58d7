"""Upload edge cases: idempotency under concurrency, the size cap while streaming, sniffing, sign-in."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import aioboto3
import grpc

from tests.grpc_helpers import expect_error
from tests.orchestrator.conftest import MAX_UPLOAD, Flow, take, upload_messages
from yousync.analysis.v1 import analysis_pb2


async def blob_keys(flow: Flow, prefix: str) -> list[str]:
    b = flow.blob_settings
    session = aioboto3.Session()
    async with session.client(
        "s3",
        endpoint_url=b.s3_endpoint_url,
        aws_access_key_id=b.s3_access_key_id,
        aws_secret_access_key=b.s3_secret_access_key.get_secret_value(),
        region_name=b.s3_region,
    ) as s3:
        listed = await s3.list_objects_v2(Bucket=b.s3_bucket, Prefix=prefix)
        return [o["Key"] for o in listed.get("Contents", [])]


async def test_twenty_concurrent_uploads_with_one_key_make_one_job_and_one_blob(
    flow: Flow, lines: dict[str, int]
) -> None:
    user = await flow.user("idem@example.com")
    me = (
        await flow.catalog.auth.GetMe(
            __import__("yousync.auth.v1.auth_pb2", fromlist=["x"]).GetMeRequest(), metadata=user
        )
    ).id
    data = take("offer")
    jobs = await asyncio.gather(*(flow.upload(user, lines["offer"], data, request_id="key-1") for _ in range(20)))
    assert len({j.id for j in jobs}) == 1
    assert len({j.take_id for j in jobs}) == 1
    assert await blob_keys(flow, f"takes/{me}/") == [f"takes/{me}/{jobs[0].take_id}.wav"]
    again = await flow.upload(user, lines["offer"], data, request_id="key-1")
    assert again.id == jobs[0].id

    await expect_error(
        flow.upload(user, lines["offer"], take("offer", "good.flac"), request_id="key-1"),
        grpc.StatusCode.FAILED_PRECONDITION,
        "IDEMPOTENCY_KEY_REUSED",
    )
    # The same key from another user is another job.
    other = await flow.user("idem2@example.com")
    theirs = await flow.upload(other, lines["offer"], data, request_id="key-1")
    assert theirs.id != jobs[0].id


async def test_oversize_upload_is_refused_before_the_whole_body(flow: Flow, lines: dict[str, int]) -> None:
    user = await flow.user("big@example.com")
    sent = 0
    total_chunks = (1024 * 1024 * 1024) // (64 * 1024)  # a 1 GiB body: the cap is 2 MiB
    zeros = bytes(64 * 1024)

    async def messages() -> AsyncIterator[analysis_pb2.UploadTakeRequest]:
        nonlocal sent
        yield analysis_pb2.UploadTakeRequest(
            metadata=analysis_pb2.UploadTakeMetadata(token_id=lines["force"], content_type="audio/wav")
        )
        header = take("force")[:44]
        for i in range(total_chunks):
            sent += 1
            chunk = header + zeros[44:] if i == 0 else zeros
            yield analysis_pb2.UploadTakeRequest(chunk=chunk)
            await asyncio.sleep(0)

    error = await expect_error(
        flow.stub.UploadTake(messages(), metadata=user, timeout=60),
        grpc.StatusCode.RESOURCE_EXHAUSTED,
        "TOO_LARGE",
    )
    assert str(MAX_UPLOAD) in (error.details() or "")
    # The server stopped reading at the cap: the client could only fill the transport's buffers beyond it.
    assert sent < total_chunks // 10, f"the client was stopped early ({sent} of {total_chunks} chunks sent)"
    listed = await flow.stub.ListMyTakes(analysis_pb2.ListMyTakesRequest(), metadata=user)
    assert listed.takes == [], "nothing half-stored"


async def test_garbage_and_empty_uploads_are_invalid(flow: Flow, lines: dict[str, int]) -> None:
    user = await flow.user("garbage@example.com")
    error = await expect_error(
        flow.upload(user, lines["force"], b"GIF89a" + bytes(500)),
        grpc.StatusCode.INVALID_ARGUMENT,
        "UNSUPPORTED_FORMAT",
    )
    assert "47 49 46 38" in (error.details() or ""), "the error names what was found"
    await expect_error(flow.upload(user, lines["force"], b""), grpc.StatusCode.INVALID_ARGUMENT, "EMPTY_TAKE")
    await expect_error(
        flow.stub.UploadTake(iter([analysis_pb2.UploadTakeRequest(chunk=b"RIFF")]), metadata=user),
        grpc.StatusCode.INVALID_ARGUMENT,
        "METADATA_FIRST",
    )
    await expect_error(flow.upload(user, 0, take("force")), grpc.StatusCode.INVALID_ARGUMENT, "INVALID_TOKEN_ID")
    await expect_error(flow.upload(user, 987654, take("force")), grpc.StatusCode.NOT_FOUND)


async def test_upload_requires_sign_in(flow: Flow, lines: dict[str, int]) -> None:
    await expect_error(
        flow.stub.UploadTake(upload_messages(lines["force"], take("force"))),
        grpc.StatusCode.UNAUTHENTICATED,
        "AUTHENTICATION_REQUIRED",
    )
    await expect_error(
        flow.stub.UploadTake(upload_messages(lines["force"], take("force")), metadata=[("authorization", "Bearer x")]),
        grpc.StatusCode.UNAUTHENTICATED,
    )


async def test_every_take_is_kept(flow: Flow, lines: dict[str, int]) -> None:
    user = await flow.user("keeper@example.com")
    first = await flow.upload(user, lines["force"], take("force"))
    second = await flow.upload(user, lines["force"], take("force"))
    assert first.take_id != second.take_id
    for job in (first, second):
        await flow.watch(user, job.id)
    listed = await flow.stub.ListMyTakes(analysis_pb2.ListMyTakesRequest(token_id=lines["force"]), metadata=user)
    assert {t.id for t in listed.takes} == {first.take_id, second.take_id}
