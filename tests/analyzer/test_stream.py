"""The stream protocol, typed failures, caps, saturation and cancellation, over real gRPC."""

from __future__ import annotations

import asyncio
import contextlib
import io
import wave

import grpc
import numpy as np

from tests.analyzer.helpers import LINES, analyze, fixture
from tests.grpc_helpers import expect_error
from yousync.analyzer.v1 import analyzer_pb2 as pb
from yousync.analyzer.v1 import analyzer_pb2_grpc
from yousync_analyzer.server import AnalyzerServer

Stub = analyzer_pb2_grpc.AnalyzerServiceStub
TEXT = LINES["houston"]["text"]


def wav_bytes(x: np.ndarray, rate: int = 16_000) -> bytes:
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes((np.clip(x, -1, 1) * 32767).astype(np.int16).tobytes())
    return buf.getvalue()


async def run(stub: Stub, take: bytes, **kw: object) -> list[pb.AnalyzeResponse]:
    args: dict[str, object] = {
        "text": TEXT,
        "key": "ref-houston",
        "reference": fixture("houston/reference.opus.ogg"),
        "take": take,
    }
    args.update(kw)
    return await analyze(stub, **args)  # type: ignore[arg-type]


async def test_stream_protocol(stub: Stub) -> None:
    events = await run(stub, fixture("houston/good.webm"), key="ref-houston-protocol")
    kinds = [e.WhichOneof("event") for e in events]
    assert kinds[0] == "accepted"
    assert not events[0].accepted.reference_cached
    assert events[0].accepted.model_version
    assert kinds[-1] == "result"
    assert sum(k in ("result", "failure") for k in kinds) == 1
    progress = [e.progress for e in events if e.WhichOneof("event") == "progress"]
    stages = [p.stage for p in progress]
    assert stages == sorted(stages)
    assert [p.progress for p in progress] == sorted(p.progress for p in progress)
    assert progress[-1].progress == 100
    assert set(stages) == {
        pb.STAGE_DECODING,
        pb.STAGE_QUALITY_CHECK,
        pb.STAGE_ALIGNMENT,
        pb.STAGE_RECOGNITION,
        pb.STAGE_PITCH,
        pb.STAGE_SCORING,
    }
    # The reference is now cached: the next stream need not send it.
    again = await run(stub, fixture("houston/good.webm"), key="ref-houston-protocol", reference=None)
    assert again[0].accepted.reference_cached
    assert again[-1].result.scores.overall == events[-1].result.scores.overall


async def test_silence_and_noise_ask_for_a_rerecord(stub: Stub) -> None:
    for name, reason in (
        ("silence.opus.ogg", pb.RERECORD_REASON_NO_SPEECH),
        ("noise.opus.ogg", pb.RERECORD_REASON_NOISE_ONLY),
    ):
        events = await run(stub, fixture(name))
        result = events[-1].result
        assert result.verdict == pb.VERDICT_RERECORD, name
        assert result.rerecord_reason == reason, name
        assert result.feedback


async def test_clipping_and_too_short(stub: Stub) -> None:
    rng = np.random.default_rng(1)
    t = np.arange(16_000 * 2) / 16_000
    clipped = np.clip(3 * np.sin(2 * np.pi * 150 * t), -1, 1)
    events = await run(stub, wav_bytes(clipped))
    assert events[-1].result.rerecord_reason == pb.RERECORD_REASON_CLIPPING
    short = 0.3 * np.sin(2 * np.pi * 150 * t[:4000]) + rng.normal(0, 1e-3, 4000)
    events = await run(stub, wav_bytes(short))
    assert events[-1].result.rerecord_reason == pb.RERECORD_REASON_TOO_SHORT


