"""The durable JetStream consumer of the analysis "take completed" event: counts each take once.

Delivery is at-least-once (redelivery after a lost ack, a relay publishing twice beyond the
stream's duplicate window); the effect is exactly-once because the event id is claimed in the
same transaction as the counter increments, and the message is acked only after that commit.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Coroutine
from typing import Any

from google.protobuf.message import DecodeError
from nats.aio.client import Client as NatsClient
from nats.aio.msg import Msg
from nats.js import JetStreamContext

from yousync.analysis.v1 import events_pb2
from yousync.catalog.v1 import events_pb2 as events_pb2_catalog
from yousync_catalog.service import CatalogService
from yousync_platform.events import PullConsumer, ensure_stream

log = logging.getLogger(__name__)

STREAM = "ANALYSIS"
STREAM_SUBJECTS = ["analysis.>"]
TAKE_COMPLETED_SUBJECT = "analysis.events.take_completed"
DURABLE = "catalog-take-counter"


class TakeCounter:
    def __init__(self, service: CatalogService) -> None:
        self._service = service

    async def handle(self, msg: Msg) -> None:
        try:
            event = events_pb2.TakeCompleted.FromString(msg.data)
        except DecodeError:
            log.error("take_completed: undecodable payload, dropped", extra={"subject": msg.subject})
            await msg.term()
            return
        if not event.event_id:
            log.error("take_completed: event without id, dropped")
            await msg.term()
            return
        counted = await self._service.record_take_completed(
            event.event_id, event.token_id, event.script_id, msg.subject
        )
        await msg.ack()
        log.info(
            "take counted" if counted else "duplicate take event ignored",
            extra={"event_id": event.event_id, "token_id": event.token_id},
        )


async def start_take_counter(
    js: JetStreamContext,
    service: CatalogService,
    *,
    durable: str = DURABLE,
    ack_wait_seconds: float = 30.0,
    max_deliver: int = 10,
) -> PullConsumer:
    await ensure_stream(js, STREAM, STREAM_SUBJECTS)
    consumer = PullConsumer(
        js,
        stream=STREAM,
        durable=durable,
        subject=TAKE_COMPLETED_SUBJECT,
        handler=TakeCounter(service).handle,
        concurrency=4,
        ack_wait_seconds=ack_wait_seconds,
        max_deliver=max_deliver,
    )
    consumer.start()
    return consumer


CHANGED_SUBJECT = "catalog.changed"


class ChangePublisher:
    """Tells read caches elsewhere (the gateway's) that the catalog changed: one `CatalogChanged` on core
    NATS subject `catalog.changed` per edit, and at most one per `counters_delay_seconds` for counter
    moves (views, takes), which can come by the hundred per second. Fire-and-forget: a cache bounds its
    entries' age anyway, and forgets everything when its connection comes back."""

    def __init__(self, nc: NatsClient, *, counters_delay_seconds: float = 0.25) -> None:
        self._nc = nc
        self._delay = counters_delay_seconds
        self._counters_pending = False
        self._tasks: set[asyncio.Task[None]] = set()

    def __call__(self, structure: bool) -> None:
        loop = asyncio.get_running_loop()
        if structure:
            self._spawn(self._publish(events_pb2_catalog.CATALOG_CHANGE_KIND_EDIT))
        elif not self._counters_pending:
            self._counters_pending = True
            loop.call_later(self._delay, self._counters_due)

    def _counters_due(self) -> None:
        self._counters_pending = False
        self._spawn(self._publish(events_pb2_catalog.CATALOG_CHANGE_KIND_COUNTERS))

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _publish(self, kind: events_pb2_catalog.CatalogChangeKind) -> None:
        event = events_pb2_catalog.CatalogChanged(event_id=str(uuid.uuid4()), kind=kind)
        try:
            await self._nc.publish(CHANGED_SUBJECT, event.SerializeToString())
        except Exception:
            log.warning("catalog.changed not published", exc_info=True)

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
