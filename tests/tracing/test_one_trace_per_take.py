"""One trace per take: the suite runs as `make run` runs it (every service its own process) with OTLP
export on, pointed at a real OTLP/gRPC receiver; one upload through the gateway must produce ONE trace
that spans the gateway, auth, catalog, the orchestrator (API, outbox relay, dispatcher) and the analyzer,
with the analysis stages as spans whose parent chain reaches the upload's HTTP server span."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import httpx
import pytest

from tests.tracing.receiver import ReceivedSpan, running_receiver
from yousync_dev.suite_process import running_suite

ROOT = Path(__file__).resolve().parents[2]
TAKE = ROOT / "services" / "catalog" / "demo" / "takes" / "hamlet-3-1-01-take.webm"
SERVICES = {"gateway", "auth", "catalog", "analysis_orchestrator", "analyzer"}
STAGES = {"analyzer.decode_take", "analyzer.check_quality", "analyzer.align_take", "analyzer.recognise_take"}
SERVER, PRODUCER, CONSUMER = 2, 4, 5  # opentelemetry.proto.trace.v1.Span.SpanKind


async def _token_of(http: httpx.AsyncClient, text_start: str) -> int:
    for script in (await http.get("/api/scripts/popular")).json()["scripts"]:
        for token in (await http.get(f"/api/scripts/{script['id']}")).json()["tokens"]:
            if token["text"].startswith(text_start):
                return int(token["id"])
    raise AssertionError(f"no demo line starts with {text_start!r}")


async def _upload_and_wait(gateway: str) -> str:
    async with httpx.AsyncClient(base_url=gateway, timeout=30) as http:
        signed_in = await http.post("/api/auth/dev", json={"email": "traced@example.com"})
        assert signed_in.status_code == 200, signed_in.text
        headers = {"Authorization": f"Bearer {signed_in.json()['access_token']}"}
        token_id = await _token_of(http, "To be, or not to be")
        accepted = await http.post(
            f"/api/tokens/{token_id}/upload-audio",
            headers=headers,
            files={"audio_file": ("take.webm", TAKE.read_bytes(), "audio/webm")},
        )
        assert accepted.status_code == 202, accepted.text
        job_id = str(accepted.json()["job_id"])
        for _ in range(600):  # the analysis takes seconds; poll as a client would, at most a minute
            result = await http.get(f"/api/tokens/analysis-result/{job_id}", headers=headers)
            if result.status_code == 200 and result.json()["status"] in ("completed", "failed"):
                assert result.json()["status"] == "completed", result.text
                return job_id
            await asyncio.sleep(0.1)
        raise AssertionError(f"job {job_id} did not finish")


def _chain(span: ReceivedSpan, by_id: dict[str, ReceivedSpan]) -> list[ReceivedSpan]:
    """The span and its ancestors, up to the root (or the first ancestor not received)."""
    chain = [span]
    while chain[-1].parent_id and chain[-1].parent_id in by_id:
        chain.append(by_id[chain[-1].parent_id])
    return chain


@pytest.mark.timeout(900)  # starting seven processes on a busy 2-core machine can take minutes
async def test_one_upload_is_one_trace_across_every_process() -> None:
    with running_receiver() as (receiver, endpoint):
        env = {
            "OTEL_TRACES_EXPORTER": "otlp",
            "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc",
            "OTEL_EXPORTER_OTLP_ENDPOINT": endpoint,
            "OTEL_EXPORTER_OTLP_INSECURE": "true",
            "OTEL_BSP_SCHEDULE_DELAY": "200",  # export within a fraction of a second
        }
        with running_suite(env, start_timeout=600) as suite:
            await _upload_and_wait(suite.target("gateway"))

            def upload_span(spans: list[ReceivedSpan]) -> ReceivedSpan | None:
                return next(
                    (
                        s
                        for s in spans
                        if s.service == "gateway" and s.kind == SERVER and "upload-audio" in s.name and not s.parent_id
                    ),
                    None,
                )

            def complete(spans: list[ReceivedSpan]) -> bool:
                root = upload_span(spans)
                if root is None:
                    return False
                in_trace = [s for s in spans if s.trace_id == root.trace_id]
                # A span is exported when it ends, each process on its own schedule: wait until the
                # dispatcher's consumer span and the analyzer's stream (they end last) are in, and every
                # span's parent has arrived too (a PRODUCER span may be exported after its consumer's).
                ids = {s.span_id for s in in_trace}
                return (
                    all(not s.parent_id or s.parent_id in ids for s in in_trace)
                    and {s.service for s in in_trace} >= SERVICES
                    and {s.name for s in in_trace} >= STAGES | {"analyzer.score_take"}
                    and any(s.kind == CONSUMER and s.service == "analysis_orchestrator" for s in in_trace)
                    and any(s.kind == SERVER and s.name.endswith("/Analyze") for s in in_trace)
                )

            spans = await asyncio.to_thread(receiver.wait_for, complete, 60)

    root = upload_span(spans)
    assert root is not None
    trace = [s for s in spans if s.trace_id == root.trace_id]
    by_id = {s.span_id: s for s in trace}
    services = {s.service for s in trace}
    assert services >= SERVICES, services

    # Every hop is in it: the orchestrator's API call, the outbox relay's publication, the dispatcher's
    # consumption of that message, the catalog lookup and the analyzer's stream.
    names_by_service = {service: {s.name for s in trace if s.service == service} for service in services}
    orchestrator = names_by_service["analysis_orchestrator"]
    assert any(n.startswith("yousync.analysis.v1.") for n in orchestrator), orchestrator
    publish = [s for s in trace if s.kind == PRODUCER and s.service == "analysis_orchestrator"]
    consume = [s for s in trace if s.kind == CONSUMER and s.service == "analysis_orchestrator"]
    assert publish and consume, orchestrator
    assert any(by_id.get(c.parent_id) in publish for c in consume), "the dispatcher continues the relay's span"
    assert "yousync.analyzer.v1.AnalyzerService/Analyze" in names_by_service["analyzer"]
    assert any(n.startswith("yousync.catalog.v1.") for n in names_by_service["catalog"])
    assert any(n.startswith("yousync.auth.v1.") for n in names_by_service["auth"])

    # The analysis stages: children of the analyzer's server span, their parent chain reaching the upload.
    analyze = next(s for s in trace if s.service == "analyzer" and s.kind == SERVER and s.name.endswith("/Analyze"))
    stages = [s for s in trace if s.service == "analyzer" and s.name.startswith("analyzer.")]
    assert {s.name for s in stages} >= STAGES | {"analyzer.score_take"}
    for stage in stages:
        chain = _chain(stage, by_id)
        assert chain[1] is analyze, [s.name for s in chain]
        assert chain[-1] is root, [f"{s.service}:{s.name}" for s in chain]
        assert {s.service for s in chain} >= {"analyzer", "analysis_orchestrator", "gateway"}
    # The coverage, for the record (pytest -s shows it).
    summary = {
        "trace_spans": len(trace),
        "services": sorted(services),
        "stages": sorted(s.name for s in stages),
        "depth_of_deepest_stage": max(len(_chain(s, by_id)) for s in stages),
    }
    print(json.dumps(summary))
    # Nothing in the trace is orphaned: every span's parent was received too.
    assert all(not s.parent_id or s.parent_id in by_id for s in trace), [
        f"{s.service}:{s.name}" for s in trace if s.parent_id and s.parent_id not in by_id
    ]
