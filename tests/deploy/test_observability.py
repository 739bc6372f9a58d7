"""deploy/k8s/components/observability: the Grafana dashboard and the Prometheus alert rules name only
metrics the services export, cover what an operator needs (golden signals per service, queue depth and
age, job latency by stage, re-record rate, analyzer utilisation; error rate, p99, dead letters, queue
age, no consumers), and ship in the prod overlay as labelled ConfigMaps."""

from __future__ import annotations

import importlib
import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from prometheus_client import REGISTRY

from tests.deploy.test_k8s import of_kind

ROOT = Path(__file__).resolve().parents[2]
COMPONENT = ROOT / "deploy" / "k8s" / "components" / "observability"
DASHBOARD = COMPONENT / "dashboards" / "yousync-overview.json"
RULES = COMPONENT / "rules" / "yousync.rules.yaml"
# Each service's server (and the gateway's app) imports every module that registers its metrics.
SERVICE_MODULES = (
    "yousync_auth.server",
    "yousync_catalog.server",
    "yousync_analysis_orchestrator.server",
    "yousync_analyzer.server",
    "yousync_gateway.app",
)
PROMQL_WORDS = {
    "sum", "min", "max", "avg", "count", "by", "without", "on", "ignoring", "group_left", "group_right",
    "and", "or", "unless", "bool", "offset", "le", "inf", "nan",
}  # fmt: skip
SUFFIXES = {
    "counter": ("_total", "_created"),
    "histogram": ("_bucket", "_count", "_sum", "_created"),
    "summary": ("_count", "_sum", "_created"),
    "gauge": ("",),
    "info": ("_info",),
    "unknown": ("",),
}


def exported_names() -> set[str]:
    for module in SERVICE_MODULES:
        importlib.import_module(module)
    names: set[str] = set()
    for family in REGISTRY.collect():
        names.update(family.name + suffix for suffix in SUFFIXES.get(family.type, ("",)))
        names.update(sample.name for sample in family.samples)
    return names


def metric_names(expr: str) -> set[str]:
    """The metric names a PromQL expression reads (functions, keywords, labels and durations removed)."""
    expr = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)
    expr = re.sub(r"\{[^}]*\}", " ", expr)
    expr = re.sub(r"\[[^\]]*\]", " ", expr)
    expr = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", " ", expr)
    names = set()
    for match in re.finditer(r"(?<![\w.])[a-zA-Z_:][a-zA-Z0-9_:]*", expr):
        if expr[match.end() :].lstrip().startswith("(") or match.group().lower() in PROMQL_WORDS:
            continue  # a function call or a keyword
        names.add(match.group())
    return names


def dashboard_exprs() -> list[tuple[str, str]]:
    dashboard = json.loads(DASHBOARD.read_text())
    return [
        (panel["title"], target["expr"])
        for panel in dashboard["panels"]
        for target in panel.get("targets", [])
        if target.get("expr")
    ]


def rules() -> list[dict[str, Any]]:
    return [rule for group in yaml.safe_load(RULES.read_text())["groups"] for rule in group["rules"]]


def test_the_extractor_finds_metric_names_and_nothing_else() -> None:
    expr = (
        'histogram_quantile(0.99, sum by (job, le) (rate(a_seconds_bucket{grpc_method!~".*/(X|Y)"}[5m]))) > 0.5'
        " and max by (consumer) (b_gauge) == 0 / ignoring (x) c_total offset 5m"
    )
    assert metric_names(expr) == {"a_seconds_bucket", "b_gauge", "c_total"}
    assert metric_names('absent(up_metric{consumer="dispatcher"})') == {"up_metric"}


def test_every_metric_a_panel_or_rule_names_is_exported() -> None:
    exported = exported_names()
    assert {"grpc_server_handled_total", "http_requests_total", "analyzer_busy_workers"} <= exported
    used = [(title, name) for title, expr in dashboard_exprs() for name in metric_names(expr)]
    used += [(rule["alert"], name) for rule in rules() for name in metric_names(rule["expr"])]
    assert len(used) >= 30
    missing = sorted({(where, name) for where, name in used if name not in exported})
    assert not missing, f"named but not exported: {missing}"
    # And the check can fail: a name no service exports is caught.
    assert "yousync_no_such_metric" not in exported


def test_the_dashboard_covers_golden_signals_queue_stages_rerecords_and_utilisation() -> None:
    exprs = " ".join(expr for _, expr in dashboard_exprs())
    for needed in (
        "sum by (job) (rate(grpc_server_handled_total",  # traffic per service
        'grpc_code=~"UNKNOWN|INTERNAL',  # errors per service
        "grpc_server_handling_seconds_bucket",  # latency
        "process_cpu_seconds_total",  # saturation
        "http_request_duration_seconds_bucket",
        "jetstream_consumer_pending_messages",  # queue depth
        "jetstream_consumer_oldest_unacked_age_seconds",  # queue age
        "sum by (stage, le) (rate(analyzer_stage_seconds_bucket",  # job latency by stage
        'analyzer_analyses_total{outcome="rerecord"}',  # re-record rate
        "sum(analyzer_busy_workers) / sum(analyzer_workers)",  # analyzer utilisation
    ):
        assert needed in exprs, needed
    dashboard = json.loads(DASHBOARD.read_text())
    assert dashboard["uid"] and len({p["id"] for p in dashboard["panels"]}) == len(dashboard["panels"])


def test_the_rules_alert_on_errors_latency_dead_letters_queue_age_and_no_consumers() -> None:
    by_name = {rule["alert"]: rule for rule in rules()}
    for name in (
        "YouSyncGrpcErrorRateHigh",
        "YouSyncGatewayErrorRateHigh",
        "YouSyncGrpcLatencyP99High",
        "YouSyncGatewayLatencyP99High",
        "YouSyncDeadLetters",
        "YouSyncQueueOldJob",
        "YouSyncQueueNoConsumers",
    ):
        rule = by_name[name]
        assert rule["labels"]["severity"] in {"page", "ticket"} and rule["annotations"]["summary"]
    assert "jetstream_dead_letters_total" in by_name["YouSyncDeadLetters"]["expr"]
    assert "jetstream_consumer_waiting_pulls" in by_name["YouSyncQueueNoConsumers"]["expr"]


@pytest.mark.parametrize("name, label", [("yousync-grafana-dashboards", "grafana_dashboard"),
                                         ("yousync-prometheus-rules", "prometheus_rules")])  # fmt: skip
def test_prod_ships_the_dashboard_and_the_rules_as_labelled_config_maps(name: str, label: str) -> None:
    [config_map] = [c for c in of_kind("prod", "ConfigMap") if c["metadata"]["name"] == name]
    assert config_map["metadata"]["labels"][label] == "1"
    [(key, content)] = config_map["data"].items()
    source = DASHBOARD if key.endswith(".json") else RULES
    assert content == source.read_text()
