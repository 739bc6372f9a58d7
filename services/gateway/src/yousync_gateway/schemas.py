"""Request and response bodies of the HTTP API (what /openapi.json documents).

Field names follow the seed (`job_id`, `status`, `pronunciation_score`, ...) and, where the original
frontend read other names, those are ADDED beside ours (`full_name`, `profile_picture`, `token_name`,
`actor_name`, `youtube_url`, ...), never renamed. Times are ISO 8601 strings in UTC.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class Model(BaseModel):
    model_config = ConfigDict(extra="allow")


# ---------------------------------------------------------------- auth
class GoogleSignInRequest(BaseModel):
    id_token: str = Field(min_length=1, max_length=8192, description="Google ID token (the GIS `credential`).")


class DevSignInRequest(BaseModel):
    email: str = Field(min_length=3, max_length=320)
    display_name: str = Field(default="", max_length=200)


class RefreshRequest(BaseModel):
    refresh_token: str = Field(min_length=1, max_length=4096)


class LogoutRequest(BaseModel):
    refresh_token: str = Field(default="", max_length=4096)


class User(Model):
    id: str
    email: str
    display_name: str
    picture_url: str
    roles: list[str]
    created_at: str | None = None
    full_name: str = Field(description="Same as display_name (original frontend's name).")
    profile_picture: str = Field(description="Same as picture_url (original frontend's name).")


class Session(Model):
    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int = Field(description="Seconds until the access token expires.")
    access_token_expires_at: str | None
    refresh_token: str
    refresh_token_expires_at: str | None
    user: User


class Message(Model):
    message: str


class Jwk(Model):
    kty: str
    crv: str
    x: str
    kid: str
    alg: str
    use: str


class Jwks(Model):
    keys: list[Jwk]


# ---------------------------------------------------------------- catalog
class ActorSummary(Model):
    id: int
    name: str


class Actor(Model):
    id: int
    external_id: str
    name: str
    aliases: list[str]


class ActorList(Model):
    actors: list[Actor]
    next_page_token: str


class AudioAccess(Model):
    url: str
    expires_at: str | None
    content_type: str


class WordTiming(Model):
    word: str
    start_seconds: float
    end_seconds: float


class PitchPoint(Model):
    time_seconds: float
    hz: float | None
    time: float = Field(description="Same as time_seconds (original frontend's name).")


class Token(Model):
    """One line of a script."""

    id: int
    script_id: int
    position: int
    text: str
    translation: str
    start_seconds: float
    end_seconds: float
    actor: ActorSummary | None
    words: list[WordTiming]
    reference_audio: AudioAccess | None
    reference_audio_url: str | None
    reference_pitch: list[PitchPoint]
    reference_duration_seconds: float
    view_count: int
    take_count: int
    language: str
    script_title: str


class Script(Model):
    """One scene: its metadata and (in the detail) its lines."""

    id: int
    external_id: str
    title: str
    work_title: str
    kind: str
    category: str
    language: str
    source_video_url: str
    thumbnail_url: str
    duration_seconds: float
    background_track: AudioAccess | None
    actors: list[ActorSummary]
    view_count: int
    take_count: int
    token_count: int
    created_at: str | None
    token_name: str = Field(description="Same as title (original frontend's name).")
    actor_name: str = Field(description="First actor's name (original frontend's name).")
    youtube_url: str = Field(description="Same as source_video_url (original frontend's name).")


class ScriptDetail(Script):
    tokens: list[Token]


class ScriptList(Model):
    scripts: list[Script]
    next_page_token: str


class ViewCount(Model):
    token_id: int
    view_count: int


# ---------------------------------------------------------------- analysis
Status = Literal["processing", "completed", "failed"]


class UploadAccepted(Model):
    job_id: str
    status: Status = Field(description='"processing" until the job completes or fails.')
    state: str = Field(description="queued, running, completed or failed.")
    take_id: str
    token_id: int
    script_id: int
    stream_ticket: str = Field(description="Authorizes the progress stream of this job only (see the API description).")
    stream_ticket_expires_at: str
    progress_url: str = Field(description="EventSource URL, ticket included.")
    result_url: str
    created_at: str | None


class StreamTicketOut(Model):
    job_id: str
    stream_ticket: str
    stream_ticket_expires_at: str
    progress_url: str


class JobError(Model):
    reason: str
    message: str


class AnalysisResult(Model):
    """A job's state and, once completed, its scores (0-100) and detailed feedback."""

    job_id: str
    status: Status
    state: str
    stage: str
    progress: int
    message: str
    take_id: str
    token_id: int
    script_id: int
    pronunciation_score: float | None
    intonation_score: float | None
    emotion_score: float | None = Field(description="The expressiveness score (the emotion axis).")
    timing_score: float | None
    overall_score: float | None = Field(
        description="0-100: 0.35 pronunciation + 0.25 intonation + 0.20 emotion + 0.20 timing, times completeness."
    )
    completeness: float | None = Field(
        default=None,
        description="0-1: share of the line's words spoken (below 0.6 the take is a re-record). Caps overall_score.",
    )
    verdict: str | None = Field(description="scored, or rerecord (then see detailed_feedback.rerecord_reason).")
    detailed_feedback: dict[str, Any] | None
    error: JobError | None
    created_at: str | None
    completed_at: str | None
    result: dict[str, Any] | None = Field(
        description="The original frontend's PitchResult (0-1 scale) under `result.result`, once completed."
    )


