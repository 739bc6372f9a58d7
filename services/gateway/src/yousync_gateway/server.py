"""The gateway's HTTP server: uvicorn with httptools, plus the limits uvicorn leaves out.

uvicorn's httptools protocol has no cap on a request head and no timeout on reading it: a client could
send a 16 MiB header, or half a request head, and hold memory or a connection for ever. `GuardedProtocol`
adds, per connection:

* a request-head cap (`max_request_head_bytes`): more bytes before the head ends → 431, then close;
* a head-read deadline (`request_head_timeout_seconds`, from the connection's opening or the head's
  first byte, not reset by trickling bytes) → 408 and close;
* a body-idle timeout (`body_idle_timeout_seconds`): silence while a request body is still due (and the
  app is reading it) → the connection closes and the app sees `http.disconnect`;
* a lingering close: when a response with `Connection: close` goes out while the client is still sending
  (an early 413, a 431), the rest is read and discarded, bounded by `drain_max_bytes` and
  `drain_max_seconds`, so that a client without `Expect: 100-continue` reads the answer instead of a reset;
* a direct body writer for long-lived streams (`DirectBody`, the ASGI extension `DIRECT_BODY`): the progress
  streams' fan-out writes an already framed chunk to ten thousand sockets in one synchronous pass instead
  of waking ten thousand tasks that each await `send` through every middleware. A stream's last event
  goes out with the end of the body in the same write; the end that `send` writes after it is left out.

It relies on uvicorn's `HttpToolsProtocol` internals (`cycle`, `flow`, the parser callbacks); the version
is pinned by uv.lock and tests/security/test_server_limits.py exercises every branch over real sockets.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

import httptools
import uvicorn
from uvicorn.protocols.http.flow_control import FlowControl
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from yousync_gateway.settings import GatewaySettings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ServerLimits:
    max_head_bytes: int
    head_timeout: float
    body_idle_timeout: float
    drain_max_bytes: int
    drain_max_seconds: float

    @classmethod
    def of(cls, settings: GatewaySettings) -> ServerLimits:
        return cls(
            settings.max_request_head_bytes,
            settings.request_head_timeout_seconds,
            settings.body_idle_timeout_seconds,
            settings.drain_max_bytes,
            settings.drain_max_seconds,
        )


def _plain(status: int, reason: str, code: str, detail: str) -> bytes:
    body = f'{{"detail":"{detail}","code":"{code}"}}'.encode()
    return (
        f"HTTP/1.1 {status} {reason}\r\ncontent-type: application/json\r\ncontent-length: {len(body)}\r\n"
        "connection: close\r\ncache-control: no-store\r\nx-content-type-options: nosniff\r\n\r\n"
    ).encode() + body


HEAD_TOO_LARGE = _plain(431, "Request Header Fields Too Large", "HEADERS_TOO_LARGE", "request head too large")
HEAD_TIMEOUT = _plain(408, "Request Timeout", "REQUEST_TIMEOUT", "request head not received in time")


class _HeadTooLarge(Exception):
    pass


DIRECT_BODY = "yousync.direct_body"


# The last chunk of chunked transfer encoding: what uvicorn writes for a body message without more_body.
END_OF_BODY = b"0\r\n\r\n"


def chunk(data: bytes) -> bytes:
    """`data` framed as one chunk of chunked transfer encoding (what uvicorn writes for a body message)."""
    return b"%x\r\n%b\r\n" % (len(data), data)


class DirectBody:
    """`scope["extensions"][DIRECT_BODY]` of a request: write chunks of its response's body straight to the
    connection, from plain (synchronous) code, when that is exactly what awaiting
    `send({"type": "http.response.body", "body": data, "more_body": True})` would do at once: the response
    has started with chunked transfer encoding, is not complete, the client is still connected and is
    reading (the transport's write buffer is under its high-water mark, so `send` would not wait).
    Otherwise `write` writes nothing and says so, and the caller uses `send`, which waits, as usual.
    Only body chunks in the middle of a response go this way: its start and its end go through `send`
    and every middleware. `on_lost` registers a callback run once when the connection is lost, so a
    stream that only waits learns of it without reading `receive` in another task."""

    __slots__ = ("_cycle", "_ended", "_lost", "_real")

    def __init__(self, real: asyncio.Transport, cycle: Any) -> None:
        self._real = real
        self._cycle = cycle
        self._ended = False
        self._lost: Callable[[], None] | None = None

    @property
    def connected(self) -> bool:
        return not self._cycle.disconnected and not self._real.is_closing()

    def write(self, framed: bytes, *, last: bool = False) -> bool:
        """Write `framed` (made with `chunk()`); False (nothing written) when `send` must be used instead.
        `last`: it is the body's last data, and the end of the body goes in the same write (one segment, one
        system call, the end with the event rather than after a task has woken); the response must then end
        with a body message that has no data, whose end is not written again (`_Transport.write`)."""
        cycle = self._cycle
        if (
            self._ended
            or cycle.chunked_encoding is not True
            or not cycle.response_started
            or cycle.response_complete
            or cycle.disconnected
            or cycle.flow.write_paused
            or self._real.is_closing()
        ):
            return False
        if last:
            self._ended = True
            cycle.transport.end_written = True
            self._real.write(framed + END_OF_BODY)
        else:
            self._real.write(framed)
        return True

    def on_lost(self, callback: Callable[[], None] | None) -> None:
        self._lost = callback

    def _connection_lost(self) -> None:
        callback, self._lost = self._lost, None
        if callback is not None:
            callback()


class _Transport:
    """The connection's transport as uvicorn sees it: `close()` becomes a lingering close while the
    client is still sending its request body, and the end of a body that `DirectBody` already wrote
    (`end_written`) is not written again."""

    def __init__(self, real: asyncio.Transport, protocol: GuardedProtocol) -> None:
        self._real = real
        self._protocol = protocol
        self.end_written = False

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)

    def write(self, data: bytes) -> None:
        if self.end_written:
            if data != END_OF_BODY:
                raise RuntimeError("response data after the end of its body")
            self.end_written = False
            return
        self._real.write(data)

    def close(self) -> None:
        self._protocol._close()

    def is_closing(self) -> bool:
        return self._real.is_closing() or self._protocol._draining


class _Flow(FlowControl):
    """uvicorn's flow control, telling the protocol when the app pauses or resumes reading the body."""

    def __init__(self, transport: Any, protocol: GuardedProtocol) -> None:
        super().__init__(transport)
        self._protocol = protocol

    def pause_reading(self) -> None:
        super().pause_reading()
        self._protocol._arm_body_timer()

    def resume_reading(self) -> None:
        super().resume_reading()
        self._protocol._arm_body_timer()


