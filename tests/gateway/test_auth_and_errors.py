"""Sign-in, refresh, logout, me; token negatives (always 401); the error shape; slashes; CORS; request ids."""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import time

import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from tests.gateway.conftest import ORIGIN, Gateway, RequestIdLog
from yousync_dev.fake_google import FakeGoogle


def assert_error(response, status: int, code: str | None = None) -> dict:  # type: ignore[no-untyped-def]
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) >= {"detail", "code"} and isinstance(body["detail"], str) and body["detail"]
    if code is not None:
        assert body["code"] == code, body
    return body


async def test_google_sign_in_refresh_me_logout(gateway: Gateway, fake_google: FakeGoogle) -> None:
    id_token = fake_google.mint(email="ada@example.com", name="Ada Lovelace", picture="https://pics/ada.png")
    response = await gateway.http.post("/api/auth/google", json={"id_token": id_token})
    assert response.status_code == 200, response.text
    session = response.json()
    assert session["token_type"] == "bearer" and session["access_token"] and session["refresh_token"]
    assert 0 < session["expires_in"] <= 86400
    user = session["user"]
    assert user["email"] == "ada@example.com" and user["full_name"] == user["display_name"]
    assert "profile_picture" in user and "id" in user

    # The original frontend's path and trailing slash: same exchange, never a redirect.
    legacy = await gateway.http.post("/api/auth/google-login/", json={"id_token": id_token})
    assert legacy.status_code == 200 and legacy.json()["access_token"]

    bearer = {"Authorization": f"Bearer {session['access_token']}"}
    me = await gateway.http.get("/api/auth/me", headers=bearer)
    assert me.status_code == 200 and me.json()["email"] == "ada@example.com"
    me_slash = await gateway.http.get("/api/auth/me/", headers=bearer)
    assert me_slash.status_code == 200

    refreshed = await gateway.http.post("/api/auth/refresh", json={"refresh_token": session["refresh_token"]})
    assert refreshed.status_code == 200 and refreshed.json()["refresh_token"] != session["refresh_token"]
    # Spent refresh tokens are refused (and revoke the family).
    await asyncio.sleep(1.1)
    assert_error(await gateway.http.post("/api/auth/refresh/", json={"refresh_token": session["refresh_token"]}), 401)

    out = await gateway.http.post("/api/auth/logout", json={"refresh_token": refreshed.json()["refresh_token"]})
    assert out.status_code == 200 and out.json()["message"]
    # The original frontend logs out with no body at all.
    assert (await gateway.http.post("/api/auth/logout", headers=bearer)).status_code == 200

    jwks = await gateway.http.get("/api/auth/jwks")
    assert jwks.status_code == 200 and jwks.json()["keys"][0]["kty"] == "OKP"


async def test_bad_google_token_is_401(gateway: Gateway, fake_google: FakeGoogle) -> None:
    assert_error(await gateway.http.post("/api/auth/google", json={"id_token": "not-a-jwt"}), 401)
    wrong_audience = fake_google.mint(email="eve@example.com", aud="someone-else")
    assert_error(await gateway.http.post("/api/auth/google", json={"id_token": wrong_audience}), 401)
    assert_error(await gateway.http.post("/api/auth/google", json={}), 422, "VALIDATION_ERROR")
    assert_error(
        await gateway.http.post("/api/auth/google", content=b"{not json", headers={"Content-Type": "application/json"}),
        422,
    )


def _forged(claims: dict, kid: str) -> str:
    key = Ed25519PrivateKey.generate()
    return jwt.encode(claims, key, algorithm="EdDSA", headers={"kid": kid})


