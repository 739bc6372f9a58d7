"""deploy/k8s: every overlay renders (kubectl kustomize), validates strictly against the Kubernetes schemas
shipped by kubernetes-validate (offline), and meets the house policies: probes, resources, hardened
security contexts, pinned images, named ports, selectors that match, NetworkPolicies over every pod and
for every call a service makes, secrets only referenced, never committed."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"
BIN = Path(sys.executable).parent
KUBECTL = BIN / "kubectl"
VALIDATE = BIN / "kubernetes-validate"
OVERLAYS = sorted(p.parent.name for p in (K8S / "overlays").glob("*/kustomization.yaml"))
# The newest schemas kubernetes-validate ships, and the oldest Kubernetes we still support.
KUBERNETES_VERSIONS = ("1.33.0", "1.37.0")
WORKLOADS = {"Deployment", "StatefulSet", "DaemonSet", "Job"}
ALL_INTERFACES = "0.0.0.0"  # noqa: S104 (what the pods must bind, checked here)
GRACE_SECONDS = 20  # ServiceSettings.grace_seconds default, and every *_GRACE_SECONDS in the ConfigMaps


@cache
def rendered_text(overlay: str) -> str:
    result = subprocess.run(
        [str(KUBECTL), "kustomize", str(K8S / "overlays" / overlay)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


@cache
def rendered(overlay: str) -> tuple[dict[str, Any], ...]:
    return tuple(doc for doc in yaml.safe_load_all(rendered_text(overlay)) if doc)


def of_kind(overlay: str, *kinds: str) -> list[dict[str, Any]]:
    return [d for d in rendered(overlay) if d["kind"] in kinds]


def pod_spec(workload: dict[str, Any]) -> dict[str, Any]:
    return workload["spec"]["template"]["spec"]  # type: ignore[no-any-return]


def pod_labels(workload: dict[str, Any]) -> dict[str, str]:
    return workload["spec"]["template"]["metadata"].get("labels", {})  # type: ignore[no-any-return]


def containers(workload: dict[str, Any]) -> Iterator[dict[str, Any]]:
    spec = pod_spec(workload)
    yield from spec.get("initContainers", [])
    yield from spec["containers"]


def matches(selector: dict[str, Any] | None, labels: dict[str, str]) -> bool:
    """Kubernetes label-selector semantics (matchLabels and matchExpressions)."""
    if selector is None:
        return False
    for key, value in selector.get("matchLabels", {}).items():
        if labels.get(key) != value:
            return False
    for expr in selector.get("matchExpressions", []):
        key, op, values = expr["key"], expr["operator"], expr.get("values", [])
        if op == "In" and labels.get(key) not in values:
            return False
        if op == "NotIn" and labels.get(key) in values:
            return False
        if op == "Exists" and key not in labels:
            return False
        if op == "DoesNotExist" and key in labels:
            return False
    return True


def workload_ids(overlay: str) -> list[str]:
    return [f"{w['kind']}/{w['metadata']['name']}" for w in of_kind(overlay, *WORKLOADS)]


# --- render and schema ---------------------------------------------------------------------------------


@pytest.mark.parametrize("overlay", OVERLAYS)
@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
def test_overlay_renders_and_validates_strictly(overlay: str, version: str, tmp_path: Path) -> None:
    manifest = tmp_path / f"{overlay}.yaml"
    manifest.write_text(rendered_text(overlay))
    result = subprocess.run(
        [str(VALIDATE), "--strict", "--quiet", "--kubernetes-version", version, str(manifest)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_both_overlays_exist() -> None:
    assert {"dev", "prod"} <= set(OVERLAYS)


# --- workloads -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_long_running_containers_have_probes_and_resources(overlay: str) -> None:
    problems = []
    for workload in of_kind(overlay, "Deployment", "StatefulSet"):
        for c in containers(workload):
            where = f"{workload['metadata']['name']}/{c['name']}"
            for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
                if probe not in c:
                    problems.append(f"{where}: no {probe}")
            for kind in ("requests", "limits"):
                for resource in ("cpu", "memory"):
                    if resource not in c.get("resources", {}).get(kind, {}):
                        problems.append(f"{where}: no {kind}.{resource}")
    for job in of_kind(overlay, "Job"):
        for c in containers(job):
            if not {"requests", "limits"} <= set(c.get("resources", {})):
                problems.append(f"job {job['metadata']['name']}: no requests/limits")
    assert not problems, problems


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_grpc_services_use_native_grpc_probes(overlay: str) -> None:
    for workload in of_kind(overlay, "Deployment"):
        for c in containers(workload):
            grpc_ports = [p["containerPort"] for p in c.get("ports", []) if p["name"] == "grpc"]
            if grpc_ports:
                for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
                    assert c[probe].get("grpc", {}).get("port") == grpc_ports[0], (workload["metadata"]["name"], probe)


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_pod_is_hardened(overlay: str) -> None:
    problems = []
    for workload in of_kind(overlay, *WORKLOADS):
        name = workload["metadata"]["name"]
        spec = pod_spec(workload)
        pod = spec.get("securityContext", {})
        if pod.get("runAsNonRoot") is not True or not pod.get("runAsUser"):
            problems.append(f"{name}: pod not runAsNonRoot with a non-zero runAsUser")
        if pod.get("seccompProfile", {}).get("type") != "RuntimeDefault":
            problems.append(f"{name}: pod seccompProfile is not RuntimeDefault")
        if spec.get("automountServiceAccountToken") is not False:
            problems.append(f"{name}: service account token mounted")
        if spec.get("hostNetwork") or spec.get("hostPID") or spec.get("hostIPC"):
            problems.append(f"{name}: host namespaces")
        for c in containers(workload):
            sc = c.get("securityContext", {})
            if sc.get("allowPrivilegeEscalation") is not False:
                problems.append(f"{name}/{c['name']}: allowPrivilegeEscalation not false")
            if sc.get("readOnlyRootFilesystem") is not True:
                problems.append(f"{name}/{c['name']}: root filesystem writable")
            if sc.get("capabilities", {}).get("drop") != ["ALL"] or sc.get("capabilities", {}).get("add"):
                problems.append(f"{name}/{c['name']}: capabilities not drop [ALL]")
            if sc.get("privileged"):
                problems.append(f"{name}/{c['name']}: privileged")
            if sc.get("runAsNonRoot") is False or sc.get("runAsUser") == 0:
                problems.append(f"{name}/{c['name']}: runs as root")
    assert not problems, problems


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_termination_grace_outlasts_the_server_grace(overlay: str) -> None:
    for workload in of_kind(overlay, "Deployment"):
        spec = pod_spec(workload)
        pre_stop = max(
            (c.get("lifecycle", {}).get("preStop", {}).get("sleep", {}).get("seconds", 0) for c in spec["containers"]),
            default=0,
        )
        if workload["metadata"]["name"] == "envoy":
            continue  # Envoy has no server grace; its preStop sleep is the drain
        assert spec["terminationGracePeriodSeconds"] > pre_stop + GRACE_SECONDS + 1, workload["metadata"]["name"]


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_configured_grace_is_the_one_the_pods_outlast(overlay: str) -> None:
    for config in of_kind(overlay, "ConfigMap"):
        for key, value in config.get("data", {}).items():
            if key.endswith("_GRACE_SECONDS"):
                assert float(value) <= GRACE_SECONDS, (config["metadata"]["name"], key)


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_grpc_servers_listen_on_all_interfaces_in_pods(overlay: str) -> None:
    values = {k: v for c in of_kind(overlay, "ConfigMap") for k, v in c.get("data", {}).items()}
    for prefix in ("AUTH", "CATALOG", "ORCHESTRATOR", "ANALYZER"):
        assert values.get(f"{prefix}_GRPC_HOST") == ALL_INTERFACES, prefix
    assert values.get("GATEWAY_HTTP_HOST") == ALL_INTERFACES


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_image_is_pinned(overlay: str) -> None:
    for workload in of_kind(overlay, *WORKLOADS):
        for c in containers(workload):
            image = c["image"]
            if "@sha256:" in image:
                continue
            name, _, tag = image.rpartition(":")
            assert name and "/" not in tag, f"{image}: no tag"
            assert tag != "latest" and re.search(r"\d", tag), f"{image}: not pinned to a version"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_dev_runs_single_replicas_and_prod_more(overlay: str) -> None:
    replicas = {d["metadata"]["name"]: d["spec"].get("replicas", 1) for d in of_kind(overlay, "Deployment")}
    if overlay == "dev":
        assert set(replicas.values()) == {1}, replicas
    if overlay == "prod":
        assert min(replicas.values()) >= 3, replicas


# --- services, selectors, ports ---------------------------------------------------------------------------


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_service_port_is_named_and_selects_a_pod(overlay: str) -> None:
    workloads = of_kind(overlay, *WORKLOADS)
    for service in of_kind(overlay, "Service"):
        name = service["metadata"]["name"]
        spec = service["spec"]
        assert all(p.get("name") for p in spec["ports"]), f"{name}: unnamed port"
        selected = [w for w in workloads if matches({"matchLabels": spec["selector"]}, pod_labels(w))]
        assert selected, f"service {name} selects no pod"
        for port in spec["ports"]:
            target = port.get("targetPort", port["port"])
            named = {p.get("name") for w in selected for c in containers(w) for p in c.get("ports", [])}
            numbers = {p["containerPort"] for w in selected for c in containers(w) for p in c.get("ports", [])}
            assert target in named | numbers, f"{name}: targetPort {target} is no container port"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_grpc_services_are_headless(overlay: str) -> None:
    for service in of_kind(overlay, "Service"):
        if any(p["name"] == "grpc" for p in service["spec"]["ports"]):
            assert service["spec"].get("clusterIP") == "None", service["metadata"]["name"]


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_container_port_is_named(overlay: str) -> None:
    for workload in of_kind(overlay, *WORKLOADS):
        for c in containers(workload):
            assert all(p.get("name") for p in c.get("ports", [])), workload["metadata"]["name"]


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_selector_matches_its_pod_template(overlay: str) -> None:
    for workload in of_kind(overlay, "Deployment", "StatefulSet"):
        assert matches(workload["spec"]["selector"], pod_labels(workload)), workload["metadata"]["name"]
    workloads = of_kind(overlay, "Deployment", "StatefulSet")
    for budget in of_kind(overlay, "PodDisruptionBudget"):
        assert any(matches(budget["spec"]["selector"], pod_labels(w)) for w in workloads), budget["metadata"]["name"]
    names = {(w["kind"], w["metadata"]["name"]) for w in workloads}
    for hpa in of_kind(overlay, "HorizontalPodAutoscaler"):
        ref = hpa["spec"]["scaleTargetRef"]
        assert (ref["kind"], ref["name"]) in names, hpa["metadata"]["name"]


def test_prod_autoscales_and_budgets_every_deployment() -> None:
    deployments = {d["metadata"]["name"] for d in of_kind("prod", "Deployment")}
    assert {h["spec"]["scaleTargetRef"]["name"] for h in of_kind("prod", "HorizontalPodAutoscaler")} == deployments
    budgeted = {
        d["metadata"]["name"]
        for d in of_kind("prod", "Deployment")
        if any(matches(p["spec"]["selector"], pod_labels(d)) for p in of_kind("prod", "PodDisruptionBudget"))
    }
    assert budgeted == deployments
    assert all(h["apiVersion"] == "autoscaling/v2" for h in of_kind("prod", "HorizontalPodAutoscaler"))


# --- configuration and secrets --------------------------------------------------------------------------


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_no_secret_is_committed(overlay: str) -> None:
    assert not of_kind(overlay, "Secret"), "Secrets are created by the operator (deploy/README.md), never committed"
    for workload in of_kind(overlay, *WORKLOADS):
        for c in containers(workload):
            for env in c.get("env", []):
                if re.search(r"(PASSWORD|SECRET|SIGNING_KEY|DATABASE_URL|ACCESS_KEY)", env["name"]):
                    assert "secretKeyRef" in env.get("valueFrom", {}), f"{env['name']} not from a Secret"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_referenced_config_maps_exist(overlay: str) -> None:
    maps = {c["metadata"]["name"] for c in of_kind(overlay, "ConfigMap")}
    for workload in of_kind(overlay, *WORKLOADS):
        for c in containers(workload):
            for source in c.get("envFrom", []):
                assert source["configMapRef"]["name"] in maps
        for volume in pod_spec(workload).get("volumes", []):
            if "configMap" in volume:
                assert volume["configMap"]["name"] in maps


def test_migrations_run_as_jobs_for_every_service_with_a_database() -> None:
    jobs = {j["metadata"]["name"] for j in of_kind("prod", "Job")}
    assert {"auth-migrate", "catalog-migrate", "analysis-orchestrator-migrate"} <= jobs


def test_orchestrator_roles_split_api_and_dispatcher() -> None:
    roles = {}
    for d in of_kind("prod", "Deployment"):
        for c in d["spec"]["template"]["spec"]["containers"]:
            for env in c.get("env", []):
                if env["name"] == "ORCHESTRATOR_ROLES":
                    roles[d["metadata"]["name"]] = env["value"]
    assert roles == {"analysis-orchestrator": "api,relay", "analysis-dispatcher": "dispatcher"}


def test_analyzer_requests_one_core_per_worker() -> None:
    for overlay in OVERLAYS:
        [analyzer] = [d for d in of_kind(overlay, "Deployment") if d["metadata"]["name"] == "analyzer"]
        [c] = analyzer["spec"]["template"]["spec"]["containers"]
        workers = next(e for e in c["env"] if e["name"] == "ANALYZER_WORKERS")
        assert workers["valueFrom"]["resourceFieldRef"]["resource"] == "requests.cpu"
        assert c["resources"]["requests"] == c["resources"]["limits"]


def test_gateway_runs_one_worker_per_requested_core_and_autoscales_on_cpu() -> None:
    """GATEWAY_WORKERS follows the CPU request, so the HPA's utilisation target is a share of the workers."""
    for overlay in OVERLAYS:
        [gateway] = [d for d in of_kind(overlay, "Deployment") if d["metadata"]["name"] == "gateway"]
        [c] = gateway["spec"]["template"]["spec"]["containers"]
        workers = next(e for e in c["env"] if e["name"] == "GATEWAY_WORKERS")
        assert workers["valueFrom"]["resourceFieldRef"]["resource"] == "requests.cpu"
        assert c["resources"]["requests"]["cpu"] == c["resources"]["limits"]["cpu"]
    [hpa] = [h for h in of_kind("prod", "HorizontalPodAutoscaler") if h["metadata"]["name"] == "gateway"]
    [metric] = hpa["spec"]["metrics"]
    assert metric["resource"]["name"] == "cpu" and metric["resource"]["target"]["type"] == "Utilization"


