"""Dubs: a user's latest takes of a scene's lines, mixed over its background. No grpc, no SQL."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class SceneLine:
    token_id: int
    # Seconds on the scene's timeline (where the background track starts at 0).
    start_seconds: float
    end_seconds: float


@dataclass(frozen=True, slots=True)
class Scene:
    id: int
    duration_seconds: float
    lines: tuple[SceneLine, ...]
    # Short-lived URL of the background track, "" when the scene has none.
    background_url: str


@dataclass(frozen=True, slots=True)
class LatestTake:
    token_id: int
    blob_key: str


@dataclass(frozen=True, slots=True)
class Dub:
    id: str
    user_id: str
    script_id: int
    blob_key: str
    duration_seconds: float
    lines_mixed: int
    with_background: bool
    created_at: dt.datetime | None = None
