"""In-memory fakes of the orchestrator's ports (unit of work, repositories, catalog, codec, live events), so
the domain and service rules run in milliseconds without servers (cosmicpython's fakes)."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import uuid
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass, field, replace
from types import TracebackType
from typing import Self

from yousync_analysis_orchestrator.domain import (
    Analysis,
    Job,
    JobEvent,
    JobState,
    LineReference,
    NewTake,
    Overview,
    Result,
    Stage,
    StoredRequest,
    Take,
)
from yousync_platform.errors import NotFound


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass
class Store:
    """The "database": committed state, copied into each unit of work and back on commit."""

    takes: dict[str, NewTake] = field(default_factory=dict)
    jobs: dict[str, Job] = field(default_factory=dict)
    results: dict[str, Result] = field(default_factory=dict)
    events: dict[str, dict[int, JobEvent]] = field(default_factory=dict)
    outbox: list[tuple[str, bytes, uuid.UUID]] = field(default_factory=list)
    nonces: dict[bytes, dt.datetime] = field(default_factory=dict)
    locks: dict[str, asyncio.Lock] = field(default_factory=dict)
    clock: Callable[[], dt.datetime] = now
    units: list[int] = field(default_factory=lambda: [0])  # units of work opened (shared by the copies)

    def copy(self) -> Store:
        return Store(
            dict(self.takes),
            dict(self.jobs),
            dict(self.results),
            {k: dict(v) for k, v in self.events.items()},
            list(self.outbox),
            dict(self.nonces),
            self.locks,
            self.clock,
            self.units,
        )


class FakeTakes:
    def __init__(self, uow: FakeUnitOfWork) -> None:
        self.uow = uow

    @property
    def s(self) -> Store:
        return self.uow.work

    async def add(self, take: NewTake) -> bool:
        if any(t.user_id == take.user_id and t.request_id == take.request_id for t in self.s.takes.values()):
            return False
        self.s.takes[take.id] = take
        t = now()
        self.s.jobs[take.job_id] = Job(
            take.job_id, take.id, take.user_id, take.token_id, take.script_id, JobState.QUEUED, Stage.QUEUED, 0,
            "queued", 1, "", "", t, t, None,
        )  # fmt: skip
        return True

    async def by_request(self, user_id: str, request_id: str) -> StoredRequest | None:
        for t in self.s.takes.values():
            if t.user_id == user_id and t.request_id == request_id:
                return StoredRequest(t.token_id, t.sha256, self.s.jobs[t.job_id])
        return None

    async def get(self, user_id: str, take_id: str) -> Take | None:
        t = self.s.takes.get(take_id)
        if t is None or t.user_id != user_id:
            return None
        job = self.s.jobs[t.job_id]
        result = self.s.results.get(t.job_id)
        return Take(
            t.id, t.user_id, t.token_id, t.script_id, t.job_id, job.state, t.audio_format, t.size_bytes, t.blob_key,
            job.created_at, t.token_text, t.script_title, result.verdict if result else 0,
            result.scores if result else None,
            (result.duration_seconds if result else 0.0) or t.duration_seconds or 0.0,
        )  # fmt: skip

    async def list(self, user_id: str, **_: object) -> list[Take]:
        return [take for t in self.s.takes.values() if (take := await self.get(user_id, t.id))]

    async def delete(self, user_id: str, take_id: str) -> str | None:
        t = self.s.takes.get(take_id)
        if t is None or t.user_id != user_id:
            return None
        del self.s.takes[take_id]
        self.s.jobs.pop(t.job_id, None)
        self.s.results.pop(t.job_id, None)
        self.s.events.pop(t.job_id, None)
        return t.blob_key

    async def overview(self, user_id: str) -> Overview:
        raise NotImplementedError


class FakeJobs:
    def __init__(self, uow: FakeUnitOfWork) -> None:
        self.uow = uow

    @property
    def s(self) -> Store:
        return self.uow.work

    async def lock_user(self, user_id: str) -> None:
        lock = self.s.locks.setdefault(user_id, asyncio.Lock())
        await lock.acquire()
        self.uow.held.append(lock)
        self.uow.begin()  # like READ COMMITTED: what follows sees what was committed meanwhile

    async def count_active(self, user_id: str, states: Collection[JobState]) -> int:
        return sum(1 for j in self.s.jobs.values() if j.user_id == user_id and j.state in states)

    async def get(self, job_id: str, user_id: str | None = None) -> Job | None:
        job = self.s.jobs.get(job_id)
        return job if job and (user_id is None or job.user_id == user_id) else None

    async def last_sequences(self, job_ids: Collection[str]) -> dict[str, int]:
        return {job_id: self.s.jobs[job_id].last_sequence for job_id in job_ids if job_id in self.s.jobs}

    async def move(
        self,
        job_id: str,
        *,
        target: JobState,
        stage: Stage,
        progress: int,
        message: str,
        attempt: bool = False,
        failure_reason: str = "",
        failure_message: str = "",
    ) -> Job | None:
        job = self.s.jobs.get(job_id)
        if job is None or job.state not in JobState.sources_of(target):
            return None
        t = now()
        moved = replace(
            job,
            state=target,
            stage=stage,
            progress=max(job.progress, progress) if target == JobState.RUNNING else progress,
            message=message,
            last_sequence=job.last_sequence + 1,
            updated_at=t,
        )
        if target.terminal:
            moved = replace(moved, failure_reason=failure_reason, failure_message=failure_message, completed_at=t)
        self.s.jobs[job_id] = moved
        return moved

    async def add_result(self, job: Job, analysis: Analysis) -> Result:
        result = Result(
            job.id, job.take_id, job.token_id, job.script_id, analysis.verdict, analysis.scores, analysis.raw, now(),
            analysis.duration_seconds,
        )  # fmt: skip
        self.s.results[job.id] = result
        return result

    async def result(self, job_id: str, user_id: str) -> Result | None:
        job = await self.get(job_id, user_id)
        return self.s.results.get(job_id) if job else None


class FakeEvents:
    def __init__(self, uow: FakeUnitOfWork) -> None:
        self.uow = uow

    @property
    def s(self) -> Store:
        return self.uow.work

    async def add(self, event: JobEvent, *, keep: int) -> None:
        kept = self.s.events.setdefault(event.job_id, {})
        kept[event.sequence] = event
        for sequence in [q for q in kept if q <= event.sequence - keep]:
            del kept[sequence]

    async def after(self, job_id: str, sequence: int) -> list[JobEvent]:
        kept = self.s.events.get(job_id, {})
        return [kept[q] for q in sorted(kept) if q > sequence]

    async def first_kept(self, job_id: str) -> int:
        return min(self.s.events.get(job_id, {}) or [0])


class FakeOutbox:
    def __init__(self, uow: FakeUnitOfWork) -> None:
        self.uow = uow

    @property
    def s(self) -> Store:
        return self.uow.work

    async def add(self, subject: str, payload: bytes, event_id: uuid.UUID | None = None) -> uuid.UUID:
        event_id = event_id or uuid.uuid4()
        self.s.outbox.append((subject, payload, event_id))
        return event_id


class FakeNonces:
    def __init__(self, uow: FakeUnitOfWork) -> None:
        self.uow = uow

    @property
    def s(self) -> Store:
        return self.uow.work

    async def remember(self, key: bytes, expires_at: dt.datetime) -> bool:
        for old in [k for k, e in self.s.nonces.items() if e < self.s.clock()]:
            del self.s.nonces[old]
        if key in self.s.nonces:
            return False
        self.s.nonces[key] = expires_at
        return True


class FakeUnitOfWork:
    def __init__(self, store: Store) -> None:
        self.store = store
        self.held: list[asyncio.Lock] = []
        self.committed = False

    def begin(self) -> None:
        self.base = self.store.copy()
        self.work = self.store.copy()

    async def __aenter__(self) -> Self:
        self.store.units[0] += 1
        self.begin()
        self.takes = FakeTakes(self)
        self.jobs = FakeJobs(self)
        self.events = FakeEvents(self)
        self.outbox = FakeOutbox(self)
        self.nonces = FakeNonces(self)
        return self

    async def commit(self) -> None:
        """Apply what this unit changed (key by key, so other units' commits stay)."""
        for name in ("takes", "jobs", "results", "events", "nonces"):
            base, work, target = getattr(self.base, name), getattr(self.work, name), getattr(self.store, name)
            for key in base.keys() - work.keys():
                target.pop(key, None)
            for key, value in work.items():
                if base.get(key) != value:
                    target[key] = value
        self.store.outbox.extend(self.work.outbox[len(self.base.outbox) :])
        self.begin()
        self.committed = True

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        for lock in self.held:
            lock.release()
        self.held.clear()


class FakeCatalog:
    def __init__(self) -> None:
        self.lines = {7: LineReference(7, 3, "Frankly, my dear.", "en", "Famous lines", "ref-7", [])}
        self.lines[8] = replace(self.lines[7], token_id=8, text="May the Force be with you.")

    async def line(self, token_id: int) -> LineReference:
        if token_id not in self.lines:
            raise NotFound("TOKEN_NOT_FOUND", "token not found")
        return self.lines[token_id]


class FakeCodec:
    def job_event(self, event: JobEvent) -> bytes:
        return f"{event.job_id}:{event.sequence}:{event.state}".encode()

    def take_completed(self, event_id: uuid.UUID, job: Job, event: JobEvent, analysis: Analysis) -> bytes:
        return f"completed:{job.id}".encode()


class FakeLive:
    """Publisher and listener in one: what is published reaches this process's listeners."""

    def __init__(self) -> None:
        self.queues: dict[str, list[asyncio.Queue[JobEvent]]] = {}
        self.published: list[JobEvent] = []
        self.drop: set[int] = set()  # sequences "lost" on the way
        self.sent_now: list[tuple[str, bytes, str]] = []  # outbox rows sent at once after their commit

    async def publish(self, event: JobEvent) -> None:
        self.published.append(event)
        if event.sequence in self.drop:
            return
        for queue in self.queues.get(event.job_id, []):
            queue.put_nowait(event)

    def publish_now(self, subject: str, payload: bytes, msg_id: str) -> None:
        self.sent_now.append((subject, payload, msg_id))

    @contextlib.contextmanager
    def listen(self, job_id: str) -> Iterator[asyncio.Queue[JobEvent]]:
        queue: asyncio.Queue[JobEvent] = asyncio.Queue()
        self.queues.setdefault(job_id, []).append(queue)
        try:
            yield queue
        finally:
            self.queues[job_id].remove(queue)
