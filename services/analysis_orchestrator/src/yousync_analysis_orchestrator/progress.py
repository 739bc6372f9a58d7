"""Job progress over JetStream: publishing each event as it happens, and watching one job.

Events go to `analysis.job.<id>.events` (stream ANALYSIS) with a per-job sequence from PostgreSQL.
A watcher subscribes with an ordered consumer that replays the job's subject from the start, then
sends the database snapshot first and only events with a higher sequence afterwards, ending at the
terminal event. Replay plus snapshot means a reconnect with `after_sequence` misses nothing, and no
one polls.
"""

from __future__ import annotations

import contextlib
import logging
import uuid
from collections.abc import AsyncIterator, Callable

from nats.errors import Error as NatsError
from nats.js import JetStreamContext
from nats.js.api import ConsumerConfig, DeliverPolicy

from yousync.analysis.v1 import analysis_pb2
from yousync_analysis_orchestrator.convert import event_pb, is_terminal, snapshot_event
from yousync_analysis_orchestrator.db.uow import OrchestratorUnitOfWork
from yousync_analysis_orchestrator.domain import JobEvent
from yousync_analysis_orchestrator.subjects import job_events
from yousync_platform.errors import InvalidArgument, NotFound, Unavailable
from yousync_platform.events import publish

log = logging.getLogger(__name__)
_EVENT_NAMESPACE = uuid.UUID("5b0f7a1e-4c55-4a8e-9a59-7d1b0f1e2c3d")


def event_message_id(job_id: str, sequence: int) -> uuid.UUID:
    """The Nats-Msg-Id of a job event, the same whether it is published directly or by the outbox relay."""
    return uuid.uuid5(_EVENT_NAMESPACE, f"{job_id}:{sequence}")


class ProgressPublisher:
    def __init__(self, js: JetStreamContext) -> None:
        self._js = js

    async def publish(self, event: JobEvent) -> None:
        """Best effort: the database already holds the state; the terminal event also goes via the outbox."""
        try:
            await publish(
                self._js,
                job_events(event.job_id),
                event_pb(event).SerializeToString(),
                msg_id=str(event_message_id(event.job_id, event.sequence)),
                timeout=2.0,
            )
        except Exception:
            log.warning("progress event not published", extra={"job_id": event.job_id, "sequence": event.sequence})


class JobWatcher:
    def __init__(self, *, uow: Callable[[], OrchestratorUnitOfWork], js: JetStreamContext) -> None:
        self._uow = uow
        self._js = js

    async def watch(self, user_id: str, job_id: str, after_sequence: int) -> AsyncIterator[analysis_pb2.JobEvent]:
        if after_sequence < 0:
            raise InvalidArgument("INVALID_SEQUENCE", "after_sequence must not be negative")
        async with self._uow() as uow:
            if await uow.repo.job(job_id, user_id) is None:
                raise NotFound("JOB_NOT_FOUND", "job not found")
        try:
            subscription = await self._js.subscribe(
                job_events(job_id), ordered_consumer=True, config=ConsumerConfig(deliver_policy=DeliverPolicy.ALL)
            )
        except (NatsError, TimeoutError) as exc:
            # NATS down or saturated: the caller may retry (EventSource reconnects), nothing is lost.
            raise Unavailable("PROGRESS_UNAVAILABLE", "live progress is unavailable, try again") from exc
        try:
            async with self._uow() as uow:
                job = await uow.repo.job(job_id, user_id)
                result = await uow.repo.result(job_id, user_id) if job and job.state.terminal else None
            assert job is not None
            last = after_sequence
            if job.last_sequence > last:
                snapshot = event_pb(snapshot_event(job, result))
                yield snapshot
                last = job.last_sequence
                if is_terminal(snapshot):
                    return
            elif job.state.terminal:
                return
            async for message in subscription.messages:
                event = analysis_pb2.JobEvent.FromString(message.data)
                if event.sequence <= last:
                    continue
                last = event.sequence
                yield event
                if is_terminal(event):
                    return
        finally:
            with contextlib.suppress(Exception):
                await subscription.unsubscribe()
