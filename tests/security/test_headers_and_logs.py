"""Issue 13 items 3, 5 and 6: security headers on every answer, no-store on tokens and authenticated
answers, no credential in any log line, ops endpoints off the API port."""

from __future__ import annotations

import logging

import httpx
import pytest

from tests.fixtures.suite import Gateway, dispatcher_paused, running_gateway, take
from tests.gateway.conftest import multipart, read_sse
from yousync_gateway.security import API_CSP, console_csp
from yousync_gateway.settings import GatewaySettings

API_CSP_EXACT = "default-src 'none'; frame-ancestors 'none'"


def assert_hardened(response: httpx.Response, *, csp: str = API_CSP_EXACT) -> None:
    where = f"{response.request.method} {response.request.url.path} → {response.status_code}"
    assert response.headers.get("x-content-type-options") == "nosniff", where
    assert response.headers.get("referrer-policy") == "no-referrer", where
    assert response.headers.get("x-frame-options") == "DENY", where
    assert response.headers.get("content-security-policy") == csp, where


async def test_every_kind_of_answer_carries_the_security_headers(gateway: Gateway) -> None:
    assert API_CSP == API_CSP_EXACT
    http = gateway.http
    answers = [
        await http.get("/api/scripts"),
        await http.get("/api/no-such-route"),
        await http.get("/api/mypage/overview"),  # 401
        await http.post("/api/auth/refresh", json={"refresh_token": "nope"}),  # 401
        await http.post("/api/auth/refresh", json={}),  # 422
        await http.post("/api/auth/refresh", content=b"x" * (2 * 1024 * 1024)),  # 413 from the middleware
        await http.get("/healthz"),
        await http.get("/readyz"),
        await http.get("/api/tokens/999999"),  # 404 from a service
    ]
    for response in answers:
        assert_hardened(response)


async def test_non_api_paths_get_the_console_policy(gateway: Gateway) -> None:
    """The web console is served at non-API paths; its policy allows its own bundle and Google sign-in."""
    policy = console_csp(gateway.state.settings.media_origins)
    for path in ("/", "/console/takes", "/index.html"):
        response = await gateway.http.get(path)
        assert response.status_code < 500
        assert_hardened(response, csp=policy)
    assert "frame-ancestors 'none'" in policy and "https://accounts.google.com/gsi/client" in policy
    assert "script-src 'self' https://accounts.google.com/gsi/client;" in policy  # no 'unsafe-inline' scripts
    # Audio plays from this origin and the blob stores' origins the settings name, nowhere else.
    assert f"media-src 'self' blob: data: {' '.join(gateway.state.settings.media_origins)};" in policy


async def test_token_answers_and_authenticated_answers_are_not_stored(gateway: Gateway) -> None:
    http = gateway.http
    signed_in = await http.post("/api/auth/dev", json={"email": "nostore@example.com"})
    assert signed_in.status_code == 200
    assert signed_in.headers["cache-control"] == "no-store"
    session = signed_in.json()
    refreshed = await http.post("/api/auth/refresh", json={"refresh_token": session["refresh_token"]})
    assert refreshed.status_code == 200 and refreshed.headers["cache-control"] == "no-store"
    auth = {"Authorization": f"Bearer {refreshed.json()['access_token']}"}
    for path in ("/api/auth/me", "/api/mypage/overview", "/api/mypage/takes"):
        response = await http.get(path, headers=auth)
        assert response.status_code == 200, (path, response.text)
        assert response.headers["cache-control"] == "no-store", path
    # A public catalog read is the same answer for everyone, signed in or not: it says so (`public`), and a
    # shared cache may keep it (tests/gateway/test_caching.py); it carries nothing of the caller's.
    public = await http.get("/api/scripts", headers=auth)
    anonymous = await http.get("/api/scripts")
    assert public.status_code == anonymous.status_code == 200
    assert public.headers["cache-control"].startswith("public,")
    assert public.content == anonymous.content
    # Failed token exchanges are not stored either.
    refused = await http.post("/api/auth/refresh", json={"refresh_token": session["refresh_token"] + "x"})
    assert refused.headers["cache-control"] == "no-store"


