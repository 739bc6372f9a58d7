"""Uploads, progress (SSE), results and the completion webhook."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

import grpc
from fastapi import APIRouter, Header, Path, Query, Request
from fastapi.responses import Response, StreamingResponse

from yousync.analysis.v1 import analysis_pb2
from yousync_gateway import convert, schemas, sse
from yousync_gateway.deps import Caller, CallerDep, GatewayState, State, verify_access_token
from yousync_gateway.errors import COMMON_ERRORS, ApiError, errors, from_domain, from_grpc
from yousync_gateway.fanout import JobFeed
from yousync_gateway.metrics import SSE_DIRECT, SSE_EVENTS, SSE_OPEN, UPLOADS
from yousync_gateway.routes.catalog import MAX_ID
from yousync_gateway.server import DirectBody
from yousync_gateway.server import chunk as http_chunk
from yousync_gateway.uploads import upload_take
from yousync_platform.access_tokens import bearer_token
from yousync_platform.errors import DomainError

log = logging.getLogger(__name__)
router = APIRouter(prefix="/api", tags=["analysis"], responses=COMMON_ERRORS)

JOB_ID = r"^[A-Za-z0-9_\-]{1,64}$"
JobId = Annotated[str, Path(pattern=JOB_ID, description="Job id from the upload response.")]
TokenId = Annotated[int, Path(ge=1, le=MAX_ID, description="Token (line) id.")]
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        max_length=128,
        pattern=r"^[\x21-\x7e]+$",
        description="Retrying an upload with the same key returns the first upload's job.",
    ),
]

UPLOAD_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "audio_file": {
                            "type": "string",
                            "format": "binary",
                            "description": "The recording (WAV, WebM/Opus, Ogg/Opus, MP3, M4A/AAC or FLAC; the "
                            "format is sniffed from the bytes). The field may also be named `file`.",
                        }
                    },
                    "required": ["audio_file"],
                }
            }
        },
    }
}


def _ticket_fields(state: GatewayState, request: Request, caller: Caller, job_id: str) -> dict[str, Any]:
    ticket = state.sealer.mint(job_id, caller.subject, caller.access_token, caller.expires_at)
    path = request.app.url_path_for("analysis_progress", job_id=job_id)
    return {
        "stream_ticket": ticket.ticket,
        "stream_ticket_expires_at": dt.datetime.fromtimestamp(ticket.expires_at, dt.UTC)
        .isoformat()
        .replace("+00:00", "Z"),
        "progress_url": f"{path}?ticket={ticket.ticket}",
    }


@router.post(
    "/tokens/{token_id}/upload-audio",
    status_code=202,
    response_model=schemas.UploadAccepted,
    summary="Upload a take of a token (line) for scoring",
    description="Multipart upload, file field `audio_file` (or `file`). The body is streamed to the orchestrator "
    "chunk by chunk; over the size cap the answer is 413 at once. Answers at once with the queued job "
    "(`{job_id, status}` plus more) and a `stream_ticket` for the progress stream. "
    "Per-user limits: uploads per minute and analyses at once (429 with `Retry-After`; the latter is the "
    "orchestrator's, `TOO_MANY_ANALYSES`). A retry with the same `Idempotency-Key` answers the first upload's job "
    "(with `Idempotent-Replayed: true`) and counts against neither limit; the same key for another line or "
    "another recording is 409 `IDEMPOTENCY_KEY_REUSED`.",
    responses=errors(400, 401, 404, 409, 413, 415, 429),
    openapi_extra=UPLOAD_BODY,
)
async def upload_audio(
    request: Request,
    response: Response,
    token_id: TokenId,
    caller: CallerDep,
    state: State,
    idempotency_key: IdempotencyKey = None,
) -> dict[str, Any]:
    limits = state.limits
    rate_limited: ApiError | None = None
    try:
        limits.uploads.hit(caller.subject)
    except ApiError as exc:
        if not idempotency_key:
            raise
        rate_limited = exc  # over the rate: a retry may still get its job, nothing new may start
    try:
        uploaded = await upload_take(
            request,
            state.clients.analysis,
            token_id=token_id,
            idempotency_key=idempotency_key or "",
            metadata=caller.metadata,
            max_bytes=state.settings.max_upload_bytes,
            timeout=state.settings.upload_timeout_seconds,
            replay_only=rate_limited is not None,
        )
    except BaseException as exc:
        UPLOADS.labels("refused").inc()
        if isinstance(exc, grpc.aio.AioRpcError):
            exc = from_grpc(exc)
        if rate_limited is not None:
            raise (rate_limited if isinstance(exc, ApiError) and exc.code == "NO_EARLIER_UPLOAD" else exc) from None
        if isinstance(exc, ApiError) and 400 <= exc.status < 500:
            limits.uploads.refund(caller.subject)  # refused: it started nothing
        raise exc from None
    job = uploaded.job
    if uploaded.replayed:
        if rate_limited is None:
            limits.uploads.refund(caller.subject)  # the same upload again: nothing new started
        response.headers["Idempotent-Replayed"] = "true"
    UPLOADS.labels("replayed" if uploaded.replayed else "accepted").inc()
    return {
        "job_id": job.id,
        "status": convert.status_of(job.state),
        "state": convert.state_name(job.state),
        "take_id": job.take_id,
        "token_id": job.token_id,
        "script_id": job.script_id,
        "result_url": request.app.url_path_for("analysis_result", job_id=job.id),
        "created_at": convert.ts(job.create_time),
        **_ticket_fields(state, request, caller, job.id),
    }


@router.get(
    "/tokens/analysis-result/{job_id}",
    response_model=schemas.AnalysisResult,
    summary="A job's state, and its scores once completed",
    description="Always 200 for the caller's job: `status` is processing, completed or failed; the scores and "
    "`detailed_feedback` are null until completed. Another user's job is 404.",
    responses=errors(401, 404),
)
async def analysis_result(job_id: JobId, caller: CallerDep, state: State) -> dict[str, Any]:
    job = await state.clients.analysis.GetJob(analysis_pb2.GetJobRequest(job_id=job_id), metadata=caller.metadata)
    result = None
    if job.state == analysis_pb2.JOB_STATE_COMPLETED:
        result = await state.clients.analysis.GetResult(
            analysis_pb2.GetResultRequest(job_id=job_id), metadata=caller.metadata
        )
    return convert.analysis_result(job, result)


@router.post(
    "/tokens/analysis-progress/{job_id}/ticket",
    response_model=schemas.StreamTicketOut,
    summary="A fresh stream ticket for a job's progress stream",
    description="For a caller who holds the job (checked with the orchestrator). Use it as "
    "`GET /api/tokens/analysis-progress/{job_id}?ticket=...` from an EventSource.",
    responses=errors(401, 404),
)
async def progress_ticket(request: Request, job_id: JobId, caller: CallerDep, state: State) -> dict[str, Any]:
    await state.clients.analysis.GetJob(analysis_pb2.GetJobRequest(job_id=job_id), metadata=caller.metadata)
    return {"job_id": job_id, **_ticket_fields(state, request, caller, job_id)}


SSE_DESCRIPTION = """Server-sent events (`text/event-stream`) for one job, for `EventSource`.

