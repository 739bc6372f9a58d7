"""Tracing turned on inside this process, for the tests that need it, with finished spans kept in memory.

The OpenTelemetry tracer provider can be set once per process: the first test that asks installs an SDK
provider whose one processor keeps spans only while a test is recording, so the rest of the session
(which runs with tracing off, as `make run` does) records nothing.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, Span, SpanProcessor, TracerProvider

from yousync_platform import telemetry


class Recorder(SpanProcessor):
    def __init__(self) -> None:
        self.recording = False
        self.spans: list[ReadableSpan] = []

    def on_start(self, span: Span, parent_context: Context | None = None) -> None:
        pass

    def on_end(self, span: ReadableSpan) -> None:
        if self.recording:
            self.spans.append(span)


_recorder: Recorder | None = None


@pytest.fixture
def recorder() -> Iterator[Recorder]:
    global _recorder
    if _recorder is None:
        _recorder = Recorder()
        provider = TracerProvider(resource=Resource.create({"service.name": "tests"}))
        provider.add_span_processor(_recorder)
        trace.set_tracer_provider(provider)
    _recorder.spans.clear()
    _recorder.recording = True
    telemetry._enabled = True  # what configure_tracing sets once an exporter is configured
    try:
        yield _recorder
    finally:
        telemetry._enabled = False
        _recorder.recording = False
        _recorder.spans.clear()
