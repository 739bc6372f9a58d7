"""Verification of our access tokens (EdDSA JWTs) against auth's JWKS, cached, and of their user.

Keys are cached and refreshed on a TTL, and at once (rate-limited, single-flight) when a token names
an unknown `kid`, so key rotation needs no restart. A well-signed token is not enough: its subject must
be an existing, active user (`UserStatusCache`: asked of auth once per user and remembered for a short
while). Every failure is UNAUTHENTICATED (UNAVAILABLE only when auth cannot be asked at all).
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

import jwt

from yousync_platform.context import Principal
from yousync_platform.errors import Unauthenticated, Unavailable

ALGORITHM = "EdDSA"
KeyFetcher = Callable[[], Awaitable[Sequence[Mapping[str, str]]]]
# (subject, access token) → whether that user exists and is active; raises when it cannot tell.
UserCheck = Callable[[str, str], Awaitable[bool]]


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


class UserStatusCache:
    """Whether a token's subject is an existing, active user, asked through `check` and cached.

    An active user is remembered for `active_ttl_seconds` (a removed or disabled user is refused within
    that time everywhere), an unknown one for `missing_ttl_seconds`. Concurrent calls for one user share
    one lookup. When the lookup fails (auth unreachable), a user seen active within the last
    `stale_grace_seconds` keeps working; anyone else gets UNAVAILABLE, never a pass.
    """

    def __init__(
        self,
        check: UserCheck,
        *,
        active_ttl_seconds: float = 30.0,
        missing_ttl_seconds: float = 5.0,
        stale_grace_seconds: float = 300.0,
        max_entries: int = 100_000,
    ) -> None:
        self._check = check
        self._active_ttl = active_ttl_seconds
        self._missing_ttl = missing_ttl_seconds
        self._stale_grace = stale_grace_seconds
        self._max_entries = max_entries
        self._entries: OrderedDict[str, tuple[bool, float]] = OrderedDict()
        self._pending: dict[str, asyncio.Future[bool]] = {}

    async def require_active(self, subject: str, token: str) -> None:
        entry = self._entries.get(subject)
        if entry is not None:
            active, checked_at = entry
            if time.monotonic() - checked_at < (self._active_ttl if active else self._missing_ttl):
                if not active:
                    raise Unauthenticated("USER_NOT_FOUND", "the token's user does not exist or is not active")
                return
        try:
            active = await self._lookup(subject, token)
        except Exception as exc:
            if entry is not None and entry[0] and time.monotonic() - entry[1] < self._active_ttl + self._stale_grace:
                return
            raise Unavailable("AUTH_UNAVAILABLE", "cannot check the signed-in user right now; try again") from exc
        if not active:
            raise Unauthenticated("USER_NOT_FOUND", "the token's user does not exist or is not active")

    def forget(self, subject: str) -> None:
        """Drop what is known of `subject` (e.g. when it was just removed or disabled here)."""
        self._entries.pop(subject, None)

    async def _lookup(self, subject: str, token: str) -> bool:
        pending = self._pending.get(subject)
        if pending is None:
            pending = self._pending[subject] = asyncio.ensure_future(self._check(subject, token))
            pending.add_done_callback(lambda done: self._store(subject, done))
        # Shielded: a caller that gives up does not cancel the lookup the others wait on.
        return await asyncio.shield(pending)

    def _store(self, subject: str, done: asyncio.Future[bool]) -> None:
        self._pending.pop(subject, None)
        if done.cancelled() or done.exception() is not None:
            return
        self._entries[subject] = (done.result(), time.monotonic())
        self._entries.move_to_end(subject)
        while len(self._entries) > self._max_entries:
            self._entries.popitem(last=False)


class AccessTokenVerifier:
    """Turns a bearer token into a `Principal`, or raises `Unauthenticated`.

    Tokens that verified are remembered (bounded LRU) until they expire, so a client that reuses its
    token pays for the signature check once, not on every call. With `users`, the token's subject must
    also be an existing, active user (checked on every call, against that cache).
    """

    def __init__(
        self,
        keys: JwksCache,
        *,
        issuer: str,
        audience: str,
        leeway_seconds: float = 10.0,
        cache_size: int = 10_000,
        users: UserStatusCache | None = None,
    ):
        self._keys = keys
        self._issuer = issuer
        self._audience = audience
        self._leeway = leeway_seconds
        self._verified: OrderedDict[str, tuple[Principal, float]] = OrderedDict()
        self._cache_size = cache_size
        self.users = users

    async def verify(self, token: str) -> Principal:
        principal = await self._verified_principal(token)
        if self.users is not None:
            await self.users.require_active(principal.subject, token)
        return principal

    async def _verified_principal(self, token: str) -> Principal:
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