# --- network policies -----------------------------------------------------------------------------------


def policies_for(overlay: str, labels: dict[str, str]) -> list[dict[str, Any]]:
    return [p for p in of_kind(overlay, "NetworkPolicy") if matches(p["spec"]["podSelector"], labels)]


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_network_policies_cover_every_pod(overlay: str) -> None:
    deny = [
        p
        for p in of_kind(overlay, "NetworkPolicy")
        if p["spec"]["podSelector"] == {}
        and set(p["spec"]["policyTypes"]) == {"Ingress", "Egress"}
        and not p["spec"].get("ingress")
        and not p["spec"].get("egress")
    ]
    assert deny, "no default-deny policy"
    for workload in of_kind(overlay, *WORKLOADS):
        specific = [p for p in policies_for(overlay, pod_labels(workload)) if p["spec"]["podSelector"] != {}]
        assert specific, f"{workload['metadata']['name']}: no NetworkPolicy of its own"


def _port_ok(rule_ports: list[dict[str, Any]] | None, port: int, port_name: str | None) -> bool:
    if not rule_ports:
        return True
    return any(p.get("port") in (port, port_name) for p in rule_ports)


def allows_egress(overlay: str, src: dict[str, str], dst: dict[str, str], port: int) -> bool:
    for policy in policies_for(overlay, src):
        for rule in policy["spec"].get("egress", []):
            if not _port_ok(rule.get("ports"), port, None):
                continue
            if "to" not in rule or any(
                matches(peer.get("podSelector"), dst) and "namespaceSelector" not in peer for peer in rule["to"]
            ):
                return True
    return False


