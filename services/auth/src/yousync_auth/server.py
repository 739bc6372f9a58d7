"""Assemble the auth server: database, Google verifier, keys, servicer, the shared pipeline."""

from __future__ import annotations

import datetime as dt
from contextlib import AsyncExitStack
from pathlib import Path

import httpx

from yousync.auth.v1 import auth_pb2_grpc
from yousync_auth.db.uow import AuthUnitOfWork
from yousync_auth.google import GoogleIdTokenVerifier
from yousync_auth.keys import SigningKeys
from yousync_auth.service import AuthPolicy, AuthService
from yousync_auth.servicer import AuthServicer
from yousync_auth.settings import AuthSettings
from yousync_platform.access_tokens import AccessTokenVerifier, JwksCache, UserStatusCache
from yousync_platform.db import create_engine, session_factory
from yousync_platform.server import GrpcServer, Service

SERVICE_NAME = "yousync.auth.v1.AuthService"
MIGRATIONS = Path(__file__).resolve().parent / "migrations"
# Calls that carry no access token (or a stale one the browser still holds).
PUBLIC_METHODS = frozenset(
    f"/{SERVICE_NAME}/{m}"
    for m in (
        "SignInWithGoogle",
        "DevSignIn",
        "Refresh",
        "SignOut",
        "GetJwks",
        # These verify the (possibly expired) access token in the request body themselves.
        "RefreshSession",
        "EndSession",
    )
)


async def create_server(settings: AuthSettings) -> tuple[GrpcServer, AsyncExitStack]:
    resources = AsyncExitStack()
    engine = create_engine(settings.database_url.get_secret_value())
    resources.push_async_callback(engine.dispose)
    http = httpx.AsyncClient()
    resources.push_async_callback(http.aclose)
    sessions = session_factory(engine)
    keys = SigningKeys(settings.signing_key.get_secret_value(), settings.previous_verification_keys)
    service = AuthService(
        uow=lambda: AuthUnitOfWork(sessions),
        google=GoogleIdTokenVerifier(
            certs_url=settings.google_certs_url,
            client_ids=settings.google_client_ids,
            hosted_domain=settings.google_hosted_domain,
            http=http,
        ),
        keys=keys,
        policy=AuthPolicy(
            issuer=settings.access_token_issuer,
            audience=settings.access_token_audience,
            access_ttl=dt.timedelta(seconds=settings.access_token_ttl_seconds),
            refresh_ttl=dt.timedelta(seconds=settings.refresh_token_ttl_seconds),
            reuse_grace=dt.timedelta(seconds=settings.refresh_reuse_grace_seconds),
            session_lifetime=dt.timedelta(seconds=settings.session_max_seconds),
            admin_emails=frozenset(e.lower() for e in settings.admin_emails),
            dev_sign_in_enabled=settings.dev_sign_in_enabled,
        ),
    )

    async def own_keys() -> list[dict[str, str]]:
        return keys.jwks

    async def own_users(subject: str, token: str) -> bool:
        return await service.is_active(subject)

    # Auth checks its own table for the token's user (cached briefly, like every other service).
    verifier = AccessTokenVerifier(
        JwksCache(own_keys),
        issuer=settings.access_token_issuer,
        audience=settings.access_token_audience,
        users=UserStatusCache(own_users),
    )
    server = GrpcServer(
        [Service(SERVICE_NAME, AuthServicer(service), auth_pb2_grpc.add_AuthServiceServicer_to_server)],
        domain="auth.yousync",
        host=settings.grpc_host,
        port=settings.grpc_port,
        verifier=verifier,
        public_methods=PUBLIC_METHODS,
    )
    return server, resources
