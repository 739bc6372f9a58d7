"""Jobs whose dispatch message ran out of deliveries without an answer become FAILED (DEAD_LETTERED).

The dispatcher dead-letters a job itself on its last attempt; this covers the case where no attempt
could say anything (every worker holding the message died). JetStream then publishes a
MAX_DELIVERIES advisory naming the message, which we look up to find the job.
"""

from __future__ import annotations

import contextlib
import json
import logging

from nats.aio.client import Client as NatsClient
from nats.aio.msg import Msg
from nats.aio.subscription import Subscription

from yousync.analysis.v1 import analysis_pb2
from yousync_analysis_orchestrator.service import AnalysisService
from yousync_analysis_orchestrator.subjects import DISPATCHER_DURABLE, STREAM

log = logging.getLogger(__name__)
ADVISORY = f"$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.{STREAM}.{DISPATCHER_DURABLE}"


class DeadLetters:
    def __init__(self, nats: NatsClient, service: AnalysisService) -> None:
        self._nats = nats
        self._js = nats.jetstream()
        self._service = service
        self._subscription: Subscription | None = None

    async def start(self) -> None:
        self._subscription = await self._nats.subscribe(ADVISORY, cb=self._on_advisory)

    async def stop(self) -> None:
        if self._subscription is not None:
            with contextlib.suppress(Exception):
                await self._subscription.unsubscribe()

    async def _on_advisory(self, msg: Msg) -> None:
        try:
            advisory = json.loads(msg.data)
            stored = await self._js.get_msg(STREAM, int(advisory["stream_seq"]))
            job_id = analysis_pb2.JobEvent.FromString(stored.data or b"").job_id
            deliveries = int(advisory.get("deliveries", 0))
            await self._service.dead_letter(job_id, deliveries, "no worker answered")
        except Exception:
            log.exception("could not dead-letter after a max-deliveries advisory")
