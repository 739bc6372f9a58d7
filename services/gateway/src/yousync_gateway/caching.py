"""HTTP caching of the public catalog reads, and the gateway's small response cache for them.

Every public catalog read (a route handler marked with `@public_read`) answers with a strong `ETag`
(a hash of the body), `Cache-Control: public, max-age=30, stale-while-revalidate=60` (a browser or
CDN may keep it; it holds nothing of the caller's, even when the request was signed in), and
`304 Not Modified` when `If-None-Match` names that ETag.

The gateway also keeps the bodies in memory (`ResponseCache`: bounded LRU, entries live at most
`ttl_seconds`), keyed by path and query string, and answers a repeated read from there without
routing, validation or a gRPC call. The catalog announces its changes on core NATS subject
`catalog.changed` (`CatalogChanged`): an edit drops every entry at once; counter moves (views,
takes) drop them at most once per `counters_refresh_seconds`. Those events are at-most-once, so the
TTL bounds what a lost event can cost, and the cache forgets everything when its NATS connection
comes back. A read that began before a drop does not store its (possibly older) answer.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from google.protobuf.message import DecodeError
from nats.aio.client import Client as NatsClient
from nats.aio.msg import Msg
from nats.aio.subscription import Subscription
from prometheus_client import Counter
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from yousync.catalog.v1 import events_pb2
from yousync_gateway.middleware import count_request, has_body, observe_latency, request_id_of
from yousync_gateway.security import authenticated
from yousync_platform.events import ReconnectHooks, connect

log = logging.getLogger(__name__)

CHANGED_SUBJECT = "catalog.changed"
SERVED_FROM_CACHE = "yousync.served_from_cache"  # scope key: CacheMiddleware answered from the cache
LOOKED_UP = "yousync.cache_looked_up"  # scope key: the cache key FastHits asked for and did not get
PUBLIC_CACHE_CONTROL = b"public, max-age=30, stale-while-revalidate=60"
MAX_BODY_BYTES = 256 * 1024

CACHE_REQUESTS = Counter(
    "gateway_catalog_cache_requests_total",
    "Public catalog reads, by how the response cache answered (hit, miss, not_modified).",
    ["result"],
)
CACHE_DROPS = Counter(
    "gateway_catalog_cache_invalidations_total", "Times the catalog response cache was emptied, by cause.", ["cause"]
)

F = TypeVar("F", bound=Callable[..., Any])
_PUBLIC_READS: set[Callable[..., Any]] = set()


def public_read(endpoint: F) -> F:
    """Mark a GET handler whose answer is the same for everyone: ETag, 304, Cache-Control, cached."""
    _PUBLIC_READS.add(endpoint)
    return endpoint


def is_public_read(route: object) -> bool:
    return getattr(route, "endpoint", None) in _PUBLIC_READS


def strong_etag(body: bytes) -> bytes:
    return b'"' + hashlib.blake2b(body, digest_size=16).hexdigest().encode() + b'"'


def etag_matches(if_none_match: bytes, etag: bytes) -> bool:
    """RFC 9110 13.1.2: `*` or any listed entity tag, compared weakly (a W/ prefix is ignored)."""
    value = if_none_match.strip()
    if value == b"*":
        return True
    opaque = etag.removeprefix(b"W/")
    return any(candidate.strip().removeprefix(b"W/") == opaque for candidate in value.split(b","))


@dataclass(slots=True)
class Entry:
    body: bytes
    etag: bytes
    content_type: bytes
    route: object
    stored_at: float


class ResponseCache:
    def __init__(
        self,
        *,
        ttl_seconds: float,
        max_entries: int = 512,
        counters_refresh_seconds: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ttl = ttl_seconds
        self._max = max_entries
        self._counters_refresh = counters_refresh_seconds
        self._clock = clock
        self._entries: OrderedDict[tuple[str, bytes], Entry] = OrderedDict()
        # Expired entries being read again, since when (see get).
        self._refreshing: dict[tuple[str, bytes], float] = {}
        self.refresh_grace = min(ttl_seconds, 5.0)
        self.generation = 0
        self._last_counters_drop = float("-inf")

    @property
    def enabled(self) -> bool:
        return self.ttl > 0

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: tuple[str, bytes]) -> Entry | None:
        """The entry while it is fresh. Once it is `ttl` old, one caller gets None and reads it again
        (its `put` refreshes it); while it does, at most `refresh_grace` seconds, the others still get the
        old entry: a busy read costs the catalog one call per `ttl`, not one per request in flight while
        the first is on its way (nothing told the cache the entry changed: a change empties it)."""
        entry = self._entries.get(key)
        if entry is None:
            return None
        now = self._clock()
        if now - entry.stored_at < self.ttl:
            self._entries.move_to_end(key)
            return entry
        started = self._refreshing.get(key)
        if started is not None and now - started < self.refresh_grace:
            return entry
        self._refreshing[key] = now
        return None

    def put(self, key: tuple[str, bytes], entry: Entry, generation: int) -> None:
        """Keep `entry` unless the cache was emptied since `generation` (the read may predate a change)."""
        self._refreshing.pop(key, None)
        if not self.enabled or generation != self.generation or len(entry.body) > MAX_BODY_BYTES:
            return
        self._entries[key] = entry
        self._entries.move_to_end(key)
        while len(self._entries) > self._max:
            evicted, _ = self._entries.popitem(last=False)
            self._refreshing.pop(evicted, None)

    def clear(self, cause: str = "edit") -> None:
        self.generation += 1
        self._entries.clear()
        self._refreshing.clear()
        CACHE_DROPS.labels(cause).inc()

    def counters_changed(self) -> None:
        """Counters moved: drop the entries, but at most once per `counters_refresh_seconds`."""
        now = self._clock()
        if now - self._last_counters_drop >= self._counters_refresh:
            self._last_counters_drop = now
            self.clear("counters")

    def on_event(self, data: bytes) -> None:
        try:
            event = events_pb2.CatalogChanged.FromString(data)
        except DecodeError:
            log.warning("catalog.changed: undecodable event, cache dropped")
            self.clear("edit")
            return
        if event.kind == events_pb2.CATALOG_CHANGE_KIND_COUNTERS:
            self.counters_changed()
        else:  # an edit, or a kind this gateway does not know yet: be safe
            self.clear("edit")


class CatalogInvalidation:
    """The NATS subscription that keeps a `ResponseCache` honest."""

    def __init__(self, cache: ResponseCache) -> None:
        self.cache = cache
        self._nc: NatsClient | None = None
        self._subscription: Subscription | None = None

    async def start(self, nats_url: str) -> None:
        hooks = ReconnectHooks()

        async def forget() -> None:  # events may have been missed while disconnected
            self.cache.clear("reconnect")

        hooks.add(forget)
        self._nc = await connect(nats_url, name="gateway-catalog-cache", reconnected=hooks)

        async def handle(msg: Msg) -> None:
            self.cache.on_event(msg.data)

        self._subscription = await self._nc.subscribe(CHANGED_SUBJECT, cb=handle)
        await self._nc.flush()  # the subscription is registered with the server before we serve

    async def close(self) -> None:
        if self._nc is not None:
            await self._nc.close()
            self._nc = None


class CacheMiddleware:
    """ETag / 304 / Cache-Control for public reads, served from the `ResponseCache` when possible.

    Sits inside CORS (so cached answers get CORS headers too) and finds the cache on the app's state
    (`app.state.gateway.cache`); without one it only adds the HTTP caching headers."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "GET":
            await self.app(scope, receive, send)
            return
        state = getattr(scope["app"].state, "gateway", None)
        cache: ResponseCache | None = getattr(state, "cache", None)
        key = (scope["path"], scope["query_string"])
        # FastHits already asked for this key (a second get would find the entry it is to refresh).
        if cache is not None and cache.enabled and scope.get(LOOKED_UP) != key:
            entry = cache.get(key)
            if entry is not None:
                scope["route"] = entry.route  # the metrics label the route template, as on a miss
                scope[SERVED_FROM_CACHE] = True  # FastHits learns the answer's final headers from it
                await _answer(send, scope, entry.body, entry.etag, entry.content_type, "hit")
                return
        generation = cache.generation if cache is not None else 0
        start: Message | None = None
        chunks: list[bytes] = []

        async def buffer_public(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                if message["status"] == 200 and is_public_read(scope.get("route")):
                    start = message
                    return
                await send(message)
            elif start is not None and message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
                if message.get("more_body", False):
                    return
                body = b"".join(chunks)
                etag = strong_etag(body)
                content_type = _header(start, b"content-type") or b"application/json"
                if cache is not None:
                    cache.put(key, Entry(body, etag, content_type, scope.get("route"), time.monotonic()), generation)
                await _answer(send, scope, body, etag, content_type, "miss", start)
            else:
                await send(message)

        await self.app(scope, receive, buffer_public)


def _header(message: Message, name: bytes) -> bytes | None:
    for key, value in message.get("headers", ()):
        if key.lower() == name:
            return bytes(value)
    return None


def _request_header(scope: Scope, name: bytes) -> bytes | None:
    for key, value in scope["headers"]:
        if key == name:
            return bytes(value)
    return None


async def _answer(
    send: Send, scope: Scope, body: bytes, etag: bytes, content_type: bytes, result: str, start: Message | None = None
) -> None:
    caching = [(b"etag", etag), (b"cache-control", PUBLIC_CACHE_CONTROL)]
    if_none_match = _request_header(scope, b"if-none-match")
    if if_none_match is not None and etag_matches(if_none_match, etag):
        CACHE_REQUESTS.labels("not_modified").inc()
        await send({"type": "http.response.start", "status": 304, "headers": caching})
        await send({"type": "http.response.body", "body": b""})
        return
    CACHE_REQUESTS.labels(result).inc()
    if start is not None:
        headers = [(k, v) for k, v in start.get("headers", ()) if k.lower() not in (b"etag", b"cache-control")]
    else:
        headers = [(b"content-type", content_type), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": 200, "headers": headers + caching})
    await send({"type": "http.response.body", "body": body})


# The headers of an answer that change with every request or entry; the rest is the answer's shape.
_PER_ANSWER = (b"x-request-id", b"etag", b"content-length")
_Shape = tuple[int, int, bool, bytes | None, bytes]  # id(route) (routes live as long as the app), ...


class FastHits:
    """A repeated public read answered from the `ResponseCache` before routing and the middleware stack.

    The first hit of each shape (route, status 200 or 304, signed in or not, `Origin`, content type)
    goes the whole way, through every middleware (security headers, CORS, request id, metrics), and the
    headers it leaves with are recorded, less those of the one answer (`X-Request-Id`, `ETag`,
    `Content-Length`). Later hits of that shape get exactly those headers with their own values, and the
    same metrics, without routing: no rule is restated here, it is learnt from the stack that applies it.
    A request with a body, a method other than GET or an unknown shape takes the usual way."""

    def __init__(self, cache: ResponseCache, max_shapes: int = 256) -> None:
        self.cache = cache
        self._max = max_shapes
        self._shapes: dict[_Shape, list[tuple[bytes, bytes]]] = {}
        self.served = 0  # answers given here (tests, observability)

    async def __call__(self, scope: Scope, receive: Receive, send: Send, app: ASGIApp) -> None:
        """Answer `scope` from the cache when its shape is known; otherwise run `app` (learning the shape
        when `app` answers it from the cache)."""
        if scope["type"] != "http" or scope["method"] != "GET" or not self.cache.enabled or has_body(scope):
            await app(scope, receive, send)
            return
        key = (scope["path"], scope["query_string"])
        entry = self.cache.get(key)
        if entry is None:
            scope[LOOKED_UP] = key
            await app(scope, receive, send)
            return
        started = time.perf_counter()
        if_none_match = _request_header(scope, b"if-none-match")
        status = 304 if if_none_match is not None and etag_matches(if_none_match, entry.etag) else 200
        shape: _Shape = (
            id(entry.route),
            status,
            authenticated(scope),
            _request_header(scope, b"origin"),
            entry.content_type,
        )
        headers = self._shapes.get(shape)
        if headers is None:
            await app(scope, receive, self._learning(scope, shape, send))
            return
        request_id = request_id_of(scope)
        own = [(b"x-request-id", request_id.encode()), (b"etag", entry.etag)]
        if status == 200:
            own.append((b"content-length", str(len(entry.body)).encode()))
        route = getattr(entry.route, "path", "unmatched")
        observe_latency(route, "GET", started)
        CACHE_REQUESTS.labels("hit" if status == 200 else "not_modified").inc()
        self.served += 1
        try:
            await send({"type": "http.response.start", "status": status, "headers": headers + own})
            await send({"type": "http.response.body", "body": entry.body if status == 200 else b""})
        finally:
            count_request(route, "GET", status)

    def _learning(self, scope: Scope, shape: _Shape, send: Send) -> Send:
        async def learn(message: Message) -> None:
            if (
                message["type"] == "http.response.start"
                and scope.get(SERVED_FROM_CACHE)
                and message["status"] == shape[1]
                and len(self._shapes) < self._max
            ):
                self._shapes[shape] = [(k, v) for k, v in message.get("headers", ()) if k.lower() not in _PER_ANSWER]
            await send(message)

        return learn