async def test_ticket_answers_are_not_stored(gateway: Gateway, lines: dict[str, int]) -> None:
    auth = await gateway.sign_in("ticket-store@example.com")
    async with dispatcher_paused(gateway.flow):
        upload = await gateway.http.post(
            f"/api/tokens/{lines['force']}/upload-audio", headers=auth, **multipart("audio_file", take("force"))
        )
        assert upload.status_code == 202, upload.text
        assert upload.headers["cache-control"] == "no-store"
        job_id = upload.json()["job_id"]
        ticket = await gateway.http.post(f"/api/tokens/analysis-progress/{job_id}/ticket", headers=auth)
        assert ticket.status_code == 200 and ticket.headers["cache-control"] == "no-store"


async def test_no_credential_reaches_any_log_line(
    gateway: Gateway, lines: dict[str, int], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    http = gateway.http
    session = (await http.post("/api/auth/dev", json={"email": "logs@example.com"})).json()
    auth = {"Authorization": f"Bearer {session['access_token']}"}
    refreshed = (await http.post("/api/auth/refresh", json={"refresh_token": session["refresh_token"]})).json()
    async with dispatcher_paused(gateway.flow):
        upload = await http.post(
            f"/api/tokens/{lines['force']}/upload-audio", headers=auth, **multipart("audio_file", take("force"))
        )
        assert upload.status_code == 202, upload.text
        job = upload.json()
        stream = await read_sse(http, job["progress_url"], stop_after=1, timeout=30)
        assert stream.status == 200
        # The dropped alias: an access token (or even a valid ticket) under `access_token=` is not accepted.
        stream_path = f"/api/tokens/analysis-progress/{job['job_id']}"
        alias = await read_sse(http, f"{stream_path}?access_token={job['stream_ticket']}")
        assert alias.status == 401
    # Other credential-looking query parameters, on any route.
    for name in ("ticket", "access_token", "token", "key", "signature", "TICKET"):
        await http.get(f"/api/scripts?{name}=SeCrEt-{name}-0123456789&page_size=2")
    secrets = [
        session["access_token"],
        session["refresh_token"],
        refreshed["access_token"],
        refreshed["refresh_token"],
        job["stream_ticket"],
        *(f"SeCrEt-{name}-0123456789" for name in ("ticket", "access_token", "token", "key", "signature", "TICKET")),
    ]
    access_lines = [r.getMessage() for r in caplog.records if r.name == "uvicorn.access"]
    # The access log is on, and the stream's line is there with its ticket masked.
    assert any("/analysis-progress/" in line and "ticket=REDACTED" in line for line in access_lines), access_lines
    # Every server-side line (the test's own HTTP client, httpx/httpcore, logs its URLs: not ours).
    for record in caplog.records:
        if record.name.startswith(("httpx", "httpcore")):
            continue
        text = record.getMessage() + " " + " ".join(str(v) for v in record.__dict__.values())
        for secret in secrets:
            assert secret not in text, (record.name, record.getMessage())


async def test_metrics_are_not_on_the_api_port_but_on_their_own(gateway: Gateway) -> None:
    assert (await gateway.http.get("/metrics")).status_code == 404
    port = gateway.app.state.metrics_port
    assert port and port != int(gateway.url.rsplit(":", 1)[1])
    async with httpx.AsyncClient() as client:
        metrics = await client.get(f"http://127.0.0.1:{port}/metrics")
    assert metrics.status_code == 200 and "http_requests_total" in metrics.text
    assert gateway.state.settings.metrics_host == "127.0.0.1"


async def test_docs_are_off_by_default(gateway: Gateway, blob_root: object) -> None:
    assert GatewaySettings.model_fields["docs_enabled"].default is False
    assert GatewaySettings.model_fields["metrics_host"].default == "127.0.0.1"
    from tests.fixtures.suite import gateway_settings

    settings = gateway_settings(gateway.flow, blob_root, docs_enabled=False, metrics_port=0)
    async with running_gateway(gateway.flow, settings) as production_like:
        for path in ("/docs", "/redoc", "/openapi.json", "/docs/oauth2-redirect", "/metrics"):
            response = await production_like.http.get(path)
            assert response.status_code == 404, path
            assert response.json()["code"] == "NOT_FOUND"
        assert (await production_like.http.get("/api/scripts")).status_code == 200