def allows_ingress(overlay: str, src: dict[str, str], dst: dict[str, str], port: int, port_name: str | None) -> bool:
    for policy in policies_for(overlay, dst):
        for rule in policy["spec"].get("ingress", []):
            if not _port_ok(rule.get("ports"), port, port_name):
                continue
            if "from" not in rule or any(
                matches(peer.get("podSelector"), src) and "namespaceSelector" not in peer for peer in rule["from"]
            ):
                return True
    return False


TARGET = re.compile(r"^(?:dns:///)?(?P<host>[a-z0-9-]+):(?P<port>\d+)$|^nats://(?P<nats>[a-z0-9-]+):(?P<nport>\d+)$")


def calls(overlay: str) -> Iterator[tuple[str, dict[str, str], str, int]]:
    """(caller, caller labels, callee service, port) for every *_TARGET / *_URL in a workload's config."""
    maps = {c["metadata"]["name"]: c.get("data", {}) for c in of_kind(overlay, "ConfigMap")}
    services = {s["metadata"]["name"] for s in of_kind(overlay, "Service")}
    for workload in of_kind(overlay, "Deployment"):
        values = {}
        for c in containers(workload):
            for source in c.get("envFrom", []):
                values.update(maps[source["configMapRef"]["name"]])
            values.update({e["name"]: e["value"] for e in c.get("env", []) if "value" in e})
        for key, value in values.items():
            m = TARGET.match(value or "")
            if m and (key.endswith("_TARGET") or key.endswith("_URL")):
                host, port = (m["host"], m["port"]) if m["host"] else (m["nats"], m["nport"])
                if host in services:
                    yield workload["metadata"]["name"], pod_labels(workload), host, int(port)


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_network_policies_allow_every_configured_call(overlay: str) -> None:
    found = list(calls(overlay))
    assert len(found) >= 8, found
    workloads = of_kind(overlay, *WORKLOADS)
    for caller, labels, service_name, port in found:
        [service] = [s for s in of_kind(overlay, "Service") if s["metadata"]["name"] == service_name]
        [svc_port] = [p for p in service["spec"]["ports"] if p["port"] == port]
        callees = [w for w in workloads if matches({"matchLabels": service["spec"]["selector"]}, pod_labels(w))]
        for callee in callees:
            dst = pod_labels(callee)
            target_port = svc_port.get("targetPort", port)
            container_port = next(
                p["containerPort"]
                for c in containers(callee)
                for p in c.get("ports", [])
                if target_port in (p["name"], p["containerPort"])
            )
            name = next(
                p["name"]
                for c in containers(callee)
                for p in c.get("ports", [])
                if p["containerPort"] == container_port
            )
            assert allows_egress(overlay, labels, dst, container_port), f"{caller} → {service_name}:{port} egress"
            assert allows_ingress(overlay, labels, dst, container_port, name), (
                f"{caller} → {service_name}:{port} ingress"
            )


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_nothing_but_the_dispatcher_reaches_the_analyzer(overlay: str) -> None:
    analyzer = {"app.kubernetes.io/name": "analyzer"}
    for workload in of_kind(overlay, *WORKLOADS):
        name = workload["metadata"]["name"]
        allowed = allows_ingress(overlay, pod_labels(workload), analyzer, 50055, "grpc")
        assert allowed == (name == "analysis-dispatcher"), name


