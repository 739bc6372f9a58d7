"""One Analyze stream as a use case: domain messages in, domain events out. No grpc here.

Stream contract (see analyzer.proto): `Start` → `Accepted` → reference chunks (only when the server
does not hold the reference) → take chunks → `EndOfInput`; then progress events in stage order with
progress never decreasing, and exactly one terminal event (a result or a failure).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from yousync_analyzer import MODEL_VERSION, metrics, pipeline
from yousync_analyzer.domain import (
    Accepted,
    AnalysisFailed,
    AnalysisResult,
    EndOfInput,
    Event,
    Failure,
    FailureReason,
    Limits,
    Message,
    Progress,
    ProtocolViolation,
    ReferenceAnalysis,
    ReferenceChunk,
    Stage,
    Start,
    TakeChunk,
    Verdict,
)
from yousync_analyzer.pool import AnalysisPool
from yousync_analyzer.reference_cache import ReferenceCache, key_of
from yousync_analyzer.scoring import Scorers

log = logging.getLogger(__name__)

MAX_CHUNK_BYTES = 64 * 1024


@dataclass
class Analyzer:
    pool: AnalysisPool
    cache: ReferenceCache
    limits: Limits = field(default_factory=Limits)
    scorers: Scorers = field(default_factory=Scorers)

    async def analyze(self, messages: AsyncIterator[Message]) -> AsyncIterator[Event]:
        first = await anext(messages, None)
        if not isinstance(first, Start):
            raise ProtocolViolation("the first message must be `start`")
        if not first.reference.text.strip():
            raise ProtocolViolation("start.reference.text is required")
        if not first.reference.cache_key:
            raise ProtocolViolation("start.reference.cache_key is required")
        with self.pool.admit():
            key = key_of(first.reference)
            cached = self.cache.contains(key)
            yield Accepted(reference_cached=cached, model_version=MODEL_VERSION)
            received = await self._receive(messages, cached)
            if isinstance(received, Failure):
                metrics.ANALYSES.labels("failed").inc()
                yield received
                return
            reference_audio, take_audio = received
            outcome = "failed"
            try:
                async for event in self._run(first, reference_audio, take_audio):
                    if isinstance(event, AnalysisResult):
                        outcome = "rerecord" if event.verdict is Verdict.RERECORD else "scored"
                    yield event
            except AnalysisFailed as exc:
                yield Failure(exc.reason, exc.message)
            finally:
                metrics.ANALYSES.labels(outcome).inc()

    async def _receive(self, messages: AsyncIterator[Message], cached: bool) -> tuple[bytes, bytes] | Failure:
        reference = bytearray()
        take = bytearray()
        async for message in messages:
            if isinstance(message, EndOfInput):
                return bytes(reference), bytes(take)
            if isinstance(message, Start):
                raise ProtocolViolation("`start` may be sent only once")
            if len(message.data) > MAX_CHUNK_BYTES:
                raise ProtocolViolation(f"audio chunks must be at most {MAX_CHUNK_BYTES} bytes")
            if isinstance(message, ReferenceChunk):
                if take:
                    raise ProtocolViolation("reference audio must come before the take's audio")
                if cached:
                    continue  # the server already holds it; harmless
                reference += message.data
                if len(reference) > self.limits.max_reference_bytes:
                    return Failure(FailureReason.TOO_LARGE, "the reference audio is too large")
            elif isinstance(message, TakeChunk):
                take += message.data
                if len(take) > self.limits.max_take_bytes:
                    return Failure(FailureReason.TOO_LARGE, f"the take exceeds {self.limits.max_take_bytes} bytes")
        raise ProtocolViolation("the stream ended before `end_of_input`")

    async def _reference(self, start: Start, audio: bytes) -> ReferenceAnalysis:
        spec = start.reference
        pipeline.check_language(spec.language)

        async def compute() -> ReferenceAnalysis:
            if not audio:
                raise AnalysisFailed(
                    FailureReason.INVALID_REFERENCE,
                    "the server does not hold this reference: send its audio as `reference_audio`",
                )
            return await self.pool.run(pipeline.analyze_reference, audio, spec, self.limits.max_duration_seconds)

        return await self.cache.get_or_compute(key_of(spec), compute)

    async def _run(self, start: Start, reference_audio: bytes, take_audio: bytes) -> AsyncIterator[Event]:
        limits, scorers, run = self.limits, self.scorers, self.pool.run
        if not take_audio:
            raise AnalysisFailed(FailureReason.UNDECODABLE, "no take audio was sent")
        yield Progress(Stage.DECODING, 0, "decoding the take")
        ref = await self._reference(start, reference_audio)
        state = await run(pipeline.decode_take, take_audio, start.reference.text, limits.max_duration_seconds)
        yield Progress(Stage.QUALITY_CHECK, 15, "checking the recording's quality")
        state = await run(pipeline.check_quality, state)
        if state.rerecord is not None:
            yield Progress(Stage.SCORING, 100, "done")
            yield pipeline.rerecord(state, state.rerecord)
            return
        yield Progress(Stage.ALIGNMENT, 30, "aligning the line to the take")
        state = await run(pipeline.align_take, state)
        yield Progress(Stage.RECOGNITION, 50, "recognising what was said")
        state = await run(pipeline.recognise_take, state)
        if state.rerecord is not None:
            yield Progress(Stage.SCORING, 100, "done")
            yield pipeline.rerecord(state, state.rerecord)
            return
        yield Progress(Stage.PITCH, 70, "comparing the melody with the actor's")
        state = await run(pipeline.score_pitch, state, ref, scorers)
        yield Progress(Stage.SCORING, 85, "scoring")
        result = await run(pipeline.score_take, state, ref, scorers)
        yield Progress(Stage.SCORING, 100, "done")
        yield result
