"""The shared tracing mechanisms in one process, over real gRPC connections and NATS on 127.0.0.1:
server and client spans across a hop, the span status of failed calls, W3C context through JetStream
message headers, the outbox relay's producer span, and trace ids in the JSON log lines."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import uuid

import grpc
from opentelemetry.trace import SpanKind, StatusCode

from tests.platform.conftest import start_probe, stub_for
from tests.tracing.conftest import Recorder
from yousync.auth.v1 import auth_pb2
from yousync_platform import telemetry
from yousync_platform.logging import JsonFormatter


def _hex(value: int, digits: int) -> str:
    return format(value, f"0{digits}x")


async def test_a_call_across_two_servers_is_one_trace(recorder: Recorder) -> None:
    downstream = await start_probe()
    upstream = await start_probe(next_hop=[downstream.target])
    try:
        async with grpc.aio.insecure_channel(upstream.target) as channel:
            await stub_for(channel).DevSignIn(auth_pb2.DevSignInRequest(email="hop"))
    finally:
        for probe in (upstream, downstream):
            await probe.channels.close()
            await probe.server.stop(0)
    servers = [s for s in recorder.spans if s.kind is SpanKind.SERVER]
    clients = [s for s in recorder.spans if s.kind is SpanKind.CLIENT]
    assert [s.name for s in servers] == ["yousync.auth.v1.AuthService/DevSignIn"] * 2
    assert len(clients) == 1
    inner, outer = servers  # the downstream call ends first
    client = clients[0]
    assert outer.parent is None, "the first server starts the trace (its caller sent no traceparent)"
    assert client.parent is not None and client.parent.span_id == outer.context.span_id
    assert inner.parent is not None and inner.parent.span_id == client.context.span_id and inner.parent.is_remote
    assert len({s.context.trace_id for s in recorder.spans}) == 1
    assert inner.attributes is not None and inner.attributes["rpc.grpc.status_code"] == 0
    assert client.attributes is not None and client.attributes["rpc.service"] == "yousync.auth.v1.AuthService"


async def test_a_callers_traceparent_is_continued_and_failures_marked(recorder: Recorder) -> None:
    probe = await start_probe()
    trace_id = uuid.uuid4().hex
    parent = "1234567890abcdef"
    try:
        async with grpc.aio.insecure_channel(probe.target) as channel:
            stub = stub_for(channel)
            await stub.DevSignIn(
                auth_pb2.DevSignInRequest(email="ok"), metadata=(("traceparent", f"00-{trace_id}-{parent}-01"),)
            )
            for email, code in (("boom", grpc.StatusCode.INTERNAL), ("missing:1", grpc.StatusCode.NOT_FOUND)):
                try:
                    await stub.DevSignIn(auth_pb2.DevSignInRequest(email=email))
                except grpc.aio.AioRpcError as error:
                    assert error.code() is code
                else:
                    raise AssertionError(f"{email} should have failed")
    finally:
        await probe.server.stop(0)
    continued, internal, not_found = [s for s in recorder.spans if s.kind is SpanKind.SERVER]
    assert _hex(continued.context.trace_id, 32) == trace_id
    assert continued.parent is not None and _hex(continued.parent.span_id, 16) == parent
    assert internal.status.status_code is StatusCode.ERROR
    assert internal.attributes is not None and internal.attributes["rpc.grpc.status_code"] == 13
    # A client's mistake is not the server's error (the OpenTelemetry RPC conventions).
    assert not_found.status.status_code is StatusCode.UNSET
    assert not_found.attributes is not None and not_found.attributes["rpc.grpc.status_code"] == 5


async def test_off_means_no_span_and_no_wrapper(recorder: Recorder) -> None:
    telemetry._enabled = False
    probe = await start_probe()
    try:
        async with grpc.aio.insecure_channel(probe.target) as channel:
            await stub_for(channel).DevSignIn(auth_pb2.DevSignInRequest(email="ok"))
    finally:
        await probe.server.stop(0)
    assert recorder.spans == []
    assert telemetry.client_interceptors() == [] and telemetry.asgi_middleware() is None


def test_exporters_come_from_the_standard_variables(monkeypatch: object) -> None:
    mp = monkeypatch  # pytest.MonkeyPatch
    mp.delenv("OTEL_TRACES_EXPORTER", raising=False)  # type: ignore[attr-defined]
    assert telemetry.exporters_configured() == [], "off unless asked for"
    mp.setenv("OTEL_TRACES_EXPORTER", "otlp,console")  # type: ignore[attr-defined]
    assert telemetry.exporters_configured() == ["otlp", "console"]
    mp.setenv("OTEL_SDK_DISABLED", "true")  # type: ignore[attr-defined]
    assert telemetry.exporters_configured() == []
    mp.setenv("OTEL_SDK_DISABLED", "false")  # type: ignore[attr-defined]
    mp.setenv("OTEL_TRACES_EXPORTER", "none")  # type: ignore[attr-defined]
    assert telemetry.exporters_configured() == []


def test_a_log_line_carries_the_active_span_ids(recorder: Recorder) -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter("svc"))
    logger = logging.getLogger("test.tracing.ids")
    logger.propagate = False
    logger.handlers[:] = [handler]
    logger.setLevel(logging.INFO)
    logger.info("outside")
    with telemetry.tracer().start_as_current_span("work") as span:
        logger.info("inside")
    outside, inside = (json.loads(line) for line in stream.getvalue().splitlines())
    assert "trace_id" not in outside and "span_id" not in outside
    assert inside["trace_id"] == _hex(span.get_span_context().trace_id, 32)
    assert inside["span_id"] == _hex(span.get_span_context().span_id, 16)


async def test_the_context_travels_in_message_headers(recorder: Recorder, nats_url: str) -> None:
    """publish() writes the current context into the headers; PullConsumer's span continues it."""
    from nats.js.api import StorageType

    from yousync_platform.events import PullConsumer, connect, ensure_stream, publish

    client = await connect(nats_url, "tracing-test")
    js = client.jetstream()
    name = f"TRACE_{uuid.uuid4().hex[:8].upper()}"
    seen: asyncio.Queue[tuple[str | None, tuple[str, str] | None]] = asyncio.Queue()

    async def handler(msg: object) -> None:
        await msg.ack()  # type: ignore[attr-defined]
        headers = msg.headers or {}  # type: ignore[attr-defined]
        seen.put_nowait((headers.get("traceparent"), telemetry.current_ids()))

    await ensure_stream(js, name, [f"{name}.>"], storage=StorageType.MEMORY)
    consumer = PullConsumer(js, stream=name, durable="d", subject=f"{name}.x", handler=handler)
    consumer.start()
    try:
        with telemetry.tracer().start_as_current_span("upload") as span:
            await publish(js, f"{name}.x", b"{}", msg_id="m1")
        traceparent, ids = await asyncio.wait_for(seen.get(), 10)
    finally:
        await consumer.stop()
        await js.delete_stream(name)
        await client.close()
    trace_id = _hex(span.get_span_context().trace_id, 32)
    assert traceparent is not None and traceparent.split("-")[1] == trace_id
    assert ids is not None and ids[0] == trace_id, "the handler runs in a span of the publisher's trace"
    consumed = next(s for s in recorder.spans if s.kind is SpanKind.CONSUMER)
    assert consumed.parent is not None and consumed.parent.span_id == span.get_span_context().span_id
    assert consumed.attributes is not None and consumed.attributes["messaging.message.id"] == "m1"
