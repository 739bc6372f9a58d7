"""Streaming multipart upload: the file part goes to the orchestrator's `UploadTake` chunk by chunk.

The body is parsed as it arrives (python-multipart's push parser); file bytes are forwarded in
≤ 64 KiB messages through a small bounded queue, so a slow orchestrator slows the socket read instead
of filling memory. Nothing is spooled to disk. Past the size cap the call is cancelled and 413 is sent
at once, without reading the rest of the body.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field

import grpc
from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import ClientDisconnect, Request

from yousync.analysis.v1 import analysis_pb2, analysis_pb2_grpc
from yousync_gateway.errors import ApiError

CHUNK = 64 * 1024
FILE_FIELDS = ("audio_file", "file")
QUEUE_DEPTH = 4
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# Trailing metadata the orchestrator sets when it answers with the job of an earlier upload (same key).
REPLAYED_KEY = "idempotent-replayed"


@dataclass(frozen=True)
class Uploaded:
    job: analysis_pb2.Job
    # The job of an earlier upload with the same Idempotency-Key: nothing new was started.
    replayed: bool


@dataclass
class _Part:
    headers: dict[bytes, bytes] = field(default_factory=dict)
    name: str = ""
    filename: str = ""
    content_type: str = ""


class _PartCollector:
    """Callbacks of the push parser: remembers part headers, collects the file part's bytes."""

    def __init__(self) -> None:
        self.part: _Part | None = None
        self._field = b""
        self._value = b""
        self.file: _Part | None = None
        self.file_done = False
        self.file_bytes = 0
        self.pending: list[bytes] = []
        self.ended = False

    def on_part_begin(self) -> None:
        self.part = _Part()

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self._field += data[start:end]

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self._value += data[start:end]

    def on_header_end(self) -> None:
        if self.part is not None and len(self.part.headers) < 16:
            self.part.headers[self._field.strip().lower()] = self._value.strip()
        self._field, self._value = b"", b""

    def on_headers_finished(self) -> None:
        part = self.part
        if part is None:
            return
        _, options = parse_options_header(part.headers.get(b"content-disposition", b""))
        part.name = options.get(b"name", b"").decode("utf-8", "replace")
        part.filename = options.get(b"filename", b"").decode("utf-8", "replace")[:255]
        part.content_type = part.headers.get(b"content-type", b"").decode("latin-1")[:200]
        if _CONTROL.search(part.filename) or _CONTROL.search(part.content_type):
            raise ApiError(400, "INVALID_PART_HEADER", "control characters in the file name or content type")
        if self.file is None and part.name in FILE_FIELDS:
            self.file = part

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        if self.part is not None and self.part is self.file and not self.file_done and end > start:
            self.pending.append(data[start:end])
            self.file_bytes += end - start

    def on_part_end(self) -> None:
        if self.part is not None and self.part is self.file:
            self.file_done = True
        self.part = None

    def on_end(self) -> None:
        self.ended = True

    def drain(self) -> list[bytes]:
        if not self.pending:
            return []
        pieces: list[bytes] = []
        for data in self.pending:
            for offset in range(0, len(data), CHUNK):
                pieces.append(data[offset : offset + CHUNK])
        self.pending = []
        return pieces


def _boundary(request: Request) -> bytes:
    content_type, options = parse_options_header(request.headers.get("content-type", ""))
    if content_type != b"multipart/form-data":
        raise ApiError(415, "NOT_MULTIPART", "send the audio as multipart/form-data in the field 'audio_file'")
    boundary = options.get(b"boundary", b"")
    if not boundary or len(boundary) > 200:
        raise ApiError(400, "MALFORMED_MULTIPART", "multipart/form-data without a usable boundary")
    return boundary


def too_large(cap: int) -> ApiError:
    return ApiError(
        413, "PAYLOAD_TOO_LARGE", f"the upload is over the {cap} byte limit", headers={"Connection": "close"}
    )


