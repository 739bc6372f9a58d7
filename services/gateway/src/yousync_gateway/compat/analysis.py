"""The original frontend's analysis calls under `/compat/api`: upload a take of a line (its "script"),
its progress stream without any credential (the job id is the capability), and the result poll.

Payloads are the original's: every SSE event is unnamed, one JSON object
`{job_id, status, progress, message, result}`; on completion `result.result` is the PitchResult
(scores 0–1), converted by `convert.legacy_pitch_result` like everywhere else.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Annotated, Any

import grpc
from fastapi import APIRouter, Path, Request
from fastapi.responses import Response, StreamingResponse
from pydantic import BaseModel

from yousync.analysis.v1 import analysis_pb2, job_capability_pb2, job_capability_pb2_grpc
from yousync.catalog.v1 import catalog_pb2
from yousync_gateway import convert, sse
from yousync_gateway.compat import convert as compat_convert
from yousync_gateway.compat.auth import PREFIX, TAG
from yousync_gateway.deps import CallerDep, GatewayState, State
from yousync_gateway.errors import COMMON_ERRORS, ApiError, errors, from_grpc
from yousync_gateway.routes import analysis as api_analysis
from yousync_gateway.routes.catalog import MAX_ID
from yousync_platform import job_capability
from yousync_platform.client import ClientPolicy

log = logging.getLogger(__name__)
router = APIRouter(prefix=PREFIX, tags=[TAG], responses=COMMON_ERRORS)

CAPABILITY_SERVICE = "yousync.analysis.v1.JobCapabilityService"
LineId = Annotated[int, Path(ge=1, le=MAX_ID, description="Line id (the original frontend's 'script' id).")]
JobId = Annotated[str, Path(max_length=64, description="Job id from the upload answer.")]


class CompatUploadAccepted(BaseModel):
    message: str
    job_id: str
    status: str


class CompatAnalysisResult(BaseModel):
    job_id: str
    token_id: int
    script_id: int
    status: str
    progress: int
    message: str
    result: dict[str, Any] | None
    created_at: str | None


def envelope(result: analysis_pb2.Result, line_words: list[str]) -> dict[str, Any]:
    """What the original stored as `analysis_results.result`: `{result: PitchResult}` (+ our ids).

    A result without aligned words is given the line's words, see `compat.convert.with_reference_words`."""
    pitch = compat_convert.with_reference_words(convert.legacy_pitch_result(result.analysis), line_words)
    return {"result": pitch, "script_id": result.token_id}


async def pitch_envelope(state: GatewayState, result: analysis_pb2.Result) -> dict[str, Any]:
    """`envelope`, reading the line's words from the catalog only when the result has none."""
    words = [] if result.analysis.words else await _line_words(state, result.token_id)
    return envelope(result, words)


async def _line_words(state: GatewayState, line_id: int) -> list[str]:
    try:
        line = await state.clients.catalog.GetToken(catalog_pb2.GetTokenRequest(token_id=line_id))
    except grpc.aio.AioRpcError as error:
        log.warning("line words unavailable for a compat result", extra={"grpc_code": error.code().name})
        return []
    return compat_convert.reference_words(line)


@router.post(
    "/scripts/{line_id}/upload-audio",
    response_model=CompatUploadAccepted,
    summary="Upload a take of a line (original frontend)",
    description="Multipart, one part named `file` (the frontend names it `script_{id}.wav`, type audio/wav; "
    'the format is sniffed from the bytes). Answers at once `{message, job_id, status: "processing"}`. '
    "Sign-in required (401 otherwise: never a silent anonymous upload); unknown line → 404. Same limits as "
    "`POST /api/tokens/{token_id}/upload-audio`.",
    responses=errors(400, 401, 404, 413, 415, 429),
    openapi_extra=api_analysis.UPLOAD_BODY,
)
async def upload_audio(
    request: Request, response: Response, line_id: LineId, caller: CallerDep, state: State
) -> dict[str, Any]:
    accepted = await api_analysis.upload_audio(request, response, line_id, caller, state, None)
    return {"message": "upload received; analysis started", "job_id": accepted["job_id"], "status": "processing"}


