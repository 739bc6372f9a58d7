"""A well-signed access token is not enough: its user must exist and be active (issue 13 item 4).

Unit: the per-user cache in front of auth's GetUserStatus (hits, short negative memory, one lookup for
concurrent callers, auth unreachable). End to end: a token whose user was removed gets 401 from every
gateway route and UNAUTHENTICATED from auth, catalog and the orchestrator over gRPC.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid

import grpc
import pytest
from sqlalchemy import text

from tests.fixtures.suite import Flow, Gateway, take
from tests.grpc_helpers import expect_error
from yousync.analysis.v1 import analysis_pb2
from yousync.auth.v1 import auth_pb2
from yousync.catalog.v1 import catalog_pb2
from yousync_auth.domain import User
from yousync_auth.keys import SigningKeys, generate_private_pem
from yousync_platform.access_tokens import AccessTokenVerifier, JwksCache, UserStatusCache
from yousync_platform.db import create_engine
from yousync_platform.errors import Unauthenticated, Unavailable

UNAUTH = grpc.StatusCode.UNAUTHENTICATED


class Auth:
    """Stands in for auth's GetUserStatus: which users exist, and how often it was asked."""

    def __init__(self, *active: str) -> None:
        self.active = set(active)
        self.calls = 0
        self.down = False
        self.gate: asyncio.Event | None = None

    async def check(self, subject: str, token: str) -> bool:
        self.calls += 1
        if self.gate is not None:
            await self.gate.wait()
        if self.down:
            raise ConnectionError("auth is down")
        return subject in self.active


async def test_an_active_user_is_asked_for_once_then_cached() -> None:
    auth = Auth("u1")
    users = UserStatusCache(auth.check, active_ttl_seconds=60)
    for _ in range(100):
        await users.require_active("u1", "token")
    assert auth.calls == 1


async def test_an_unknown_user_is_refused_and_remembered_briefly() -> None:
    auth = Auth()
    users = UserStatusCache(auth.check, missing_ttl_seconds=0.2)
    for _ in range(3):
        with pytest.raises(Unauthenticated) as caught:
            await users.require_active("ghost", "token")
        assert caught.value.reason == "USER_NOT_FOUND"
    assert auth.calls == 1, "the refusal is cached too"
    auth.active.add("ghost")
    deadline = asyncio.get_running_loop().time() + 5
    while True:  # the short negative memory runs out: the user (now created) gets in
        try:
            await users.require_active("ghost", "token")
            break
        except Unauthenticated:
            assert asyncio.get_running_loop().time() < deadline, "the refusal was remembered for too long"
            await asyncio.sleep(0.05)
    assert auth.calls >= 2


async def test_a_removed_user_is_refused_once_the_active_entry_expires() -> None:
    auth = Auth("u1")
    users = UserStatusCache(auth.check, active_ttl_seconds=0.0)
    await users.require_active("u1", "token")
    auth.active.clear()
    with pytest.raises(Unauthenticated):
        await users.require_active("u1", "token")


async def test_concurrent_callers_share_one_lookup() -> None:
    auth = Auth("u1")
    auth.gate = asyncio.Event()
    users = UserStatusCache(auth.check)
    waiting = [asyncio.create_task(users.require_active("u1", "token")) for _ in range(20)]
    await asyncio.sleep(0)
    auth.gate.set()
    await asyncio.gather(*waiting)
    assert auth.calls == 1


async def test_auth_unreachable_keeps_recent_users_and_refuses_unknown_ones() -> None:
    auth = Auth("u1", "u2")
    users = UserStatusCache(auth.check, active_ttl_seconds=0.0, stale_grace_seconds=60)
    await users.require_active("u1", "token")
    auth.down = True
    await users.require_active("u1", "token")  # seen active a moment ago: auth's outage is not theirs
    with pytest.raises(Unavailable) as caught:
        await users.require_active("u2", "token")  # never seen: no pass without an answer
    assert caught.value.reason == "AUTH_UNAVAILABLE"