* Each event is unnamed (read it with `onmessage`) and its `data` is one JSON object:
  `{job_id, sequence, status, state, stage, progress, message, time}`; `status` is `processing` until
  `completed` (then `result` holds the full result, as `GET /api/tokens/analysis-result/{job_id}`) or
  `failed` (then `error` = `{reason, message}`). `id:` is the event's sequence number.
* A comment line (`: keep-alive`) comes every ~15 s while nothing happens.
* The first event of a new stream is the job's current state, marked `"snapshot": true`. On reconnection
  the browser sends `Last-Event-ID` and the stream replays exactly the events after that one, in order
  (the orchestrator keeps each job's events); only a client older than what is kept gets a snapshot
  instead, marked so. A stream whose terminal event was already delivered answers the terminal
  snapshot again, once.
* **Authorization.** `EventSource` cannot send headers, so pass `?ticket=<stream_ticket>` (from the
  upload response or from `POST /api/tokens/analysis-progress/{job_id}/ticket`). A ticket is valid for
  this job only and for a few minutes (at most as long as the access token it was minted from); it
  is sealed (AES-256-GCM), so it can't be altered or read. `Authorization: Bearer` works too (fetch-based
  clients, curl). A long-lived token is never accepted in the URL.
* Unknown job, another user's job → 404; missing or invalid ticket → 401; too many open streams → 429.
  None of these is retried by `EventSource`, so there is no reconnect loop.
