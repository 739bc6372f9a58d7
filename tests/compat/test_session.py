"""The original frontend's sign-in surface: google-login, me, refresh with the old (expired) access
token and no body, logout revoking the session; and every way a refresh must fail (401).

A module-scoped auth server (its signing key known to the test, so it can mint expired and foreign
tokens of real sessions) and a gateway in front of it, on 127.0.0.1, over the session's PostgreSQL."""

from __future__ import annotations

import base64
import datetime as dt
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import text

from tests.auth.conftest import auth_settings
from tests.fixtures.suite import Flow, Gateway, gateway_settings, running_gateway
from yousync_auth.domain import User
from yousync_auth.keys import SigningKeys, generate_private_pem
from yousync_auth.server import create_server
from yousync_auth.settings import AuthSettings
from yousync_dev.fake_google import FakeGoogle
from yousync_platform.db import create_engine

BASE = "/compat/api"
NONE_HEADER = base64.urlsafe_b64encode(b'{"alg":"none","typ":"JWT"}').rstrip(b"=").decode()


@dataclass
class SessionSuite:
    gateway: Gateway
    settings: AuthSettings
    keys: SigningKeys
    postgres_url: str

    @property
    def http(self) -> httpx.AsyncClient:
        return self.gateway.http

    async def login(self, google: FakeGoogle, **claims: Any) -> str:
        response = await self.http.post(
            f"{BASE}/auth/google-login",
            json={"id_token": google.mint(**claims)},
            headers={"Authorization": "Bearer null"},  # the frontend may attach a stale token; ignored
        )
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["token_type"] == "bearer" and isinstance(body["access_token"], str)
        return str(body["access_token"])

    def reissue(self, token: str, *, age: dt.timedelta, keys: SigningKeys | None = None, **claims: Any) -> str:
        """A token of the same user and session as `token`, issued `age` ago (expired when age > ttl)."""
        original = jwt.decode(token, options={"verify_signature": False})
        now = dt.datetime.now(dt.UTC)
        user = User(original["sub"], original["email"], "", "", tuple(original["roles"]), now, now)
        minted, _ = (keys or self.keys).issue_access_token(
            user,
            issuer=claims.pop("issuer", self.settings.access_token_issuer),
            audience=claims.pop("audience", self.settings.access_token_audience),
            ttl=dt.timedelta(seconds=self.settings.access_token_ttl_seconds),
            now=now - age,
            session_id=claims.pop("session_id", original.get("sid", "")),
        )
        return minted

    async def refresh(self, token: str | None, path: str = "/auth/refresh") -> httpx.Response:
        headers = {} if token is None else {"Authorization": f"Bearer {token}"}
        return await self.http.post(f"{BASE}{path}", headers=headers)


@pytest.fixture(scope="module")
async def suite(flow: Flow, postgres_url: str, fake_google: FakeGoogle, blob_root: Path) -> AsyncIterator[SessionSuite]:
    settings = auth_settings(postgres_url, fake_google)
    server, resources = await create_server(settings)
    port = await server.start()
    await server.set_serving()
    try:
        async with running_gateway(flow, gateway_settings(flow, blob_root, auth_target=f"127.0.0.1:{port}")) as gw:
            yield SessionSuite(gw, settings, SigningKeys(settings.signing_key.get_secret_value()), postgres_url)
    finally:
        await server.stop(1)
        await resources.aclose()