async def test_token_negatives_are_always_401(gateway: Gateway) -> None:
    headers = await gateway.sign_in("neg@example.com")
    token = headers["Authorization"].split()[1]
    kid = jwt.get_unverified_header(token)["kid"]
    claims = jwt.decode(token, options={"verify_signature": False})
    expired = dict(claims, exp=int(time.time()) - 3600, iat=int(time.time()) - 7200)
    header_b64, _, signature = token.split(".")
    tampered_payload = base64.urlsafe_b64encode(json.dumps(dict(claims, sub="someone-else")).encode()).rstrip(b"=")
    cases = {
        "missing": {},
        "null (the original frontend's logged-out header)": {"Authorization": "Bearer null"},
        "undefined": {"Authorization": "Bearer undefined"},
        "empty bearer": {"Authorization": "Bearer"},
        "wrong scheme": {"Authorization": f"Basic {token}"},
        "garbage": {"Authorization": "Bearer abc.def.ghi"},
        "forged signature": {"Authorization": f"Bearer {_forged(claims, kid)}"},
        "unknown key": {"Authorization": f"Bearer {_forged(claims, 'no-such-kid')}"},
        "expired": {"Authorization": f"Bearer {_forged(expired, kid)}"},
        "tampered payload": {"Authorization": f"Bearer {header_b64}.{tampered_payload.decode()}.{signature}"},
        "alg none": {"Authorization": "Bearer " + jwt.encode(claims, None, algorithm="none")},
    }
    routes = [
        ("GET", "/api/auth/me"),
        ("GET", "/api/mypage/bookmarks"),
        ("POST", "/api/mypage/bookmarks"),
        ("GET", "/api/mypage/overview"),
        ("GET", "/api/mypage/takes"),
        ("GET", "/api/tokens/analysis-result/abc"),
        ("POST", "/api/tokens/1/upload-audio"),
    ]
    for name, case in cases.items():
        for method, path in routes:
            response = await gateway.http.request(method, path, headers=case, json={"token_id": 1})
            body = assert_error(response, 401)
            assert response.headers.get("www-authenticate", "").startswith("Bearer"), (name, path)
            assert body["code"], (name, path)
    # The genuine token still works.
    assert (await gateway.http.get("/api/auth/me", headers=headers)).status_code == 200


async def test_error_shape_and_slashes(gateway: Gateway) -> None:
    assert_error(await gateway.http.get("/api/nope"), 404, "NOT_FOUND")
    assert_error(await gateway.http.delete("/api/auth/me"), 405)
    assert_error(await gateway.http.get("/api/scripts/0"), 422, "VALIDATION_ERROR")
    assert_error(await gateway.http.get("/api/scripts/notanumber"), 422)
    assert_error(await gateway.http.get("/api/scripts/999999999"), 404)
    assert_error(await gateway.http.get(f"/api/scripts/{2**70}"), 422)
    assert_error(await gateway.http.get("/api/scripts?page_size=1000"), 422)
    assert_error(await gateway.http.get("/api/scripts?page_token=bogus"), 400)
    big = b'{"id_token": "' + b"x" * (2 * 1024 * 1024) + b'"}'
    assert_error(
        await gateway.http.post("/api/auth/google", content=big, headers={"Content-Type": "application/json"}), 413
    )
    # A trailing slash never redirects, on any route.
    for path in ("/api/scripts/", "/api/scripts/popular/", "/healthz/", "/openapi.json/"):
        response = await gateway.http.get(path)
        assert response.status_code == 200, (path, response.status_code)


async def test_cors_from_configuration(gateway: Gateway) -> None:
    preflight = await gateway.http.options(
        "/api/tokens/1/upload-audio",
        headers={
            "Origin": ORIGIN,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization,idempotency-key",
        },
    )
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == ORIGIN
    assert "authorization" in preflight.headers["access-control-allow-headers"].lower()
    simple = await gateway.http.get("/api/scripts", headers={"Origin": ORIGIN})
    assert simple.headers["access-control-allow-origin"] == ORIGIN
    assert "x-request-id" in simple.headers["access-control-expose-headers"].lower()
    other = await gateway.http.get("/api/scripts", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in other.headers
    denied = await gateway.http.options(
        "/api/scripts", headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "GET"}
    )
    # Refused in the API's error shape, not Starlette's text/plain 400.
    assert denied.status_code == 403
    assert denied.headers["content-type"] == "application/json"
    assert denied.json()["code"] == "CORS_REFUSED" and "origin" in denied.json()["detail"].lower()
    assert "access-control-allow-origin" not in denied.headers


async def test_request_id_reaches_the_services(gateway: Gateway) -> None:
    headers = await gateway.sign_in("rid@example.com")
    capture = RequestIdLog()
    access = logging.getLogger("yousync.access")
    access.addHandler(capture)
    previous = access.level
    access.setLevel(logging.INFO)
    try:
        response = await gateway.http.get("/api/mypage/overview", headers={**headers, "X-Request-Id": "trace-me-123"})
    finally:
        access.removeHandler(capture)
        access.setLevel(previous)
    assert response.status_code == 200, response.text
    assert response.headers["x-request-id"] == "trace-me-123"
    # auth (GetMe), catalog (ListBookmarks) and the orchestrator (overview, takes) logged it.
    assert capture.ids.count("trace-me-123") >= 4, capture.ids
    generated = await gateway.http.get("/healthz")
    assert len(generated.headers["x-request-id"]) >= 16
    unsafe = await gateway.http.get("/healthz", headers={"X-Request-Id": "bad id\twith spaces"})
    assert unsafe.headers["x-request-id"] != "bad id\twith spaces"
