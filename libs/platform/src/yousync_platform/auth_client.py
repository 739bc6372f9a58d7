"""How a service verifies access tokens: auth's JWKS, fetched over gRPC and cached."""

from __future__ import annotations

from yousync.auth.v1 import auth_pb2, auth_pb2_grpc
from yousync_platform.access_tokens import AccessTokenVerifier, JwksCache
from yousync_platform.client import Channels, ClientPolicy
from yousync_platform.settings import ServiceSettings

AUTH_POLICY = ClientPolicy(
    service="yousync.auth.v1.AuthService", timeout_seconds=3.0, idempotent=frozenset({"GetJwks"})
)


def jwks_verifier(settings: ServiceSettings, channels: Channels) -> AccessTokenVerifier | None:
    """A verifier backed by auth's GetJwks at `settings.auth_target` (None when no target is set)."""
    if not settings.auth_target:
        return None
    stub = auth_pb2_grpc.AuthServiceStub(channels.get(settings.auth_target, AUTH_POLICY))

    async def fetch() -> list[dict[str, str]]:
        response = await stub.GetJwks(auth_pb2.GetJwksRequest())
        return [{"kty": k.kty, "crv": k.crv, "x": k.x, "kid": k.kid, "alg": k.alg, "use": k.use} for k in response.keys]

    return AccessTokenVerifier(
        JwksCache(fetch), issuer=settings.access_token_issuer, audience=settings.access_token_audience
    )
