"""Sign-in with Google, refresh, logout, the signed-in user, the JWKS."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

import grpc
import jwt
from fastapi import APIRouter, Body, Request

from yousync.auth.v1 import auth_pb2
from yousync_gateway import convert, schemas
from yousync_gateway.deps import CallerDep, State
from yousync_gateway.errors import COMMON_ERRORS, ApiError, errors, from_grpc
from yousync_gateway.throttle import AuthThrottle

router = APIRouter(prefix="/api/auth", tags=["auth"], responses=COMMON_ERRORS)


@asynccontextmanager
async def attempt(request: Request, account: str | None) -> AsyncIterator[None]:
    """An auth attempt under the brute-force brake: 429 before any backend call once the client's IP or
    the account failed too often; a 4xx answer counts as a failure."""
    throttle: AuthThrottle = request.app.state.auth_throttle
    ip = request.client.host if request.client else "unknown"
    throttle.check(ip, account)
    try:
        yield
    except grpc.aio.AioRpcError as error:
        if 400 <= from_grpc(error).status < 500:
            throttle.failed(ip, account)
        raise
    except ApiError as error:
        if 400 <= error.status < 500:
            throttle.failed(ip, account)
        raise


def _google_account(id_token: str) -> str | None:
    """The ID token's claimed account (unverified: only a key for the brake)."""
    try:
        claims = jwt.decode(id_token, options={"verify_signature": False})
    except jwt.PyJWTError:
        return None
    who = claims.get("sub") or claims.get("email")
    return AuthThrottle.account_key("google", str(who)) if who else None


@router.post(
    "/google",
    response_model=schemas.Session,
    summary="Sign in with a Google ID token",
    description="Verifies the Google ID token (signature, audience, issuer, expiry), creates or updates the user "
    "and returns an access token (short-lived), a refresh token (rotated on every use) and the user.",
    responses=errors(400, 401, 429),
)
async def sign_in_with_google(request: Request, body: schemas.GoogleSignInRequest, state: State) -> dict[str, Any]:
    async with attempt(request, _google_account(body.id_token)):
        response = await state.clients.auth.SignInWithGoogle(auth_pb2.SignInWithGoogleRequest(id_token=body.id_token))
    return convert.session(response.session, time.time())


# The original frontend's path for the same exchange.
router.add_api_route(
    "/google-login",
    sign_in_with_google,
    methods=["POST"],
    response_model=schemas.Session,
    summary="Sign in with a Google ID token (original frontend's path)",
    responses=errors(400, 401, 429),
    deprecated=True,
)


@router.post(
    "/dev",
    response_model=schemas.Session,
    summary="Development sign-in by e-mail (only when the auth service enables it)",
    description="Local stacks only (`make run`): signs in as any e-mail without Google. Disabled in production, "
    "where it answers 403/412.",
    responses=errors(400, 403, 409, 429),
)
async def dev_sign_in(request: Request, body: schemas.DevSignInRequest, state: State) -> dict[str, Any]:
    async with attempt(request, AuthThrottle.account_key("email", body.email)):
        response = await state.clients.auth.DevSignIn(
            auth_pb2.DevSignInRequest(email=body.email, display_name=body.display_name)
        )
    return convert.session(response.session, time.time())


@router.post(
    "/refresh",
    response_model=schemas.Session,
    summary="Exchange a refresh token for a new session",
    description="The presented refresh token is spent; presenting a spent one again revokes its whole family.",
    responses=errors(400, 401, 429),
)
async def refresh(request: Request, body: schemas.RefreshRequest, state: State) -> dict[str, Any]:
    async with attempt(request, AuthThrottle.account_key("refresh", body.refresh_token)):
        response = await state.clients.auth.Refresh(auth_pb2.RefreshRequest(refresh_token=body.refresh_token))
    return convert.session(response.session, time.time())


@router.post(
    "/logout",
    response_model=schemas.Message,
    summary="Sign out: revoke the refresh token's family",
    description="The body is optional (the original frontend sends none); without a refresh token there is nothing "
    "to revoke and the call still succeeds. The access token simply expires.",
    responses=errors(400, 401, 429),
)
async def logout(
    request: Request,
    state: State,
    body: Annotated[schemas.LogoutRequest | None, Body()] = None,
) -> dict[str, Any]:
    if body is not None and body.refresh_token:
        async with attempt(request, AuthThrottle.account_key("refresh", body.refresh_token)):
            await state.clients.auth.SignOut(auth_pb2.SignOutRequest(refresh_token=body.refresh_token))
    return {"message": "signed out"}


@router.get("/me", response_model=schemas.User, summary="The signed-in user", responses=errors(401))
async def me(caller: CallerDep, state: State) -> dict[str, Any]:
    return convert.user(await state.clients.auth.GetMe(auth_pb2.GetMeRequest(), metadata=caller.metadata))


@router.get(
    "/jwks",
    response_model=schemas.Jwks,
    summary="Public keys (JWKS) that verify our access tokens",
)
async def jwks(state: State) -> dict[str, Any]:
    response = await state.clients.auth.GetJwks(auth_pb2.GetJwksRequest())
    return {
        "keys": [
            {"kty": k.kty, "crv": k.crv, "x": k.x, "kid": k.kid, "alg": k.alg, "use": k.use} for k in response.keys
        ]
    }
