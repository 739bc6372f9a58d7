"""Prometheus metrics for gRPC servers, and the endpoint that exposes them."""

from __future__ import annotations

from prometheus_client import Counter, Histogram, start_http_server

HANDLED = Counter(
    "grpc_server_handled_total", "RPCs completed on the server, by status code.", ["grpc_method", "grpc_code"]
)
LATENCY = Histogram(
    "grpc_server_handling_seconds",
    "Time to handle an RPC on the server.",
    ["grpc_method"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
)


def serve_metrics(host: str, port: int) -> None:
    """Expose /metrics over HTTP (port 0 disables it)."""
    if port:
        start_http_server(port, addr=host)