@router.get(
    "/tokens/analysis-result/{job_id}",
    response_model=CompatAnalysisResult,
    summary="A job's state and result (original frontend)",
    description="The caller's job only (another user's or unknown → 404). `result` is `{result: PitchResult}` once "
    "completed, else null. `token_id` is the clip, `script_id` the line (the frontend's words).",
    responses=errors(401, 404),
)
async def analysis_result(job_id: JobId, caller: CallerDep, state: State) -> dict[str, Any]:
    analysis = state.clients.analysis
    job = await analysis.GetJob(analysis_pb2.GetJobRequest(job_id=job_id), metadata=caller.metadata)
    result = None
    if job.state == analysis_pb2.JOB_STATE_COMPLETED:
        result = await analysis.GetResult(analysis_pb2.GetResultRequest(job_id=job_id), metadata=caller.metadata)
    return {
        "job_id": job.id,
        "token_id": job.script_id,
        "script_id": job.token_id,
        "status": convert.status_of(job.state),
        "progress": job.progress,
        "message": job.failure.message if job.state == analysis_pb2.JOB_STATE_FAILED else job.message,
        "result": await pitch_envelope(state, result) if result is not None else None,
        "created_at": convert.ts(job.create_time),
    }


PROGRESS_DESCRIPTION = """Server-sent events for one job, for the original frontend's `EventSource`, which sends
no credential at all: **the job id is the capability** for its own stream.

* Every event is unnamed, its data one JSON object `{job_id, status, progress, message, result}`;
  `status` is `processing`, then `completed` (with `result.result` = the PitchResult, scores 0–1) or
  `failed`. The first event is always the job's current snapshot (also after a reconnection); the stream
  ends after the terminal event. `: keep-alive` comments while nothing happens.
* An unknown job id gets ONE event with `status: "error"`, then the stream closes (the frontend closes
  its EventSource on it: no reconnect loop).
* **Trade-off.** Anyone who knows a job id can read that job's progress and its result (scores and the
  recognised text) here, without signing in, for as long as the job exists. Job ids are random UUIDs
  (122 bits), handed only to the uploader in the upload answer, and never listed; they can still leak
  through browser history, logs or a shared screen. Nothing else is exposed: no other job, no audio, no
  user identity, nothing writable. The gateway proves each such read to the orchestrator with a per-job
  HMAC under a secret they share (no user token is involved). Deployments that do not serve the original
  frontend turn it off (`GATEWAY_COMPAT_PROGRESS_BY_JOB_ID=false`, or no `GATEWAY_JOB_CAPABILITY_SECRET`):
  then this path answers 401. `/api/tokens/analysis-progress/{job_id}` keeps its ticket authorization.
"""


def _capability_stub(state: GatewayState) -> job_capability_pb2_grpc.JobCapabilityServiceStub:
    channel = state.clients.channels.get(
        state.settings.analysis_target,
        ClientPolicy(
            CAPABILITY_SERVICE,
            timeout_seconds=state.settings.rpc_timeout_seconds,
            streaming=frozenset({"WatchJobByCapability"}),
        ),
    )
    return job_capability_pb2_grpc.JobCapabilityServiceStub(channel)


async def _payload(state: GatewayState, event: analysis_pb2.JobEvent) -> dict[str, Any]:
    result = None
    if event.state == analysis_pb2.JOB_STATE_COMPLETED and event.HasField("result"):
        result = await pitch_envelope(state, event.result)
    failed = event.state == analysis_pb2.JOB_STATE_FAILED
    return {
        "job_id": event.job_id,
        "status": convert.status_of(event.state),
        "progress": event.progress,
        "message": (event.failure.message or event.message) if failed else event.message,
        "result": result,
    }


def _error_event(job_id: str, message: str) -> bytes:
    return sse.event({"job_id": job_id, "status": "error", "progress": 0, "message": message, "result": None})


SSE_HEADERS = {"Cache-Control": "no-cache, no-transform", "X-Accel-Buffering": "no"}


async def _once(frame: bytes) -> AsyncIterator[bytes]:
    yield frame


