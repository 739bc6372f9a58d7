"""Prometheus metrics of the analyzer: how busy its worker pool is, how long each stage takes, and
how analyses end (scored, re-record, failed)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

WORKERS = Gauge("analyzer_workers", "Worker processes of the analysis pool.")
POOL_TASKS = Gauge("analyzer_pool_tasks", "Stages submitted to the pool and not finished (running or queued).")
BUSY_WORKERS = Gauge("analyzer_busy_workers", "Workers running a stage now (at most analyzer_workers).")
ANALYSES_IN_FLIGHT = Gauge("analyzer_analyses_in_flight", "Analysis streams admitted and not finished.")
STAGE_SECONDS = Histogram(
    "analyzer_stage_seconds",
    "Time of one pipeline stage in the pool (queueing included), by stage.",
    ["stage"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
)
ANALYSES = Counter(
    "analyzer_analyses_total",
    "Analyses finished, by outcome: scored, rerecord (the take is not a usable reading of the line), failed.",
    ["outcome"],
)
