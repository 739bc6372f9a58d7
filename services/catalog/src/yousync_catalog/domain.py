"""Catalog domain types and rules: dataclasses and validation, no grpc, no SQL."""

from __future__ import annotations

import datetime as dt
import enum
import re
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from yousync_platform.errors import AlreadyExists, InvalidArgument, NotFound

T = TypeVar("T")

MAX_QUERY_LENGTH = 200
MAX_TITLE_LENGTH = 300
MAX_TEXT_LENGTH = 2000
# Word timings may overhang their line by this much (encoder padding, rounding).
WORD_TOLERANCE_SECONDS = 0.05
MAX_COLLECTIONS = 20
# The one form of a source video link the original frontend can play (it splits on "v=").
YOUTUBE_WATCH_URL = re.compile(r"https://www\.youtube\.com/watch\?v=[A-Za-z0-9_-]{11}")
COLLECTION_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")


class ScriptKind(enum.StrEnum):
    MOVIE = "movie"
    DRAMA = "drama"
    ANIMATION = "animation"
    STAGE_PLAY = "stage_play"
    OTHER = "other"


class ScriptOrder(enum.StrEnum):
    POPULAR = "popular"
    LATEST = "latest"
    TITLE = "title"


@dataclass(frozen=True, slots=True)
class ActorSummary:
    id: int
    name: str


@dataclass(frozen=True, slots=True)
class Actor:
    id: int
    external_id: str
    name: str
    aliases: tuple[str, ...]
    created_at: dt.datetime
    updated_at: dt.datetime


@dataclass(frozen=True, slots=True)
class Word:
    word: str
    start: float
    end: float
    # Confidence of the alignment, 0-1; 1.0 for hand-aligned words.
    probability: float = 1.0


@dataclass(frozen=True, slots=True)
class PitchPoint:
    time: float
    hz: float | None


@dataclass(frozen=True, slots=True)
class AudioLink:
    """Short-lived access to a stored audio object."""

    url: str
    expires_at: dt.datetime
    content_type: str


@dataclass(frozen=True, slots=True)
class Token:
    id: int
    external_id: str
    script_id: int
    script_title: str
    language: str
    actor: ActorSummary | None
    position: int
    text: str
    translation: str
    start_seconds: float
    end_seconds: float
    words: tuple[Word, ...]
    reference_blob_key: str | None
    reference_content_type: str
    reference_sha256: str
    reference_duration_seconds: float
    reference_pitch: tuple[PitchPoint, ...]
    view_count: int
    take_count: int
    reference_audio: AudioLink | None = None
    # Where the script's timeline starts on its source video.
    video_offset_seconds: float = 0.0

    @property
    def video_start_seconds(self) -> float:
        return self.video_offset_seconds + self.start_seconds

    @property
    def video_end_seconds(self) -> float:
        return self.video_offset_seconds + self.end_seconds

    def video_words(self) -> tuple[Word, ...]:
        """The words on the source video's timeline (they are relative to the line's audio, which starts
        where the line starts)."""
        shift = self.video_start_seconds
        return tuple(Word(w.word, w.start + shift, w.end + shift, w.probability) for w in self.words)


@dataclass(frozen=True, slots=True)
class Script:
    id: int
    external_id: str
    title: str
    work_title: str
    kind: ScriptKind
    category: str
    language: str
    source_video_url: str
    thumbnail_url: str
    duration_seconds: float
    background_blob_key: str | None
    background_content_type: str
    actors: tuple[ActorSummary, ...]
    view_count: int
    take_count: int
    created_at: dt.datetime
    updated_at: dt.datetime
    token_count: int
    tokens: tuple[Token, ...] = ()
    background_track: AudioLink | None = None
    video_start_seconds: float = 0.0
    collections: tuple[str, ...] = ()

    @property
    def video_end_seconds(self) -> float:
        return self.video_start_seconds + self.duration_seconds

    def pitch_track(self) -> tuple[PitchPoint, ...]:
        """The lines' reference pitch contours shifted onto the video's timeline, in time order."""
        points = [
            PitchPoint(round(p.time + token.video_start_seconds, 3), p.hz)
            for token in self.tokens
            for p in token.reference_pitch
        ]
        return tuple(sorted(points, key=lambda p: p.time))


