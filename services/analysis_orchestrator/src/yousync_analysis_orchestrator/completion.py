"""Ending a job: result, terminal state and outbox events in one transaction, exactly once per job."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from yousync.analysis.v1 import events_pb2
from yousync.analyzer.v1 import analyzer_pb2
from yousync_analysis_orchestrator.convert import event_pb, scores_of, scores_pb
from yousync_analysis_orchestrator.db.uow import OrchestratorUnitOfWork
from yousync_analysis_orchestrator.domain import Job, JobState
from yousync_analysis_orchestrator.progress import event_message_id
from yousync_analysis_orchestrator.subjects import TAKE_COMPLETED, job_events
from yousync_platform.protobuf import timestamp


class Completion:
    def __init__(self, uow: Callable[[], OrchestratorUnitOfWork]) -> None:
        self._uow = uow

    async def complete(self, job_id: str, result: analyzer_pb2.AnalysisResult) -> Job | None:
        """Store the result; None when the job was already terminal (nothing changes)."""
        scores = scores_of(result)
        message = "analysis complete" if scores else "please record again"
        async with self._uow() as uow:
            finished = await uow.repo.finish(
                job_id,
                state=JobState.COMPLETED,
                message=message,
                verdict=result.verdict,
                scores=scores,
                analysis=result.SerializeToString(),
            )
            if finished is None:
                return None
            job, event = finished
            await uow.repo.add_event(
                job_events(job.id), event_pb(event).SerializeToString(), event_message_id(job.id, event.sequence)
            )
            event_id = uuid.uuid4()
            await uow.repo.add_event(
                TAKE_COMPLETED,
                events_pb2.TakeCompleted(
                    event_id=str(event_id),
                    job_id=job.id,
                    take_id=job.take_id,
                    user_id=job.user_id,
                    token_id=job.token_id,
                    script_id=job.script_id,
                    complete_time=timestamp(event.time),
                    scores=scores_pb(scores),
                    verdict=result.verdict,
                ).SerializeToString(),
                event_id,
            )
            await uow.commit()
        return job

    async def fail(self, job_id: str, reason: str, message: str) -> Job | None:
        async with self._uow() as uow:
            finished = await uow.repo.finish(
                job_id, state=JobState.FAILED, message=message, failure_reason=reason, failure_message=message
            )
            if finished is None:
                return None
            job, event = finished
            await uow.repo.add_event(
                job_events(job.id), event_pb(event).SerializeToString(), event_message_id(job.id, event.sequence)
            )
            await uow.commit()
        return job