async def test_login_me_and_exact_fields(suite: SessionSuite, fake_google: FakeGoogle) -> None:
    token = await suite.login(fake_google, sub="compat-1", email="compat1@example.com", name="Compat One")
    claims = jwt.decode(token, options={"verify_signature": False})
    uuid.UUID(claims["sid"])  # every access token names its session

    me = await suite.http.get(f"{BASE}/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200
    body = me.json()
    assert set(body) == {"id", "email", "full_name", "profile_picture"}
    assert body["id"] == claims["sub"] and body["email"] == "compat1@example.com"
    assert body["full_name"] == "Compat One" and isinstance(body["profile_picture"], str)

    for header in ({}, {"Authorization": "Bearer null"}, {"Authorization": "Bearer undefined"}):
        response = await suite.http.get(f"{BASE}/auth/me", headers=header)
        assert response.status_code == 401, header


async def test_refresh_after_expiry_both_paths(suite: SessionSuite, fake_google: FakeGoogle) -> None:
    token = await suite.login(fake_google, sub="compat-2", email="compat2@example.com")
    expired = suite.reissue(token, age=dt.timedelta(hours=2))
    # The expired token no longer works ...
    stale = await suite.http.get(f"{BASE}/auth/me", headers={"Authorization": f"Bearer {expired}"})
    assert stale.status_code == 401
    # ... but refreshes its session, with the frontend's exact request (no body, no slash) and with a slash.
    for path in ("/auth/refresh", "/auth/refresh/"):
        response = await suite.refresh(expired, path)
        assert response.status_code == 200, response.text
        fresh = response.json()
        assert fresh["token_type"] == "bearer" and fresh["access_token"] != expired
        new_claims = jwt.decode(fresh["access_token"], options={"verify_signature": False})
        old_claims = jwt.decode(token, options={"verify_signature": False})
        assert new_claims["sid"] == old_claims["sid"] and new_claims["sub"] == old_claims["sub"]
        assert new_claims["exp"] > dt.datetime.now(dt.UTC).timestamp()
        me = await suite.http.get(f"{BASE}/auth/me", headers={"Authorization": f"Bearer {fresh['access_token']}"})
        assert me.status_code == 200 and me.json()["email"] == "compat2@example.com"


async def test_logout_revokes_the_session(suite: SessionSuite, fake_google: FakeGoogle) -> None:
    token = await suite.login(fake_google, sub="compat-3", email="compat3@example.com")
    other_device = await suite.login(fake_google, sub="compat-3", email="compat3@example.com")
    out = await suite.http.post(f"{BASE}/auth/logout", headers={"Authorization": f"Bearer {token}"})
    assert out.status_code == 200
    assert out.json()["user_id"] == jwt.decode(token, options={"verify_signature": False})["sub"]

    for presented in (token, suite.reissue(token, age=dt.timedelta(hours=3))):
        response = await suite.refresh(presented)
        assert response.status_code == 401
        assert response.json()["code"] == "SESSION_REVOKED"
    # Another sign-in of the same user is another session: untouched.
    assert (await suite.refresh(other_device)).status_code == 200
    # Logout with an expired token of a live session works too.
    expired = suite.reissue(other_device, age=dt.timedelta(hours=1))
    logout = await suite.http.post(f"{BASE}/auth/logout", headers={"Authorization": f"Bearer {expired}"})
    assert logout.status_code == 200
    assert (await suite.refresh(other_device)).status_code == 401


async def test_session_past_its_lifetime(suite: SessionSuite, fake_google: FakeGoogle) -> None:
    token = await suite.login(fake_google, sub="compat-4", email="compat4@example.com")
    sid = jwt.decode(token, options={"verify_signature": False})["sid"]
    assert (await suite.refresh(token)).status_code == 200
    engine = create_engine(suite.postgres_url)
    try:
        async with engine.begin() as conn:
            await conn.execute(
                text("UPDATE auth.refresh_families SET created_at = now() - make_interval(secs => :s) WHERE id = :id"),
                {"s": suite.settings.session_max_seconds + 5, "id": uuid.UUID(sid)},
            )
    finally:
        await engine.dispose()
    response = await suite.refresh(token)
    assert response.status_code == 401 and response.json()["code"] == "SESSION_EXPIRED"


async def test_refresh_refuses_every_bad_token(suite: SessionSuite, fake_google: FakeGoogle) -> None:
    token = await suite.login(fake_google, sub="compat-5", email="compat5@example.com")
    header, payload, signature = token.split(".")
    forger = SigningKeys(generate_private_pem())
    tampered_claims = jwt.decode(token, options={"verify_signature": False}) | {"sub": str(uuid.uuid4())}
    tampered_payload = jwt.encode(tampered_claims, Ed25519PrivateKey.generate(), algorithm="EdDSA").split(".")[1]
    cases = {
        "no header": None,
        "null": "null",
        "garbage": "not-a-jwt",
        "tampered payload": f"{header}.{tampered_payload}.{signature}",
        "forged signature": suite.reissue(token, age=dt.timedelta(0), keys=forger),
        "foreign audience": suite.reissue(token, age=dt.timedelta(0), audience="someone-else"),
        "foreign issuer": suite.reissue(token, age=dt.timedelta(0), issuer="https://evil.example.com"),
        "no session id": suite.reissue(token, age=dt.timedelta(0), session_id=""),
        "unknown session": suite.reissue(token, age=dt.timedelta(0), session_id=str(uuid.uuid4())),
        "unsigned": f"{NONE_HEADER}.{payload}.",
    }
    for name, presented in cases.items():
        response = await suite.refresh(presented)
        assert response.status_code == 401, (name, response.text)
        assert response.json()["code"], name
    # Someone else's session id inside my (validly signed) token: refused, the session is not mine.
    victim = await suite.login(fake_google, sub="compat-6", email="compat6@example.com")
    victim_sid = jwt.decode(victim, options={"verify_signature": False})["sid"]
    hijack = suite.reissue(token, age=dt.timedelta(0), session_id=victim_sid)
    assert (await suite.refresh(hijack)).status_code == 401
    # The genuine token still refreshes.
    assert (await suite.refresh(token)).status_code == 200


async def test_api_refresh_rotation_is_untouched(suite: SessionSuite) -> None:
    signed_in = await suite.http.post("/api/auth/dev", json={"email": "rotate@example.com"})
    assert signed_in.status_code == 200
    refresh_token = signed_in.json()["refresh_token"]
    rotated = await suite.http.post("/api/auth/refresh", json={"refresh_token": refresh_token})
    assert rotated.status_code == 200 and rotated.json()["refresh_token"] != refresh_token
    reused = await suite.http.post("/api/auth/refresh", json={"refresh_token": refresh_token})
    assert reused.status_code == 401