async def test_the_verifier_checks_the_user_on_every_call_even_for_a_cached_token() -> None:
    keys = SigningKeys(generate_private_pem())
    now = dt.datetime.now(dt.UTC)
    user = User("u1", "u@example.com", "U", "", ("user",), now, now)
    token, _ = keys.issue_access_token(
        user, issuer="yousync-auth", audience="yousync", ttl=dt.timedelta(minutes=5), now=now
    )
    auth = Auth("u1")

    async def fetch() -> list[dict[str, str]]:
        return keys.jwks

    verifier = AccessTokenVerifier(
        JwksCache(fetch),
        issuer="yousync-auth",
        audience="yousync",
        users=UserStatusCache(auth.check, active_ttl_seconds=0.0),
    )
    assert (await verifier.verify(token)).subject == "u1"
    auth.active.clear()
    with pytest.raises(Unauthenticated):
        await verifier.verify(token)  # the signature check is cached; the user check is not skipped


# ---- end to end: a token whose user no longer exists --------------------------------------------------


async def ghost_token(flow: Flow, postgres_url: str) -> str:
    """A real access token (signed by the session's auth) whose user is then removed."""
    email = f"ghost-{uuid.uuid4().hex[:8]}@example.com"
    response = await flow.catalog.auth.DevSignIn(auth_pb2.DevSignInRequest(email=email, display_name="Ghost"))
    engine = create_engine(postgres_url)
    try:
        async with engine.begin() as conn:
            deleted = await conn.execute(
                text("DELETE FROM auth.users WHERE id = :id"), {"id": uuid.UUID(response.session.user.id)}
            )
            assert deleted.rowcount == 1
    finally:
        await engine.dispose()
    return response.session.access_token


async def test_a_ghost_token_gets_401_from_every_gateway_route(
    gateway: Gateway, lines: dict[str, int], postgres_url: str
) -> None:
    living = await gateway.sign_in(f"alive-{uuid.uuid4().hex[:8]}@example.com")
    ghost = {"Authorization": f"Bearer {await ghost_token(gateway.flow, postgres_url)}"}
    upload = f"/api/tokens/{lines['frankly']}/upload-audio"
    wav = take("frankly", "good.wav")
    for name, call in {
        "me": lambda h: gateway.http.get("/api/auth/me", headers=h),
        "overview": lambda h: gateway.http.get("/api/mypage/overview", headers=h),
        "takes": lambda h: gateway.http.get("/api/mypage/takes", headers=h),
        "bookmarks": lambda h: gateway.http.get("/api/mypage/bookmarks", headers=h),
        "upload": lambda h: gateway.http.post(upload, headers=h, files={"audio_file": ("take.wav", wav, "audio/wav")}),
    }.items():
        refused = await call(ghost)
        assert refused.status_code == 401, (name, refused.status_code, refused.text)
        assert refused.json()["code"] == "USER_NOT_FOUND", name
        assert refused.headers["www-authenticate"].startswith("Bearer"), name
        if name != "upload":  # the control: the same route answers a living user
            assert (await call(living)).status_code == 200, name
    takes = await gateway.http.get("/api/mypage/takes", headers=living)
    assert takes.status_code == 200


async def test_a_ghost_token_is_unauthenticated_at_every_service(
    flow: Flow, lines: dict[str, int], postgres_url: str
) -> None:
    ghost = [("authorization", f"Bearer {await ghost_token(flow, postgres_url)}")]
    auth, catalog, analysis = flow.catalog.auth, flow.catalog.stub, flow.stub
    await expect_error(auth.GetMe(auth_pb2.GetMeRequest(), metadata=ghost), UNAUTH, "USER_NOT_FOUND")
    await expect_error(auth.GetUserStatus(auth_pb2.GetUserStatusRequest(), metadata=ghost), UNAUTH, "USER_NOT_FOUND")
    await expect_error(
        catalog.ListBookmarks(catalog_pb2.ListBookmarksRequest(), metadata=ghost), UNAUTH, "USER_NOT_FOUND"
    )
    await expect_error(
        analysis.ListMyTakes(analysis_pb2.ListMyTakesRequest(), metadata=ghost), UNAUTH, "USER_NOT_FOUND"
    )
    await expect_error(flow.upload(ghost, lines["frankly"], take("frankly", "good.wav")), UNAUTH, "USER_NOT_FOUND")
    # A living user's token passes the same check (and GetUserStatus says who it is).
    living = await flow.user(f"alive-{uuid.uuid4().hex[:8]}@example.com")
    status = await auth.GetUserStatus(auth_pb2.GetUserStatusRequest(), metadata=living)
    me = await auth.GetMe(auth_pb2.GetMeRequest(), metadata=living)
    assert status.active and status.user_id == me.id
    assert (await analysis.ListMyTakes(analysis_pb2.ListMyTakesRequest(), metadata=living)).takes == []