class GuardedProtocol(HttpToolsProtocol):
    limits: ClassVar[ServerLimits]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._real: asyncio.Transport | None = None
        self._in_head = True
        self._head_bytes = 0
        self._heads = 0
        self._head_too_large = False
        self._head_timer: asyncio.TimerHandle | None = None
        self._body_timer: asyncio.TimerHandle | None = None
        self._drain_timer: asyncio.TimerHandle | None = None
        self._draining = False
        self._drained = 0
        self._directs: list[DirectBody] = []  # of this connection's responses not yet complete

    # --- connection ---------------------------------------------------------------------------
    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        self._real = transport
        super().connection_made(_Transport(transport, self))  # type: ignore[arg-type]
        self.flow = _Flow(self.transport, self)
        self._start_head_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_timers()
        super().connection_lost(exc)
        directs, self._directs = self._directs, []
        for direct in directs:
            direct._connection_lost()

    def data_received(self, data: bytes) -> None:
        if self._draining:
            self._drained += len(data)
            if self._drained > self.limits.drain_max_bytes:
                self._hard_close()
            return
        if self._in_head and self._head_timer is None:
            self._start_head_timer()
        heads = self._heads
        self._unset_keepalive_if_required()
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError:
            if self._head_too_large:
                log.info("request head over %d bytes: 431", self.limits.max_head_bytes)
                self._reject(HEAD_TOO_LARGE)
                return
            self.logger.warning("Invalid HTTP request received.")
            self.send_400_response("Invalid HTTP request received.")
            return
        except httptools.HttpParserUpgrade:
            if self._should_upgrade():
                self.handle_websocket_upgrade()
            else:
                self._unsupported_upgrade_warning()
            return
        if self._real is None or self._real.is_closing() or self._draining:
            return
        # A read without any message boundary while in a head was all head. (A head's exact size is also
        # checked when it ends, in on_headers_complete; this count bounds memory while it hasn't.)
        if self._in_head and heads == self._heads:
            self._head_bytes += len(data)
            if self._head_bytes > self.limits.max_head_bytes:
                log.info("request head over %d bytes: 431", self.limits.max_head_bytes)
                self._reject(HEAD_TOO_LARGE)
                return
        self._arm_body_timer()

    # --- parser callbacks ---------------------------------------------------------------------
    def on_headers_complete(self) -> None:
        size = len(self.url) + sum(len(name) + len(value) + 4 for name, value in self.headers)
        if size > self.limits.max_head_bytes:
            self._head_too_large = True
            raise _HeadTooLarge  # stops the parser: the app never sees this request
        self._in_head = False
        self._heads += 1
        self._head_bytes = 0
        self._cancel(self._head_timer)
        self._head_timer = None
        previous = self.cycle
        super().on_headers_complete()
        cycle = self.cycle
        if cycle is not previous and cycle is not None and self._real is not None:  # a new request (no upgrade)
            direct = DirectBody(self._real, cycle)
            if self._directs:
                self._directs = [d for d in self._directs if not d._cycle.response_complete]
            self._directs.append(direct)
            scope: dict[str, Any] = self.scope  # type: ignore[assignment]
            scope["extensions"] = {**scope.get("extensions", {}), DIRECT_BODY: direct}

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self._heads += 1  # this read also held the end of a body: its size says nothing about a head
        self._in_head = True
        self._cancel(self._body_timer)
        self._body_timer = None

    # --- timers -------------------------------------------------------------------------------
    def _start_head_timer(self) -> None:
        self._cancel(self._head_timer)
        self._head_timer = self.loop.call_later(self.limits.head_timeout, self._head_timed_out)

    def _head_timed_out(self) -> None:
        self._head_timer = None
        if not self._in_head or self._real is None or self._real.is_closing() or self._draining:
            return
        if self.cycle is not None and not self.cycle.response_complete:
            return  # a response is still going out; the next head's clock starts with its first byte
        if self._head_bytes:
            self._reject(HEAD_TIMEOUT)
        else:
            self._hard_close()

    def _arm_body_timer(self) -> None:
        """Run the body-idle clock while a body is due and the app is reading it, and only then."""
        self._cancel(self._body_timer)
        self._body_timer = None
        cycle = self.cycle
        if (
            self._in_head
            or cycle is None
            or not cycle.more_body
            or cycle.response_complete
            or self.flow.read_paused
            or self._draining
        ):
            return
        self._body_timer = self.loop.call_later(self.limits.body_idle_timeout, self._body_timed_out)

    def _body_timed_out(self) -> None:
        self._body_timer = None
        log.info("request body idle for %.0f s: closing", self.limits.body_idle_timeout)
        self._hard_close()

    @staticmethod
    def _cancel(timer: asyncio.TimerHandle | None) -> None:
        if timer is not None:
            timer.cancel()

    def _cancel_timers(self) -> None:
        for timer in (self._head_timer, self._body_timer, self._drain_timer):
            self._cancel(timer)
        self._head_timer = self._body_timer = self._drain_timer = None

    # --- closing ------------------------------------------------------------------------------
    def _reject(self, response: bytes) -> None:
        """Answer a request the app never saw, then close after draining what the client still sends."""
        assert self._real is not None
        if self.cycle is not None and not self.cycle.response_complete:
            self._hard_close()  # the previous response is still going out: no room for another
            return
        self._real.write(response)
        self._start_draining()

    def _close(self) -> None:
        """uvicorn closing the connection: linger while the request body is still arriving."""
        cycle = self.cycle
        if (
            self._real is not None
            and not self._real.is_closing()
            and cycle is not None
            and cycle.more_body
            and not self._in_head
            and self.limits.drain_max_bytes > 0
        ):
            self._start_draining()
        else:
            self._hard_close()

    def _start_draining(self) -> None:
        assert self._real is not None
        if self._draining:
            return
        self._draining = True
        self._cancel_timers()
        if self.cycle is not None:
            self.cycle.more_body = False
        self._real.resume_reading()
        if self._real.can_write_eof():
            self._real.write_eof()  # the answer is complete: the client may read it now
        self._drain_timer = self.loop.call_later(self.limits.drain_max_seconds, self._hard_close)

    def _hard_close(self) -> None:
        self._cancel_timers()
        if self._real is not None and not self._real.is_closing():
            self._real.close()

    def eof_received(self) -> None:
        if self._draining:
            self._hard_close()