@router.get(
    "/scripts/analysis-progress/{job_id}",
    summary="Live progress of a job, no credential: the job id is the capability (original frontend)",
    description=PROGRESS_DESCRIPTION,
    response_class=StreamingResponse,
    responses={
        200: {"description": "An event stream.", "content": {"text/event-stream": {"schema": {"type": "string"}}}},
        **errors(401, 429),
    },
)
async def analysis_progress(job_id: JobId, state: State) -> Response:
    settings = state.settings
    secret = settings.job_capability_secret.get_secret_value().encode()
    if not settings.compat_progress_by_job_id or len(secret) < job_capability.MIN_SECRET_BYTES:
        raise ApiError(
            401,
            "PROGRESS_CAPABILITY_DISABLED",
            "progress by job id is disabled here: use /api/tokens/analysis-progress/{job_id} with a stream ticket",
        )
    try:
        canonical = str(uuid.UUID(job_id))
    except ValueError:
        return StreamingResponse(_once(_error_event(job_id, "job not found")), media_type="text/event-stream")
    release = state.limits.streams.acquire(f"job:{canonical}")
    try:
        stream = _CapabilityStream(state, canonical, job_capability.proof(secret, canonical))
        first = await stream.first()
    except BaseException:
        release()
        raise
    return StreamingResponse(stream.frames(first, release), media_type="text/event-stream", headers=SSE_HEADERS)


_END = object()


class _CapabilityStream:
    """One compat SSE connection over WatchJobByCapability, read by its own task, heartbeats when quiet."""

    def __init__(self, state: GatewayState, job_id: str, proof: str) -> None:
        self.state = state
        self.job_id = job_id
        self.proof = proof
        self.call: Any = None
        self.queue: asyncio.Queue[Any] = asyncio.Queue(maxsize=16)
        self.reader: asyncio.Task[None] | None = None
        self.done = False

    async def first(self) -> bytes:
        self.call = _capability_stub(self.state).WatchJobByCapability(
            job_capability_pb2.WatchJobByCapabilityRequest(job_id=self.job_id, after_sequence=0, proof=self.proof),
            timeout=self.state.settings.sse_max_seconds,
        )
        try:
            event = await self.call.read()
        except grpc.aio.AioRpcError as error:
            self.call.cancel()
            if error.code() == grpc.StatusCode.NOT_FOUND:
                self.done = True
                return _error_event(self.job_id, "job not found")
            if error.code() == grpc.StatusCode.PERMISSION_DENIED:
                log.warning("the orchestrator refused the gateway's capability proof (secrets differ?)")
                raise ApiError(503, "PROGRESS_UNAVAILABLE", "progress is unavailable right now") from None
            raise from_grpc(error) from None
        if event is grpc.aio.EOF:
            self.done = True
            return sse.comment("no events")
        self.reader = asyncio.create_task(self._read())
        return await self._frame(event)

    async def _frame(self, event: analysis_pb2.JobEvent) -> bytes:
        if event.state in convert.JOB_TERMINAL:
            self.done = True
        return sse.event(await _payload(self.state, event))

    async def _read(self) -> None:
        try:
            while True:
                event = await self.call.read()
                if event is grpc.aio.EOF:
                    break
                await self.queue.put(event)
        except grpc.aio.AioRpcError as error:
            if error.code() != grpc.StatusCode.DEADLINE_EXCEEDED:
                log.warning("capability watch ended with an error", extra={"grpc_code": error.code().name})
        finally:
            await self.queue.put(_END)

    async def frames(self, first: bytes, release: Callable[[], None]) -> AsyncIterator[bytes]:
        heartbeat = self.state.settings.sse_heartbeat_seconds
        deadline = time.monotonic() + self.state.settings.sse_max_seconds
        try:
            yield first
            while not self.done and time.monotonic() < deadline:
                try:
                    item = await asyncio.wait_for(self.queue.get(), heartbeat)
                except TimeoutError:
                    yield sse.comment()
                    continue
                if item is _END:
                    break
                yield await self._frame(item)
        finally:
            if self.reader is not None:
                self.reader.cancel()
            if self.call is not None:
                self.call.cancel()
            release()
