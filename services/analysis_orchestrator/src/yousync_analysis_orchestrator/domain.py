"""Takes, jobs and results; no grpc, no SQL."""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass, field


class JobState(enum.StrEnum):
    QUEUED = "QUEUED"
    RUNNING = "RUNNING"
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"

    @property
    def terminal(self) -> bool:
        return self in (JobState.COMPLETED, JobState.FAILED)


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
