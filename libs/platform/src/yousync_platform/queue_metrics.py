"""Prometheus gauges of a JetStream work queue (a durable pull consumer): its depth, the age of its
oldest unfinished message, the workers waiting for work, and its dead letters.

Sampled every `interval_seconds` from the consumer's info (one request to the server), so the values
are at most that old. Every process that runs a `QueueMonitor` exports the same numbers: aggregate
them with `max` across replicas, never `sum`. Dead letters come from JetStream's MAX_DELIVERIES
advisories (core NATS: each monitor hears each advisory once).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging

from nats.aio.client import Client as NatsClient
from nats.aio.msg import Msg
from nats.aio.subscription import Subscription
from nats.js.errors import NotFoundError
from prometheus_client import Counter, Gauge

log = logging.getLogger(__name__)

LABELS = ["stream", "consumer"]
PENDING = Gauge(
    "jetstream_consumer_pending_messages", "Messages not yet delivered to any worker (queue depth).", LABELS
)
ACK_PENDING = Gauge(
    "jetstream_consumer_ack_pending_messages", "Messages delivered and not yet acknowledged (in work).", LABELS
)
WAITING = Gauge(
    "jetstream_consumer_waiting_pulls", "Pull requests waiting for a message: workers idle and ready.", LABELS
)
REDELIVERED = Gauge("jetstream_consumer_redelivered_messages", "Messages delivered more than once, unacked.", LABELS)
OLDEST_AGE = Gauge(
    "jetstream_consumer_oldest_unacked_age_seconds",
    "Age of the oldest message not yet acknowledged (0 when the queue is empty).",
    LABELS,
)
DEAD_LETTERS = Counter(
    "jetstream_dead_letters_total", "Messages that ran out of deliveries (MAX_DELIVERIES advisories).", LABELS
)
SAMPLE_ERRORS = Counter("jetstream_queue_sample_errors_total", "Failed samples of a consumer's info.", LABELS)


class QueueMonitor:
    def __init__(
        self, nats: NatsClient, stream: str, consumer: str, subject: str = "", *, interval_seconds: float = 10.0
    ) -> None:
        self._nats = nats
        self._js = nats.jetstream()
        self.stream, self.consumer, self.subject = stream, consumer, subject
        self._interval = interval_seconds
        self._labels = (stream, consumer)
        self._task: asyncio.Task[None] | None = None
        self._subscription: Subscription | None = None

    async def start(self) -> None:
        for gauge in (PENDING, ACK_PENDING, WAITING, REDELIVERED, OLDEST_AGE):
            gauge.labels(*self._labels).set(0)
        DEAD_LETTERS.labels(*self._labels)
        advisory = f"$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.{self.stream}.{self.consumer}"
        self._subscription = await self._nats.subscribe(advisory, cb=self._on_dead_letter)
        self._task = asyncio.get_running_loop().create_task(self._loop())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._subscription is not None:
            with contextlib.suppress(Exception):
                await self._subscription.unsubscribe()

    async def _on_dead_letter(self, msg: Msg) -> None:
        DEAD_LETTERS.labels(*self._labels).inc()

    async def _loop(self) -> None:
        while True:
            try:
                await self.sample()
            except asyncio.CancelledError:
                raise
            except Exception:
                SAMPLE_ERRORS.labels(*self._labels).inc()
                log.debug("queue sample failed", exc_info=True)
            await asyncio.sleep(self._interval)

    async def sample(self) -> None:
        info = await self._js.consumer_info(self.stream, self.consumer)
        pending, ack_pending = info.num_pending or 0, info.num_ack_pending or 0
        PENDING.labels(*self._labels).set(pending)
        ACK_PENDING.labels(*self._labels).set(ack_pending)
        WAITING.labels(*self._labels).set(info.num_waiting or 0)
        REDELIVERED.labels(*self._labels).set(info.num_redelivered or 0)
        age = 0.0
        if pending + ack_pending > 0:
            floor = info.ack_floor.stream_seq if info.ack_floor and info.ack_floor.stream_seq else 0
            try:
                if self.subject:
                    oldest = await self._js.get_msg(self.stream, seq=floor + 1, subject=self.subject, next=True)
                else:
                    oldest = await self._js.get_msg(self.stream, seq=floor + 1)
            except NotFoundError:
                oldest = None
            if oldest is not None and oldest.time is not None:
                age = max(0.0, (dt.datetime.now(dt.UTC) - oldest.time).total_seconds())
        OLDEST_AGE.labels(*self._labels).set(age)
