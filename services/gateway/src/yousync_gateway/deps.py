"""What route handlers share: the gateway's state and the authenticated caller."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated

import jwt
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from yousync_gateway.caching import ResponseCache
from yousync_gateway.clients import Clients
from yousync_gateway.errors import ApiError, from_domain
from yousync_gateway.fanout import FeedHub
from yousync_gateway.limits import Concurrency, SlidingWindow
from yousync_gateway.settings import GatewaySettings
from yousync_gateway.tickets import TicketSealer
from yousync_platform.access_tokens import bearer_token
from yousync_platform.errors import DomainError
from yousync_platform.storage.filesystem import FilesystemBlobStore
from yousync_platform.storage.signed_urls import UrlSigner


@dataclass
class Limits:
    uploads: SlidingWindow
    streams: Concurrency


@dataclass
class GatewayState:
    settings: GatewaySettings
    clients: Clients
    sealer: TicketSealer
    limits: Limits
    blob_store: FilesystemBlobStore | None
    blob_signer: UrlSigner | None
    cache: ResponseCache | None = field(default=None)
    feeds: FeedHub = field(default_factory=FeedHub)


@dataclass(frozen=True, slots=True)
class Caller:
    """A verified access token and who it belongs to."""

    subject: str
    access_token: str
    expires_at: float

    @property
    def metadata(self) -> tuple[tuple[str, str], ...]:
        return (("authorization", f"Bearer {self.access_token}"),)


async def state_of(request: Request) -> GatewayState:
    """A coroutine on purpose: FastAPI runs a plain-function dependency in a worker thread, and a
    thread hand-off on every request costs more than everything else the dependency does."""
    return _state(request)


def _state(request: Request) -> GatewayState:
    state: GatewayState = request.app.state.gateway
    return state


State = Annotated[GatewayState, Depends(state_of)]

bearer_scheme = HTTPBearer(
    auto_error=False,
    description="`Authorization: Bearer <access_token>` from POST /api/auth/google (or /api/auth/dev).",
)


def _unauthenticated(code: str, detail: str) -> ApiError:
    return ApiError(401, code, detail, headers={"WWW-Authenticate": "Bearer"})


async def verify_access_token(state: GatewayState, token: str) -> Caller:
    try:
        principal = await state.clients.verifier.verify(token)
    except DomainError as exc:
        raise from_domain(exc) from None
    try:
        expires_at = float(jwt.decode(token, options={"verify_signature": False}).get("exp", 0))
    except jwt.PyJWTError:  # it verified above, so this does not happen
        expires_at = 0.0
    return Caller(principal.subject, token, expires_at)


async def require_caller(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
) -> Caller:
    """The signed-in caller: 401 for a missing, malformed, expired or forged token (never 403 or 500)."""
    header = request.headers.get("authorization")
    if not header:
        raise _unauthenticated("AUTHENTICATION_REQUIRED", "sign-in required: send 'Authorization: Bearer <token>'")
    try:
        token = bearer_token(header)
    except DomainError as exc:
        raise from_domain(exc) from None
    return await verify_access_token(_state(request), token)


CallerDep = Annotated[Caller, Depends(require_caller)]
