"""The dispatcher: a durable JetStream pull consumer that runs each queued job on the analyzer.

Per job: skip it (ack) when it is already terminal; fetch the line's reference from the catalog;
open the analyzer's bidirectional `Analyze` stream with a deadline; send the reference audio only if
the analyzer lacks it, then the take; relay every stage event (database first, then JetStream) while
heartbeating the message with `in_progress()`; store the outcome exactly once. An unavailable analyzer
or catalog makes the job wait and retry (nak with backoff); after `max_deliver` attempts it is
dead-lettered: FAILED with the reason.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass

import grpc
from nats.aio.msg import Msg
from nats.js import JetStreamContext

from yousync.analysis.v1 import analysis_pb2
from yousync.analyzer.v1 import analyzer_pb2, analyzer_pb2_grpc
from yousync.common.v1 import common_pb2
from yousync_analysis_orchestrator.adapters.catalog_client import CatalogClient
from yousync_analysis_orchestrator.adapters.convert import ANALYZER_STAGES, analysis_of
from yousync_analysis_orchestrator.domain import Job, LineReference, Stage
from yousync_analysis_orchestrator.service import AnalysisService
from yousync_analysis_orchestrator.subjects import DISPATCH, DISPATCHER_DURABLE, STREAM
from yousync_platform.client import ClientPolicy
from yousync_platform.errors import DomainError, NotFound
from yousync_platform.events import PullConsumer
from yousync_platform.storage.base import BlobNotFound, BlobStore

log = logging.getLogger(__name__)
CHUNK = 64 * 1024
ANALYZER_POLICY = ClientPolicy(service="yousync.analyzer.v1.AnalyzerService", streaming=frozenset({"Analyze"}))
RETRYABLE = {
    grpc.StatusCode.UNAVAILABLE,
    grpc.StatusCode.DEADLINE_EXCEEDED,
    grpc.StatusCode.RESOURCE_EXHAUSTED,
    grpc.StatusCode.CANCELLED,
    grpc.StatusCode.UNKNOWN,
    grpc.StatusCode.INTERNAL,
}


class RetryLater(Exception):
    """The job could not run now (analyzer or catalog unavailable); try again later."""


@dataclass(frozen=True)
class DispatchPolicy:
    concurrency: int
    ack_wait_seconds: float
    max_deliver: int
    retry_delay_seconds: float
    analyzer_deadline_seconds: float


async def _rechunk(chunks: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    async for chunk in chunks:
        for start in range(0, len(chunk), CHUNK):
            yield chunk[start : start + CHUNK]


class Dispatcher:
    def __init__(
        self,
        *,
        service: AnalysisService,
        js: JetStreamContext,
        blobs: BlobStore,
        catalog: CatalogClient,
        analyzer: grpc.aio.Channel,
        policy: DispatchPolicy,
    ) -> None:
        self._service = service
        self._blobs = blobs
        self._catalog = catalog
        self._analyzer = analyzer_pb2_grpc.AnalyzerServiceStub(analyzer)
        self._policy = policy
        self._consumer = PullConsumer(
            js,
            stream=STREAM,
            durable=DISPATCHER_DURABLE,
            subject=DISPATCH,
            handler=self.handle,
            concurrency=policy.concurrency,
            ack_wait_seconds=policy.ack_wait_seconds,
            max_deliver=policy.max_deliver,
            retry_delay=policy.retry_delay_seconds,
        )

    def start(self) -> None:
        self._consumer.start()

    async def stop(self) -> None:
        await self._consumer.stop()

    async def handle(self, msg: Msg) -> None:
        job_id = analysis_pb2.JobEvent.FromString(msg.data).job_id
        attempt = msg.metadata.num_delivered or 1
        dispatchable = await self._service.dispatchable(job_id)
        if dispatchable is None:
            await msg.ack()  # deleted, or finished by an earlier delivery: exactly one result per job
            return
        job, blob_key = dispatchable
        heartbeat = asyncio.create_task(self._heartbeat(msg))
        try:
            await self._run(job, blob_key)
        except RetryLater as exc:
            if attempt >= self._policy.max_deliver:
                await self._service.dead_letter(job.id, attempt, str(exc))
                await msg.ack()
            else:
                await self._service.requeue(job.id, str(exc))
                await msg.nak(delay=self._policy.retry_delay_seconds * attempt)
            return
        finally:
            heartbeat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await heartbeat
        await msg.ack()

    async def _heartbeat(self, msg: Msg) -> None:
        while True:
            await asyncio.sleep(self._policy.ack_wait_seconds / 3)
            with contextlib.suppress(Exception):
                await msg.in_progress()

    async def _run(self, job: Job, blob_key: str) -> None:
        try:
            line = await self._catalog.line(job.token_id)
        except NotFound:
            await self._service.fail(job.id, "TOKEN_NOT_FOUND", "the line no longer exists in the catalog")
            return
        except DomainError as exc:
            raise RetryLater("catalog unavailable") from exc
        if await self._service.start(job.id) is None:
            return
        call = self._analyzer.Analyze(timeout=self._policy.analyzer_deadline_seconds)
        try:
            outcome = await self._stream(call, job, line, blob_key)
        except (grpc.aio.AioRpcError, asyncio.InvalidStateError) as error:
            # A write to a call that already ended raises InvalidStateError: the call's status says why.
            code = error.code() if isinstance(error, grpc.aio.AioRpcError) else await call.code()
            if code in RETRYABLE:
                raise RetryLater(f"analyzer {code.name.lower()}") from error
            log.error("analyzer rejected job %s: %s", job.id, code.name)
            await self._service.fail(job.id, "ANALYZER_REJECTED", "the analysis server rejected the request")
            return
        except BlobNotFound:  # before DomainError: it is one
            await self._service.fail(job.id, "TAKE_MISSING", "the recording is no longer stored")
            return
        except DomainError as exc:
            raise RetryLater("reference audio unavailable") from exc
        finally:
            call.cancel()
        if isinstance(outcome, analyzer_pb2.AnalysisResult):
            await self._service.complete(job.id, analysis_of(outcome))
        else:
            reason = analyzer_pb2.FailureReason.Name(outcome.reason).removeprefix("FAILURE_REASON_")
            await self._service.fail(job.id, reason, outcome.message or reason.replace("_", " ").lower())

    async def _stream(
        self, call: grpc.aio.StreamStreamCall, job: Job, line: LineReference, blob_key: str
    ) -> analyzer_pb2.AnalysisResult | analyzer_pb2.AnalysisFailure:
        await call.write(
            analyzer_pb2.AnalyzeRequest(
                start=analyzer_pb2.AnalyzeStart(
                    job_id=job.id,
                    reference=analyzer_pb2.Reference(
                        cache_key=line.reference_key,
                        text=line.text,
                        language=line.language,
                        words=[common_pb2.WordTiming(word=w, start_seconds=s, end_seconds=e) for w, s, e in line.words],
                    ),
                )
            )
        )
        first = await call.read()
        if first is grpc.aio.EOF:
            raise grpc.aio.AioRpcError(
                grpc.StatusCode.UNAVAILABLE, grpc.aio.Metadata(), grpc.aio.Metadata(), "analyzer closed the stream"
            )
        if first.WhichOneof("event") == "failure":
            failure: analyzer_pb2.AnalysisFailure = first.failure
            return failure
        if not first.accepted.reference_cached:
            async for chunk in _rechunk(self._catalog.reference_audio(job.token_id)):
                await call.write(analyzer_pb2.AnalyzeRequest(reference_audio=analyzer_pb2.AudioChunk(data=chunk)))
        async for chunk in self._blobs.iter_chunks(blob_key, CHUNK):
            await call.write(analyzer_pb2.AnalyzeRequest(take_audio=analyzer_pb2.AudioChunk(data=chunk)))
        await call.write(analyzer_pb2.AnalyzeRequest(end_of_input=analyzer_pb2.EndOfInput()))
        await call.done_writing()
        while True:
            response = await call.read()
            if response is grpc.aio.EOF:
                raise grpc.aio.AioRpcError(
                    grpc.StatusCode.UNAVAILABLE,
                    grpc.aio.Metadata(),
                    grpc.aio.Metadata(),
                    "analyzer ended without a result",
                )
            kind = response.WhichOneof("event")
            if kind == "progress":
                stage = ANALYZER_STAGES.get(response.progress.stage, Stage.SCORING)
                await self._service.progress(job.id, stage, response.progress.progress, response.progress.message)
            elif kind in ("result", "failure"):
                outcome: analyzer_pb2.AnalysisResult | analyzer_pb2.AnalysisFailure = getattr(response, kind)
                return outcome