USER_LABEL = {"postgresql": "postgres", "minio": "s3"}


def test_dev_datastores_admit_their_users() -> None:
    workloads = of_kind("dev", *WORKLOADS)
    for store, port in (("postgresql", 5432), ("nats", 4222), ("minio", 9000)):
        [service] = [s for s in of_kind("dev", "Service") if s["metadata"]["name"] == store]
        dst = service["spec"]["selector"]
        label = f"yousync.io/uses-{USER_LABEL.get(store, store)}"
        users = [w for w in workloads if pod_labels(w).get(label) == "true"]
        assert users, store
        for user in users:
            assert allows_egress("dev", pod_labels(user), dst, port), (user["metadata"]["name"], store)
            assert allows_ingress("dev", pod_labels(user), dst, port, None), (user["metadata"]["name"], store)


# --- NATS configs ------------------------------------------------------------------------------------


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_nats_config_is_accepted_by_nats_server_and_fsyncs_always(overlay: str, tmp_path: Path) -> None:
    [config] = [c for c in of_kind(overlay, "ConfigMap") if c["metadata"]["name"].startswith("nats-config")]
    text = config["data"]["nats.conf"]
    assert re.search(r"sync_interval:\s*always", text)
    [nats] = [s for s in of_kind(overlay, "StatefulSet") if s["metadata"]["name"] == "nats"]
    if overlay == "prod":
        assert nats["spec"]["replicas"] == 3 and "cluster {" in text
    local = text.replace("/data/", f"{tmp_path}/data/").replace("/var/run/nats/", f"{tmp_path}/")
    (tmp_path / "nats.conf").write_text(local)
    result = subprocess.run(
        [str(BIN / "nats-server"), "-t", "-c", str(tmp_path / "nats.conf")],
        capture_output=True,
        text=True,
        timeout=30,
        env={"POD_NAME": "nats-0"},
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_service_runs_its_own_image(overlay: str) -> None:
    """A service's image installs only that service: running another one's command would fail at start."""
    checked = 0
    for workload in of_kind(overlay, *WORKLOADS):
        for c in containers(workload):
            repository = c["image"].rsplit(":", 1)[0].split("@")[0]
            if "yousync/" not in repository or repository.endswith("/envoy"):
                continue
            service = repository.rsplit("/", 1)[1]
            command = " ".join(c.get("command", []))
            assert f"yousync-{service}" in command or f"yousync_{service.replace('-', '_')}" in command, (
                f"{workload['metadata']['name']}: image {service} cannot run `{command[:80]}`"
            )
            checked += 1
    assert checked >= 6, "every service Deployment and migration Job was checked"
