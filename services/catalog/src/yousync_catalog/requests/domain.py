"""Video requests and their rules; no grpc, no SQL."""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass
from urllib.parse import urlsplit

from yousync_platform.errors import InvalidArgument

MAX_ACTOR = 200
MAX_CONTENT = 2000
MAX_URL = 2048
MAX_NAME = 200
MAX_LIST = 200


class Status(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


@dataclass(frozen=True, slots=True)
class VideoRequest:
    id: int
    requester_id: str
    requester_name: str
    actor: str
    content: str
    url: str
    status: Status
    created_at: dt.datetime
    updated_at: dt.datetime


@dataclass(frozen=True, slots=True)
class NewRequest:
    actor: str
    content: str
    url: str
    requester_name: str


def _printable(value: str, field: str, limit: int, *, required: bool) -> str:
    value = value.strip()
    if required and not value:
        raise InvalidArgument("INVALID_VIDEO_REQUEST", f"{field} is required")
    if len(value) > limit:
        raise InvalidArgument("INVALID_VIDEO_REQUEST", f"{field} is longer than {limit} characters")
    if any(ord(c) < 32 and c not in "\n\t" for c in value):
        raise InvalidArgument("INVALID_VIDEO_REQUEST", f"{field} contains control characters")
    return value


def validate(actor: str, content: str, url: str, requester_name: str) -> NewRequest:
    """The request as stored; INVALID_ARGUMENT naming the field otherwise. The URL is only parsed."""
    url = _printable(url, "url", MAX_URL, required=True)
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or any(c.isspace() for c in url):
        raise InvalidArgument("INVALID_VIDEO_REQUEST", "url must be an http(s) address")
    return NewRequest(
        actor=_printable(actor, "actor", MAX_ACTOR, required=True),
        content=_printable(content, "content", MAX_CONTENT, required=False),
        url=url,
        requester_name=_printable(requester_name, "requester_name", MAX_NAME, required=False).replace("\n", " "),
    )
