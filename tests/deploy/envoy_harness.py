"""Run deploy/envoy/envoy.yaml on this machine: render it for 127.0.0.1 ports, start the wheel's envoy.

The template step keeps every route and filter of the real config and changes only addresses: the
listeners bind 127.0.0.1 on free ports, each cluster points at 127.0.0.1:<port of the test server>, the
descriptor path is the freshly built set, and admin stays on 127.0.0.1.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import yaml

from yousync_dev.ports import free_port

ROOT = Path(__file__).resolve().parents[2]
ENVOY_DIR = ROOT / "deploy" / "envoy"
ENVOY_CONFIG = ENVOY_DIR / "envoy.yaml"
ENVOY = Path(sys.executable).parent / "envoy"
DESCRIPTOR_IN_IMAGE = "/etc/envoy/descriptor.pb"


def build_descriptor(out: Path) -> Path:
    subprocess.run(
        [sys.executable, str(ENVOY_DIR / "build_descriptor.py"), "--out", str(out)],
        check=True,
        capture_output=True,
        timeout=60,
    )
    return out


def _walk(node: Any) -> Any:
    if isinstance(node, dict):
        for value in node.values():
            yield from _walk(value)
        yield node
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)


def render(
    descriptor: Path, upstreams: dict[str, int], *, source: Path = ENVOY_CONFIG
) -> tuple[dict[str, Any], dict[str, int]]:
    """The config with local addresses; returns it and the ports chosen per listener (and 'admin')."""
    config = yaml.safe_load(source.read_text())
    ports: dict[str, int] = {"admin": free_port()}
    config["admin"]["address"]["socket_address"] = {"address": "127.0.0.1", "port_value": ports["admin"]}
    for listener in config["static_resources"]["listeners"]:
        ports[listener["name"]] = free_port()
        listener["address"]["socket_address"] = {"address": "127.0.0.1", "port_value": ports[listener["name"]]}
    for cluster in config["static_resources"]["clusters"]:
        name = cluster["name"]
        if name not in upstreams:
            raise KeyError(f"no local upstream for cluster {name!r}")
        cluster["type"] = "STATIC"
        cluster.pop("dns_lookup_family", None)
        for group in cluster["load_assignment"]["endpoints"]:
            for endpoint in group["lb_endpoints"]:
                endpoint["endpoint"]["address"]["socket_address"] = {
                    "address": "127.0.0.1",
                    "port_value": upstreams[name],
                }
    for node in _walk(config):
        if node.get("proto_descriptor") == DESCRIPTOR_IN_IMAGE:
            node["proto_descriptor"] = str(descriptor)
    return config, ports


def validate(config_path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(ENVOY), "--mode", "validate", "-c", str(config_path), "-l", "error"],
        capture_output=True,
        text=True,
        timeout=60,
    )


@dataclass
class Envoy:
    process: subprocess.Popen[bytes]
    ports: dict[str, int]
    log: Path
    config_path: Path
    clients: list[httpx.AsyncClient] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.ports['edge']}"

    @property
    def grpc_target(self) -> str:
        return f"127.0.0.1:{self.ports['edge']}"

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(5)


def healthy_clusters(admin_port: int) -> set[str]:
    """Clusters all of whose hosts passed their active health check."""
    flags: dict[str, list[str]] = {}
    for line in httpx.get(f"http://127.0.0.1:{admin_port}/clusters", timeout=1).text.splitlines():
        parts = line.split("::")
        if len(parts) >= 4 and parts[2] == "health_flags":
            flags.setdefault(parts[0], []).append(parts[3])
    return {name for name, values in flags.items() if all(v == "healthy" for v in values)}


def start_envoy(
    workdir: Path, descriptor: Path, upstreams: dict[str, int], wait_healthy: set[str], timeout: float = 20.0
) -> Envoy:
    config, ports = render(descriptor, upstreams)
    config_path = workdir / "envoy.rendered.yaml"
    config_path.write_text(json.dumps(config, indent=1))
    log = workdir / "envoy.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                str(ENVOY),
                "-c",
                str(config_path),
                "--concurrency",
                "1",
                "--disable-hot-restart",
                "-l",
                "warning",
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=workdir,
        )
    envoy = Envoy(process, ports, log, config_path)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"envoy exited {process.returncode}: {log.read_text()[-3000:]}")
        try:
            ready = httpx.get(f"http://127.0.0.1:{ports['admin']}/ready", timeout=1)
            if ready.status_code == 200 and wait_healthy <= healthy_clusters(ports["admin"]):
                return envoy
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    try:
        ready = httpx.get(f"http://127.0.0.1:{ports['admin']}/ready", timeout=1).text.strip()
        lines = httpx.get(f"http://127.0.0.1:{ports['admin']}/clusters", timeout=1).text.splitlines()
        health = [line for line in lines if "::health_flags::" in line]
    except httpx.HTTPError as error:
        ready, health = f"admin unreachable: {error!r}", []
    envoy.stop()
    raise RuntimeError(
        f"envoy not ready in {timeout}s ({ready}; {health}; wanted healthy {sorted(wait_healthy)}): "
        f"{log.read_text()[-3000:]}"
    )
