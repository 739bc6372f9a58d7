"""deploy/k8s: both overlays turn span export on for every service process, towards an OpenTelemetry
Collector that runs in the overlay, receives OTLP on the port the services use, and that the network
policies let every service reach."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
import yaml

from tests.deploy.test_k8s import (
    OVERLAYS,
    allows_egress,
    allows_ingress,
    containers,
    matches,
    of_kind,
    pod_labels,
)

SERVICES = {"auth", "catalog", "analysis-orchestrator", "analysis-dispatcher", "analyzer", "gateway"}


def _environment(overlay: str, workload: dict) -> dict[str, str]:  # type: ignore[type-arg]
    maps = {c["metadata"]["name"]: c.get("data", {}) for c in of_kind(overlay, "ConfigMap")}
    values: dict[str, str] = {}
    for c in containers(workload):
        for source in c.get("envFrom", []):
            values.update(maps[source["configMapRef"]["name"]])
        values.update({e["name"]: e["value"] for e in c.get("env", []) if "value" in e})
    return values


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_service_exports_to_a_collector_it_may_reach(overlay: str) -> None:
    deployments = {d["metadata"]["name"]: d for d in of_kind(overlay, "Deployment")}
    assert set(deployments) >= SERVICES
    [collector] = [d for d in deployments.values() if "otel-collector" in d["metadata"]["name"]]
    collector_labels = pod_labels(collector)
    collector_ports = {p["containerPort"] for c in containers(collector) for p in c.get("ports", [])}
    for name in sorted(SERVICES):
        env = _environment(overlay, deployments[name])
        assert env.get("OTEL_TRACES_EXPORTER") == "otlp", name
        assert env.get("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc") == "grpc", name
        endpoint = urlsplit(env["OTEL_EXPORTER_OTLP_ENDPOINT"])
        [service] = [s for s in of_kind(overlay, "Service") if s["metadata"]["name"] == endpoint.hostname]
        assert matches({"matchLabels": service["spec"]["selector"]}, collector_labels), name
        [port] = [p for p in service["spec"]["ports"] if p["port"] == endpoint.port]
        container_port = next(
            p["containerPort"]
            for c in containers(collector)
            for p in c.get("ports", [])
            if port.get("targetPort", port["port"]) in (p["name"], p["containerPort"])
        )
        assert container_port in collector_ports
        src = pod_labels(deployments[name])
        assert allows_egress(overlay, src, collector_labels, container_port), f"{name} → collector egress"
        assert allows_ingress(overlay, src, collector_labels, container_port, "otlp-grpc"), f"{name} → collector"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_collector_receives_otlp_grpc_on_4317_into_a_traces_pipeline(overlay: str) -> None:
    [config_map] = [c for c in of_kind(overlay, "ConfigMap") if c["metadata"]["name"].startswith("otel-collector")]
    config = yaml.safe_load(config_map["data"]["config.yaml"])
    assert config["receivers"]["otlp"]["protocols"]["grpc"]["endpoint"].endswith(":4317")
    pipeline = config["service"]["pipelines"]["traces"]
    assert pipeline["receivers"] == ["otlp"] and pipeline["exporters"]
    assert set(pipeline["exporters"]) <= set(config["exporters"])
    assert set(pipeline["processors"]) <= set(config["processors"])
    assert "health_check" in config["service"]["extensions"]
