"""The original frontend's sign-in surface under `/compat/api/auth`: Google login, me, refresh, logout.

Its refresh has no refresh token: it sends the old (usually expired) access token as Bearer, with no
body. Auth's `RefreshSession` checks that token's signature and the session it names (`sid`): not
revoked, within its lifetime. Logout revokes that session. The `/api/auth/*` rotation is untouched.
"""

from __future__ import annotations

from typing import Any

import jwt
from fastapi import APIRouter, Request
from pydantic import BaseModel

from yousync.auth.v1 import auth_pb2
from yousync_gateway import schemas
from yousync_gateway.deps import CallerDep, State
from yousync_gateway.errors import COMMON_ERRORS, ApiError, errors, from_domain
from yousync_platform.access_tokens import bearer_token
from yousync_platform.errors import DomainError

PREFIX = "/compat/api"
TAG = "compatibility"

router = APIRouter(prefix=f"{PREFIX}/auth", tags=[TAG], responses=COMMON_ERRORS)


class CompatToken(BaseModel):
    access_token: str
    token_type: str


class CompatUser(BaseModel):
    id: str
    email: str
    full_name: str
    profile_picture: str


class CompatLogout(BaseModel):
    message: str
    user_id: str


def presented_token(request: Request) -> str:
    """The Bearer token as sent, unverified (the callee verifies it); 401 when absent or `null`."""
    header = request.headers.get("authorization")
    if not header:
        raise ApiError(401, "AUTHENTICATION_REQUIRED", "send 'Authorization: Bearer <token>'")
    try:
        return bearer_token(header)
    except DomainError as exc:
        raise from_domain(exc) from None


@router.post(
    "/google-login",
    response_model=CompatToken,
    summary="Sign in with a Google ID token (original frontend)",
    description='`{id_token}` → `{access_token, token_type: "bearer"}`. A stale Authorization header is ignored.',
    responses=errors(401, 422),
)
async def google_login(body: schemas.GoogleSignInRequest, state: State) -> dict[str, Any]:
    response = await state.clients.auth.SignInWithGoogle(auth_pb2.SignInWithGoogleRequest(id_token=body.id_token))
    return {"access_token": response.session.access_token, "token_type": "bearer"}


@router.get("/me", response_model=CompatUser, summary="The signed-in user (original frontend)", responses=errors(401))
async def me(caller: CallerDep, state: State) -> dict[str, Any]:
    user = await state.clients.auth.GetMe(auth_pb2.GetMeRequest(), metadata=caller.metadata)
    return {"id": user.id, "email": user.email, "full_name": user.display_name, "profile_picture": user.picture_url}


@router.post(
    "/refresh",
    response_model=CompatToken,
    summary="Refresh the session of an (expired) access token (original frontend)",
    description="No body; `Authorization: Bearer <the old access token>`, which may have expired. Answers a new "
    "access token of the same sign-in session while that session is not signed out and within its lifetime "
    "(auth's `AUTH_SESSION_MAX_SECONDS` from sign-in). A forged, tampered or foreign token, a signed-out or "
    "expired session → 401 (the frontend then logs out locally).",
    responses=errors(401),
)
async def refresh(request: Request, state: State) -> dict[str, Any]:
    token = presented_token(request)
    grant = await state.clients.auth.RefreshSession(auth_pb2.RefreshSessionRequest(access_token=token))
    return {"access_token": grant.access_token, "token_type": "bearer"}


@router.post(
    "/logout",
    response_model=CompatLogout,
    summary="Sign out: revoke the session of the access token (original frontend)",
    description="No body. The session can no longer be refreshed; access tokens already issued expire on their own "
    "(within the access-token lifetime). An expired token of a live session is accepted.",
    responses=errors(401),
)
async def logout(request: Request, state: State) -> dict[str, Any]:
    token = presented_token(request)
    await state.clients.auth.EndSession(auth_pb2.EndSessionRequest(access_token=token))
    # Auth verified the token's signature just now; its subject is read without a second check.
    subject = jwt.decode(token, options={"verify_signature": False}).get("sub", "")
    return {"message": "signed out", "user_id": str(subject)}
