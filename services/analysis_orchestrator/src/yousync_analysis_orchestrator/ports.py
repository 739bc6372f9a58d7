"""What the use cases need from the outside world, as protocols: repositories and the unit of work
(PostgreSQL in `db/`, in memory in the unit tests), the catalog, the live event fan-out, the wire
format of published events. No grpc, no protobuf, no SQL."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from collections.abc import Collection
from contextlib import AbstractContextManager
from types import TracebackType
from typing import Protocol, Self

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


class TakeRepository(Protocol):
    async def add(self, take: NewTake) -> bool:
        """Store the take with its QUEUED job (sequence 1); False when (user, request id) already exists."""

    async def by_request(self, user_id: str, request_id: str) -> StoredRequest | None: ...

    async def get(self, user_id: str, take_id: str) -> Take | None: ...

    async def list(
        self,
        user_id: str,
        *,
        limit: int,
        token_id: int = 0,
        script_id: int = 0,
        after: tuple[dt.datetime, uuid.UUID] | None = None,
    ) -> list[Take]: ...

    async def delete(self, user_id: str, take_id: str) -> str | None:
        """Delete the take with its job and result; its blob key, or None when not the user's."""

    async def overview(self, user_id: str) -> Overview: ...


class JobRepository(Protocol):
    async def lock_user(self, user_id: str) -> None:
        """Serialize the user's uploads until the end of the transaction (every replica)."""

    async def count_active(self, user_id: str, states: Collection[JobState]) -> int: ...

    async def get(self, job_id: str, user_id: str | None = None) -> Job | None: ...

    async def last_sequences(self, job_ids: Collection[str]) -> dict[str, int]:
        """The last event sequence of each of these jobs that exists (one query)."""

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
        """Move the job to `target` if its state allows it (JobState.sources_of: the concurrency guard);
        the job after the move, its last_sequence incremented, or None when the move is not allowed."""

    async def add_result(self, job: Job, analysis: Analysis) -> Result: ...

    async def result(self, job_id: str, user_id: str) -> Result | None: ...


class JobEventRepository(Protocol):
    async def add(self, event: JobEvent, *, keep: int) -> None:
        """Remember the event; keep the job's latest `keep` events."""

    async def after(self, job_id: str, sequence: int) -> list[JobEvent]:
        """The job's kept events with a higher sequence, in order."""

    async def first_kept(self, job_id: str) -> int:
        """The lowest sequence still kept (0 when none is)."""


class OutboxRepository(Protocol):
    async def add(self, subject: str, payload: bytes, event_id: uuid.UUID | None = None) -> uuid.UUID: ...


class NonceRepository(Protocol):
    async def remember(self, key: bytes, expires_at: dt.datetime) -> bool:
        """False when the key is already remembered (and not expired)."""


class UnitOfWork(Protocol):
    """One transaction; rolls back unless committed."""

    @property
    def takes(self) -> TakeRepository: ...

    @property
    def jobs(self) -> JobRepository: ...

    @property
    def events(self) -> JobEventRepository: ...

    @property
    def outbox(self) -> OutboxRepository: ...

    @property
    def nonces(self) -> NonceRepository: ...

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None: ...

    async def commit(self) -> None: ...


class Catalog(Protocol):
    async def line(self, token_id: int) -> LineReference: ...


class EventCodec(Protocol):
    """The wire format of what goes through the outbox and JetStream."""

    def job_event(self, event: JobEvent) -> bytes: ...

    def take_completed(self, event_id: uuid.UUID, job: Job, event: JobEvent, analysis: Analysis) -> bytes: ...


class EventPublisher(Protocol):
    """Job events as they happen, from the workers."""

    async def publish(self, event: JobEvent) -> None:
        """Best effort: the database already holds the event."""

    def publish_now(self, subject: str, payload: bytes, msg_id: str) -> None:
        """An outbox row just committed, sent at once without waiting (latency: the relay's wake-up and
        read are not on the way). Best effort: the relay still publishes the row with the same message
        id, and JetStream drops whichever copy comes second."""


class EventListener(Protocol):
    """Job events as they happen, for the watchers of this process."""

    def listen(self, job_id: str) -> AbstractContextManager[asyncio.Queue[JobEvent]]: ...


class ExternalResultParser(Protocol):
    """Reads the body of a completion webhook: (job id, analysis or failure)."""

    def __call__(self, body: bytes) -> tuple[str, Analysis | tuple[str, str]]: ...
