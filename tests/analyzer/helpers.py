"""Stream helpers for the analyzer's gRPC tests."""

from __future__ import annotations

import asyncio
import json
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import grpc

from yousync.analyzer.v1 import analyzer_pb2 as pb
from yousync.analyzer.v1 import analyzer_pb2_grpc

FIXTURES = Path(__file__).parent / "fixtures"
MANIFEST: dict[str, Any] = json.loads((FIXTURES / "manifest.json").read_text())
LINES = {line["id"]: line for line in MANIFEST["lines"]}
CHUNK = 64 * 1024


def write_lines_catalog(root: Path) -> Path:
    """A catalog folder (manifest + reference audio) of these lines: one script, 'Famous lines'."""
    (root / "audio").mkdir(parents=True, exist_ok=True)
    tokens = []
    for index, (line_id, line) in enumerate(sorted(LINES.items()), start=1):
        shutil.copy(FIXTURES / line_id / "reference.opus.ogg", root / "audio" / f"{line_id}.ogg")
        tokens.append(
            {
                "id": f"line-{line_id}",
                "actor": "narrator",
                "text": line["text"],
                "start_seconds": index * 10.0,
                "end_seconds": index * 10.0 + 5.0,
                "audio": f"audio/{line_id}.ogg",
            }
        )
    manifest = {
        "version": 1,
        "actors": [{"id": "narrator", "name": "Narrator", "aliases": []}],
        "scripts": [
            {
                "id": "famous-lines",
                "title": "Famous lines",
                "work_title": "Cinema",
                "kind": "movie",
                "category": "drama",
                "language": "en",
                "tokens": tokens,
            }
        ],
    }
    (root / "catalog.json").write_text(json.dumps(manifest))
    return root


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def chunks(data: bytes, size: int = CHUNK) -> list[bytes]:
    return [data[i : i + size] for i in range(0, len(data), size)]


async def analyze(
    stub: analyzer_pb2_grpc.AnalyzerServiceStub,
    *,
    text: str,
    key: str,
    reference: bytes | None,
    take: bytes,
    language: str = "en",
    job_id: str = "job-1",
) -> list[pb.AnalyzeResponse]:
    """Run one Analyze stream as the orchestrator would; returns every event."""
    queue: asyncio.Queue[pb.AnalyzeRequest | None] = asyncio.Queue()

    async def requests() -> AsyncIterator[pb.AnalyzeRequest]:
        while (item := await queue.get()) is not None:
            yield item

    call = stub.Analyze(requests())
    await queue.put(
        pb.AnalyzeRequest(
            start=pb.AnalyzeStart(
                job_id=job_id,
                reference=pb.Reference(cache_key=key, text=text, language=language),
                take=pb.TakeInfo(size_bytes=len(take)),
            )
        )
    )
    events: list[pb.AnalyzeResponse] = []
    first = await call.read()
    assert first is not grpc.aio.EOF
    events.append(first)
    if first.WhichOneof("event") == "accepted":
        if not first.accepted.reference_cached and reference is not None:
            for part in chunks(reference):
                await queue.put(pb.AnalyzeRequest(reference_audio=pb.AudioChunk(data=part)))
        for part in chunks(take):
            await queue.put(pb.AnalyzeRequest(take_audio=pb.AudioChunk(data=part)))
        await queue.put(pb.AnalyzeRequest(end_of_input=pb.EndOfInput()))
    await queue.put(None)
    while (event := await call.read()) is not grpc.aio.EOF:
        events.append(event)
    return events


def terminal(events: list[pb.AnalyzeResponse]) -> pb.AnalyzeResponse:
    return events[-1]
