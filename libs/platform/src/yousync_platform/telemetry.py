"""OpenTelemetry tracing, configured from the standard `OTEL_*` variables, for every process.

`configure_tracing(service)` (called by `yousync_platform.cli.start`) installs the SDK when
`OTEL_TRACES_EXPORTER` names an exporter: `otlp` (protocol from `OTEL_EXPORTER_OTLP_TRACES_PROTOCOL` or
`OTEL_EXPORTER_OTLP_PROTOCOL`: `grpc`, the default, or `http/protobuf`; endpoint, headers and timeout from
the exporter's own `OTEL_EXPORTER_OTLP_*` variables) and/or `console`. The sampler comes from
`OTEL_TRACES_SAMPLER`/`OTEL_TRACES_SAMPLER_ARG`, batching from `OTEL_BSP_*`, extra resource attributes
from `OTEL_RESOURCE_ATTRIBUTES`; `service.name` is `OTEL_SERVICE_NAME` or the process's own name.

Export is OFF unless asked for: unlike the SDK's own default (`otlp`), an unset `OTEL_TRACES_EXPORTER`
means `none` here, so `make run` and the tests pay nothing; `OTEL_SDK_DISABLED=true` turns it off too.
Off, no span is recorded, no instrumentation is installed (the gRPC pipeline, the channels and the
gateway ask `enabled()` once, when they are built) and the OpenTelemetry API stays a no-op.

What is traced, and how the trace crosses each hop:
- gRPC servers: one SERVER span per call, opened in the server pipeline (`traced_handler`), continuing the
  W3C `traceparent` in the call's metadata;
- gRPC clients: one CLIENT span per call (`client_interceptors`), whose context goes out as `traceparent`;
- the gateway: the upstream ASGI instrumentation, one SERVER span per HTTP request;
- NATS JetStream: `yousync_platform.events.publish` writes the current context into the message headers,
  and `PullConsumer` runs each handler in a CONSUMER span continuing it; an outbox row keeps the
  context of the transaction that wrote it (`inject`), and its relay publishes in a PRODUCER span under it.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Callable, Iterator, Mapping, MutableMapping
from contextlib import contextmanager
from contextvars import Token
from typing import Any

import grpc
from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.trace import SpanKind, Status, StatusCode

log = logging.getLogger(__name__)

_TRACER_NAME = "yousync"
_enabled = False

# Server-side codes that mark a server span as failed (the OpenTelemetry RPC conventions).
_SERVER_ERRORS = frozenset(
    {
        grpc.StatusCode.UNKNOWN,
        grpc.StatusCode.DEADLINE_EXCEEDED,
        grpc.StatusCode.UNIMPLEMENTED,
        grpc.StatusCode.INTERNAL,
        grpc.StatusCode.UNAVAILABLE,
        grpc.StatusCode.DATA_LOSS,
    }
)


def _flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes", "on"}


def exporters_configured() -> list[str]:
    """The exporters `OTEL_TRACES_EXPORTER` names (none when unset or `none`, or when the SDK is disabled)."""
    if _flag("OTEL_SDK_DISABLED"):
        return []
    names = [n.strip().lower() for n in os.environ.get("OTEL_TRACES_EXPORTER", "none").split(",")]
    return [n for n in names if n and n != "none"]


def enabled() -> bool:
    """Whether this process records and exports spans (after `configure_tracing`)."""
    return _enabled


def configure_tracing(service: str) -> bool:
    """Install the tracer provider from the environment; returns whether tracing is on. Idempotent."""
    global _enabled
    if _enabled:
        return True
    names = exporters_configured()
    if not names:
        return False
    from opentelemetry.sdk.resources import SERVICE_NAME, Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter, SpanExporter

    exporters: list[SpanExporter] = []
    for name in names:
        if name == "otlp":
            exporters.append(_otlp_exporter())
        elif name == "console":
            exporters.append(ConsoleSpanExporter())
        else:
            raise SystemExit(f"OTEL_TRACES_EXPORTER: unsupported exporter {name!r} (otlp, console or none)")
    resource = Resource.create({SERVICE_NAME: os.environ.get("OTEL_SERVICE_NAME", "").strip() or service})
    provider = TracerProvider(resource=resource)  # the sampler from OTEL_TRACES_SAMPLER, shut down at exit
    for exporter in exporters:
        provider.add_span_processor(BatchSpanProcessor(exporter))
    trace.set_tracer_provider(provider)
    _enabled = True
    log.info("tracing on", extra={"exporters": names, "service_name": resource.attributes.get(SERVICE_NAME)})
    return True


def _otlp_exporter() -> Any:
    protocol = (
        os.environ.get("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL") or os.environ.get("OTEL_EXPORTER_OTLP_PROTOCOL") or "grpc"
    ).strip()
    if protocol == "grpc":
        from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter

        return OTLPSpanExporter()
    if protocol == "http/protobuf":
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter as HttpExporter

        return HttpExporter()
    raise SystemExit(f"OTEL_EXPORTER_OTLP_PROTOCOL: unsupported {protocol!r} (grpc or http/protobuf)")


def tracer() -> trace.Tracer:
    return trace.get_tracer(_TRACER_NAME)


def current_ids() -> tuple[str, str] | None:
    """(trace id, span id) of the active span as 32 and 16 hex digits, or None when no span is active
    (always None while tracing is off: no span is ever recorded then, so not even the lookup is paid)."""
    if not _enabled:
        return None
    span_context = trace.get_current_span().get_span_context()
    if not span_context.is_valid:
        return None
    return format(span_context.trace_id, "032x"), format(span_context.span_id, "016x")


# --- propagation (W3C traceparent / tracestate) --------------------------------------------------


def inject(carrier: MutableMapping[str, str] | None = None) -> dict[str, str]:
    """The current context as W3C headers (`traceparent`, `tracestate`), added to `carrier` if given;
    empty when no span is active."""
    headers: dict[str, str] = {}
    if _enabled:  # off, no span is ever active: nothing to send (and the propagators are never loaded)
        from opentelemetry import propagate

        propagate.inject(headers)
    if carrier is not None:
        carrier.update(headers)
    return headers


def extract(carrier: Mapping[str, str] | None) -> otel_context.Context:
    """The context the W3C headers in `carrier` describe (an empty one, a new trace, when they carry none)."""
    from opentelemetry import propagate  # loads the configured propagators (entry points) on first use

    return propagate.extract(carrier or {})


@contextmanager
def consuming(name: str, headers: Mapping[str, str] | None, attributes: Mapping[str, Any]) -> Iterator[None]:
    """A CONSUMER span continuing the trace in a message's headers, active while the handler runs."""
    if not _enabled:
        yield
        return
    with tracer().start_as_current_span(
        name, context=extract(headers), kind=SpanKind.CONSUMER, attributes=dict(attributes)
    ):
        yield


