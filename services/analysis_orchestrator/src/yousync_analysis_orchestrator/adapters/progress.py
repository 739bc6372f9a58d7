"""Live job events over JetStream: publishing each event as it happens, and fanning them out to watchers.

Events go to `analysis.job.<id>.events` (stream ANALYSIS) with a per-job sequence from PostgreSQL,
which holds the event before it is published. Each API process reads every job's events through
ONE ordered consumer (`JobEventHub`) and hands them to the watchers of that job in memory, so a
thousand watchers cost a thousand queues, not a thousand JetStream consumers. What a watcher sends,
and when, is `AnalysisService.watch`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Iterator
from typing import Any

from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import ConsumerConfig, DeliverPolicy

from yousync.analysis.v1 import analysis_pb2
from yousync_analysis_orchestrator.adapters.convert import event_of, event_pb
from yousync_analysis_orchestrator.adapters.relay import publish_attributes
from yousync_analysis_orchestrator.domain import JobEvent, event_message_id
from yousync_analysis_orchestrator.subjects import job_events
from yousync_platform.events import publish
from yousync_platform.telemetry import inject, producing

log = logging.getLogger(__name__)


class ProgressPublisher:
    def __init__(self, js: JetStreamContext, on_sent: Callable[[str], None] | None = None) -> None:
        """`on_sent(msg_id)`: JetStream acknowledged a row sent at once (this process's relay, if any)."""
        self._js = js
        self._on_sent = on_sent
        self._sending: set[asyncio.Task[None]] = set()

    def publish_now(self, subject: str, payload: bytes, msg_id: str) -> None:
        """Sends in the background: the caller (an upload, the dispatcher) does not wait for JetStream."""
        task = asyncio.create_task(self._send(subject, payload, msg_id))
        self._sending.add(task)
        task.add_done_callback(self._sending.discard)

    async def _send(self, subject: str, payload: bytes, msg_id: str) -> None:
        # The task runs in the caller's context: the same PRODUCER span the relay would make for this row
        # (JetStream keeps whichever copy arrives first, so either must carry the trace on).
        try:
            with producing(f"{subject} publish", inject(), publish_attributes(subject, msg_id)):
                await publish(self._js, subject, payload, msg_id=msg_id, timeout=2.0)
        except Exception:
            log.info("outbox row not sent at once; the relay sends it", extra={"subject": subject})
            return
        if self._on_sent is not None:
            self._on_sent(msg_id)

    async def publish(self, event: JobEvent) -> None:
        """Best effort: the database already holds the event; the terminal one also goes via the outbox."""
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
        self._queues: dict[str, set[asyncio.Queue[JobEvent]]] = {}
        self._subscription: Any = None
        self._last_stream_sequence = 0
        self._resubscribing: asyncio.Task[None] | None = None

    async def start(self) -> None:
        await self._subscribe(ConsumerConfig(deliver_policy=DeliverPolicy.NEW))

    async def resubscribe(self) -> None:
        """After NATS came back: a fresh consumer from the first event not yet seen (at once, rather
        than when the old one's missed heartbeats are noticed). JetStream may still be recovering, so
        this keeps trying (in the background, the latest reconnection's attempt only)."""
        if self._resubscribing is not None:
            self._resubscribing.cancel()
        self._resubscribing = asyncio.create_task(self._resubscribe(), name="job-events-resubscribe")

    async def _resubscribe(self) -> None:
        backoff = 0.2
        while True:
            await self.stop()
            if self._last_stream_sequence:
                config = ConsumerConfig(
                    deliver_policy=DeliverPolicy.BY_START_SEQUENCE, opt_start_seq=self._last_stream_sequence + 1
                )
            else:
                config = ConsumerConfig(deliver_policy=DeliverPolicy.NEW)
            try:
                await self._subscribe(config)
                return
            except Exception:
                log.warning("job events: subscribing again failed; retrying in %.1fs", backoff, exc_info=True)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 5.0)

    async def _subscribe(self, config: ConsumerConfig) -> None:
        self._subscription = await self._js.subscribe(
            job_events("*"), ordered_consumer=True, config=config, cb=self._deliver
        )

    async def close(self) -> None:
        """Stop for good (a resubscription under way included)."""
        if self._resubscribing is not None:
            self._resubscribing.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._resubscribing
        await self.stop()

    async def stop(self) -> None:
        if self._subscription is not None:
            with contextlib.suppress(Exception):
                await self._subscription.unsubscribe()
            self._subscription = None

    async def _deliver(self, message: Msg) -> None:
        self._last_stream_sequence = max(self._last_stream_sequence, message.metadata.sequence.stream)
        queues = self._queues.get(message.subject.split(".")[2]) if message.subject.count(".") == 3 else None
        if not queues:
            return  # nobody watches this job here: not even decoded
        event = event_of(analysis_pb2.JobEvent.FromString(message.data))
        for queue in queues:
            queue.put_nowait(event)

    @contextlib.contextmanager
    def listen(self, job_id: str) -> Iterator[asyncio.Queue[JobEvent]]:
        queue: asyncio.Queue[JobEvent] = asyncio.Queue()
        self._queues.setdefault(job_id, set()).add(queue)
        try:
            yield queue
        finally:
            listeners = self._queues[job_id]
            listeners.discard(queue)
            if not listeners:
                del self._queues[job_id]