async def upload_take(
    request: Request,
    stub: analysis_pb2_grpc.AnalysisServiceStub,
    *,
    token_id: int,
    idempotency_key: str,
    metadata: Sequence[tuple[str, str]],
    max_bytes: int,
    timeout: float,
    replay_only: bool = False,
) -> Uploaded:
    """Stream the request's file part into `UploadTake` and return the queued job."""
    boundary = _boundary(request)
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > max_bytes:
        raise too_large(max_bytes)

    collector = _PartCollector()
    parser = MultipartParser(boundary, callbacks=_callbacks(collector))  # type: ignore[arg-type]
    queue: asyncio.Queue[bytes | None] = asyncio.Queue(maxsize=QUEUE_DEPTH)
    call: asyncio.Future[analysis_pb2.Job] | None = None
    grpc_call: grpc.aio.StreamUnaryCall | None = None

    async def messages() -> AsyncIterator[analysis_pb2.UploadTakeRequest]:
        file = collector.file
        assert file is not None
        yield analysis_pb2.UploadTakeRequest(
            metadata=analysis_pb2.UploadTakeMetadata(
                token_id=token_id,
                content_type=file.content_type,
                filename=file.filename,
                request_id=idempotency_key,
                replay_only=replay_only,
            )
        )
        while (chunk := await queue.get()) is not None:
            yield analysis_pb2.UploadTakeRequest(chunk=chunk)

    async def send(item: bytes | None) -> None:
        assert call is not None
        if call.done():
            await call  # the service ended the call early: raise its error
            raise ApiError(400, "UPLOAD_REJECTED", "the upload was refused before it finished")
        try:
            queue.put_nowait(item)
            return
        except asyncio.QueueFull:
            pass
        put = asyncio.ensure_future(queue.put(item))
        await asyncio.wait([put, call], return_when=asyncio.FIRST_COMPLETED)  # type: ignore[type-var]
        if not put.done():
            put.cancel()
            await call
            raise ApiError(400, "UPLOAD_REJECTED", "the upload was refused before it finished")

    total = 0
    try:
        try:
            async for chunk in request.stream():
                total += len(chunk)
                if total > max_bytes:
                    raise too_large(max_bytes)
                try:
                    parser.write(chunk)
                except MultipartParseError:
                    raise ApiError(400, "MALFORMED_MULTIPART", "the multipart body is malformed") from None
                for piece in collector.drain():
                    if call is None:
                        grpc_call = stub.UploadTake(messages(), metadata=tuple(metadata), timeout=timeout)
                        call = asyncio.ensure_future(grpc_call)  # type: ignore[arg-type]
                    await send(piece)
        except ClientDisconnect:
            raise ApiError(400, "CLIENT_DISCONNECTED", "the client went away during the upload") from None
        if not collector.ended:
            raise ApiError(400, "MALFORMED_MULTIPART", "the multipart body ended early")
        if collector.file is None:
            raise ApiError(
                422, "MISSING_FILE", "no audio file: send it as a multipart file in the field 'audio_file' (or 'file')"
            )
        if collector.file_bytes == 0 or call is None:
            raise ApiError(422, "EMPTY_FILE", "the audio file is empty")
        await send(None)
        job = await call
        trailing = await grpc_call.trailing_metadata() if grpc_call is not None else None
        replayed = any(key == REPLAYED_KEY and value == "true" for key, value in (trailing or ()))
        return Uploaded(job, replayed)
    finally:
        if call is not None and not call.done():
            if grpc_call is not None:
                grpc_call.cancel()
            call.cancel()
            call.add_done_callback(_retrieve)


def _callbacks(collector: _PartCollector) -> dict[str, object]:
    return {
        name: getattr(collector, name)
        for name in (
            "on_part_begin",
            "on_part_data",
            "on_part_end",
            "on_header_field",
            "on_header_value",
            "on_header_end",
            "on_headers_finished",
            "on_end",
        )
    }


def _retrieve(future: asyncio.Future[analysis_pb2.Job]) -> None:
    if not future.cancelled():
        future.exception()