async def test_typed_failures(stub: Stub) -> None:
    cases = [
        (b"this is not audio at all, just text" * 10, pb.FAILURE_REASON_UNSUPPORTED_FORMAT),
        (b"RIFF\x00\x00\x00\x00WAVEjunkjunkjunk" * 4, pb.FAILURE_REASON_UNDECODABLE),
        (b"", pb.FAILURE_REASON_UNDECODABLE),
    ]
    for take, reason in cases:
        events = await run(stub, take)
        assert events[-1].WhichOneof("event") == "failure"
        assert events[-1].failure.reason == reason
    # unknown reference and no audio for it
    events = await run(stub, fixture("houston/good.wav"), key="never-seen", reference=None)
    assert events[-1].failure.reason == pb.FAILURE_REASON_INVALID_REFERENCE
    events = await run(stub, fixture("houston/good.wav"), key="ref-fr", language="fr")
    assert events[-1].failure.reason == pb.FAILURE_REASON_UNSUPPORTED_LANGUAGE


async def test_duration_cap(stub: Stub) -> None:
    # the session server caps takes at 20 s; 25 s of quiet tone is refused before any scoring
    t = np.arange(16_000 * 25) / 16_000
    events = await run(stub, wav_bytes(0.2 * np.sin(2 * np.pi * 200 * t)))
    assert events[-1].failure.reason == pb.FAILURE_REASON_TOO_LONG


async def test_protocol_violation_is_invalid_argument(stub: Stub) -> None:
    async def requests() -> object:
        yield pb.AnalyzeRequest(take_audio=pb.AudioChunk(data=b"x"))

    async def consume() -> None:
        async for _ in stub.Analyze(requests()):
            pass

    await expect_error(consume(), grpc.StatusCode.INVALID_ARGUMENT, "PROTOCOL_VIOLATION")

    async def oversized() -> object:
        yield pb.AnalyzeRequest(start=pb.AnalyzeStart(job_id="j", reference=pb.Reference(cache_key="k", text="hi")))
        yield pb.AnalyzeRequest(take_audio=pb.AudioChunk(data=b"\0" * (64 * 1024 + 1)))

    async def consume2() -> None:
        async for _ in stub.Analyze(oversized()):
            pass

    await expect_error(consume2(), grpc.StatusCode.INVALID_ARGUMENT, "PROTOCOL_VIOLATION")


async def test_saturation_is_resource_exhausted(stub: Stub, analyzer_server: AnalyzerServer) -> None:
    pool = analyzer_server.pool
    with contextlib.ExitStack() as held:
        while pool.in_flight < pool.capacity:
            held.enter_context(pool.admit())
        await expect_error(
            run(stub, fixture("houston/good.wav")), grpc.StatusCode.RESOURCE_EXHAUSTED, "ANALYZER_SATURATED"
        )
    events = await run(stub, fixture("houston/good.wav"))
    assert events[-1].WhichOneof("event") == "result"


async def test_cancelled_stream_stops_its_work(stub: Stub, analyzer_server: AnalyzerServer) -> None:
    pool = analyzer_server.pool
    queue: asyncio.Queue[pb.AnalyzeRequest | None] = asyncio.Queue()

    async def requests() -> object:
        while (item := await queue.get()) is not None:
            yield item

    call = stub.Analyze(requests())
    await queue.put(
        pb.AnalyzeRequest(
            start=pb.AnalyzeStart(job_id="cancel", reference=pb.Reference(cache_key="ref-houston", text=TEXT))
        )
    )
    accepted = await call.read()
    assert accepted.WhichOneof("event") == "accepted"
    await queue.put(pb.AnalyzeRequest(take_audio=pb.AudioChunk(data=fixture("houston/slow.opus.ogg"))))
    await queue.put(pb.AnalyzeRequest(end_of_input=pb.EndOfInput()))
    first = await call.read()
    assert first.WhichOneof("event") == "progress"
    assert pool.in_flight == 1
    call.cancel()
    for _ in range(100):
        if pool.in_flight == 0:
            break
        await asyncio.sleep(0.02)
    assert pool.in_flight == 0
    # the server is still healthy and serves the next stream
    events = await run(stub, fixture("houston/good.wav"))
    assert events[-1].WhichOneof("event") == "result"
