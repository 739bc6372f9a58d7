"""Taking an upload: sniff, cap, store the blob, then take + job + outbox event in one transaction.

Idempotency: the same user and request id return the same job. Concurrent duplicates each stream
their body to a blob of their own; the database decides the single winner (a unique key on user and
request id) and the losers delete their blob, so one job and one blob remain. The same key with a
different body is FAILED_PRECONDITION.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

from yousync_analysis_orchestrator.catalog_client import CatalogClient
from yousync_analysis_orchestrator.convert import event_pb
from yousync_analysis_orchestrator.db.uow import OrchestratorUnitOfWork
from yousync_analysis_orchestrator.domain import Job, JobEvent, JobState, Stage
from yousync_analysis_orchestrator.subjects import DISPATCH
from yousync_platform import audio_format as formats
from yousync_platform.errors import FailedPrecondition, InvalidArgument, ResourceExhausted
from yousync_platform.storage.base import BlobStore

MAX_REQUEST_ID = 128


@dataclass(frozen=True)
class UploadRequest:
    user_id: str
    token_id: int
    content_type: str
    filename: str
    request_id: str


class _Body:
    """Streams the upload once: sniffs the head, counts and hashes, stops at the cap."""

    def __init__(self, first: bytes, rest: AsyncIterator[bytes], cap: int) -> None:
        self._first = first
        self._rest = rest
        self._cap = cap
        self.size = 0
        self.sha256 = hashlib.sha256()

    def _count(self, chunk: bytes) -> bytes:
        self.size += len(chunk)
        if self.size > self._cap:
            raise ResourceExhausted(
                "TAKE_TOO_LARGE", f"the take exceeds {self._cap} bytes", {"max_bytes": str(self._cap)}
            )
        self.sha256.update(chunk)
        return chunk

    async def chunks(self) -> AsyncIterator[bytes]:
        yield self._count(self._first)
        async for chunk in self._rest:
            if chunk:
                yield self._count(chunk)


class Uploads:
    def __init__(
        self,
        *,
        uow: Callable[[], OrchestratorUnitOfWork],
        blobs: BlobStore,
        catalog: CatalogClient,
        max_bytes: int,
    ) -> None:
        self._uow = uow
        self._blobs = blobs
        self._catalog = catalog
        self._max_bytes = max_bytes

    async def upload(self, request: UploadRequest, chunks: AsyncIterator[bytes]) -> Job:
        if request.token_id <= 0:
            raise InvalidArgument("INVALID_TOKEN_ID", "token_id must be a positive id")
        if len(request.request_id) > MAX_REQUEST_ID:
            raise InvalidArgument("INVALID_REQUEST_ID", f"request_id must be at most {MAX_REQUEST_ID} characters")
        request_id = request.request_id or uuid.uuid4().hex
        line = await self._catalog.line(request.token_id)

        head = b""
        async for chunk in chunks:
            head += chunk
            if len(head) >= formats.SNIFF_BYTES:
                break
        if not head:
            raise InvalidArgument("EMPTY_TAKE", "the upload has no audio bytes")
        audio_format = formats.sniff(head)
        if not audio_format:
            raise InvalidArgument(
                "UNSUPPORTED_FORMAT",
                f"not a supported recording (WAV, WebM, Ogg, MP3, M4A, FLAC); the file starts with "
                f"{formats.describe(head)}",
            )

        take_id = uuid.uuid4()
        job_id = uuid.uuid4()
        blob_key = f"takes/{request.user_id}/{take_id}.{formats.extension(audio_format)}"
        body = _Body(head, chunks, self._max_bytes)
        try:
            await self._blobs.put(blob_key, body.chunks(), content_type=formats.content_type(audio_format))
        except BaseException:
            await self._blobs.delete(blob_key)
            raise
        digest = body.sha256.digest()
        try:
            async with self._uow() as uow:
                created = await uow.repo.create_take_and_job(
                    {
                        "id": take_id,
                        "user_id": request.user_id,
                        "request_id": request_id,
                        "token_id": line.token_id,
                        "script_id": line.script_id,
                        "token_text": line.text,
                        "script_title": line.script_title,
                        "blob_key": blob_key,
                        "audio_format": audio_format,
                        "size_bytes": body.size,
                        "sha256": digest,
                        "label_content_type": request.content_type[:255],
                        "filename": request.filename[:255],
                    },
                    job_id,
                )
                if created:
                    job = await uow.repo.job(str(job_id))
                    assert job is not None
                    queued = JobEvent(
                        job.id, job.last_sequence, JobState.QUEUED, Stage.QUEUED, 0, "queued", job.created_at
                    )
                    await uow.repo.add_event(DISPATCH, event_pb(queued).SerializeToString())
                    await uow.commit()
                    return job
                existing = await uow.repo.take_by_request(request.user_id, request_id)
        except BaseException:
            await self._blobs.delete(blob_key)
            raise
        await self._blobs.delete(blob_key)
        assert existing is not None
        existing_digest, _, existing_job = existing
        if existing_digest != digest:
            raise FailedPrecondition(
                "IDEMPOTENCY_KEY_REUSED", "this idempotency key was already used for a different recording"
            )
        return existing_job