def protocol_class(limits: ServerLimits) -> type[GuardedProtocol]:
    return type("GatewayHttpProtocol", (GuardedProtocol,), {"limits": limits})


class WorkerHttpProtocol(GuardedProtocol):
    """The protocol of a worker process (GATEWAY_WORKERS > 1): importable by name, so uvicorn can hand it to
    the processes it spawns; each worker sets `limits` from its settings before it serves."""


# --- the access log: no credential in a query string ------------------------------------------
SECRET_QUERY_KEYS = ("ticket", "access_token", "token", "key", "signature", "sig", "refresh_token", "id_token", "code")
_SECRET_QUERY = re.compile(
    r"(?i)([?&](?:" + "|".join(re.escape(k) for k in SECRET_QUERY_KEYS) + r")=)[^&#\s]*",
)


def redact_query(text: str) -> str:
    """`/x?ticket=abc&page=2` → `/x?ticket=REDACTED&page=2` (any of SECRET_QUERY_KEYS, any case)."""
    return _SECRET_QUERY.sub(r"\1REDACTED", text)


class RedactQueryStrings(logging.Filter):
    """On uvicorn's access logger: every argument of the line has its credentials masked."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(redact_query(a) if isinstance(a, str) else a for a in record.args)
        if isinstance(record.msg, str):
            record.msg = redact_query(record.msg)
        return True


def install_access_log_redaction() -> None:
    access = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, RedactQueryStrings) for f in access.filters):
        access.addFilter(RedactQueryStrings())


# Connections the kernel holds for accept(): a burst of EventSource reconnections (thousands of tabs after a
# deploy) queues here instead of being dropped; the kernel caps it at net.core.somaxconn.
LISTEN_BACKLOG = 8192


def uvicorn_config(app: Any, settings: GatewaySettings, **overrides: Any) -> uvicorn.Config:
    """THE server configuration of the gateway, used by `yousync-gateway` and by the tests' gateway."""
    install_access_log_redaction()
    options: dict[str, Any] = {
        "host": settings.http_host,
        "port": settings.http_port,
        "http": protocol_class(ServerLimits.of(settings)),
        "log_config": None,
        "timeout_graceful_shutdown": int(settings.grace_seconds),
        "timeout_keep_alive": settings.keep_alive_seconds,
        "proxy_headers": True,
        "forwarded_allow_ips": settings.forwarded_allow_ips,
        "server_header": False,
        "lifespan": "on",
        "backlog": LISTEN_BACKLOG,
    }
    options.update(overrides)
    return uvicorn.Config(app, **options)
