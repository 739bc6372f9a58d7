"""The orchestrator's use cases: upload, the job's life (start, progress, retry, complete, fail,
dead-letter, external completion), watching a job, and the caller's jobs, results and takes.

Takes a unit-of-work factory and ports (blob store, catalog, event wire format, live events); no grpc,
no protobuf, no SQL. Every rule lives here or in `domain`: the adapters convert and transport.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import hmac
import logging
import time
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, replace

from yousync_analysis_orchestrator import probe
from yousync_analysis_orchestrator.domain import (
    ACTIVE_STATES,
    Analysis,
    Job,
    JobEvent,
    JobState,
    NewTake,
    Overview,
    Result,
    Stage,
    Take,
    Upload,
    check_replay,
    event_message_id,
    replay_key,
    snapshot_of,
    webhook_signature,
)
from yousync_analysis_orchestrator.ports import (
    Catalog,
    EventCodec,
    EventListener,
    EventPublisher,
    ExternalResultParser,
    UnitOfWork,
)
from yousync_analysis_orchestrator.silence import LastSequences
from yousync_analysis_orchestrator.subjects import DISPATCH, TAKE_COMPLETED, job_events
from yousync_platform import audio_format as formats
from yousync_platform import paging
from yousync_platform.errors import (
    AlreadyExists,
    FailedPrecondition,
    InvalidArgument,
    NotFound,
    ResourceExhausted,
    Unauthenticated,
)
from yousync_platform.storage.base import BlobStore, SignedUrl

log = logging.getLogger(__name__)
MAX_REQUEST_ID = 128
ORDER = "newest"


@dataclass(frozen=True)
class Caps:
    """What the orchestrator accepts; the analyzer's caps are the same values (one source: settings)."""

    max_take_bytes: int
    max_take_seconds: float
    max_active_analyses: int
    # The Retry-After hint of a refusal for too many analyses at once.
    busy_retry_after_seconds: int = 5
    max_webhook_body_bytes: int = 2 * 1024 * 1024
    webhook_tolerance_seconds: int = 300
    # Events kept per job for watchers that reconnect (older ones get a snapshot).
    events_kept: int = 256


@dataclass(frozen=True)
class UploadRequest:
    user_id: str
    token_id: int
    content_type: str
    filename: str
    request_id: str
    # Only the job of an earlier upload with this key; NOT_FOUND when there is none (nothing stored).
    replay_only: bool = False


def too_large(cap: int) -> ResourceExhausted:
    return ResourceExhausted("TOO_LARGE", f"the take exceeds {cap} bytes", {"max_bytes": str(cap)})


def too_long(seconds: float, cap: float) -> InvalidArgument:
    return InvalidArgument(
        "TOO_LONG",
        f"the take lasts {seconds:.1f} s; at most {cap:g} s are accepted",
        {"max_seconds": f"{cap:g}", "duration_seconds": f"{seconds:.3f}"},
    )


class _Body:
    """Streams the upload once: counts and hashes, keeps its head and tail for the probe, stops at the cap."""

    def __init__(self, first: bytes, rest: AsyncIterator[bytes], cap: int) -> None:
        self._first = first
        self._rest = rest
        self._cap = cap
        self.size = 0
        self.sha256 = hashlib.sha256()
        self.head = b""
        self.tail = b""

    def _count(self, chunk: bytes) -> bytes:
        self.size += len(chunk)
        if self.size > self._cap:
            raise too_large(self._cap)
        self.sha256.update(chunk)
        if len(self.head) < probe.HEAD_BYTES:
            self.head += chunk[: probe.HEAD_BYTES - len(self.head)]
        self.tail = (self.tail + chunk)[-probe.TAIL_BYTES :]
        return chunk

    async def chunks(self) -> AsyncIterator[bytes]:
        yield self._count(self._first)
        async for chunk in self._rest:
            if chunk:
                yield self._count(chunk)


def _cursor(take: Take) -> list[str]:
    return [take.created_at.isoformat(), take.id]


