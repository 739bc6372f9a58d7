"""Prometheus metrics of the gateway (served at /metrics)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

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
UPLOADS = Counter("gateway_uploads_total", "Uploads, by outcome.", ["outcome"])
