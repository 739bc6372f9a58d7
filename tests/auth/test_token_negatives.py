"""One negative test per check: every forged, stale or malformed credential is UNAUTHENTICATED."""

from __future__ import annotations

import base64
import json
import time

import grpc
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

from tests.auth.conftest import AuthHarness
from tests.grpc_helpers import expect_error
from yousync.auth.v1 import auth_pb2
from yousync_dev.fake_google import FakeGoogle

UNAUTH = grpc.StatusCode.UNAUTHENTICATED


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unsigned(header: dict[str, object], claims: dict[str, object]) -> str:
    return f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}."


async def sign_in_with(auth: AuthHarness, id_token: str) -> object:
    return await auth.stub.SignInWithGoogle(auth_pb2.SignInWithGoogleRequest(id_token=id_token))


# --- Google ID tokens -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("claims", "reason"),
    [
        ({"aud": "someone-elses-client"}, "INVALID_ID_TOKEN"),
        ({"iss": "https://evil.example.com"}, "WRONG_ISSUER"),
        ({"iat": int(time.time()) - 7200, "exp": int(time.time()) - 3600}, "ID_TOKEN_EXPIRED"),
        ({"email": None}, "INVALID_ID_TOKEN"),
    ],
    ids=["wrong-audience", "wrong-issuer", "expired", "no-email"],
)
async def test_id_token_claim_checks(
    auth: AuthHarness, fake_google: FakeGoogle, claims: dict[str, object], reason: str
) -> None:
    await expect_error(sign_in_with(auth, fake_google.mint(**claims)), UNAUTH, reason)  # type: ignore[arg-type]


async def test_id_token_bad_signature(auth: AuthHarness, fake_google: FakeGoogle) -> None:
    forger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    await expect_error(sign_in_with(auth, fake_google.mint(key=forger)), UNAUTH, "INVALID_ID_TOKEN")  # type: ignore[arg-type]


async def test_id_token_tampered_payload(auth: AuthHarness, fake_google: FakeGoogle) -> None:
    header, _, signature = fake_google.mint().split(".")
    forged_payload = _b64(json.dumps(fake_google.claims(email="admin@example.com")).encode())
    await expect_error(sign_in_with(auth, f"{header}.{forged_payload}.{signature}"), UNAUTH)  # type: ignore[arg-type]


async def test_id_token_unknown_kid(auth: AuthHarness, fake_google: FakeGoogle) -> None:
    await expect_error(sign_in_with(auth, fake_google.mint(kid="nope")), UNAUTH, "UNKNOWN_KEY_ID")  # type: ignore[arg-type]


async def test_id_token_alg_none(auth: AuthHarness, fake_google: FakeGoogle) -> None:
    token = unsigned({"alg": "none", "kid": fake_google.kid, "typ": "JWT"}, fake_google.claims())
    await expect_error(sign_in_with(auth, token), UNAUTH, "UNSUPPORTED_ALGORITHM")  # type: ignore[arg-type]


async def test_id_token_hs256_signed_with_the_public_certificate(auth: AuthHarness, fake_google: FakeGoogle) -> None:
    import hashlib
    import hmac

    header = _b64(json.dumps({"alg": "HS256", "kid": fake_google.kid, "typ": "JWT"}).encode())
    payload = _b64(json.dumps(fake_google.claims()).encode())
    secret = fake_google.certs[fake_google.kid].encode()
    signature = _b64(hmac.new(secret, f"{header}.{payload}".encode(), hashlib.sha256).digest())
    await expect_error(sign_in_with(auth, f"{header}.{payload}.{signature}"), UNAUTH, "UNSUPPORTED_ALGORITHM")  # type: ignore[arg-type]


@pytest.mark.parametrize("token", ["", "garbage", "a.b.c", "null", "x" * 9000])
async def test_id_token_malformed(auth: AuthHarness, token: str) -> None:
    await expect_error(sign_in_with(auth, token), UNAUTH)  # type: ignore[arg-type]


# --- our access tokens ------------------------------------------------------------------------


async def get_me(auth: AuthHarness, authorization: str | None) -> object:
    metadata = (("authorization", authorization),) if authorization is not None else ()
    return await auth.stub.GetMe(auth_pb2.GetMeRequest(), metadata=metadata)


async def valid_session(auth: AuthHarness, google: FakeGoogle) -> auth_pb2.Session:
    response = await auth.stub.SignInWithGoogle(auth_pb2.SignInWithGoogleRequest(id_token=google.mint()))
    return response.session


def forge(claims: dict[str, object], kid: str, key: object | None = None, alg: str = "EdDSA") -> str:
    return jwt.encode(claims, key or ed25519.Ed25519PrivateKey.generate(), algorithm=alg, headers={"kid": kid})


async def test_access_token_required(auth: AuthHarness) -> None:
    await expect_error(get_me(auth, None), UNAUTH, "AUTHENTICATION_REQUIRED")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "authorization",
    [
        "",
        "Bearer",
        "Bearer ",
        "Bearer null",
        "Bearer undefined",
        "Basic dXNlcjpwYXNz",
        "Bearer garbage",
        "Bearer a.b.c",
        "Bearer ....",
        "Token abc",
    ],
)
async def test_malformed_authorization_headers(auth: AuthHarness, authorization: str) -> None:
    await expect_error(get_me(auth, authorization), UNAUTH)  # type: ignore[arg-type]