def _after(token: str, filters: str) -> tuple[dt.datetime, uuid.UUID] | None:
    key = paging.decode(token, ORDER, filters, (str, str))
    if key is None:
        return None
    try:
        return dt.datetime.fromisoformat(key[0]), uuid.UUID(key[1])
    except ValueError:
        raise InvalidArgument("INVALID_PAGE_TOKEN", "page_token is malformed or was issued for another query") from None


class AnalysisService:
    def __init__(
        self,
        *,
        uow: Callable[[], UnitOfWork],
        blobs: BlobStore,
        catalog: Catalog,
        codec: EventCodec,
        caps: Caps,
        publisher: EventPublisher | None = None,
        listener: EventListener | None = None,
        webhook_secret: bytes = b"",
        parse_external: ExternalResultParser | None = None,
        audio_url_ttl: dt.timedelta = dt.timedelta(minutes=10),
        clock: Callable[[], float] = time.time,
        watch_recheck_seconds: float = 5.0,
    ) -> None:
        self._uow = uow
        # A watcher with no live event for this long reads the job's events from the database if the job
        # moved on meanwhile (the watched jobs' last sequences are read in one query per period): a live
        # event lost on the way (a NATS restart, a listener that lost its subscription) only delays it.
        self._watch_recheck_seconds = watch_recheck_seconds
        self._last_sequences = LastSequences(uow, watch_recheck_seconds)
        self._blobs = blobs
        self._catalog = catalog
        self._codec = codec
        self.caps = caps
        self._publisher = publisher
        self._listener = listener
        self._webhook_secret = webhook_secret
        self._parse_external = parse_external
        self._audio_url_ttl = audio_url_ttl
        self._clock = clock

    # --- upload -------------------------------------------------------------------------------

    def _too_many(self) -> ResourceExhausted:
        limit = self.caps.max_active_analyses
        return ResourceExhausted(
            "TOO_MANY_ANALYSES",
            f"at most {limit} analyses at once; wait for one to finish",
            {"limit": str(limit), "retry_after_seconds": str(self.caps.busy_retry_after_seconds)},
        )

    async def upload(self, request: UploadRequest, chunks: AsyncIterator[bytes]) -> Upload:
        """Sniff, cap (bytes, then duration), store the blob, then in ONE transaction serialized per user:
        the same key again returns its job (not counted), else the user's active analyses are counted and
        the take, its QUEUED job, its first event and the dispatch event are written.

        Concurrent duplicates each stream their body to a blob of their own; the transaction decides, and
        the others delete their blob, so one job and one blob remain."""
        if request.token_id <= 0:
            raise InvalidArgument("INVALID_TOKEN_ID", "token_id must be a positive id")
        if len(request.request_id) > MAX_REQUEST_ID:
            raise InvalidArgument("INVALID_REQUEST_ID", f"request_id must be at most {MAX_REQUEST_ID} characters")
        request_id = request.request_id or uuid.uuid4().hex
        line = await self._catalog.line(request.token_id)
        # Fail fast before reading the body (the transaction below decides).
        async with self._uow() as uow:
            stored = await uow.takes.by_request(request.user_id, request_id) if request.request_id else None
            if stored is None and request.replay_only:
                raise NotFound("NO_EARLIER_UPLOAD", "no earlier upload with this idempotency key")
            if stored is None and (
                await uow.jobs.count_active(request.user_id, ACTIVE_STATES) >= self.caps.max_active_analyses
            ):
                raise self._too_many()

        head = b""
        async for chunk in chunks:
            head += chunk
            if len(head) >= formats.SNIFF_BYTES:
                break
        if not head:
            raise InvalidArgument("EMPTY_TAKE", "the upload has no audio bytes")
        if len(head) > self.caps.max_take_bytes:
            raise too_large(self.caps.max_take_bytes)
        audio_format = formats.sniff(head)
        if not audio_format:
            raise InvalidArgument(
                "UNSUPPORTED_FORMAT",
                f"not a supported recording (WAV, WebM, Ogg, MP3, M4A, FLAC); the file starts with "
                f"{formats.describe(head)}",
            )

        if stored is not None and request.replay_only:
            body = _Body(head, chunks, self.caps.max_take_bytes)
            async for _ in body.chunks():
                pass  # read and hashed, not stored
            return Upload(check_replay(stored, line.token_id, body.sha256.digest()), replayed=True)

        take_id = str(uuid.uuid4())
        job_id = str(uuid.uuid4())
        blob_key = f"takes/{request.user_id}/{take_id}.{formats.extension(audio_format)}"
        body = _Body(head, chunks, self.caps.max_take_bytes)
        try:
            await self._blobs.put(blob_key, body.chunks(), content_type=formats.content_type(audio_format))
        except BaseException:
            await self._blobs.delete(blob_key)
            raise
        keep_blob = False
        try:
            seconds = probe.duration(audio_format, body.head, body.tail, body.size)
            if seconds is not None and seconds > self.caps.max_take_seconds:
                raise too_long(seconds, self.caps.max_take_seconds)
            new = NewTake(
                id=take_id,
                job_id=job_id,
                user_id=request.user_id,
                request_id=request_id,
                token_id=line.token_id,
                script_id=line.script_id,
                token_text=line.text,
                script_title=line.script_title,
                blob_key=blob_key,
                audio_format=audio_format,
                size_bytes=body.size,
                sha256=body.sha256.digest(),
                duration_seconds=seconds,
                label_content_type=request.content_type,
                filename=request.filename,
            )
            upload = await self._store(new)
            keep_blob = not upload.replayed
            return upload
        finally:
            if not keep_blob:
                await self._blobs.delete(blob_key)

    async def _store(self, new: NewTake) -> Upload:
        async with self._uow() as uow:
            await uow.jobs.lock_user(new.user_id)
            stored = await uow.takes.by_request(new.user_id, new.request_id)
            if stored is not None:
                return Upload(check_replay(stored, new.token_id, new.sha256), replayed=True)
            if await uow.jobs.count_active(new.user_id, ACTIVE_STATES) >= self.caps.max_active_analyses:
                raise self._too_many()
            if not await uow.takes.add(new):  # the lock makes this rare; the unique key still decides
                raise FailedPrecondition("IDEMPOTENCY_KEY_REUSED", "this idempotency key is being used")
            job = await uow.jobs.get(new.job_id)
            assert job is not None
            queued = JobEvent(job.id, job.last_sequence, JobState.QUEUED, Stage.QUEUED, 0, "queued", job.created_at)
            await uow.events.add(queued, keep=self.caps.events_kept)
            dispatch = self._codec.job_event(queued)
            dispatch_id = await uow.outbox.add(DISPATCH, dispatch)
            await uow.commit()
        self._publish_now([(DISPATCH, dispatch, dispatch_id)])
        return Upload(job)

    # --- the job's life -----------------------------------------------------------------------

    async def dispatchable(self, job_id: str) -> tuple[Job, str] | None:
        """The job and its take's blob key, or None when there is nothing to run (deleted or finished)."""
        async with self._uow() as uow:
            job = await uow.jobs.get(job_id)
            take = await uow.takes.get(job.user_id, job.take_id) if job else None
        if job is None or take is None or job.state.terminal:
            return None
        return job, take.blob_key

    async def _advance(
        self, job_id: str, target: JobState, stage: Stage, progress: int, message: str, *, attempt: bool = False
    ) -> JobEvent | None:
        async with self._uow() as uow:
            job = await uow.jobs.move(
                job_id, target=target, stage=stage, progress=progress, message=message, attempt=attempt
            )
            if job is None:
                return None
            event = JobEvent(job.id, job.last_sequence, job.state, job.stage, job.progress, message, job.updated_at)
            await uow.events.add(event, keep=self.caps.events_kept)
            await uow.commit()
        if self._publisher is not None:
            await self._publisher.publish(event)
        return event

    async def start(self, job_id: str) -> JobEvent | None:
        """The job goes to the analyzer (one more attempt); None when it can no longer run."""
        return await self._advance(job_id, JobState.RUNNING, Stage.DISPATCHED, 5, "sent to the analyzer", attempt=True)

    async def progress(self, job_id: str, stage: Stage, percent: int, message: str) -> JobEvent | None:
        """The analyzer's progress (0-100 of its own work) as the job's 10-95 %."""
        percent = max(0, min(100, percent))
        return await self._advance(
            job_id, JobState.RUNNING, stage, 10 + percent * 85 // 100, message or stage.value.replace("_", " ").lower()
        )

    async def requeue(self, job_id: str, why: str) -> JobEvent | None:
        return await self._advance(job_id, JobState.QUEUED, Stage.QUEUED, 0, f"waiting to retry: {why}")

    def _publish_now(self, rows: list[tuple[str, bytes, uuid.UUID]]) -> None:
        """Committed outbox rows on the way to a waiting person (the dispatch, a job's last event)."""
        if self._publisher is not None:
            for subject, payload, event_id in rows:
                self._publisher.publish_now(subject, payload, str(event_id))

    async def _finish(
        self,
        uow: UnitOfWork,
        job_id: str,
        *,
        analysis: Analysis | None = None,
        failure: tuple[str, str] | None = None,
        send_now: list[tuple[str, bytes, uuid.UUID]] | None = None,
    ) -> Job | None:
        """Make the job terminal with its result (COMPLETED) or failure, in the caller's transaction; the
        terminal job event's outbox row is added to `send_now` (sent by the caller after its commit)."""
        if analysis is not None:
            target = JobState.COMPLETED
            message = "analysis complete" if analysis.scored else "please record again"
            reason, failure_message = "", ""
        else:
            assert failure is not None
            target = JobState.FAILED
            reason, failure_message = failure
            message = failure_message
        job = await uow.jobs.move(
            job_id,
            target=target,
            stage=Stage.DONE,
            progress=100,
            message=message,
            failure_reason=reason,
            failure_message=failure_message,
        )
        if job is None:
            return None
        event = JobEvent(
            job.id,
            job.last_sequence,
            job.state,
            Stage.DONE,
            100,
            message,
            job.updated_at,
            failure_reason=reason,
            failure_message=failure_message,
        )
        await uow.events.add(event, keep=self.caps.events_kept)
        if analysis is not None:
            result = await uow.jobs.add_result(job, analysis)
            event = replace(event, result=result)
            completed_id = uuid.uuid4()
            await uow.outbox.add(
                TAKE_COMPLETED, self._codec.take_completed(completed_id, job, event, analysis), completed_id
            )
        terminal = (job_events(job.id), self._codec.job_event(event), event_message_id(job.id, event.sequence))
        await uow.outbox.add(*terminal)
        if send_now is not None:
            send_now.append(terminal)
        return job

    async def complete(self, job_id: str, analysis: Analysis) -> Job | None:
        """Store the result, exactly once per job; None when the job was already terminal."""
        send_now: list[tuple[str, bytes, uuid.UUID]] = []
        async with self._uow() as uow:
            job = await self._finish(uow, job_id, analysis=analysis, send_now=send_now)
            await uow.commit()
        self._publish_now(send_now)
        return job

    async def fail(self, job_id: str, reason: str, message: str) -> Job | None:
        send_now: list[tuple[str, bytes, uuid.UUID]] = []
        async with self._uow() as uow:
            job = await self._finish(uow, job_id, failure=(reason[:64], message[:500]), send_now=send_now)
            await uow.commit()
        self._publish_now(send_now)
        return job

    async def dead_letter(self, job_id: str, attempts: int, why: str) -> Job | None:
        return await self.fail(job_id, "DEAD_LETTERED", f"analysis could not run after {attempts} attempts ({why})")

    async def complete_externally(self, body: bytes, signature: str, timestamp: int) -> Job:
        """The completion webhook: signed ("<timestamp>.<body>", HMAC-SHA256), recent, never twice the same
        call (remembered until its timestamp is too old anyway); completing a finished job changes nothing."""
        if not self._webhook_secret or self._parse_external is None:
            raise FailedPrecondition("WEBHOOK_DISABLED", "the completion webhook is not configured")
        if len(body) > self.caps.max_webhook_body_bytes:
            raise InvalidArgument(
                "BODY_TOO_LARGE", f"the webhook body is over {self.caps.max_webhook_body_bytes} bytes"
            )
        tolerance = self.caps.webhook_tolerance_seconds
        if abs(self._clock() - timestamp) > tolerance:
            raise Unauthenticated("STALE_TIMESTAMP", "the signature timestamp is outside the allowed window")
        if not hmac.compare_digest(webhook_signature(self._webhook_secret, timestamp, body), signature.strip().lower()):
            raise Unauthenticated("BAD_SIGNATURE", "the webhook signature does not match")
        job_id, outcome = self._parse_external(body)
        send_now: list[tuple[str, bytes, uuid.UUID]] = []
        async with self._uow() as uow:
            expires = dt.datetime.fromtimestamp(timestamp + tolerance, dt.UTC)
            if not await uow.nonces.remember(replay_key(timestamp, signature), expires):
                raise AlreadyExists("WEBHOOK_REPLAYED", "this signed call was already received; sign a new one")
            # Straight to the move (one round trip fewer on the way to the job's watchers); None: the job is
            # unknown (nothing is kept: the transaction rolls back), or it had finished already (read as it stands).
            if isinstance(outcome, Analysis):
                job = await self._finish(uow, job_id, analysis=outcome, send_now=send_now)
            else:
                job = await self._finish(uow, job_id, failure=(outcome[0][:64], outcome[1][:500]), send_now=send_now)
            job = job or await uow.jobs.get(job_id)
            if job is None:
                raise NotFound("JOB_NOT_FOUND", "job not found")
            await uow.commit()
        self._publish_now(send_now)
        return job

    # --- watching -----------------------------------------------------------------------------

    async def _with_result(self, uow: UnitOfWork, event: JobEvent, user_id: str) -> JobEvent:
        if event.state == JobState.COMPLETED and event.result is None:
            result = await uow.jobs.result(event.job_id, user_id)
            return replace(event, result=result)
        return event

    async def _missed(self, user_id: str, job_id: str, after: int) -> list[JobEvent]:
        async with self._uow() as uow:
            return [await self._with_result(uow, e, user_id) for e in await uow.events.after(job_id, after)]

    async def watch(self, user_id: str, job_id: str, after_sequence: int) -> AsyncIterator[JobEvent]:
        """The job's events after `after_sequence`, then live ones, ending with the terminal event.

        0 asks for the current state (a snapshot) then what follows. A higher number replays exactly the
        events after it from those kept; a client older than what is kept gets a snapshot, flagged so.
        The watcher listens before it reads, so nothing falls in between; a gap in the live events (a
        publish that was lost) is filled from the database, and so is a silence longer than
        `watch_recheck_seconds` after which the job is known to have moved on (silence.py: the live
        events may not be coming at all)."""
        if after_sequence < 0:
            raise InvalidArgument("INVALID_SEQUENCE", "after_sequence must not be negative")
        assert self._listener is not None, "watching needs the API role's listener"
        with self._listener.listen(job_id) as queue, self._last_sequences.watching(job_id):
            async with self._uow() as uow:
                job = await uow.jobs.get(job_id, user_id)
                if job is None:
                    raise NotFound("JOB_NOT_FOUND", "job not found")
                backlog: list[JobEvent] = []
                if after_sequence < job.last_sequence:
                    first = await uow.events.first_kept(job_id) if after_sequence else 0
                    if after_sequence == 0 or first == 0 or after_sequence + 1 < first:
                        result = await uow.jobs.result(job_id, user_id) if job.state == JobState.COMPLETED else None
                        backlog = [snapshot_of(job, result)]
                    else:
                        backlog = [
                            await self._with_result(uow, e, user_id)
                            for e in await uow.events.after(job_id, after_sequence)
                        ]
            last = after_sequence
            for event in backlog:
                if event.sequence <= last:
                    continue
                last = event.sequence
                yield event
                if event.terminal:
                    return
            if job.state.terminal and last >= job.last_sequence:
                return
            while True:
                try:
                    live = await asyncio.wait_for(queue.get(), self._watch_recheck_seconds)
                except TimeoutError:
                    if not self._last_sequences.behind(job_id, last):
                        continue
                    pending = await self._missed(user_id, job_id, last)
                else:
                    if live.sequence <= last:
                        continue
                    pending = [live] if live.sequence == last + 1 else await self._missed(user_id, job_id, last)
                for event in pending:
                    if event.sequence <= last:
                        continue
                    if event.state == JobState.COMPLETED and event.result is None:
                        async with self._uow() as uow:
                            event = await self._with_result(uow, event, user_id)
                    last = event.sequence
                    yield event
                    if event.terminal:
                        return

    # --- the caller's jobs, results and takes (another user's are NOT_FOUND) --------------------

    async def owner_of(self, job_id: str) -> str:
        """The user a job belongs to (for the capability path, whose caller proved it knows the job id)."""
        async with self._uow() as uow:
            job = await uow.jobs.get(job_id)
        if job is None:
            raise NotFound("JOB_NOT_FOUND", "job not found")
        return job.user_id

    async def job(self, user_id: str, job_id: str) -> Job:
        async with self._uow() as uow:
            job = await uow.jobs.get(job_id, user_id)
        if job is None:
            raise NotFound("JOB_NOT_FOUND", "job not found")
        return job

    async def result(self, user_id: str, job_id: str) -> Result:
        async with self._uow() as uow:
            result = await uow.jobs.result(job_id, user_id)
            job = await uow.jobs.get(job_id, user_id) if result is None else None
        if result is not None:
            return result
        if job is None:
            raise NotFound("JOB_NOT_FOUND", "job not found")
        raise NotFound("RESULT_NOT_READY", f"the job is {job.state.value.lower()}; no result yet")

    async def takes(
        self, user_id: str, *, size: int, token: str, token_id: int, script_id: int
    ) -> tuple[list[Take], str]:
        limit = paging.page_size(size)
        if token_id < 0 or script_id < 0:
            raise InvalidArgument("INVALID_FILTER", "token_id and script_id must not be negative")
        filters = paging.fingerprint(token_id, script_id)
        after = _after(token, filters)
        async with self._uow() as uow:
            takes = await uow.takes.list(user_id, limit=limit + 1, token_id=token_id, script_id=script_id, after=after)
        more = len(takes) > limit
        takes = takes[:limit]
        return takes, paging.encode(ORDER, filters, _cursor(takes[-1])) if more else ""

    async def overview(self, user_id: str) -> Overview:
        async with self._uow() as uow:
            return await uow.takes.overview(user_id)

    async def take_audio(self, user_id: str, take_id: str) -> tuple[SignedUrl, str]:
        async with self._uow() as uow:
            take = await uow.takes.get(user_id, take_id)
        if take is None:
            raise NotFound("TAKE_NOT_FOUND", "take not found")
        url = await self._blobs.signed_url(take.blob_key, expires_in=self._audio_url_ttl)
        return url, formats.content_type(take.audio_format)

    async def delete_take(self, user_id: str, take_id: str) -> None:
        async with self._uow() as uow:
            blob_key = await uow.takes.delete(user_id, take_id)
            if blob_key is None:
                raise NotFound("TAKE_NOT_FOUND", "take not found")
            await uow.commit()
        await self._blobs.delete(blob_key)
