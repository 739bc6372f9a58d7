"""The gateway with tracing on (a real gateway under uvicorn on 127.0.0.1 in front of the session's
services): one SERVER span per request named after its route, its gRPC calls as children, and neither a
query string (the progress stream's ticket) nor a path id in any span."""

from __future__ import annotations

import uuid
from pathlib import Path

from opentelemetry.trace import SpanKind

from tests.fixtures.suite import Flow, gateway_settings, running_gateway
from tests.tracing.conftest import Recorder


async def test_requests_are_server_spans_named_by_route_without_secrets(
    recorder: Recorder, flow: Flow, blob_root: Path
) -> None:
    job_id = str(uuid.uuid4())
    ticket = "ticket-" + uuid.uuid4().hex
    async with running_gateway(flow, gateway_settings(flow, blob_root)) as gateway:
        assert (await gateway.http.get("/api/scripts/popular")).status_code == 200
        progress = await gateway.http.get(f"/api/tokens/analysis-progress/{job_id}", params={"ticket": ticket})
        assert progress.status_code in (401, 403, 404), progress.text
        assert (await gateway.http.get("/healthz")).status_code == 200
    servers = [s for s in recorder.spans if s.kind is SpanKind.SERVER]
    names = [s.name for s in servers]
    assert "GET /api/scripts/popular" in names, names
    assert "GET /api/tokens/analysis-progress/{job_id}" in names, names
    assert not any("healthz" in n for n in names), "probes are not traced"
    assert len(names) == 2, f"one SERVER span per request: {names}"
    for span in recorder.spans:
        for value in (span.attributes or {}).values():
            assert ticket not in str(value) and job_id not in str(value), (span.name, value)
        assert ticket not in span.name and job_id not in span.name
    popular = next(s for s in servers if s.name == "GET /api/scripts/popular")
    calls = [s for s in recorder.spans if s.kind is SpanKind.CLIENT and s.context.trace_id == popular.context.trace_id]
    assert any(s.name.startswith("yousync.catalog.v1.CatalogService/") for s in calls), [s.name for s in calls]
    assert all(s.parent is not None for s in calls)
