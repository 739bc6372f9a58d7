"""gRPC helpers shared by the orchestrator benchmarks: sign-in, upload, watch."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import grpc

from yousync.analysis.v1 import analysis_pb2, analysis_pb2_grpc
from yousync.auth.v1 import auth_pb2, auth_pb2_grpc

FIXTURES = Path(__file__).resolve().parents[1] / "tests" / "analyzer" / "fixtures"
CHUNK = 64 * 1024


async def sign_in(auth_target: str, email: str) -> list[tuple[str, str]]:
    async with grpc.aio.insecure_channel(auth_target) as channel:
        response = await auth_pb2_grpc.AuthServiceStub(channel).DevSignIn(auth_pb2.DevSignInRequest(email=email))
    return [("authorization", f"Bearer {response.session.access_token}")]


async def upload_messages(token_id: int, chunks: AsyncIterator[bytes]) -> AsyncIterator[analysis_pb2.UploadTakeRequest]:
    yield analysis_pb2.UploadTakeRequest(
        metadata=analysis_pb2.UploadTakeMetadata(token_id=token_id, content_type="audio/wav", filename="take.wav")
    )
    async for chunk in chunks:
        yield analysis_pb2.UploadTakeRequest(chunk=chunk)


async def of_bytes(data: bytes) -> AsyncIterator[bytes]:
    for start in range(0, len(data), CHUNK):
        yield data[start : start + CHUNK]


async def watch(
    stub: analysis_pb2_grpc.AnalysisServiceStub, auth: list[tuple[str, str]], job_id: str
) -> AsyncIterator[analysis_pb2.JobEvent]:
    async for event in stub.WatchJob(analysis_pb2.WatchJobRequest(job_id=job_id), metadata=auth, timeout=120):
        yield event


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]