"""


async def _stream_caller(request: Request, state: GatewayState, job_id: str, ticket: str | None) -> Caller:
    header = request.headers.get("authorization")
    if header:
        try:
            token = bearer_token(header)
        except DomainError as exc:
            raise from_domain(exc) from None
        return await verify_access_token(state, token)
    if not ticket:
        raise ApiError(
            401,
            "AUTHENTICATION_REQUIRED",
            "pass ?ticket=<stream_ticket> (from the upload response) or an Authorization header",
            headers={"WWW-Authenticate": "Bearer"},
        )
    opened = state.sealer.open(ticket, job_id)
    return Caller(opened.subject, opened.access_token, opened.expires_at)


@router.get(
    "/tokens/analysis-progress/{job_id}",
    name="analysis_progress",
    summary="Live progress of a job (server-sent events)",
    description=SSE_DESCRIPTION,
    response_class=StreamingResponse,
    responses={
        200: {
            "description": "An event stream.",
            "content": {"text/event-stream": {"schema": {"type": "string"}}},
        },
        204: {"description": "Nothing more to send (tells EventSource to stop)."},
        **errors(401, 404, 429),
    },
)
async def analysis_progress(
    request: Request,
    job_id: JobId,
    state: State,
    ticket: Annotated[str | None, Query(max_length=8192, description="Stream ticket.")] = None,
    last_event_id: Annotated[str | None, Header(alias="Last-Event-ID", max_length=32)] = None,
) -> Response:
    caller = await _stream_caller(request, state, job_id, ticket)
    after = sse.parse_last_event_id(last_event_id)
    return await open_progress_stream(state, caller, job_id, after)


async def open_progress_stream(state: GatewayState, caller: Caller, job_id: str, after: int) -> Response:
    release = state.limits.streams.acquire(caller.subject)
    try:
        watcher = _Watcher(state, caller, job_id, after)
        first = await watcher.first()
    except BaseException:
        release()
        raise
    if first is None:
        release()
        return Response(status_code=204)
    watcher.ready(first, release)
    return sse.EventStream(watcher, headers={"Cache-Control": "no-cache, no-transform", "X-Accel-Buffering": "no"})


_COMMENT_CHUNK = http_chunk(sse.comment())
_events_sent = 0  # events written straight to sockets, added to SSE_EVENTS once per fan-out pass


def _count_events() -> None:
    global _events_sent
    SSE_EVENTS.inc(_events_sent)
    SSE_DIRECT.inc(_events_sent)
    _events_sent = 0


class _Watcher:
    """One SSE connection, reading its job's shared feed (fanout.py) from its own position, with heartbeats
    while it is quiet. While it waits it listens to the feed: a frame it can write straight to its socket
    (`DirectBody`) is written there and then, without waking its task; heartbeats go the same way, from a
    timer. Its task wakes only for what must go through `send` (the end, a slow client) or to finish."""

    def __init__(self, state: GatewayState, caller: Caller, job_id: str, after: int) -> None:
        self.state = state
        self.caller = caller
        self.job_id = job_id
        self.after = after
        self.feed: JobFeed | None = None
        self.position = 0  # index of the next frame of the feed to send
        self.terminal_sent = False
        self.lost = False
        self._first = b""
        self._release: Callable[[], None] = lambda: None
        self._direct: DirectBody | None = None
        self._wake: asyncio.Future[None] | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._quiet = True  # nothing written since the heartbeat timer was armed
        self._heartbeat_due = False
        self._deadline = 0.0

    async def first(self) -> bytes | None:
        """The first event, or None when there is nothing to send; 4xx errors are raised here, before any byte."""
        feed = self.feed = await self.state.feeds.join(
            self.state.clients.analysis,
            self.caller.subject,
            self.job_id,
            self.caller.metadata,
            self.state.settings.sse_max_seconds,
            after=self.after,
        )
        try:
            await feed.started()
            while True:
                frame = self._next_frame()
                if frame is not None:
                    return f"retry: {self.state.settings.sse_retry_ms}\n".encode() + frame
                if feed.done:
                    snapshot = await self._terminal_snapshot(retry=True)
                    if snapshot is None:
                        self.close()
                    return snapshot
                await feed.changed()
        except BaseException:
            self.close()
            raise

    def ready(self, first: bytes, release: Callable[[], None]) -> None:
        """The stream will start with `first`; `release` frees its slot when it ends."""
        self._first = first
        self._release = release

    def _next_frame(self) -> bytes | None:
        """The next frame after the watcher's last sequence, if the feed has it."""
        assert self.feed is not None
        frames = self.feed.frames
        while self.position < len(frames):
            sequence, frame, terminal, _ = frames[self.position]
            self.position += 1
            if sequence > self.after:
                self.after = sequence
                if terminal:
                    self.terminal_sent = True
                SSE_EVENTS.inc()
                return frame
        return None

    async def _terminal_snapshot(self, *, retry: bool = False) -> bytes | None:
        """When the watch ended without a terminal event here: the job's terminal snapshot, if it is over."""
        feed = self.feed
        try:
            if feed is not None and feed.done:
                job, result = await feed.after_end(self._job_and_result)
            else:
                job, result = await self._job_and_result()
        except grpc.aio.AioRpcError as error:
            raise from_grpc(error) from None
        if job.state not in convert.JOB_TERMINAL:
            return None
        self.terminal_sent = True
        return sse.event(
            {**convert.job_snapshot_event(job, result), "snapshot": True},
            event_id=job.last_sequence,
            retry_ms=self.state.settings.sse_retry_ms if retry else None,
        )

    async def _job_and_result(self) -> tuple[analysis_pb2.Job, analysis_pb2.Result | None]:
        metadata, analysis = self.caller.metadata, self.state.clients.analysis
        job = await analysis.GetJob(analysis_pb2.GetJobRequest(job_id=self.job_id), metadata=metadata)
        result = None
        if job.state == analysis_pb2.JOB_STATE_COMPLETED:
            result = await analysis.GetResult(analysis_pb2.GetResultRequest(job_id=self.job_id), metadata=metadata)
        return job, result

    # --- sse.Source -----------------------------------------------------------------------------
    async def run(self, body: Callable[[bytes], Awaitable[None]], direct: DirectBody | None) -> None:
        SSE_OPEN.inc()
        self._direct = direct
        self._deadline = time.monotonic() + self.state.settings.sse_max_seconds
        feed = self.feed
        assert feed is not None
        try:
            await body(self._first)
            while not self.terminal_sent and not self.lost and time.monotonic() < self._deadline:
                frame = self._next_frame()
                if frame is not None:
                    await body(frame)
                    continue
                if feed.done:
                    with contextlib.suppress(ApiError):
                        snapshot = await self._terminal_snapshot()
                        if snapshot is not None:
                            await body(snapshot)
                    break
                if self._heartbeat_due:
                    self._heartbeat_due = False
                    await body(sse.comment())
                    continue
                await self._sleep(feed)
        finally:
            SSE_OPEN.dec()
            self._direct = None
            self.close()
            self._release()

    def disconnected(self) -> None:
        self.lost = True
        self._wakeup()

    # --- waiting, and the fan-out's synchronous writes ------------------------------------------
    async def _sleep(self, feed: JobFeed) -> None:
        """Until the feed has something this task must send, the heartbeat is due, the deadline, or the end."""
        self._wake = wake = asyncio.get_running_loop().create_future()
        feed.listen(self)
        self._arm_heartbeat()
        try:
            await wake
        finally:
            self._wake = None
            feed.unlisten(self)
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None

    def _wakeup(self) -> None:
        if self._wake is not None and not self._wake.done():
            self._wake.set_result(None)

    def _arm_heartbeat(self) -> None:
        self._quiet = True
        delay = min(self.state.settings.sse_heartbeat_seconds, self._deadline - time.monotonic())
        self._timer = asyncio.get_running_loop().call_later(max(0.0, delay), self._on_heartbeat)

    def _on_heartbeat(self) -> None:
        self._timer = None
        if time.monotonic() >= self._deadline:
            self._wakeup()
        elif not self._quiet:
            self._arm_heartbeat()  # an event went out meanwhile: a whole quiet period from now
        elif self._direct is not None and self._direct.write(_COMMENT_CHUNK):
            self._arm_heartbeat()
        else:
            self._heartbeat_due = True
            self._wakeup()

    def on_frame(self) -> bool:
        global _events_sent
        feed, direct = self.feed, self._direct
        if feed is not None and direct is not None and self.position == len(feed.frames) - 1:
            new = feed.frames[-1]
            if new.sequence <= self.after:
                self.position += 1  # already sent before this stream resumed: skipped, as _next_frame does
                return False
            if direct.write(new.chunk, last=new.terminal):
                self.position += 1
                self.after = new.sequence
                self._quiet = False
                if not _events_sent:
                    asyncio.get_running_loop().call_soon(_count_events)
                _events_sent += 1
                if not new.terminal:
                    return False
                self.terminal_sent = True
        return True  # the end, or a frame to send through `send`: the task runs

    def wake(self) -> None:
        self._wakeup()

    def on_end(self) -> None:
        self._wakeup()

    def close(self) -> None:
        if self.feed is not None:
            self.feed.leave()
            self.feed = None


