"""Sign-in → refresh → me → sign-out against the real auth server, with ID tokens from a local key."""

from __future__ import annotations

import asyncio

import grpc
import jwt

from tests.auth.conftest import ADMIN_EMAIL, AuthHarness
from tests.grpc_helpers import expect_error
from yousync.auth.v1 import auth_pb2
from yousync.common.v1 import common_pb2
from yousync_dev.fake_google import FakeGoogle

UNAUTH = grpc.StatusCode.UNAUTHENTICATED


def bearer(token: str) -> tuple[tuple[str, str], ...]:
    return (("authorization", f"Bearer {token}"),)


async def sign_in(auth: AuthHarness, google: FakeGoogle, **claims: object) -> auth_pb2.Session:
    response = await auth.stub.SignInWithGoogle(auth_pb2.SignInWithGoogleRequest(id_token=google.mint(**claims)))
    return response.session


async def test_full_session_lifecycle(auth: AuthHarness, fake_google: FakeGoogle) -> None:
    session = await sign_in(auth, fake_google, sub="1001", email="Learner@Example.com", name="Learner")
    assert session.token_type == "Bearer"
    assert session.user.email == "learner@example.com"
    assert list(session.user.roles) == [common_pb2.ROLE_USER]

    header = jwt.get_unverified_header(session.access_token)
    assert header["alg"] == "EdDSA" and header["kid"]
    claims = jwt.decode(session.access_token, options={"verify_signature": False})
    assert claims["typ"] == "access" and claims["sub"] == session.user.id
    assert claims["iss"] == auth.settings.access_token_issuer and claims["aud"] == auth.settings.access_token_audience
    assert claims["exp"] - claims["iat"] == auth.settings.access_token_ttl_seconds

    me = await auth.stub.GetMe(auth_pb2.GetMeRequest(), metadata=bearer(session.access_token))
    assert me.id == session.user.id and me.display_name == "Learner"

    refreshed = (await auth.stub.Refresh(auth_pb2.RefreshRequest(refresh_token=session.refresh_token))).session
    assert refreshed.refresh_token != session.refresh_token
    assert refreshed.access_token != session.access_token
    me_again = await auth.stub.GetMe(auth_pb2.GetMeRequest(), metadata=bearer(refreshed.access_token))
    assert me_again.id == session.user.id

    await auth.stub.SignOut(auth_pb2.SignOutRequest(refresh_token=refreshed.refresh_token))
    await expect_error(
        auth.stub.Refresh(auth_pb2.RefreshRequest(refresh_token=refreshed.refresh_token)),
        UNAUTH,
        "REFRESH_TOKEN_REVOKED",
    )


async def test_same_google_subject_is_one_user_and_email_links(auth: AuthHarness, fake_google: FakeGoogle) -> None:
    first = await sign_in(auth, fake_google, sub="2001", email="same@example.com")
    second = await sign_in(auth, fake_google, sub="2001", email="same@example.com", name="Renamed")
    assert first.user.id == second.user.id
    assert second.user.display_name == "Renamed"
    dev = await auth.stub.DevSignIn(auth_pb2.DevSignInRequest(email="linked@example.com"))
    linked = await sign_in(auth, fake_google, sub="2002", email="linked@example.com")
    assert linked.user.id == dev.session.user.id


async def test_unverified_email_does_not_take_over_an_account(auth: AuthHarness, fake_google: FakeGoogle) -> None:
    dev = await auth.stub.DevSignIn(auth_pb2.DevSignInRequest(email="victim@example.com"))
    await expect_error(
        auth.stub.SignInWithGoogle(
            auth_pb2.SignInWithGoogleRequest(
                id_token=fake_google.mint(sub="3001", email="victim@example.com", email_verified=False)
            )
        ),
        grpc.StatusCode.ALREADY_EXISTS,
        "EMAIL_IN_USE",
    )
    me = await auth.stub.GetMe(auth_pb2.GetMeRequest(), metadata=bearer(dev.session.access_token))
    assert me.email == "victim@example.com"


async def test_admin_role_from_configuration(auth: AuthHarness, fake_google: FakeGoogle) -> None:
    session = await sign_in(auth, fake_google, sub="4001", email=ADMIN_EMAIL)
    assert set(session.user.roles) == {common_pb2.ROLE_USER, common_pb2.ROLE_ADMIN}
    claims = jwt.decode(session.access_token, options={"verify_signature": False})
    assert claims["roles"] == ["user", "admin"]


