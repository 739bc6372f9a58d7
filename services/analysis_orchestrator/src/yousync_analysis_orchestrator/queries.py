"""The caller's jobs, results and takes (my-page). Another user's objects are NOT_FOUND."""

from __future__ import annotations

import base64
import datetime as dt
import json
import uuid
from collections.abc import Callable

from yousync_analysis_orchestrator.db.uow import OrchestratorUnitOfWork
from yousync_analysis_orchestrator.domain import Job, Overview, Result, Take
from yousync_analysis_orchestrator.sniff import content_type
from yousync_platform.errors import InvalidArgument, NotFound
from yousync_platform.storage.base import BlobStore, SignedUrl

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100


def encode_cursor(take: Take) -> str:
    raw = json.dumps([take.created_at.isoformat(), take.id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(token: str) -> tuple[dt.datetime, uuid.UUID]:
    try:
        created, take_id = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        return dt.datetime.fromisoformat(created), uuid.UUID(take_id)
    except (ValueError, TypeError):
        raise InvalidArgument("INVALID_PAGE_TOKEN", "page_token is not valid") from None


def page_size(requested: int) -> int:
    if requested < 0 or requested > MAX_PAGE_SIZE:
        raise InvalidArgument("INVALID_PAGE_SIZE", f"page_size must be between 0 and {MAX_PAGE_SIZE}")
    return requested or DEFAULT_PAGE_SIZE


class Queries:
    def __init__(
        self, *, uow: Callable[[], OrchestratorUnitOfWork], blobs: BlobStore, audio_url_ttl: dt.timedelta
    ) -> None:
        self._uow = uow
        self._blobs = blobs
        self._audio_url_ttl = audio_url_ttl

    async def job(self, user_id: str, job_id: str) -> Job:
        async with self._uow() as uow:
            job = await uow.repo.job(job_id, user_id)
        if job is None:
            raise NotFound("JOB_NOT_FOUND", "job not found")
        return job

    async def result(self, user_id: str, job_id: str) -> Result:
        async with self._uow() as uow:
            result = await uow.repo.result(job_id, user_id)
            if result is None:
                job = await uow.repo.job(job_id, user_id)
        if result is not None:
            return result
        if job is None:
            raise NotFound("JOB_NOT_FOUND", "job not found")
        raise NotFound("RESULT_NOT_READY", f"the job is {job.state.value.lower()}; no result yet")

    async def takes(
        self, user_id: str, *, size: int, token: str, token_id: int, script_id: int
    ) -> tuple[list[Take], str]:
        limit = page_size(size)
        if token_id < 0 or script_id < 0:
            raise InvalidArgument("INVALID_FILTER", "token_id and script_id must not be negative")
        after = decode_cursor(token) if token else None
        async with self._uow() as uow:
            takes = await uow.repo.list_takes(
                user_id, limit=limit + 1, token_id=token_id, script_id=script_id, after=after
            )
        more = len(takes) > limit
        takes = takes[:limit]
        return takes, encode_cursor(takes[-1]) if more else ""

    async def overview(self, user_id: str) -> Overview:
        async with self._uow() as uow:
            return await uow.repo.overview(user_id)

    async def take_audio(self, user_id: str, take_id: str) -> tuple[SignedUrl, str]:
        async with self._uow() as uow:
            take = await uow.repo.take(user_id, take_id)
        if take is None:
            raise NotFound("TAKE_NOT_FOUND", "take not found")
        return await self._blobs.signed_url(take.blob_key, expires_in=self._audio_url_ttl), content_type(
            take.audio_format
        )

    async def delete_take(self, user_id: str, take_id: str) -> None:
        async with self._uow() as uow:
            blob_key = await uow.repo.delete_take(user_id, take_id)
            if blob_key is None:
                raise NotFound("TAKE_NOT_FOUND", "take not found")
            await uow.commit()
        await self._blobs.delete(blob_key)