@router.post(
    "/tokens/webhook/analysis-complete",
    response_model=schemas.WebhookAccepted,
    summary="Completion by an external analysis server (HMAC-signed)",
    description="Server to server. Headers `X-Signature` (hex HMAC-SHA256 of `<timestamp>.<raw body>` under the "
    "shared secret) and `X-Timestamp` (unix seconds); the orchestrator checks both, and the age of the timestamp.",
    responses=errors(400, 401, 404, 409, 413),
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": {"type": "object", "additionalProperties": True}}},
        }
    },
)
async def analysis_complete_webhook(
    request: Request,
    state: State,
    signature: Annotated[str, Header(alias="X-Signature", min_length=1, max_length=256, pattern=r"^[\x21-\x7e]+$")],
    timestamp: Annotated[int, Header(alias="X-Timestamp", ge=0, le=2**40)],
) -> dict[str, Any]:
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > state.settings.max_webhook_body_bytes:
            cap = state.settings.max_webhook_body_bytes
            raise ApiError(413, "PAYLOAD_TOO_LARGE", f"webhook body over {cap} bytes", headers={"Connection": "close"})
    job = await state.clients.analysis.CompleteJobExternally(
        analysis_pb2.CompleteJobExternallyRequest(body=bytes(body), signature=signature, timestamp=timestamp)
    )
    return {"job_id": job.id, "status": convert.status_of(job.state), "state": convert.state_name(job.state)}


