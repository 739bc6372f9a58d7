"""The outbox relay: publishes committed outbox rows to JetStream, in order, at least once.

Woken by PostgreSQL NOTIFY (sent in the transaction that wrote the rows) and by a slow safety sweep;
each row is published with `Nats-Msg-Id` = its event id, so JetStream drops the duplicates a retry
may produce. While NATS is down the rows wait and the relay retries with backoff: nothing is lost.
Each row carries the trace context of the transaction that wrote it: it is published in a PRODUCER
span of that trace, whose `traceparent` goes out in the message's headers.

Rows someone waits for (a dispatch, a job's last event) are also sent at once after their commit
(`ProgressPublisher.publish_now`); when that was in this process and JetStream acknowledged it
(`sent`), the relay only marks the row. A NOTIFY is followed by a short linger, so the rows of a
burst share one round (one transaction) and the ones sent at once have been acknowledged by then.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import OrderedDict
from collections.abc import Callable

import asyncpg
from nats.js import JetStreamContext
from prometheus_client import Counter

from yousync_analysis_orchestrator.db.repositories import OUTBOX_CHANNEL
from yousync_analysis_orchestrator.db.uow import OrchestratorUnitOfWork
from yousync_platform.db import asyncpg_url
from yousync_platform.events import publish
from yousync_platform.telemetry import producing

log = logging.getLogger(__name__)

ROWS = Counter(
    "outbox_rows_published_total",
    "Outbox rows marked published by the relay: sent by it (relayed), or already acknowledged (sent_at_once).",
    ["how"],
)
RELAYED = ROWS.labels(how="relayed")
SENT_AT_ONCE = ROWS.labels(how="sent_at_once")


def publish_attributes(subject: str, msg_id: str) -> dict[str, str]:
    """The PRODUCER span's attributes for one outbox row sent to NATS."""
    return {"messaging.system": "nats", "messaging.destination.name": subject, "messaging.message.id": msg_id}


class OutboxRelay:
    def __init__(
        self,
        *,
        uow: Callable[[], OrchestratorUnitOfWork],
        js: JetStreamContext,
        database_url: str,
        batch: int = 100,
        sweep_seconds: float = 5.0,
        linger_seconds: float = 0.05,
        remembered: int = 10_000,
    ) -> None:
        self._uow = uow
        self._js = js
        self._dsn = asyncpg_url(database_url).replace("postgresql+asyncpg://", "postgresql://")
        self._batch = batch
        self._sweep = sweep_seconds
        self._linger = linger_seconds
        # Message ids JetStream acknowledged for this process's publish_now, oldest first; bounded,
        # since another replica's relay may take those rows (forgetting one only costs a duplicate send).
        self._sent: OrderedDict[str, None] = OrderedDict()
        self._remembered = remembered
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._listener: asyncpg.Connection | None = None
        # Rounds that failed to publish (NATS or PostgreSQL away), for health and tests.
        self.failures = 0

    def sent(self, msg_id: str) -> None:
        """JetStream acknowledged this outbox row's message (sent at once): the relay need not send it."""
        self._sent[msg_id] = None
        if len(self._sent) > self._remembered:
            self._sent.popitem(last=False)

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="outbox-relay")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._listener is not None:
            with contextlib.suppress(Exception):
                await self._listener.close()

    async def _listen(self) -> None:
        if self._listener is None or self._listener.is_closed():
            self._listener = await asyncpg.connect(self._dsn)
            await self._listener.add_listener(OUTBOX_CHANNEL, lambda *_: self._wake.set())

    async def _run(self) -> None:
        backoff = 0.2
        while True:
            # Cleared before the round, not after it: a NOTIFY for a row committed while the round ran
            # (after its select) starts the next round at once, instead of waiting for the sweep.
            self._wake.clear()
            try:
                await self._listen()
                while await self.publish_batch() == self._batch:
                    pass
                backoff = 0.2
            except asyncio.CancelledError:
                raise
            except Exception:
                self.failures += 1
                log.warning("outbox relay: publishing failed, retrying in %.1fs", backoff, exc_info=True)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 5.0)
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self._sweep)
            if self._wake.is_set():
                await asyncio.sleep(self._linger)  # the rest of the burst joins the round

    async def publish_batch(self) -> int:
        """Publish up to one batch; rows published before a failure stay marked."""
        published: list[int] = []
        async with self._uow() as uow:
            rows = await uow.outbox.unpublished(self._batch)
            try:
                for row in rows:
                    msg_id = str(row.event_id)
                    if msg_id in self._sent:  # already acknowledged: sent at once
                        del self._sent[msg_id]
                        published.append(row.id)
                        SENT_AT_ONCE.inc()
                        continue
                    # Under the trace of the transaction that wrote the row: the message's headers
                    # carry this span, and the consumer continues from it.
                    with producing(
                        f"{row.subject} publish", row.trace_headers, publish_attributes(row.subject, msg_id)
                    ):
                        await publish(self._js, row.subject, row.payload, msg_id=msg_id)
                    published.append(row.id)
                    RELAYED.inc()
            finally:
                await uow.outbox.mark_published(published)
                await uow.commit()
        return len(published)
