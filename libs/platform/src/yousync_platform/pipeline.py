"""The server's call pipeline, wrapped around every method handler when a servicer is registered.

For every RPC, in order: request context (request id from `x-request-id`, or a new one), access log,
Prometheus metrics, authentication (a bearer token, when present, is verified against auth's JWKS and
the principal exposed through `yousync_platform.context`), and error mapping (a `DomainError` becomes a
`google.rpc.Status` with `ErrorInfo`; anything unexpected becomes INTERNAL with a generic message and
a logged traceback). The steps share one wrapper per method, applied once at registration
(`PipelineRegistrar`), so a call costs one extra coroutine frame: no grpc.aio interceptor, whose
per-call task and handler lookup in Python cost more than the pipeline itself.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Iterable
from typing import Any

import grpc
from google.protobuf import any_pb2
from google.rpc import error_details_pb2, status_pb2
from grpc_status import rpc_status

from yousync_platform.access_tokens import AccessTokenVerifier, bearer_token
from yousync_platform.context import new_request_id, principal_var, request_id_var
from yousync_platform.errors import DomainError, Unauthenticated
from yousync_platform.metrics import HANDLED, LATENCY
from yousync_platform.telemetry import enabled as tracing_enabled
from yousync_platform.telemetry import traced_handler

log = logging.getLogger("yousync.access")
REQUEST_ID_HEADER = "x-request-id"


def rich_status(code: grpc.StatusCode, message: str, reason: str, domain: str, metadata: dict[str, str]) -> Any:
    info = error_details_pb2.ErrorInfo(reason=reason, domain=domain, metadata=metadata)
    detail = any_pb2.Any()
    detail.Pack(info)
    return rpc_status.to_status(status_pb2.Status(code=code.value[0], message=message, details=[detail]))


class ServerPipeline:
    """Request context, access log, metrics, authentication and error mapping for every call."""

    def __init__(
        self,
        *,
        domain: str,
        verifier: AccessTokenVerifier | None,
        public_methods: Iterable[str] = (),
    ) -> None:
        self._domain = domain
        self._verifier = verifier
        # Methods that ignore an Authorization header (sign-in, refresh, JWKS).
        self._public = frozenset(public_methods)
        # Labelled metric children per method (looking labels up costs more than the update).
        self._metrics: dict[str, tuple[Any, dict[grpc.StatusCode, Any]]] = {}

    def wrap(self, method: str, handler: grpc.RpcMethodHandler) -> grpc.RpcMethodHandler:
        """The handler with the pipeline around it (health and reflection are registered unwrapped)."""
        authenticate = method not in self._public
        if handler.unary_unary or handler.stream_unary:
            inner = handler.unary_unary or handler.stream_unary

            async def unary_response(request: Any, context: grpc.aio.ServicerContext) -> Any:
                started = time.perf_counter()
                try:
                    await self._enter(context, authenticate)
                    response = await inner(request, context)
                except BaseException as exc:
                    await self._fail(exc, context, method, started)
                    raise
                self._finish(method, grpc.StatusCode.OK, started)
                return response

            factory = (
                grpc.unary_unary_rpc_method_handler if handler.unary_unary else grpc.stream_unary_rpc_method_handler
            )
            new = factory(
                unary_response,
                request_deserializer=handler.request_deserializer,
                response_serializer=handler.response_serializer,
            )
        else:
            inner_stream = handler.unary_stream or handler.stream_stream

            async def stream_response(request: Any, context: grpc.aio.ServicerContext) -> AsyncIterator[Any]:
                started = time.perf_counter()
                try:
                    await self._enter(context, authenticate)
                    async for response in inner_stream(request, context):
                        yield response
                except BaseException as exc:
                    await self._fail(exc, context, method, started)
                    raise
                self._finish(method, grpc.StatusCode.OK, started)

            factory = (
                grpc.unary_stream_rpc_method_handler if handler.unary_stream else grpc.stream_stream_rpc_method_handler
            )
            new = factory(
                stream_response,
                request_deserializer=handler.request_deserializer,
                response_serializer=handler.response_serializer,
            )
        # Tracing on: a SERVER span around the whole pipeline, so the access log line and the calls
        # authentication makes belong to it. Off: not one extra frame.
        return traced_handler(method, new) if tracing_enabled() else new

    async def _enter(self, context: grpc.aio.ServicerContext, authenticate: bool) -> None:
        """Set the request id and, when a bearer token came along, the verified principal.

        Each RPC runs in its own task, so the context variables never leak between calls.
        """
        request_id = None
        authorization = None
        for key, value in context.invocation_metadata() or ():
            if key == REQUEST_ID_HEADER:
                request_id = value if isinstance(value, str) and 0 < len(value) <= 128 else None
            elif key == "authorization":
                authorization = value
        request_id_var.set(request_id or new_request_id())
        if authenticate and authorization is not None:
            if self._verifier is None:
                raise Unauthenticated("AUTHENTICATION_UNAVAILABLE", "this service accepts no access tokens")
            principal_var.set(await self._verifier.verify(bearer_token(str(authorization))))

    async def _fail(self, exc: BaseException, context: grpc.aio.ServicerContext, method: str, started: float) -> None:
        """Count and log the failed call, then abort it with a rich status (raises AbortError).

        The call is counted before the status goes out, so a client that saw the error also sees it in
        the metrics. Cancellation and aborts the handler made itself pass through unchanged.
        """
        code = _code_of(exc, context)
        self._finish(method, code, started)
        if isinstance(exc, asyncio.CancelledError | GeneratorExit | grpc.aio.AbortError):
            return
        if isinstance(exc, DomainError):
            status = rich_status(code, exc.message, exc.reason, self._domain, exc.metadata)
        else:
            log.error("unhandled error in %s", method, exc_info=exc)
            status = rich_status(code, "internal error", "INTERNAL", self._domain, {})
        await context.abort(status.code, status.details, status.trailing_metadata)

    def _finish(self, method: str, code: grpc.StatusCode, started: float) -> None:
        elapsed = time.perf_counter() - started
        latency, handled = self._metrics.get(method) or self._metrics.setdefault(method, (LATENCY.labels(method), {}))
        latency.observe(elapsed)
        counter = handled.get(code) or handled.setdefault(code, HANDLED.labels(method, code.name))
        counter.inc()
        log.info("rpc", extra={"grpc_method": method, "grpc_code": code.name, "duration_ms": round(elapsed * 1000, 2)})


def _code_of(exc: BaseException, context: grpc.aio.ServicerContext) -> grpc.StatusCode:
    if isinstance(exc, DomainError):
        return grpc.StatusCode[exc.code.value]
    if isinstance(exc, asyncio.CancelledError | GeneratorExit):
        return grpc.StatusCode.CANCELLED
    if isinstance(exc, grpc.aio.AbortError):
        return context.code() or grpc.StatusCode.UNKNOWN  # type: ignore[no-any-return]
    return grpc.StatusCode.INTERNAL


class PipelineRegistrar:
    """Stands in for the server when generated `add_*Servicer_to_server` functions register a
    servicer: every method handler is wrapped in the pipeline before it reaches the server."""

    def __init__(self, server: grpc.aio.Server, pipeline: ServerPipeline) -> None:
        self._server = server
        self._pipeline = pipeline

    def add_generic_rpc_handlers(self, handlers: Iterable[Any]) -> None:
        # Generated code registers the same handlers again, by name, right after: wrapped there.
        pass

    def add_registered_method_handlers(self, service: str, handlers: dict[str, grpc.RpcMethodHandler]) -> None:
        wrapped = {name: self._pipeline.wrap(f"/{service}/{name}", h) for name, h in handlers.items()}
        self._server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler(service, wrapped),))
        self._server.add_registered_method_handlers(service, wrapped)


__all__ = ["REQUEST_ID_HEADER", "PipelineRegistrar", "ServerPipeline", "rich_status"]
