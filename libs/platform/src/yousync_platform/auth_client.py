"""How a service verifies access tokens: auth's JWKS, fetched over gRPC and cached. The one place a
verifier backed by auth is built (services through `jwks_verifier`, the gateway through `auth_verifier`)."""

from __future__ import annotations

import grpc

from yousync.auth.v1 import auth_pb2, auth_pb2_grpc
from yousync_platform.access_tokens import AccessTokenVerifier, JwksCache, UserCheck, UserStatusCache
from yousync_platform.client import Channels, ClientPolicy
from yousync_platform.settings import ServiceSettings

AUTH_SERVICE = "yousync.auth.v1.AuthService"
AUTH_POLICY = ClientPolicy(
    service=AUTH_SERVICE, timeout_seconds=3.0, idempotent=frozenset({"GetJwks", "GetUserStatus"})
)


def auth_verifier(stub: auth_pb2_grpc.AuthServiceStub, *, issuer: str, audience: str) -> AccessTokenVerifier:
    """A verifier whose keys come from auth's GetJwks through `stub`, and which asks auth's GetUserStatus
    (forwarding the caller's token, cached per user) whether the token's user exists and is active."""

    async def fetch() -> list[dict[str, str]]:
        response = await stub.GetJwks(auth_pb2.GetJwksRequest())
        return [{"kty": k.kty, "crv": k.crv, "x": k.x, "kid": k.kid, "alg": k.alg, "use": k.use} for k in response.keys]

    return AccessTokenVerifier(
        JwksCache(fetch), issuer=issuer, audience=audience, users=UserStatusCache(remote_user_check(stub))
    )


def remote_user_check(stub: auth_pb2_grpc.AuthServiceStub) -> UserCheck:
    """Auth's answer for the user of `token`: True when active, False when auth refuses the token's user."""

    async def check(subject: str, token: str) -> bool:
        try:
            response = await stub.GetUserStatus(
                auth_pb2.GetUserStatusRequest(), metadata=(("authorization", f"Bearer {token}"),)
            )
        except grpc.aio.AioRpcError as error:
            if error.code() == grpc.StatusCode.UNAUTHENTICATED:
                return False
            raise
        return bool(response.active) and str(response.user_id) == subject

    return check


def jwks_verifier(settings: ServiceSettings, channels: Channels) -> AccessTokenVerifier | None:
    """A verifier backed by auth at `settings.auth_target` (None when no target is set)."""
    if not settings.auth_target:
        return None
    stub = auth_pb2_grpc.AuthServiceStub(channels.get(settings.auth_target, AUTH_POLICY))
    return auth_verifier(stub, issuer=settings.access_token_issuer, audience=settings.access_token_audience)