@contextmanager
def producing(name: str, stored: Mapping[str, str] | None, attributes: Mapping[str, Any]) -> Iterator[None]:
    """A PRODUCER span under the context stored with an outbox row, active while it is published (so the
    published message's headers carry this span)."""
    if not _enabled:
        yield
        return
    with tracer().start_as_current_span(
        name, context=extract(stored), kind=SpanKind.PRODUCER, attributes=dict(attributes)
    ):
        yield


# --- gRPC server: one SERVER span per call, in the server pipeline ----------------------------------


def _rpc_attributes(method: str) -> dict[str, Any]:
    service, _, name = method.lstrip("/").partition("/")
    return {"rpc.system": "grpc", "rpc.service": service, "rpc.method": name}


def _metadata_carrier(metadata: Any) -> dict[str, str]:
    carrier: dict[str, str] = {}
    for key, value in metadata or ():
        if key in ("traceparent", "tracestate") and isinstance(value, str):
            carrier[key] = value
    return carrier


def _end_server_span(span: trace.Span, code: grpc.StatusCode) -> None:
    span.set_attribute("rpc.grpc.status_code", code.value[0])
    if code in _SERVER_ERRORS:
        span.set_status(Status(StatusCode.ERROR, code.name))
    span.end()


def _code_of(exc: BaseException, context: grpc.aio.ServicerContext) -> grpc.StatusCode:
    if isinstance(exc, grpc.aio.AbortError):
        return context.code() or grpc.StatusCode.UNKNOWN  # type: ignore[no-any-return]
    if isinstance(exc, GeneratorExit | asyncio.CancelledError):
        return grpc.StatusCode.CANCELLED
    return grpc.StatusCode.UNKNOWN


