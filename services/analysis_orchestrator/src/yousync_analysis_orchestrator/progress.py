"""Job progress over JetStream: publishing each event as it happens, and watching one job.

Events go to `analysis.job.<id>.events` (stream ANALYSIS) with a per-job sequence from PostgreSQL,
which is updated before the event is published. Each API process reads every job's events through
ONE ordered consumer (`JobEventHub`) and hands them to the watchers of that job in memory, so a
thousand watchers cost a thousand queues, not a thousand JetStream consumers. A watcher registers
first, then sends the database snapshot, then only queued events with a higher sequence, ending at
the terminal event: anything published before it registered is already in the snapshot, anything
after is in its queue, so a reconnect with `after_sequence` misses nothing, and no one polls.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import ConsumerConfig, DeliverPolicy

from yousync.analysis.v1 import analysis_pb2
from yousync_analysis_orchestrator.convert import event_pb, is_terminal, snapshot_event
from yousync_analysis_orchestrator.db.uow import OrchestratorUnitOfWork
from yousync_analysis_orchestrator.domain import JobEvent
from yousync_analysis_orchestrator.subjects import job_events
from yousync_platform.errors import InvalidArgument, NotFound
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


class JobEventHub:
    """One ordered consumer of every job's events for this process, fanned out to in-memory queues."""

    def __init__(self, js: JetStreamContext) -> None:
        self._js = js
        self._queues: dict[str, set[asyncio.Queue[analysis_pb2.JobEvent]]] = {}
        self._subscription: Any = None
        self._last_stream_sequence = 0

    async def start(self) -> None:
        await self._subscribe(ConsumerConfig(deliver_policy=DeliverPolicy.NEW))

    async def resubscribe(self) -> None:
        """After NATS came back: a fresh consumer from the first event not yet seen (at once, rather
        than when the old one's missed heartbeats are noticed)."""
        await self.stop()
        if self._last_stream_sequence:
            config = ConsumerConfig(
                deliver_policy=DeliverPolicy.BY_START_SEQUENCE, opt_start_seq=self._last_stream_sequence + 1
            )
        else:
            config = ConsumerConfig(deliver_policy=DeliverPolicy.NEW)
        await self._subscribe(config)

    async def _subscribe(self, config: ConsumerConfig) -> None:
        self._subscription = await self._js.subscribe(
            job_events("*"), ordered_consumer=True, config=config, cb=self._deliver
        )

    async def stop(self) -> None:
        if self._subscription is not None:
            with contextlib.suppress(Exception):
                await self._subscription.unsubscribe()
            self._subscription = None

    async def _deliver(self, message: Msg) -> None:
        self._last_stream_sequence = max(self._last_stream_sequence, message.metadata.sequence.stream)
        event = analysis_pb2.JobEvent.FromString(message.data)
        for queue in self._queues.get(event.job_id, ()):
            queue.put_nowait(event)

    @contextlib.contextmanager
    def listen(self, job_id: str) -> Iterator[asyncio.Queue[analysis_pb2.JobEvent]]:
        queue: asyncio.Queue[analysis_pb2.JobEvent] = asyncio.Queue()
        self._queues.setdefault(job_id, set()).add(queue)
        try:
            yield queue
        finally:
            listeners = self._queues[job_id]
            listeners.discard(queue)
            if not listeners:
                del self._queues[job_id]


class JobWatcher:
    def __init__(self, *, uow: Callable[[], OrchestratorUnitOfWork], hub: JobEventHub) -> None:
        self._uow = uow
        self._hub = hub

    async def watch(self, user_id: str, job_id: str, after_sequence: int) -> AsyncIterator[analysis_pb2.JobEvent]:
        if after_sequence < 0:
            raise InvalidArgument("INVALID_SEQUENCE", "after_sequence must not be negative")
        with self._hub.listen(job_id) as queue:  # before the snapshot: nothing falls in between
            async with self._uow() as uow:
                job = await uow.repo.job(job_id, user_id)
                result = await uow.repo.result(job_id, user_id) if job and job.state.terminal else None
            if job is None:
                raise NotFound("JOB_NOT_FOUND", "job not found")
            last = after_sequence
            if job.last_sequence > last:
                snapshot = event_pb(snapshot_event(job, result))
                yield snapshot
                last = job.last_sequence
                if is_terminal(snapshot):
                    return
            elif job.state.terminal:
                return
            while True:
                event = await queue.get()
                if event.sequence <= last:
                    continue
                last = event.sequence
                yield event
                if is_terminal(event):
                    return
