"""Watching a job by its id alone (the capability path), for the gateway holding the shared secret.

The proof (see `yousync_platform.job_capability`) is checked before anything is read; then the job's
owner is looked up and the ordinary use case streams it exactly as `WatchJob` does for that owner.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from yousync_analysis_orchestrator.domain import JobEvent
from yousync_analysis_orchestrator.service import AnalysisService
from yousync_platform import job_capability
from yousync_platform.errors import PermissionDenied


class JobCapability:
    def __init__(self, *, service: AnalysisService, secret: bytes) -> None:
        self._service = service
        self._secret = secret

    async def watch(self, job_id: str, after_sequence: int, proof: str) -> AsyncIterator[JobEvent]:
        if len(self._secret) < job_capability.MIN_SECRET_BYTES:
            raise PermissionDenied("JOB_CAPABILITY_DISABLED", "watching a job by its id is not enabled")
        if not job_capability.verify(self._secret, job_id, proof):
            raise PermissionDenied("INVALID_CAPABILITY_PROOF", "invalid capability proof")
        owner = await self._service.owner_of(job_id)
        async for event in self._service.watch(owner, job_id, after_sequence):
            yield event