def traced_handler(method: str, handler: grpc.RpcMethodHandler) -> grpc.RpcMethodHandler:
    """`handler` inside a SERVER span that continues the caller's trace (used only when tracing is on)."""
    attributes = _rpc_attributes(method)
    name = method.lstrip("/")

    def start(context: grpc.aio.ServicerContext) -> tuple[trace.Span, Token[otel_context.Context]]:
        parent = extract(_metadata_carrier(context.invocation_metadata()))
        span = tracer().start_span(name, context=parent, kind=SpanKind.SERVER, attributes=attributes)
        return span, otel_context.attach(trace.set_span_in_context(span, parent))

    if handler.unary_unary or handler.stream_unary:
        inner = handler.unary_unary or handler.stream_unary

        async def unary(request: Any, context: grpc.aio.ServicerContext) -> Any:
            span, token = start(context)
            try:
                response = await inner(request, context)
            except BaseException as exc:
                _end_server_span(span, _code_of(exc, context))
                raise
            finally:
                otel_context.detach(token)
            _end_server_span(span, grpc.StatusCode.OK)
            return response

        factory = grpc.unary_unary_rpc_method_handler if handler.unary_unary else grpc.stream_unary_rpc_method_handler
        return factory(
            unary, request_deserializer=handler.request_deserializer, response_serializer=handler.response_serializer
        )

    inner_stream = handler.unary_stream or handler.stream_stream

    async def stream(request: Any, context: grpc.aio.ServicerContext) -> Any:
        span, token = start(context)
        try:
            async for response in inner_stream(request, context):
                yield response
        except BaseException as exc:
            _end_server_span(span, _code_of(exc, context))
            raise
        finally:
            otel_context.detach(token)
        _end_server_span(span, grpc.StatusCode.OK)

    factory = grpc.unary_stream_rpc_method_handler if handler.unary_stream else grpc.stream_stream_rpc_method_handler
    return factory(
        stream, request_deserializer=handler.request_deserializer, response_serializer=handler.response_serializer
    )


# --- gRPC clients: one CLIENT span per call, its context sent as `traceparent` ----------------------
#
# Not the upstream aio client interceptors: they await a unary call's status inside the interceptor and
# hand streaming calls back as async iterators whose span ends only when iterated to the end, so a
# stream read with `call.read()` (the dispatcher's Analyze stream, the gateway's WatchJob) never
# ended its span. Here the span ends in the call's done callback, however the call is consumed.


def _client_details(details: Any) -> tuple[Any, trace.Span]:
    method = details.method.decode() if isinstance(details.method, bytes) else str(details.method)
    span = tracer().start_span(method.lstrip("/"), kind=SpanKind.CLIENT, attributes=_rpc_attributes(method))
    headers: dict[str, str] = {}
    from opentelemetry import propagate

    propagate.inject(headers, context=trace.set_span_in_context(span))
    metadata = [(k, v) for k, v in (details.metadata or ()) if k not in headers]
    metadata.extend(headers.items())
    return details._replace(metadata=metadata), span


_pending_ends: set[asyncio.Task[None]] = set()


async def _finish_client_span(span: trace.Span, call: Any) -> None:
    try:
        code = await call.code()  # the call is done: this does not wait
    except BaseException:
        code = None
    if isinstance(code, grpc.StatusCode):
        span.set_attribute("rpc.grpc.status_code", code.value[0])
        if code is not grpc.StatusCode.OK:
            span.set_status(Status(StatusCode.ERROR, code.name))
    span.end()


def _end_client_span(span: trace.Span) -> Callable[[Any], None]:
    def done(call: Any) -> None:
        try:
            task = asyncio.get_running_loop().create_task(_finish_client_span(span, call))
        except RuntimeError:  # no loop (closing): end it without the status
            span.end()
            return
        _pending_ends.add(task)
        task.add_done_callback(_pending_ends.discard)

    return done