async def test_access_token_forgeries(auth: AuthHarness, fake_google: FakeGoogle) -> None:
    session = await valid_session(auth, fake_google)
    good = jwt.decode(session.access_token, options={"verify_signature": False})
    kid = jwt.get_unverified_header(session.access_token)["kid"]
    jwks = await auth.stub.GetJwks(auth_pb2.GetJwksRequest())
    public_x = next(k.x for k in jwks.keys if k.kid == kid)
    public_pem = ed25519.Ed25519PublicKey.from_public_bytes(base64.urlsafe_b64decode(public_x + "==")).public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    cases = {
        "bad-signature": (forge(good, kid), "INVALID_TOKEN"),
        "unknown-kid": (forge(good, "unknown-kid"), "UNKNOWN_KEY_ID"),
        "no-kid": (
            jwt.encode(good, ed25519.Ed25519PrivateKey.generate(), algorithm="EdDSA"),
            "MISSING_KEY_ID",
        ),
        "alg-none": (unsigned({"alg": "none", "kid": kid}, good), "UNSUPPORTED_ALGORITHM"),
        "hs256-with-public-key": (
            "{}.{}.{}".format(*_hs256_parts({"alg": "HS256", "kid": kid, "typ": "JWT"}, good, public_pem)),
            "UNSUPPORTED_ALGORITHM",
        ),
        "tampered-payload": (
            ".".join(
                [
                    session.access_token.split(".")[0],
                    _b64(json.dumps({**good, "roles": ["admin"]}).encode()),
                    session.access_token.split(".")[2],
                ]
            ),
            "INVALID_TOKEN",
        ),
    }
    for name, (token, reason) in cases.items():
        error = await expect_error(get_me(auth, f"Bearer {token}"), UNAUTH, reason)  # type: ignore[arg-type]
        assert "Traceback" not in (error.details() or ""), name


def _hs256_parts(header: dict[str, object], claims: dict[str, object], secret: bytes) -> tuple[str, str, str]:
    import hashlib
    import hmac

    h = _b64(json.dumps(header).encode())
    p = _b64(json.dumps(claims).encode())
    return h, p, _b64(hmac.new(secret, f"{h}.{p}".encode(), hashlib.sha256).digest())


async def test_access_token_claim_checks(auth: AuthHarness, fake_google: FakeGoogle) -> None:
    """Tokens signed with the real key but wrong claims (built through the server's own key)."""
    from yousync_auth.keys import SigningKeys

    keys = SigningKeys(auth.settings.signing_key.get_secret_value())
    session = await valid_session(auth, fake_google)
    good = jwt.decode(session.access_token, options={"verify_signature": False})
    now = int(time.time())
    private = keys._private  # the server's signing key, as a test of the verifier's claim checks
    kid = keys.active["kid"]
    cases = {
        "expired": ({**good, "iat": now - 7200, "exp": now - 3600}, "TOKEN_EXPIRED"),
        "wrong-audience": ({**good, "aud": "someone-else"}, "INVALID_TOKEN"),
        "wrong-issuer": ({**good, "iss": "evil"}, "INVALID_TOKEN"),
        "wrong-type": ({**good, "typ": "refresh"}, "WRONG_TOKEN_TYPE"),
        "no-exp": ({k: v for k, v in good.items() if k != "exp"}, "INVALID_TOKEN"),
    }
    for name, (claims, reason) in cases.items():
        token = forge(claims, kid, key=private)
        await expect_error(get_me(auth, f"Bearer {token}"), UNAUTH, reason)  # type: ignore[arg-type]
        assert name
    # The same key with good claims works: the negatives above failed for the claim alone.
    assert await get_me(auth, f"Bearer {forge(good, kid, key=private)}")


async def test_refresh_token_is_not_an_access_token(auth: AuthHarness, fake_google: FakeGoogle) -> None:
    session = await valid_session(auth, fake_google)
    await expect_error(get_me(auth, f"Bearer {session.refresh_token}"), UNAUTH, "MALFORMED_TOKEN")  # type: ignore[arg-type]


async def test_hosted_domain_is_enforced_when_configured(postgres_url: str, fake_google: FakeGoogle) -> None:
    from tests.auth.conftest import auth_settings
    from yousync.auth.v1 import auth_pb2_grpc
    from yousync_auth.server import create_server

    server, resources = await create_server(auth_settings(postgres_url, fake_google, google_hosted_domain="school.edu"))
    port = await server.start()
    try:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
            stub = auth_pb2_grpc.AuthServiceStub(channel)
            for hd in (None, "elsewhere.edu"):
                await expect_error(
                    stub.SignInWithGoogle(auth_pb2.SignInWithGoogleRequest(id_token=fake_google.mint(hd=hd))),
                    UNAUTH,
                    "WRONG_HOSTED_DOMAIN",
                )
            ok = await stub.SignInWithGoogle(
                auth_pb2.SignInWithGoogleRequest(id_token=fake_google.mint(hd="school.edu", email="a@school.edu"))
            )
            assert ok.session.user.email == "a@school.edu"
    finally:
        await server.stop(0)
        await resources.aclose()
