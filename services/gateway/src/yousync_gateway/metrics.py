"""Prometheus metrics of the gateway, served at /metrics on a separate port (see `MetricsServer`)."""

from __future__ import annotations

from wsgiref.simple_server import WSGIServer

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, start_http_server
from prometheus_client.multiprocess import MultiProcessCollector

HTTP_REQUESTS = Counter(
    "http_requests_total", "HTTP requests handled, by route template, method and status.", ["route", "method", "status"]
)
HTTP_LATENCY = Histogram(
    "http_request_duration_seconds",
    "Time to the response's first byte, by route template.",
    ["route", "method"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
SSE_OPEN = Gauge("gateway_sse_streams_open", "Progress streams open now.")
SSE_EVENTS = Counter("gateway_sse_events_total", "Progress events sent.")
SSE_DIRECT = Counter(
    "gateway_sse_events_direct_total",
    "Progress events of those written straight to the socket by the fan-out (no task woken, no ASGI send).",
)
UPLOADS = Counter("gateway_uploads_total", "Uploads, by outcome.", ["outcome"])


class MetricsServer:
    """/metrics on its own port (GATEWAY_METRICS_HOST:GATEWAY_METRICS_PORT, 127.0.0.1 by default), never on
    the API port and never routed by the edge proxy. Port 0 turns it off."""

    def __init__(self, host: str, port: int, registry: CollectorRegistry | None = None) -> None:
        self._server: WSGIServer | None = None
        self.port = 0
        if port:
            if registry is None:
                self._server, _ = start_http_server(port, addr=host)
            else:
                self._server, _ = start_http_server(port, addr=host, registry=registry)
            self.port = int(self._server.server_port)

    @classmethod
    def of_workers(cls, host: str, port: int, directory: str) -> MetricsServer:
        """The main process's server when several worker processes serve the API: each worker writes its
        metrics under `directory` (PROMETHEUS_MULTIPROC_DIR, set before they start), this sums them up."""
        registry = CollectorRegistry()
        MultiProcessCollector(registry, path=directory)
        return cls(host, port, registry)

    def close(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