async def _intercepted(continuation: Any, details: Any, request: Any) -> Any:
    new_details, span = _client_details(details)
    try:
        call = await continuation(new_details, request)
    except BaseException as exc:
        span.record_exception(exc)
        span.set_status(Status(StatusCode.ERROR, type(exc).__name__))
        span.end()
        raise
    call.add_done_callback(_end_client_span(span))
    return call


# One class per kind of call: grpc.aio files each interceptor under the first kind it is (if/elif), so a
# single class implementing all four would only ever see unary-unary calls.
class _UnaryUnary(grpc.aio.UnaryUnaryClientInterceptor):
    async def intercept_unary_unary(self, continuation: Any, details: Any, request: Any) -> Any:
        return await _intercepted(continuation, details, request)


class _UnaryStream(grpc.aio.UnaryStreamClientInterceptor):
    async def intercept_unary_stream(self, continuation: Any, details: Any, request: Any) -> Any:
        return await _intercepted(continuation, details, request)


class _StreamUnary(grpc.aio.StreamUnaryClientInterceptor):
    async def intercept_stream_unary(self, continuation: Any, details: Any, request_iterator: Any) -> Any:
        return await _intercepted(continuation, details, request_iterator)


class _StreamStream(grpc.aio.StreamStreamClientInterceptor):
    async def intercept_stream_stream(self, continuation: Any, details: Any, request_iterator: Any) -> Any:
        return await _intercepted(continuation, details, request_iterator)


def client_interceptors() -> list[grpc.aio.ClientInterceptor]:
    """The channel interceptors that trace each call: none while tracing is off."""
    if not _enabled:
        return []
    return [_UnaryUnary(), _UnaryStream(), _StreamUnary(), _StreamStream()]


def asgi_middleware() -> Any:
    """The ASGI middleware (class) that traces each HTTP request, or None while tracing is off."""
    return TracedAsgi if _enabled else None


# Attributes of an HTTP server span that may hold the path or the query. The query can carry a credential
# (the progress stream's `ticket`) and some paths a capability (the compatibility progress stream's job
# id): neither goes into a trace. The span is named, and these are set, from the route's template.
_URL_ATTRIBUTES = ("http.url", "url.full", "http.target", "url.path")


class TracedAsgi:
    """The upstream ASGI instrumentation, one SERVER span per request continuing a caller's
    `traceparent`, with no query string in the span and the route's template instead of the path."""

    def __init__(self, app: Any, excluded_urls: str = "", exclude_spans: list[str] | None = None) -> None:
        from opentelemetry.instrumentation.asgi import OpenTelemetryMiddleware

        self._app = OpenTelemetryMiddleware(
            _RouteNamer(app),
            excluded_urls=excluded_urls or None,
            default_span_details=_method_only,
            server_request_hook=_unrouted,
            exclude_spans=exclude_spans,  # type: ignore[arg-type]
        )

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await self._app(scope, receive, send)


def _method_only(scope: Any) -> tuple[str, dict[str, Any]]:
    return str(scope.get("method") or "HTTP"), {}


class _RouteNamer:
    """Inside the server span: when the response starts (the request is routed by then; the span may end
    with the response's last byte), names the span after the route's template."""

    def __init__(self, app: Any) -> None:
        self._app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope.get("type") != "http":
            await self._app(scope, receive, send)
            return
        span = trace.get_current_span()

        async def named_send(message: Any) -> None:
            if message.get("type") == "http.response.start" and span.is_recording():
                _name_after_route(span, scope)
            await send(message)

        await self._app(scope, receive, named_send)


def _unrouted(span: trace.Span, scope: Any) -> None:
    """At the start: no path or query at all until the route is known (a request may end unanswered)."""
    _name_after_route(span, {"method": scope.get("method")})


def _name_after_route(span: trace.Span, scope: Any) -> None:
    path = getattr(scope.get("route"), "path", None)
    template = path if isinstance(path, str) else "unmatched"
    span.update_name(f"{scope.get('method', 'HTTP')} {template}")
    span.set_attribute("http.route", template)
    recorded = getattr(span, "attributes", None) or {}
    for key in _URL_ATTRIBUTES:
        if key in recorded:
            span.set_attribute(key, template)
    if "url.query" in recorded:
        span.set_attribute("url.query", "")
