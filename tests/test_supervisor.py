"""`make run`'s supervisor brings up PostgreSQL, NATS, every service and the gateway, loads the demo
catalog, and stops everything cleanly on Ctrl-C."""

from __future__ import annotations

import grpc
import httpx
from grpc_health.v1 import health_pb2, health_pb2_grpc

from yousync_dev.suite_process import running_suite

SERVICES = ("auth", "catalog", "analyzer", "analysis_orchestrator")


async def test_make_run_starts_everything_and_stops_cleanly() -> None:
    with running_suite() as suite:
        output = "\n".join(suite.output)
        assert {"postgres", "nats", *SERVICES, "gateway"} <= set(suite.addresses), output
        assert "catalog loaded from" in output and "demo" in output
        assert "/docs" in output
        for name in SERVICES:
            async with grpc.aio.insecure_channel(suite.target(name)) as channel:
                reply = await health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=5)
                assert reply.status == health_pb2.HealthCheckResponse.SERVING, name
        async with httpx.AsyncClient(base_url=suite.target("gateway"), timeout=10) as http:
            assert (await http.get("/readyz")).status_code == 200
            scripts = (await http.get("/api/scripts/popular")).json()["scripts"]
            assert len(scripts) == 3, "the demo catalog: three scenes"
            assert (await http.get("/docs")).status_code == 200
        code, rest = suite.stop()
        assert code == 0, rest
        assert rest.rstrip().endswith("stopped")
