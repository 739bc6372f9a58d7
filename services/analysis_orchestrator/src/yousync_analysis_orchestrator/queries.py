"""The caller's jobs, results and takes (my-page). Another user's objects are NOT_FOUND."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable

from yousync_analysis_orchestrator.db.uow import OrchestratorUnitOfWork
from yousync_analysis_orchestrator.domain import Job, Overview, Result, Take
from yousync_platform import paging
from yousync_platform.audio_format import content_type
from yousync_platform.errors import InvalidArgument, NotFound
from yousync_platform.storage.base import BlobStore, SignedUrl

ORDER = "newest"


def _cursor(take: Take) -> list[str]:
    return [take.created_at.isoformat(), take.id]


def _after(token: str, filters: str) -> tuple[dt.datetime, uuid.UUID] | None:
    key = paging.decode(token, ORDER, filters, (str, str))
    if key is None:
        return None
    try:
        return dt.datetime.fromisoformat(key[0]), uuid.UUID(key[1])
    except ValueError:
        raise InvalidArgument("INVALID_PAGE_TOKEN", "page_token is malformed or was issued for another query") from None


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
        limit = paging.page_size(size)
        if token_id < 0 or script_id < 0:
            raise InvalidArgument("INVALID_FILTER", "token_id and script_id must not be negative")
        filters = paging.fingerprint(token_id, script_id)
        after = _after(token, filters)
        async with self._uow() as uow:
            takes = await uow.repo.list_takes(
                user_id, limit=limit + 1, token_id=token_id, script_id=script_id, after=after
            )
        more = len(takes) > limit
        takes = takes[:limit]
        return takes, paging.encode(ORDER, filters, _cursor(takes[-1])) if more else ""

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