async def test_jwks_publishes_the_signing_key(auth: AuthHarness, fake_google: FakeGoogle) -> None:
    jwks = await auth.stub.GetJwks(auth_pb2.GetJwksRequest())
    session = await sign_in(auth, fake_google)
    kid = jwt.get_unverified_header(session.access_token)["kid"]
    key = next(k for k in jwks.keys if k.kid == kid)
    assert (key.kty, key.crv, key.alg, key.use) == ("OKP", "Ed25519", "EdDSA", "sig")
    public = jwt.PyJWK({"kty": key.kty, "crv": key.crv, "x": key.x}, algorithm="EdDSA").key
    claims = jwt.decode(session.access_token, public, algorithms=["EdDSA"], audience="yousync")
    assert claims["sub"] == session.user.id


async def test_refresh_reuse_revokes_the_family(auth: AuthHarness, fake_google: FakeGoogle) -> None:
    session = await sign_in(auth, fake_google)
    rotated = (await auth.stub.Refresh(auth_pb2.RefreshRequest(refresh_token=session.refresh_token))).session
    await asyncio.sleep(auth.settings.refresh_reuse_grace_seconds + 0.2)
    await expect_error(
        auth.stub.Refresh(auth_pb2.RefreshRequest(refresh_token=session.refresh_token)),
        UNAUTH,
        "REFRESH_TOKEN_REUSED",
    )
    # The thief's reuse revoked the family: the legitimate newest token is dead too.
    await expect_error(
        auth.stub.Refresh(auth_pb2.RefreshRequest(refresh_token=rotated.refresh_token)),
        UNAUTH,
        "REFRESH_TOKEN_REVOKED",
    )
    # Another sign-in (another family) is unaffected.
    other = await sign_in(auth, fake_google, sub="9999")
    await auth.stub.Refresh(auth_pb2.RefreshRequest(refresh_token=other.refresh_token))


async def test_concurrent_refresh_exactly_one_wins(auth: AuthHarness, fake_google: FakeGoogle) -> None:
    session = await sign_in(auth, fake_google)
    calls = [auth.stub.Refresh(auth_pb2.RefreshRequest(refresh_token=session.refresh_token)) for _ in range(12)]
    results = await asyncio.gather(*calls, return_exceptions=True)
    winners = [r for r in results if isinstance(r, auth_pb2.RefreshResponse)]
    losers = [r for r in results if isinstance(r, grpc.aio.AioRpcError)]
    assert len(winners) == 1, results
    assert len(losers) == 11
    assert all(e.code() == UNAUTH for e in losers)
    # Losing a race inside the grace window does not punish the winner.
    await auth.stub.Refresh(auth_pb2.RefreshRequest(refresh_token=winners[0].session.refresh_token))


async def test_unknown_or_malformed_refresh_tokens(auth: AuthHarness) -> None:
    for token in ["", "x" * 1000, "not-a-token"]:
        await expect_error(auth.stub.Refresh(auth_pb2.RefreshRequest(refresh_token=token)), UNAUTH)
        await expect_error(auth.stub.SignOut(auth_pb2.SignOutRequest(refresh_token=token)), UNAUTH)


async def test_stale_access_token_is_ignored_on_sign_in(auth: AuthHarness, fake_google: FakeGoogle) -> None:
    """The browser may send an old bearer token with the sign-in call; sign-in must not care."""
    session = await auth.stub.SignInWithGoogle(
        auth_pb2.SignInWithGoogleRequest(id_token=fake_google.mint()), metadata=bearer("garbage")
    )
    assert session.session.access_token


async def test_dev_sign_in_is_refused_unless_enabled(postgres_url: str, fake_google: FakeGoogle) -> None:
    from tests.auth.conftest import auth_settings
    from yousync.auth.v1 import auth_pb2_grpc
    from yousync_auth.server import create_server
    from yousync_auth.settings import AuthSettings

    assert AuthSettings.model_fields["dev_sign_in_enabled"].default is False
    server, resources = await create_server(auth_settings(postgres_url, fake_google, dev_sign_in_enabled=False))
    port = await server.start()
    async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
        stub = auth_pb2_grpc.AuthServiceStub(channel)
        await expect_error(
            stub.DevSignIn(auth_pb2.DevSignInRequest(email="a@example.com")),
            grpc.StatusCode.PERMISSION_DENIED,
            "DEV_SIGN_IN_DISABLED",
        )
    await server.stop(0)
    await resources.aclose()
