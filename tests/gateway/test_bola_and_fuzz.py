"""Every id-bearing route refuses another user's resource as 404 (never 403, never the data); the
schemathesis fuzz of every route from /openapi.json (bounded) answers no 5xx."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import httpx

from tests.gateway.conftest import Gateway, dispatcher_paused, multipart, read_sse, take


async def test_bola_matrix(gateway: Gateway, lines: dict[str, int]) -> None:
    alice = await gateway.sign_in("alice@example.com")
    mallory = await gateway.sign_in("mallory@example.com")
    token_id = lines["force"]
    async with dispatcher_paused(gateway.flow):
        upload = await gateway.http.post(
            f"/api/tokens/{token_id}/upload-audio", headers=alice, **multipart("audio_file", take("force", "good.wav"))
        )
        assert upload.status_code == 202, upload.text
        job = upload.json()
        job_id, take_id = job["job_id"], job["take_id"]
        assert (
            await gateway.http.post("/api/mypage/bookmarks", headers=alice, json={"token_id": token_id})
        ).status_code == 201

        matrix = [
            ("GET", f"/api/tokens/analysis-result/{job_id}"),
            ("GET", f"/api/tokens/analysis-progress/{job_id}"),
            ("GET", f"/api/scripts/analysis-progress/{job_id}"),
            ("POST", f"/api/tokens/analysis-progress/{job_id}/ticket"),
            ("GET", f"/api/mypage/takes/{take_id}/audio"),
            ("DELETE", f"/api/mypage/takes/{take_id}"),
            ("DELETE", f"/api/mypage/bookmarks/{token_id}"),
        ]
        for method, path in matrix:
            response = await gateway.http.request(method, path, headers=mallory)
            assert response.status_code == 404, (method, path, response.status_code, response.text)
            assert job_id not in response.text or "analysis" in path  # no data of Alice's leaks
        # Alice's ticket is bound to her job: useless on any other job, and for Mallory's own stream.
        ticket = job["stream_ticket"]
        elsewhere = await read_sse(gateway.http, f"/api/tokens/analysis-progress/other-job?ticket={ticket}")
        assert elsewhere.status == 401
        forged = await read_sse(gateway.http, f"/api/tokens/analysis-progress/{job_id}?ticket={ticket[:-4]}AAAA")
        assert forged.status == 401
        # A raw access token is not a ticket.
        raw = alice["Authorization"].split()[1]
        assert (
            await read_sse(gateway.http, f"/api/tokens/analysis-progress/{job_id}?access_token={raw}")
        ).status == 401
        assert (await read_sse(gateway.http, f"/api/tokens/analysis-progress/{job_id}")).status == 401
        # Unknown job: 404 (EventSource does not retry it).
        unknown = await read_sse(gateway.http, "/api/tokens/analysis-progress/no-such-job", headers=alice)
        assert unknown.status == 404 and '"code"' in unknown.body
        # Mallory sees nothing of Alice's in her own lists.
        assert (await gateway.http.get("/api/mypage/takes", headers=mallory)).json()["takes"] == []
        assert (await gateway.http.get("/api/mypage/bookmarks", headers=mallory)).json() == []
        overview = (await gateway.http.get("/api/mypage/overview", headers=mallory)).json()
        assert overview["total_takes"] == 0 and overview["recent_bookmarks"] == []
        # Alice still has everything.
        assert (await gateway.http.get(f"/api/tokens/analysis-result/{job_id}", headers=alice)).status_code == 200
        assert (await gateway.http.get(f"/api/mypage/takes/{take_id}/audio", headers=alice)).status_code == 200
        assert (await gateway.http.delete(f"/api/mypage/takes/{take_id}", headers=alice)).status_code == 204


async def test_openapi_documents_every_route(gateway: Gateway) -> None:
    spec = (await gateway.http.get("/openapi.json")).json()
    paths = spec["paths"]
    for path in (
        "/api/auth/google",
        "/api/auth/refresh",
        "/api/auth/logout",
        "/api/auth/me",
        "/api/auth/jwks",
        "/api/scripts",
        "/api/scripts/popular",
        "/api/scripts/latest",
        "/api/scripts/{script_id}",
        "/api/tokens/{token_id}",
        "/api/actors",
        "/api/tokens/{token_id}/upload-audio",
        "/api/tokens/analysis-result/{job_id}",
        "/api/tokens/analysis-progress/{job_id}",
        "/api/tokens/webhook/analysis-complete",
        "/api/mypage/bookmarks",
        "/api/mypage/bookmarks/{token_id}",
        "/api/mypage/my-dubbed-tokens",
        "/api/mypage/overview",
        "/api/mypage/takes",
        "/healthz",
        "/readyz",
    ):
        assert path in paths, path
    for path, operations in paths.items():
        for method, operation in operations.items():
            assert operation.get("summary"), (method, path)
            if path.startswith("/api/"):
                errors = {code for code in operation["responses"] if code.startswith(("4", "5"))}
                assert "422" in errors and "503" in errors, (method, path)
    assert "ticket" in paths["/api/tokens/analysis-progress/{job_id}"]["get"]["description"]
    assert "EventSource" in spec["info"]["description"]
    assert "ErrorBody" in spec["components"]["schemas"]
    assert (await gateway.http.get("/docs")).status_code == 200
    ready = (await gateway.http.get("/readyz")).json()
    assert ready["status"] == "ready", ready
    # Metrics live on their own port (tests/security checks the API port does not serve them).
    async with httpx.AsyncClient() as client:
        metrics = await client.get(f"http://127.0.0.1:{gateway.app.state.metrics_port}/metrics")
    assert "http_requests_total" in metrics.text


async def test_fuzz_every_route_no_5xx(gateway: Gateway, lines: dict[str, int], tmp_path: Path) -> None:
    """Property-based fuzz (schemathesis) of every operation in /openapi.json, bounded in examples and time."""
    st = Path(sys.executable).with_name("st")
    assert st.exists(), "schemathesis comes with the root dev group (`make test` installs it)"
    headers = await gateway.sign_in("fuzz@example.com")
    examples = os.environ.get("YOUSYNC_FUZZ_EXAMPLES", "10")
    process = await asyncio.create_subprocess_exec(
        str(st),
        "run",
        f"{gateway.url}/openapi.json",
        "--checks",
        "not_a_server_error",
        "--phases",
        # Not "coverage": that phase crashes inside schemathesis now and then (hypothesis lambda reflection).
        "examples,fuzzing",
        "--max-examples",
        examples,
        "--max-time",
        os.environ.get("YOUSYNC_FUZZ_SECONDS", "40"),
        "--request-timeout",
        "15",
        "--workers",
        "2",
        "--seed",
        "20261126",
        "--no-shrink",
        "--generation-allow-x00",
        "false",
        "--header",
        f"Authorization: {headers['Authorization']}",
        "--exclude-path-regex",
        "^/metrics$",
        "--report-dir",
        str(tmp_path),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        env={**os.environ, "NO_COLOR": "1", "SCHEMATHESIS_HOOKS": ""},
    )
    output, _ = await asyncio.wait_for(process.communicate(), 240)
    text = output.decode(errors="replace")
    assert process.returncode == 0, text[-6000:]
