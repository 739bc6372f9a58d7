"""The shared server pipeline: error mapping, request ids across hops, metrics, health, reflection."""

from __future__ import annotations

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc
from prometheus_client import REGISTRY

from tests.grpc_helpers import error_info, expect_error
from tests.platform.conftest import SERVICE, Probe, start_probe, stub_for
from yousync.auth.v1 import auth_pb2


async def test_domain_error_becomes_rich_status(probe: Probe) -> None:
    async with grpc.aio.insecure_channel(probe.target) as channel:
        error = await expect_error(
            stub_for(channel).DevSignIn(auth_pb2.DevSignInRequest(email="missing:42")),
            grpc.StatusCode.NOT_FOUND,
            "THING_NOT_FOUND",
        )
    info = error_info(error)
    assert info is not None and info.domain == "probe.yousync" and dict(info.metadata) == {"thing": "42"}
    assert error.details() == "no such thing"


async def test_unexpected_error_is_internal_and_generic(probe: Probe, caplog: object) -> None:
    async with grpc.aio.insecure_channel(probe.target) as channel:
        error = await expect_error(
            stub_for(channel).DevSignIn(auth_pb2.DevSignInRequest(email="boom")),
            grpc.StatusCode.INTERNAL,
            "INTERNAL",
        )
    assert error.details() == "internal error"
    assert "hunter2" not in str(error)
    records = [r for r in caplog.records if r.name == "yousync.access" and r.levelname == "ERROR"]  # type: ignore[attr-defined]
    assert records and records[-1].exc_info is not None, "the traceback is logged"


async def test_request_id_is_kept_and_carried_across_hops(probe: Probe) -> None:
    downstream = await start_probe()
    upstream = await start_probe(next_hop=[downstream.target])
    try:
        async with grpc.aio.insecure_channel(upstream.target) as channel:
            stub = stub_for(channel)
            direct = await stub.DevSignIn(auth_pb2.DevSignInRequest(email="rid"), metadata=(("x-request-id", "abc-1"),))
            assert direct.session.access_token == "abc-1"
            hopped = await stub.DevSignIn(auth_pb2.DevSignInRequest(email="hop"), metadata=(("x-request-id", "abc-2"),))
            assert hopped.session.access_token == "abc-2"
            fresh = await stub.DevSignIn(auth_pb2.DevSignInRequest(email="rid"))
            assert len(fresh.session.access_token) == 32
    finally:
        for p in (upstream, downstream):
            await p.channels.close()
            await p.server.stop(0)


async def test_metrics_count_calls_by_code(probe: Probe) -> None:
    method = f"/{SERVICE}/DevSignIn"

    def count(code: str) -> float:
        return REGISTRY.get_sample_value("grpc_server_handled_total", {"grpc_method": method, "grpc_code": code}) or 0

    ok_before, missing_before = count("OK"), count("NOT_FOUND")
    async with grpc.aio.insecure_channel(probe.target) as channel:
        stub = stub_for(channel)
        await stub.DevSignIn(auth_pb2.DevSignInRequest(email="rid"))
        await expect_error(stub.DevSignIn(auth_pb2.DevSignInRequest(email="missing:x")), grpc.StatusCode.NOT_FOUND)
    assert count("OK") == ok_before + 1
    assert count("NOT_FOUND") == missing_before + 1


async def test_health_and_reflection(probe: Probe) -> None:
    async with grpc.aio.insecure_channel(probe.target) as channel:
        health = health_pb2_grpc.HealthStub(channel)
        for name in ("", SERVICE):
            reply = await health.Check(health_pb2.HealthCheckRequest(service=name))
            assert reply.status == health_pb2.HealthCheckResponse.SERVING
        reflection = reflection_pb2_grpc.ServerReflectionStub(channel)
        responses = reflection.ServerReflectionInfo(iter([reflection_pb2.ServerReflectionRequest(list_services="")]))
        names = set()
        async for response in responses:
            names = {s.name for s in response.list_services_response.service}
            break
    assert {SERVICE, "grpc.health.v1.Health"} <= names


async def test_token_on_server_without_verifier_is_unauthenticated(probe: Probe) -> None:
    async with grpc.aio.insecure_channel(probe.target) as channel:
        await expect_error(
            stub_for(channel).DevSignIn(
                auth_pb2.DevSignInRequest(email="whoami"), metadata=(("authorization", "Bearer x"),)
            ),
            grpc.StatusCode.UNAUTHENTICATED,
        )
