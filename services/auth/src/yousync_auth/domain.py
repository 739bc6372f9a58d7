"""Users and sessions; no grpc, no SQL."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class User:
    id: str
    email: str
    display_name: str
    picture_url: str
    roles: tuple[str, ...]
    created_at: dt.datetime
    updated_at: dt.datetime


@dataclass(frozen=True, slots=True)
class GoogleIdentity:
    subject: str
    email: str
    email_verified: bool
    name: str
    picture: str


@dataclass(frozen=True, slots=True)
class Session:
    access_token: str
    access_expires_at: dt.datetime
    refresh_token: str
    refresh_expires_at: dt.datetime
    user: User


@dataclass(frozen=True, slots=True)
class SessionState:
    """A sign-in session (a refresh-token family) as far as access-token refresh needs it."""

    user_id: str
    created_at: dt.datetime
    revoked: bool


@dataclass(frozen=True, slots=True)
class AccessGrant:
    """A new access token of an existing session (refresh without a refresh token)."""

    access_token: str
    access_expires_at: dt.datetime
    session_expires_at: dt.datetime
    user: User
