"""Verification of our access tokens (EdDSA JWTs) against auth's JWKS, cached.

Keys are cached and refreshed on a TTL, and at once (rate-limited, single-flight) when a token names
an unknown `kid`, so key rotation needs no restart. Every failure is UNAUTHENTICATED.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

import jwt

from yousync_platform.context import Principal
from yousync_platform.errors import Unauthenticated

ALGORITHM = "EdDSA"
KeyFetcher = Callable[[], Awaitable[Sequence[Mapping[str, str]]]]


def keys_from_jwks(jwks: Sequence[Mapping[str, str]]) -> dict[str, Any]:
    """kid → public key object, for the Ed25519 keys of a JWKS."""
    keys: dict[str, Any] = {}
    for jwk in jwks:
        if jwk.get("kty") == "OKP" and jwk.get("crv") == "Ed25519" and jwk.get("kid"):
            keys[jwk["kid"]] = jwt.PyJWK(dict(jwk), algorithm=ALGORITHM).key
    return keys


class JwksCache:
    """The current verification keys, fetched through `fetch` (e.g. auth's GetJwks)."""

    def __init__(self, fetch: KeyFetcher, *, ttl_seconds: float = 300.0, min_refresh_seconds: float = 2.0):
        self._fetch = fetch
        self._ttl = ttl_seconds
        self._min_refresh = min_refresh_seconds
        self._keys: dict[str, Any] = {}
        self._fetched_at = float("-inf")
        self._lock = asyncio.Lock()

    async def key(self, kid: str) -> Any | None:
        now = time.monotonic()
        if now - self._fetched_at > self._ttl or (kid not in self._keys and now - self._fetched_at > self._min_refresh):
            await self._refresh()
        return self._keys.get(kid)

    async def _refresh(self) -> None:
        fetched_at = self._fetched_at
        async with self._lock:
            if self._fetched_at != fetched_at:  # another caller refreshed while we waited
                return
            try:
                self._keys = keys_from_jwks(await self._fetch())
            except Exception as exc:
                if not self._keys:
                    raise Unauthenticated("JWKS_UNAVAILABLE", "cannot verify access tokens right now") from exc
            finally:
                self._fetched_at = time.monotonic()


class AccessTokenVerifier:
    """Turns a bearer token into a `Principal`, or raises `Unauthenticated`.

    Tokens that verified are remembered (bounded LRU) until they expire, so a client that reuses its
    token pays for the signature check once, not on every call.
    """

    def __init__(
        self,
        keys: JwksCache,
        *,
        issuer: str,
        audience: str,
        leeway_seconds: float = 10.0,
        cache_size: int = 10_000,
    ):
        self._keys = keys
        self._issuer = issuer
        self._audience = audience
        self._leeway = leeway_seconds
        self._verified: OrderedDict[str, tuple[Principal, float]] = OrderedDict()
        self._cache_size = cache_size

    async def verify(self, token: str) -> Principal:
        cached = self._verified.get(token)
        if cached is not None:
            principal, expires = cached
            if time.time() < expires + self._leeway:
                self._verified.move_to_end(token)
                return principal
            del self._verified[token]
            raise Unauthenticated("TOKEN_EXPIRED", "access token expired")
        principal, expires = await self._verify_signature(token)
        self._verified[token] = (principal, expires)
        if len(self._verified) > self._cache_size:
            self._verified.popitem(last=False)
        return principal

    async def _verify_signature(self, token: str) -> tuple[Principal, float]:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise Unauthenticated("MALFORMED_TOKEN", "malformed access token") from None
        if header.get("alg") != ALGORITHM:
            raise Unauthenticated("UNSUPPORTED_ALGORITHM", "access token algorithm not accepted")
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise Unauthenticated("MISSING_KEY_ID", "access token has no key id")
        key = await self._keys.key(kid)
        if key is None:
            raise Unauthenticated("UNKNOWN_KEY_ID", "access token signed by an unknown key")
        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=[ALGORITHM],
                audience=self._audience,
                issuer=self._issuer,
                leeway=self._leeway,
                options={"require": ["exp", "iat", "sub", "iss", "aud"]},
            )
        except jwt.ExpiredSignatureError:
            raise Unauthenticated("TOKEN_EXPIRED", "access token expired") from None
        except jwt.PyJWTError:
            raise Unauthenticated("INVALID_TOKEN", "invalid access token") from None
        if claims.get("typ") != "access":
            raise Unauthenticated("WRONG_TOKEN_TYPE", "not an access token")
        roles = claims.get("roles", [])
        principal = Principal(
            subject=str(claims["sub"]),
            roles=frozenset(r for r in roles if isinstance(r, str)) if isinstance(roles, list) else frozenset(),
            email=str(claims.get("email", "")),
        )
        return principal, float(claims["exp"])


def bearer_token(authorization: str) -> str:
    """The token of an `Authorization: Bearer <token>` value, or UNAUTHENTICATED."""
    scheme, _, token = authorization.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or token.lower() in {"null", "undefined"}:
        raise Unauthenticated("MALFORMED_AUTHORIZATION", "expected 'Authorization: Bearer <token>'")
    return token