class WebhookAccepted(Model):
    job_id: str
    status: Status
    state: str


# ---------------------------------------------------------------- my page
class BookmarkCreate(BaseModel):
    token_id: int = Field(ge=1, le=2**62)


class BookmarkToken(Model):
    id: int
    script_id: int
    text: str
    position: int
    actor: ActorSummary | None
    token_name: str
    actor_name: str
    youtube_url: str
    thumbnail_url: str


class BookmarkScript(Model):
    id: int
    title: str
    work_title: str
    category: str
    thumbnail_url: str
    source_video_url: str


class Bookmark(Model):
    id: int = Field(description="Same as token_id.")
    token_id: int
    created_at: str | None
    token: BookmarkToken | None
    script: BookmarkScript | None


class Scores(Model):
    """0-100 each (see the analyzer's README for what each measures and its thresholds)."""

    pronunciation: float = Field(description="How well the spoken words were pronounced; omitted words count 0.")
    intonation: float = Field(description="How closely the melody follows the actor's (relative to each voice).")
    expressiveness: float = Field(description="Similarity to the actor's delivery: pitch range and movement, energy.")
    timing: float = Field(description="Word onsets and pace against the actor's (lip-sync).")
    overall: float = Field(description="Weighted mean of the four, times completeness.")
    completeness: float | None = Field(
        default=None, description="0-1: share of the line's words spoken; null for results recorded before it existed."
    )


class Take(Model):
    id: str
    token_id: int
    script_id: int
    job_id: str
    status: Status
    state: str
    format: str
    size_bytes: int
    duration_seconds: float
    scores: Scores | None
    verdict: str | None
    created_at: str | None
    token_text: str
    script_title: str


class TakeList(Model):
    takes: list[Take]
    next_page_token: str


class ScoreStats(Model):
    average: float
    best: float


class WeeklyProgress(Model):
    week_start: str | None
    takes: int
    average_overall: float


class DubbedToken(Model):
    token_id: int
    token_name: str
    token_text: str
    script_id: int
    script_title: str
    last_dubbed_at: str | None
    total_takes: int
    best_overall_score: float | None


class Overview(Model):
    total_takes: int
    scored_takes: int
    distinct_tokens: int
    distinct_scripts: int
    pronunciation: ScoreStats
    intonation: ScoreStats
    expressiveness: ScoreStats
    timing: ScoreStats
    overall: ScoreStats
    weekly: list[WeeklyProgress]
    recent_takes: list[Take]
    user_info: User
    total_bookmarks: int
    total_dubbed_tokens: int
    total_practice_count: int
    average_completion_rate: float = Field(description="Average overall score, 0-100.")
    recent_bookmarks: list[Bookmark]
    recent_dubbed_tokens: list[DubbedToken]


# ---------------------------------------------------------------- ops
class Health(Model):
    status: str
    services: dict[str, str] = Field(default_factory=dict)