# ---------------------------------------------------------------- the original frontend's paths
legacy = APIRouter(prefix="/api", tags=["compatibility"], responses=COMMON_ERRORS)


@legacy.post(
    "/scripts/{token_id}/upload-audio",
    status_code=202,
    response_model=schemas.UploadAccepted,
    summary="Upload a take (original frontend's path; its 'script' is our token)",
    responses=errors(400, 401, 404, 409, 413, 415, 429),
    openapi_extra=UPLOAD_BODY,
    deprecated=True,
)
async def legacy_upload_audio(
    request: Request,
    response: Response,
    token_id: TokenId,
    caller: CallerDep,
    state: State,
    idempotency_key: IdempotencyKey = None,
) -> dict[str, Any]:
    return await upload_audio(request, response, token_id, caller, state, idempotency_key)


@legacy.get(
    "/scripts/analysis-progress/{job_id}",
    summary="Live progress (original frontend's path)",
    description="Same stream as `GET /api/tokens/analysis-progress/{job_id}`, same authorization.",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {"schema": {"type": "string"}}}}, **errors(401, 404, 429)},
    deprecated=True,
)
async def legacy_analysis_progress(
    request: Request,
    job_id: JobId,
    state: State,
    ticket: Annotated[str | None, Query(max_length=8192)] = None,
    last_event_id: Annotated[str | None, Header(alias="Last-Event-ID", max_length=32)] = None,
) -> Response:
    return await analysis_progress(request, job_id, state, ticket, last_event_id)
