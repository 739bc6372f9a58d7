"""Watching a job by its id alone (the capability path), for the gateway holding the shared secret.

The proof (see `yousync_platform.job_capability`) is checked before anything is read; then the job's
owner is looked up and the ordinary watcher streams it exactly as `WatchJob` does for that owner.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

from yousync.analysis.v1 import analysis_pb2
from yousync_analysis_orchestrator.db.uow import OrchestratorUnitOfWork
from yousync_analysis_orchestrator.progress import JobWatcher
from yousync_platform import job_capability
from yousync_platform.errors import NotFound, PermissionDenied


class JobCapability:
    def __init__(self, *, uow: Callable[[], OrchestratorUnitOfWork], watcher: JobWatcher, secret: bytes) -> None:
        self._uow = uow
        self._watcher = watcher
        self._secret = secret

    async def watch(self, job_id: str, after_sequence: int, proof: str) -> AsyncIterator[analysis_pb2.JobEvent]:
        if len(self._secret) < job_capability.MIN_SECRET_BYTES:
            raise PermissionDenied("JOB_CAPABILITY_DISABLED", "watching a job by its id is not enabled")
        if not job_capability.verify(self._secret, job_id, proof):
            raise PermissionDenied("INVALID_CAPABILITY_PROOF", "invalid capability proof")
        async with self._uow() as uow:
            job = await uow.repo.job(job_id)
        if job is None:
            raise NotFound("JOB_NOT_FOUND", "job not found")
        async for event in self._watcher.watch(job.user_id, job_id, after_sequence):
            yield event
