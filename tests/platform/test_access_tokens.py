"""JWKS caching: keys are fetched once, refetched on an unknown kid (rotation), rate-limited."""

from __future__ import annotations

import asyncio
import datetime as dt
import time

from yousync_auth.domain import User
from yousync_auth.keys import SigningKeys, generate_private_pem
from yousync_platform.access_tokens import AccessTokenVerifier, JwksCache

NOW = dt.datetime.now(dt.UTC)
USER = User("u1", "u@example.com", "U", "", ("user",), NOW, NOW)


async def test_unknown_kid_triggers_one_refetch_and_rotation_works() -> None:
    old = SigningKeys(generate_private_pem())
    published = {"keys": old.jwks}
    fetches = 0

    async def fetch() -> list[dict[str, str]]:
        nonlocal fetches
        fetches += 1
        return published["keys"]

    verifier = AccessTokenVerifier(JwksCache(fetch, min_refresh_seconds=0), issuer="yousync-auth", audience="yousync")

    def token(keys: SigningKeys) -> str:
        return keys.issue_access_token(
            USER,
            issuer="yousync-auth",
            audience="yousync",
            ttl=dt.timedelta(minutes=5),
            now=dt.datetime.now(dt.UTC),
        )[0]

    assert (await verifier.verify(token(old))).subject == "u1"
    assert (await verifier.verify(token(old))).subject == "u1"
    assert fetches == 1, "keys are cached"

    # Rotation: a new active key, the old one still published for verification.
    new_pem = generate_private_pem()
    from cryptography.hazmat.primitives import serialization

    old_public = (
        old._private.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    rotated = SigningKeys(new_pem, [old_public])
    published["keys"] = rotated.jwks
    assert (await verifier.verify(token(rotated))).subject == "u1"
    assert fetches == 2, "an unknown kid refetched the keys once"
    assert (await verifier.verify(token(old))).subject == "u1", "the retired key still verifies"
    assert fetches == 2


async def test_cached_token_still_expires() -> None:
    keys = SigningKeys(generate_private_pem())

    async def fetch() -> list[dict[str, str]]:
        return keys.jwks

    verifier = AccessTokenVerifier(JwksCache(fetch), issuer="i", audience="a", leeway_seconds=0)
    now = dt.datetime.now(dt.UTC)
    token, expires = keys.issue_access_token(USER, issuer="i", audience="a", ttl=dt.timedelta(seconds=2), now=now)
    assert (await verifier.verify(token)).subject == "u1"
    await asyncio.sleep(max(0.0, int(expires.timestamp()) + 0.05 - time.time()))
    from yousync_platform.errors import Unauthenticated

    try:
        await verifier.verify(token)
    except Unauthenticated as error:
        assert error.reason == "TOKEN_EXPIRED"
    else:
        raise AssertionError("an expired token was accepted from the cache")
