"""The durable JetStream consumer of the analysis "take completed" event: counts each take once.

Delivery is at-least-once (redelivery after a lost ack, a relay publishing twice beyond the
stream's duplicate window); the effect is exactly-once because the event id is claimed in the
same transaction as the counter increments, and the message is acked only after that commit.
"""

from __future__ import annotations

import logging

from google.protobuf.message import DecodeError
from nats.aio.msg import Msg
from nats.js import JetStreamContext

from yousync.analysis.v1 import events_pb2
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