@dataclass(frozen=True, slots=True)
class TokenSummary:
    id: int
    script_id: int
    text: str
    actor: ActorSummary | None
    position: int


@dataclass(frozen=True, slots=True)
class ScriptSummary:
    id: int
    title: str
    work_title: str
    category: str
    thumbnail_url: str
    source_video_url: str


@dataclass(frozen=True, slots=True)
class Bookmark:
    token_id: int
    created_at: dt.datetime
    token: TokenSummary
    script: ScriptSummary


@dataclass(frozen=True, slots=True)
class ScriptBookmark:
    id: int
    script_id: int
    created_at: dt.datetime
    script: Script


@dataclass(frozen=True, slots=True)
class Duet:
    source_video_url: str
    scripts: tuple[Script, Script]


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    items: tuple[T, ...]
    next_page_token: str = ""


@dataclass(frozen=True, slots=True)
class ScriptFilter:
    category: str = ""
    actor_id: int = 0
    language: str = ""
    query: str = ""
    kind: ScriptKind | None = None
    order: ScriptOrder = ScriptOrder.POPULAR
    collection: str = ""
    source_video_url: str = ""
    actor_name: str = ""

    def terms(self) -> tuple[str, ...]:
        return search_terms(self.query)

    def actor_compact(self) -> str:
        """The actor-name filter, lower-cased and without whitespace (names match the same way)."""
        if len(self.actor_name) > MAX_QUERY_LENGTH:
            raise InvalidArgument("QUERY_TOO_LONG", f"actor_name must be at most {MAX_QUERY_LENGTH} characters")
        return "".join(self.actor_name.lower().split())


SCRIPT_FIELDS = frozenset(
    {
        "title",
        "work_title",
        "kind",
        "category",
        "language",
        "source_video_url",
        "thumbnail_url",
        "duration_seconds",
        "video_start_seconds",
        "collections",
    }
)
TOKEN_FIELDS = frozenset(
    {"actor_id", "position", "text", "translation", "start_seconds", "end_seconds", "words", "script_id"}
)
ACTOR_FIELDS = frozenset({"name", "aliases"})


class ScriptNotFound(NotFound):
    def __init__(self, script_id: int) -> None:
        super().__init__("SCRIPT_NOT_FOUND", "script not found", {"script_id": str(script_id)})


class TokenNotFound(NotFound):
    def __init__(self, token_id: int) -> None:
        super().__init__("TOKEN_NOT_FOUND", "token not found", {"token_id": str(token_id)})


class ScriptBookmarkExists(AlreadyExists):
    def __init__(self, script_id: int) -> None:
        super().__init__("BOOKMARK_EXISTS", "the script is bookmarked already", {"script_id": str(script_id)})


class ActorNotFound(NotFound):
    def __init__(self, actor_id: int) -> None:
        super().__init__("ACTOR_NOT_FOUND", "actor not found", {"actor_id": str(actor_id)})


def search_terms(query: str) -> tuple[str, ...]:
    """Lower-cased whitespace-separated terms (≤ 8); INVALID_ARGUMENT for an over-long query."""
    if len(query) > MAX_QUERY_LENGTH:
        raise InvalidArgument("QUERY_TOO_LONG", f"query must be at most {MAX_QUERY_LENGTH} characters")
    return tuple(dict.fromkeys(query.lower().split()))[:8]


def check_id(value: int, what: str) -> int:
    if value <= 0:
        raise InvalidArgument(f"INVALID_{what.upper()}_ID", f"{what}_id must be positive")
    return value


