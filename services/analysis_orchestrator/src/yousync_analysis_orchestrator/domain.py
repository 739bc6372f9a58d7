"""Takes, jobs, their events and results, and the rules of a job's life; no grpc, no protobuf, no SQL."""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import hmac
import uuid
from dataclasses import dataclass, field

from yousync_platform.errors import FailedPrecondition


class JobState(enum.StrEnum):
    QUEUED = "QUEUED"
    RUNNING = "RUNNING"
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"

    @property
    def terminal(self) -> bool:
        return self in (JobState.COMPLETED, JobState.FAILED)

    @property
    def active(self) -> bool:
        """Counts against the user's limit of analyses at once."""
        return not self.terminal

    def can_move_to(self, target: JobState) -> bool:
        return target in _MOVES[self]

    @staticmethod
    def sources_of(target: JobState) -> frozenset[JobState]:
        """The states a job may be in to move to `target` (the repository's conditional UPDATE uses this)."""
        return frozenset(state for state, targets in _MOVES.items() if target in targets)


# A job waits (QUEUED), runs (RUNNING), may go back to waiting for a retry, and ends exactly once.
_MOVES: dict[JobState, frozenset[JobState]] = {
    JobState.QUEUED: frozenset({JobState.QUEUED, JobState.RUNNING, JobState.COMPLETED, JobState.FAILED}),
    JobState.RUNNING: frozenset({JobState.QUEUED, JobState.RUNNING, JobState.COMPLETED, JobState.FAILED}),
    JobState.COMPLETED: frozenset(),
    JobState.FAILED: frozenset(),
}
ACTIVE_STATES = frozenset(s for s in JobState if s.active)


class Stage(enum.StrEnum):
    QUEUED = "QUEUED"
    DISPATCHED = "DISPATCHED"
    DECODING = "DECODING"
    QUALITY_CHECK = "QUALITY_CHECK"
    ALIGNMENT = "ALIGNMENT"
    RECOGNITION = "RECOGNITION"
    PITCH = "PITCH"
    SCORING = "SCORING"
    DONE = "DONE"


@dataclass(frozen=True, slots=True)
class Scores:
    pronunciation: float
    intonation: float
    expressiveness: float
    timing: float
    overall: float
    # 0-1: the share of the line's words spoken (None for results stored before it was kept).
    completeness: float | None = None


@dataclass(frozen=True, slots=True)
class Analysis:
    """What the analyzer concluded: the fields the orchestrator uses, and the whole result, opaque."""

    verdict: int
    scores: Scores | None
    duration_seconds: float
    # The serialized yousync.analyzer.v1.AnalysisResult, kept whole and never read here.
    raw: bytes

    @property
    def scored(self) -> bool:
        return self.scores is not None


@dataclass(frozen=True, slots=True)
class Failure:
    reason: str
    message: str


@dataclass(frozen=True, slots=True)
class Job:
    id: str
    take_id: str
    user_id: str
    token_id: int
    script_id: int
    state: JobState
    stage: Stage
    progress: int
    message: str
    last_sequence: int
    failure_reason: str
    failure_message: str
    created_at: dt.datetime
    updated_at: dt.datetime
    completed_at: dt.datetime | None


@dataclass(frozen=True, slots=True)
class Take:
    id: str
    user_id: str
    token_id: int
    script_id: int
    job_id: str
    state: JobState
    audio_format: int
    size_bytes: int
    blob_key: str
    created_at: dt.datetime
    token_text: str
    script_title: str
    verdict: int = 0
    scores: Scores | None = None
    duration_seconds: float = 0.0


@dataclass(frozen=True, slots=True)
class NewTake:
    """A take about to be stored, with its queued job."""

    id: str
    job_id: str
    user_id: str
    request_id: str
    token_id: int
    script_id: int
    token_text: str
    script_title: str
    blob_key: str
    audio_format: int
    size_bytes: int
    sha256: bytes
    duration_seconds: float | None
    label_content_type: str
    filename: str


@dataclass(frozen=True, slots=True)
class StoredRequest:
    """What an idempotency key was first used for."""

    token_id: int
    sha256: bytes
    job: Job


@dataclass(frozen=True, slots=True)
class Result:
    job_id: str
    take_id: str
    token_id: int
    script_id: int
    verdict: int
    scores: Scores | None
    # The serialized yousync.analyzer.v1.AnalysisResult, kept whole.
    analysis: bytes
    created_at: dt.datetime
    duration_seconds: float = 0.0


@dataclass(frozen=True, slots=True)
class JobEvent:
    job_id: str
    sequence: int
    state: JobState
    stage: Stage
    progress: int
    message: str
    time: dt.datetime
    failure_reason: str = ""
    failure_message: str = ""
    result: Result | None = None
    # True when this is the job's current state standing for events no longer kept (or never asked for).
    snapshot: bool = False

    @property
    def terminal(self) -> bool:
        return self.state.terminal


def snapshot_of(job: Job, result: Result | None) -> JobEvent:
    return JobEvent(
        job.id,
        job.last_sequence,
        job.state,
        job.stage,
        job.progress,
        job.message,
        job.updated_at,
        failure_reason=job.failure_reason,
        failure_message=job.failure_message,
        result=result,
        snapshot=True,
    )


@dataclass(frozen=True, slots=True)
class ScoreStats:
    average: float
    best: float


@dataclass(frozen=True, slots=True)
class WeekProgress:
    week_start: dt.datetime
    takes: int
    average_overall: float


@dataclass(frozen=True, slots=True)
class Overview:
    total_takes: int
    scored_takes: int
    distinct_tokens: int
    distinct_scripts: int
    stats: dict[str, ScoreStats]
    weekly: list[WeekProgress]
    recent: list[Take] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class LineReference:
    """What the catalog says about the line a take is for."""

    token_id: int
    script_id: int
    text: str
    language: str
    script_title: str
    reference_key: str
    words: list[tuple[str, float, float]]


@dataclass(frozen=True, slots=True)
class Upload:
    """The answer to an upload: its job, and whether it is the job of an earlier upload with the same key."""

    job: Job
    replayed: bool = False


def check_replay(stored: StoredRequest, token_id: int, sha256: bytes) -> Job:
    """The same key again: the stored job, when it was used for the same line and the same recording."""
    if stored.token_id != token_id:
        raise FailedPrecondition(
            "IDEMPOTENCY_KEY_REUSED",
            "this idempotency key was already used for another line; use a new key for a new upload",
            {"field": "token_id"},
        )
    if stored.sha256 != sha256:
        raise FailedPrecondition(
            "IDEMPOTENCY_KEY_REUSED",
            "this idempotency key was already used for a different recording; use a new key for a new upload",
            {"field": "audio"},
        )
    return stored.job


_EVENT_NAMESPACE = uuid.UUID("5b0f7a1e-4c55-4a8e-9a59-7d1b0f1e2c3d")


def event_message_id(job_id: str, sequence: int) -> uuid.UUID:
    """The Nats-Msg-Id of a job event, the same whether it is published directly or by the outbox relay."""
    return uuid.uuid5(_EVENT_NAMESPACE, f"{job_id}:{sequence}")


def webhook_signature(secret: bytes, timestamp: int, body: bytes) -> str:
    """HMAC-SHA256 of "<timestamp>.<raw body>", hex."""
    return hmac.new(secret, str(timestamp).encode() + b"." + body, hashlib.sha256).hexdigest()


def replay_key(timestamp: int, signature: str) -> bytes:
    """What is remembered of a signed webhook call to refuse it a second time."""
    return hashlib.sha256(f"{timestamp}.{signature.strip().lower()}".encode()).digest()
