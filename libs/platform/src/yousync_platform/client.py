"""gRPC clients: one reused channel per target, a deadline on every call, retries only where safe.

A target may name several replicas (`ipv4:127.0.0.1:50053,127.0.0.1:50153`, or a DNS name with several
addresses): calls are spread over them round-robin, and grpc.health.v1 client-side health checking
(`healthCheckConfig`) keeps a replica that is not SERVING (starting, draining, gone) out of the rotation.

Deadlines and retries come from the channel's service config: every method gets `timeout_seconds`
unless listed in `streaming` (long-lived streams set their own deadline), and only the methods
listed in `idempotent` are retried, and only on UNAVAILABLE. The request id of the current call is
forwarded as `x-request-id` so logs line up across hops; with tracing on, every call is a CLIENT span
whose context goes along as W3C `traceparent` (`yousync_platform.telemetry`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import grpc
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from yousync_platform.context import request_id_var
from yousync_platform.errors import (
    DomainError,
    FailedPrecondition,
    InvalidArgument,
    NotFound,
    PermissionDenied,
    ResourceExhausted,
    Unauthenticated,
    Unavailable,
)
from yousync_platform.grpc_write_fix import install as install_grpc_write_fix
from yousync_platform.pipeline import REQUEST_ID_HEADER
from yousync_platform.telemetry import client_interceptors


@dataclass(frozen=True)
class ClientPolicy:
    service: str
    timeout_seconds: float = 5.0
    idempotent: frozenset[str] = field(default_factory=frozenset)
    streaming: frozenset[str] = field(default_factory=frozenset)

    def service_config(self) -> str:
        configs: list[dict[str, Any]] = [{"name": [{"service": self.service}], "timeout": f"{self.timeout_seconds}s"}]
        retry = {
            "maxAttempts": 4,
            "initialBackoff": "0.1s",
            "maxBackoff": "1s",
            "backoffMultiplier": 2,
            "retryableStatusCodes": ["UNAVAILABLE"],
        }
        for method in sorted(self.idempotent):
            entry: dict[str, Any] = {
                "name": [{"service": self.service, "method": method}],
                "retryPolicy": retry,
            }
            if method not in self.streaming:
                entry["timeout"] = f"{self.timeout_seconds}s"
            configs.append(entry)
        for method in sorted(self.streaming - self.idempotent):
            configs.append({"name": [{"service": self.service, "method": method}]})
        # Health checking of each address (the whole server: service name ""); a server without the
        # health service counts as healthy.
        return json.dumps({"methodConfig": configs, "healthCheckConfig": {"serviceName": ""}})


def _with_request_id(details: Any) -> Any:
    request_id = request_id_var.get()
    if not request_id:
        return details
    metadata = [(k, v) for k, v in (details.metadata or ()) if k != REQUEST_ID_HEADER]
    metadata.append((REQUEST_ID_HEADER, request_id))
    return details._replace(metadata=metadata)


class _RequestIdUnaryUnary(grpc.aio.UnaryUnaryClientInterceptor):
    async def intercept_unary_unary(self, continuation: Any, details: Any, request: Any) -> Any:
        return await continuation(_with_request_id(details), request)


class _RequestIdUnaryStream(grpc.aio.UnaryStreamClientInterceptor):
    async def intercept_unary_stream(self, continuation: Any, details: Any, request: Any) -> Any:
        return await continuation(_with_request_id(details), request)


class _RequestIdStreamUnary(grpc.aio.StreamUnaryClientInterceptor):
    async def intercept_stream_unary(self, continuation: Any, details: Any, request_iterator: Any) -> Any:
        return await continuation(_with_request_id(details), request_iterator)


class _RequestIdStreamStream(grpc.aio.StreamStreamClientInterceptor):
    async def intercept_stream_stream(self, continuation: Any, details: Any, request_iterator: Any) -> Any:
        return await continuation(_with_request_id(details), request_iterator)


# A ping every 30 s while a call is open (a quiet WatchJob stream for minutes): the servers accept one every
# server.MIN_PING_INTERVAL_MS, so they never answer GOAWAY "too_many_pings", which kills every call on the channel.
KEEPALIVE_TIME_MS = 30_000


def open_channel(target: str, policy: ClientPolicy) -> grpc.aio.Channel:
    # Our streaming clients need the server's status when a write races the end of the call (idempotent).
    install_grpc_write_fix()
    return grpc.aio.insecure_channel(
        target,
        options=[
            ("grpc.service_config", policy.service_config()),
            ("grpc.enable_retries", 1),
            ("grpc.max_receive_message_length", 8 * 1024 * 1024),
            ("grpc.keepalive_time_ms", KEEPALIVE_TIME_MS),
            # In-cluster peers come back quickly: don't wait minutes before reconnecting.
            ("grpc.initial_reconnect_backoff_ms", 200),
            ("grpc.max_reconnect_backoff_ms", 2_000),
            ("grpc.lb_policy_name", "round_robin"),
        ],
        interceptors=[
            _RequestIdUnaryUnary(),
            _RequestIdUnaryStream(),
            _RequestIdStreamUnary(),
            _RequestIdStreamStream(),
            *client_interceptors(),
        ],
    )


class Channels:
    """Channels reused per (target, service); close them all at shutdown."""

    def __init__(self) -> None:
        self._channels: dict[tuple[str, str], grpc.aio.Channel] = {}

    def get(self, target: str, policy: ClientPolicy) -> grpc.aio.Channel:
        key = (target, policy.service)
        channel = self._channels.get(key)
        if channel is None:
            channel = self._channels[key] = open_channel(target, policy)
        return channel

    async def close(self) -> None:
        for channel in self._channels.values():
            await channel.close()
        self._channels.clear()


@dataclass(frozen=True)
class ErrorDetails:
    """What a failed call's `google.rpc.Status` says beyond its code: the `ErrorInfo` reason and
    metadata, and the `RetryInfo` delay (seconds), each empty when absent."""

    reason: str = ""
    metadata: dict[str, str] = field(default_factory=dict)
    retry_after_seconds: float | None = None


def error_details(error: grpc.aio.AioRpcError) -> ErrorDetails:
    """THE parser of rich error details (`ErrorInfo`, `RetryInfo`); a malformed status counts as none."""
    try:
        status = rpc_status.from_call(error)  # type: ignore[arg-type]
    except Exception:
        status = None
    reason, metadata, retry = "", {}, None
    for detail in status.details if status is not None else ():
        if detail.Is(error_details_pb2.ErrorInfo.DESCRIPTOR):
            info = error_details_pb2.ErrorInfo()
            detail.Unpack(info)
            reason, metadata = info.reason, dict(info.metadata)
        elif detail.Is(error_details_pb2.RetryInfo.DESCRIPTOR):
            retry_info = error_details_pb2.RetryInfo()
            detail.Unpack(retry_info)
            retry = retry_info.retry_delay.seconds + retry_info.retry_delay.nanos / 1e9
    return ErrorDetails(reason, metadata, retry)


def downstream_error(error: grpc.aio.AioRpcError, service: str) -> DomainError:
    """A downstream service's error as our own domain error (reason kept; transport errors → UNAVAILABLE)."""
    reason = error_details(error).reason
    code = error.code()
    message = error.details() or ""
    mapped: dict[grpc.StatusCode, type[DomainError]] = {
        grpc.StatusCode.NOT_FOUND: NotFound,
        grpc.StatusCode.INVALID_ARGUMENT: InvalidArgument,
        grpc.StatusCode.PERMISSION_DENIED: PermissionDenied,
        grpc.StatusCode.UNAUTHENTICATED: Unauthenticated,
        grpc.StatusCode.FAILED_PRECONDITION: FailedPrecondition,
        grpc.StatusCode.RESOURCE_EXHAUSTED: ResourceExhausted,
    }
    if code in mapped:
        return mapped[code](reason or code.name, message)
    return Unavailable(f"{service.upper()}_UNAVAILABLE", f"{service} is unavailable, try again")