def check_line_timing(start: float, end: float, words: tuple[Word, ...], where: str = "") -> None:
    """The rules of a line: start ≥ 0, end ≥ start, each word inside the line (times relative to it)."""
    prefix = f"{where}: " if where else ""
    if start < 0:
        raise InvalidArgument("INVALID_LINE_TIMING", f"{prefix}start_seconds must not be negative")
    if end < start:
        raise InvalidArgument("END_BEFORE_START", f"{prefix}end_seconds {end} precedes start_seconds {start}")
    length = end - start
    for index, word in enumerate(words):
        if word.end < word.start:
            raise InvalidArgument(
                "WORD_END_BEFORE_START", f"{prefix}word {index} ({word.word!r}) ends before it starts"
            )
        if word.start < -WORD_TOLERANCE_SECONDS or word.end > length + WORD_TOLERANCE_SECONDS:
            raise InvalidArgument(
                "WORD_OUTSIDE_LINE",
                f"{prefix}word {index} ({word.word!r}) at {word.start}-{word.end}s lies outside its line "
                f"(0-{length:.3f}s)",
            )


def check_text(value: object, name: str, *, required: bool, limit: int = MAX_TITLE_LENGTH) -> str:
    text = str(value).strip()
    if required and not text:
        raise InvalidArgument("MISSING_FIELD", f"{name} is required")
    if len(text) > limit:
        raise InvalidArgument("FIELD_TOO_LONG", f"{name} must be at most {limit} characters")
    return text


def actor_search_text(name: str, aliases: tuple[str, ...] | list[str]) -> str:
    """Name and aliases, lower-cased, also without whitespace (links strip spaces from names)."""
    forms: list[str] = []
    for value in (name, *aliases):
        lowered = value.lower().strip()
        forms.extend([lowered, "".join(lowered.split())])
    return " | ".join(dict.fromkeys(f for f in forms if f))


def check_video_url(value: str) -> str:
    """Empty, or exactly https://www.youtube.com/watch?v=<11-character id> with nothing after the id."""
    url = value.strip()
    if url and not YOUTUBE_WATCH_URL.fullmatch(url):
        raise InvalidArgument(
            "INVALID_VIDEO_URL", "source_video_url must be https://www.youtube.com/watch?v=<id> with nothing after"
        )
    return url


def check_collections(values: object) -> tuple[str, ...]:
    """Collection names: lower-case letters, digits, '-' or '_' (≤ 64), at most MAX_COLLECTIONS."""
    if isinstance(values, str) or not isinstance(values, list | tuple):
        raise InvalidArgument("INVALID_COLLECTIONS", "collections must be a list of names")
    names = tuple(dict.fromkeys(str(v).strip() for v in values))
    if len(names) > MAX_COLLECTIONS:
        raise InvalidArgument("INVALID_COLLECTIONS", f"at most {MAX_COLLECTIONS} collections")
    for name in names:
        if not COLLECTION_NAME.fullmatch(name):
            raise InvalidArgument(
                "INVALID_COLLECTIONS", f"collection {name!r}: 1-64 lower-case letters, digits, '-' or '_'"
            )
    return names


# ---- a validated catalog import (the importer parses and stores audio; the service writes it) -----------
@dataclass(frozen=True, slots=True)
class ImportedLine:
    external_id: str
    actor: str  # the actor's external id
    values: dict[str, Any]  # text, timings, words, reference audio (key, type, sha256, duration, pitch)


@dataclass(frozen=True, slots=True)
class ImportedScript:
    external_id: str
    values: dict[str, Any]  # script fields, with background_blob_key / background_content_type
    lines: tuple[ImportedLine, ...]


@dataclass(frozen=True, slots=True)
class CatalogImport:
    actors: dict[str, tuple[str, list[str]]]  # external id → (name, aliases)
    scripts: tuple[ImportedScript, ...]


@dataclass
class ImportReport:
    actors: int = 0
    scripts: int = 0
    tokens: int = 0
    removed_tokens: int = 0
    uploaded_blobs: int = 0
