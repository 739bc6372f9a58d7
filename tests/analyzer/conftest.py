"""A stub to the session's analyzer (`analyzer_server`, from the suite plugin); each fixture take is scored once."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import grpc
import pytest

from tests.analyzer.helpers import LINES, analyze, fixture
from yousync.analyzer.v1 import analyzer_pb2 as pb
from yousync.analyzer.v1 import analyzer_pb2_grpc
from yousync_analyzer.server import AnalyzerServer

KINDS = [
    "good.wav",
    "good.webm",
    "good.ogg",
    "good.mp3",
    "good.m4a",
    "good.flac",
    "slow.opus.ogg",
    "dropped.opus.ogg",
    "wrong.opus.ogg",
    "monotone.opus.ogg",
    "noisy.opus.ogg",
    "reference.opus.ogg",  # the actor against itself
]


@pytest.fixture(scope="session")
async def stub(analyzer_server: AnalyzerServer) -> AsyncIterator[analyzer_pb2_grpc.AnalyzerServiceStub]:
    async with grpc.aio.insecure_channel(f"127.0.0.1:{analyzer_server.grpc.port}") as channel:
        yield analyzer_pb2_grpc.AnalyzerServiceStub(channel)


@pytest.fixture(scope="session")
async def scored(stub: analyzer_pb2_grpc.AnalyzerServiceStub) -> dict[tuple[str, str], pb.AnalysisResult]:
    """Every fixture take scored once over gRPC (two at a time: one per worker)."""
    gate = asyncio.Semaphore(2)
    results: dict[tuple[str, str], pb.AnalysisResult] = {}

    async def one(line_id: str, kind: str) -> None:
        line = LINES[line_id]
        async with gate:
            events = await analyze(
                stub,
                text=line["text"],
                key=f"ref-{line_id}",
                reference=fixture(f"{line_id}/reference.opus.ogg"),
                take=fixture(f"{line_id}/{kind}"),
                job_id=f"{line_id}-{kind}",
            )
        assert events[-1].WhichOneof("event") == "result", events[-1]
        results[(line_id, kind)] = events[-1].result

    # reference first, one per line, so the cache is warm and the rest run in parallel
    await asyncio.gather(*(one(line_id, "good.wav") for line_id in LINES))
    await asyncio.gather(*(one(line_id, kind) for line_id in LINES for kind in KINDS if kind != "good.wav"))
    return results
