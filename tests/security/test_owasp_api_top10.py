"""OWASP API Security Top 10 (2023), the items that apply to this API, probed over HTTP only:
API1 BOLA, API2 broken authentication, API3 property-level authorization (mass assignment),
API4 unrestricted resource consumption, API5 BFLA, API7 SSRF, API8 misconfiguration (CORS, methods),
API9 improper inventory."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import re
import time
from typing import Any

import httpx
import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from tests.fixtures.suite import Gateway, dispatcher_paused, take
from tests.gateway.conftest import multipart, read_sse


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def assert_error_shape(response: httpx.Response, status: int | tuple[int, ...]) -> None:
    statuses = status if isinstance(status, tuple) else (status,)
    assert response.status_code in statuses, (response.request.url.path, response.status_code, response.text)
    body = response.json()
    assert isinstance(body.get("detail"), str) and re.fullmatch(r"[A-Z0-9_]+", body.get("code", "")), body
    assert "Traceback" not in response.text and "grpc" not in response.text.lower()


async def upload(gateway: Gateway, auth: dict[str, str], token_id: int) -> dict[str, Any]:
    response = await gateway.http.post(
        f"/api/tokens/{token_id}/upload-audio", headers=auth, **multipart("audio_file", take("force"))
    )
    assert response.status_code == 202, response.text
    body: dict[str, Any] = response.json()
    return body


# ------------------------------------------------------------------ API1: broken object level authorization
async def test_bola_on_every_id_route(gateway: Gateway, lines: dict[str, int]) -> None:
    alice = await gateway.sign_in("bola-alice@example.com")
    mallory = await gateway.sign_in("bola-mallory@example.com")
    token_id = lines["force"]
    async with dispatcher_paused(gateway.flow):
        job = await upload(gateway, alice, token_id)
        job_id, take_id = job["job_id"], job["take_id"]
        assert (
            await gateway.http.post("/api/mypage/bookmarks", headers=alice, json={"token_id": token_id})
        ).status_code == 201
        matrix = {
            ("GET", "/api/tokens/analysis-result/{job_id}"): f"/api/tokens/analysis-result/{job_id}",
            ("POST", "/api/tokens/analysis-progress/{job_id}/ticket"): f"/api/tokens/analysis-progress/{job_id}/ticket",
            ("GET", "/api/tokens/analysis-progress/{job_id}"): f"/api/tokens/analysis-progress/{job_id}",
            ("GET", "/api/scripts/analysis-progress/{job_id}"): f"/api/scripts/analysis-progress/{job_id}",
            ("GET", "/api/mypage/takes/{take_id}/audio"): f"/api/mypage/takes/{take_id}/audio",
            ("DELETE", "/api/mypage/takes/{take_id}"): f"/api/mypage/takes/{take_id}",
            ("GET", "/compat/api/tokens/analysis-result/{job_id}"): f"/compat/api/tokens/analysis-result/{job_id}",
        }
        # The original frontend's progress stream is authorised by knowing the job id (a random UUID only
        # the uploader learns; documented, and switchable off): not an object-level check, tested in tests/compat.
        capability_routes = {("GET", "/compat/api/scripts/analysis-progress/{job_id}")}
        # Every route that takes a job or take id is in the matrix (a new one must be added here).
        spec = (await gateway.http.get("/openapi.json")).json()
        id_routes = {
            (method.upper(), path)
            for path, operations in spec["paths"].items()
            if "{job_id}" in path or "{take_id}" in path
            for method in operations
            if "webhook" not in path
        }
        assert id_routes - capability_routes <= set(matrix), id_routes - capability_routes - set(matrix)
        for (method, _), path in matrix.items():
            response = await gateway.http.request(method, path, headers=mallory, timeout=10)
            assert_error_shape(response, 404)
            assert job_id not in response.text and take_id not in response.text
        # Alice's ticket opens nothing but her job's stream, for nobody else's job.
        ticket = job["stream_ticket"]
        assert (await read_sse(gateway.http, f"/api/tokens/analysis-progress/x{job_id}?ticket={ticket}")).status == 401
        # Mallory deleting "her" bookmark of the same token does not touch Alice's.
        await gateway.http.delete(f"/api/mypage/bookmarks/{token_id}", headers=mallory)
        # Alice still has everything, and sees it.
        assert (await gateway.http.get(f"/api/tokens/analysis-result/{job_id}", headers=alice)).status_code == 200
        takes = (await gateway.http.get("/api/mypage/takes", headers=alice)).json()["takes"]
        assert [t["id"] for t in takes] == [take_id]
        bookmarks = (await gateway.http.get("/api/mypage/bookmarks", headers=alice)).json()
        assert [b["token_id"] for b in bookmarks] == [token_id]
        assert (await gateway.http.get("/api/mypage/takes", headers=mallory)).json()["takes"] == []


# ------------------------------------------------------------------ API2: broken authentication
async def test_forged_and_malformed_tokens_are_401(gateway: Gateway) -> None:
    session = (await gateway.http.post("/api/auth/dev", json={"email": "forger@example.com"})).json()
    good_token = session["access_token"]
    good = jwt.decode(good_token, options={"verify_signature": False})
    header = jwt.get_unverified_header(good_token)
    kid = header["kid"]
    jwks = (await gateway.http.get("/api/auth/jwks")).json()["keys"]
    public_x = next(k["x"] for k in jwks if k["kid"] == kid)
    public_pem = ed25519.Ed25519PublicKey.from_public_bytes(base64.urlsafe_b64decode(public_x + "==")).public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    foreign = ed25519.Ed25519PrivateKey.generate()
    now = int(time.time())

    def hs256(claims: dict[str, Any], secret: bytes) -> str:
        h = _b64(json.dumps({"alg": "HS256", "kid": kid, "typ": "JWT"}).encode())
        p = _b64(json.dumps(claims).encode())
        return f"{h}.{p}.{_b64(hmac.new(secret, f'{h}.{p}'.encode(), hashlib.sha256).digest())}"

    head, _, signature = good_token.split(".")
    forged = {
        "alg-none": f"{_b64(json.dumps({'alg': 'none', 'kid': kid}).encode())}.{_b64(json.dumps(good).encode())}.",
        "hs256-keyed-with-the-jwks": hs256(good, public_pem),
        "hs256-keyed-with-x": hs256(good, public_x.encode()),
        "foreign-key-same-kid": jwt.encode(good, foreign, algorithm="EdDSA", headers={"kid": kid}),
        "expired": jwt.encode(
            {**good, "iat": now - 7200, "exp": now - 3600}, foreign, algorithm="EdDSA", headers={"kid": kid}
        ),
        "tampered-roles": f"{head}.{_b64(json.dumps({**good, 'roles': ['admin']}).encode())}.{signature}",
        "tampered-subject": f"{head}.{_b64(json.dumps({**good, 'sub': 'someone-else'}).encode())}.{signature}",
        "signature-stripped": f"{head}.{good_token.split('.')[1]}.",
        "refresh-token-as-access": session["refresh_token"],
    }
    authorizations = {name: f"Bearer {token}" for name, token in forged.items()} | {
        "bearer-null": "Bearer null",
        "bearer-undefined": "Bearer undefined",
        "bearer-alone": "Bearer",
        "basic": "Basic " + base64.b64encode(b"admin:admin").decode(),
        "two-dots": "Bearer a.b",
        "huge": "Bearer " + "a" * 9000,
    }
    for name, authorization in authorizations.items():
        for path in ("/api/auth/me", "/api/mypage/takes", "/api/mypage/overview"):
            response = await gateway.http.get(path, headers={"Authorization": authorization})
            assert_error_shape(response, 401)
            assert "www-authenticate" in response.headers, (name, path)
    # The genuine token still works: the cases above failed for their forgery alone.
    genuine = await gateway.http.get("/api/auth/me", headers={"Authorization": f"Bearer {good_token}"})
    assert genuine.status_code == 200


# ------------------------------------------------------------------ API3: mass assignment
async def test_extra_properties_do_not_grant_anything(gateway: Gateway, lines: dict[str, int]) -> None:
    response = await gateway.http.post(
        "/api/auth/dev",
        json={
            "email": "mass@example.com",
            "is_admin": True,
            "roles": ["admin", "ROLE_ADMIN"],
            "user_id": "00000000-0000-0000-0000-000000000001",
            "id": "00000000-0000-0000-0000-000000000001",
        },
    )
    assert response.status_code in (200, 422), response.text
    if response.status_code == 200:
        auth = {"Authorization": f"Bearer {response.json()['access_token']}"}
        me = (await gateway.http.get("/api/auth/me", headers=auth)).json()
        assert me["id"] != "00000000-0000-0000-0000-000000000001"
        assert "admin" not in json.dumps(me.get("roles", [])).lower()
        claims = jwt.decode(response.json()["access_token"], options={"verify_signature": False})
        assert "admin" not in json.dumps(claims.get("roles", [])).lower()
    alice = await gateway.sign_in("mass-alice@example.com")
    alice_id = (await gateway.http.get("/api/auth/me", headers=alice)).json()["id"]
    mallory = await gateway.sign_in("mass-mallory@example.com")
    token_id = lines["force"]
    created = await gateway.http.post(
        "/api/mypage/bookmarks", headers=mallory, json={"token_id": token_id, "user_id": alice_id, "owner": alice_id}
    )
    assert created.status_code in (201, 422), created.text
    assert (await gateway.http.get("/api/mypage/bookmarks", headers=alice)).json() == []
    async with dispatcher_paused(gateway.flow):
        planted = await gateway.http.post(
            f"/api/tokens/{token_id}/upload-audio",
            headers=mallory,
            files={"audio_file": ("take.wav", take("force"), "audio/wav")},
            data={"user_id": alice_id, "owner_id": alice_id},
        )
        assert planted.status_code in (202, 422), planted.text
        assert (await gateway.http.get("/api/mypage/takes", headers=alice)).json()["takes"] == []


# ------------------------------------------------------------------ API4: unrestricted resource consumption
async def test_oversized_and_deep_inputs_are_bounded(gateway: Gateway) -> None:
    auth = await gateway.sign_in("consumption@example.com")
    http = gateway.http
    assert_error_shape(await http.get("/api/scripts", params={"page_size": 100000}), 422)
    assert_error_shape(await http.get("/api/mypage/takes", params={"page_size": 10**9}, headers=auth), 422)
    assert_error_shape(await http.get("/api/scripts", params={"q": "x" * 5000}), 422)
    deep = b'{"refresh_token": ' + b"[" * 50000 + b"]" * 50000 + b"}"
    response = await http.post("/api/auth/refresh", content=deep, headers={"content-type": "application/json"})
    assert 400 <= response.status_code < 500, response.status_code
    # A URL longer than the head cap is refused by the server itself.
    cap = gateway.state.settings.max_request_head_bytes
    assert (await http.get("/api/scripts", params={"q": "x" * cap})).status_code == 431
    # A huge JSON body: 413 (declared or chunked: tests/security/test_server_limits.py).
    huge = b" " * (2 * 1024 * 1024)
    json_type = {"content-type": "application/json"}
    assert_error_shape(await http.post("/api/auth/dev", content=huge, headers=json_type), 413)


async def test_concurrent_streams_are_capped_per_user(gateway: Gateway, lines: dict[str, int]) -> None:
    auth = await gateway.sign_in("streams-cap@example.com")
    cap = gateway.state.settings.max_concurrent_streams
    async with dispatcher_paused(gateway.flow):
        job = await upload(gateway, auth, lines["force"])
        url = f"/api/tokens/analysis-progress/{job['job_id']}"
        async with httpx.AsyncClient(base_url=gateway.url, timeout=30) as client:
            opened = [client.stream("GET", url, headers=auth) for _ in range(cap)]
            responses = [await stream.__aenter__() for stream in opened]
            try:
                assert all(r.status_code == 200 for r in responses)
                over = await client.get(url, headers=auth)
                assert_error_shape(over, 429)
                assert int(over.headers["retry-after"]) >= 1
            finally:
                for stream in opened:
                    await stream.__aexit__(None, None, None)


# ------------------------------------------------------------------ API5: broken function level authorization
async def test_no_admin_function_is_reachable(gateway: Gateway) -> None:
    user = await gateway.sign_in("bfla@example.com")
    for method, path in (
        ("GET", "/api/admin"),
        ("GET", "/api/admin/users"),
        ("POST", "/api/admin/catalog/import"),
        ("GET", "/api/users"),
        ("GET", "/api/auth/users"),
        ("POST", "/api/catalog/import"),
        ("POST", "/api/jobs/complete"),
        ("DELETE", "/api/scripts/1"),
        ("PUT", "/api/tokens/1"),
        ("PATCH", "/api/actors/1"),
        ("DELETE", "/api/mypage/takes"),
    ):
        response = await gateway.http.request(method, path, headers=user)
        assert_error_shape(response, (404, 405))
    # The service-to-service webhook wants its HMAC signature, not a user's token.
    for headers in (user, {}, {**user, "X-Signature": "sha256=" + "0" * 64, "X-Timestamp": str(int(time.time()))}):
        response = await gateway.http.post(
            "/api/tokens/webhook/analysis-complete",
            headers=headers,
            json={"job_id": "x", "status": "completed", "result": {"overall_score": 100}},
        )
        assert_error_shape(response, (400, 401, 403, 404, 422))


# ------------------------------------------------------------------ API7: server side request forgery
async def test_no_field_makes_the_server_fetch_a_url(gateway: Gateway, lines: dict[str, int]) -> None:
    hits: list[bytes] = []

    async def record(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        hits.append(await reader.read(1024))
        writer.close()

    trap = await asyncio.start_server(record, "127.0.0.1", 0)
    url = f"http://127.0.0.1:{trap.sockets[0].getsockname()[1]}/ssrf"
    try:
        http = gateway.http
        session = (
            await http.post(
                "/api/auth/dev",
                json={"email": "ssrf@example.com", "display_name": url, "picture_url": url, "avatar": url},
            )
        ).json()
        auth = {"Authorization": f"Bearer {session['access_token']}"}
        await http.post("/api/auth/google", json={"id_token": url})
        await http.post("/api/auth/refresh", json={"refresh_token": url, "callback_url": url})
        await http.post("/api/mypage/bookmarks", headers=auth, json={"token_id": lines["force"], "url": url})
        await http.get("/api/scripts", params={"q": "ssrf", "url": url, "callback": url}, headers=auth)
        await http.get("/api/blobs/" + url.replace("/", "%2F"))
        await http.post(
            "/api/tokens/webhook/analysis-complete",
            json={"job_id": "x", "result_url": url, "callback_url": url},
            headers={"X-Signature": "x", "X-Timestamp": "1"},
        )
        async with dispatcher_paused(gateway.flow):
            response = await http.post(
                f"/api/tokens/{lines['force']}/upload-audio",
                headers={**auth, "X-Forwarded-Host": url, "Referer": url},
                files={"audio_file": (url, take("force"), "audio/wav")},
                data={"audio_url": url, "source_url": url},
            )
            assert response.status_code == 202, response.text
            # Links in the answer are paths on this API, never on a host a client named.
            assert "ssrf" not in response.json()["progress_url"] and "127.0.0.1:" not in response.json()["progress_url"]
        assert hits == [], hits
    finally:
        trap.close()
        await trap.wait_closed()


# ------------------------------------------------------------------ API8: misconfiguration
async def test_cors_and_methods_are_strict(gateway: Gateway) -> None:
    http = gateway.http
    denied = await http.options(
        "/api/auth/refresh", headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"}
    )
    assert_error_shape(denied, 403)
    assert "access-control-allow-origin" not in denied.headers
    null_origin = await http.options(
        "/api/auth/refresh", headers={"Origin": "null", "Access-Control-Request-Method": "POST"}
    )
    assert null_origin.status_code == 403
    for method in ("TRACE", "TRACK", "PROPFIND"):
        response = await http.request(method, "/api/scripts", headers={"X-Echo-Me": "reflected"})
        # 400: the HTTP parser itself does not know TRACK/PROPFIND.
        assert response.status_code in (400, 404, 405), (method, response.status_code)
        assert "reflected" not in response.text
    assert "server" not in (await http.get("/healthz")).headers


# ------------------------------------------------------------------ API9: improper inventory
async def test_old_and_undocumented_routes_are_not_served(gateway: Gateway) -> None:
    auth = await gateway.sign_in("inventory@example.com")
    for path in (
        "/api/v0/scripts",
        "/api/v1/scripts",
        "/api/v2/scripts",
        "/v1/scripts",
        "/api/internal/jobs",
        "/api/debug",
        "/api/auth/token",
        "/api/auth/dev-login",
        "/metrics",
        "/api/metrics",
        "/server-status",
        "/.env",
        "/.git/config",
        "/api/openapi.json",
        "/api/swagger.json",
    ):
        response = await gateway.http.get(path, headers=auth)
        assert_error_shape(response, 404)
    # Every route the app serves is in the published inventory (nothing hidden with include_in_schema=False).
    spec = (await gateway.http.get("/openapi.json")).json()
    documented = set(spec["paths"])
    served = {getattr(route, "path", "") for route in gateway.app.routes}
    hidden = {p for p in served - documented if p not in ("/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc")}
    assert not {p for p in hidden if p.startswith("/api")}, hidden
    # The stream's old `access_token` query alias is gone from the inventory.
    parameters = spec["paths"]["/api/tokens/analysis-progress/{job_id}"]["get"]["parameters"]
    assert "access_token" not in {p["name"] for p in parameters}
