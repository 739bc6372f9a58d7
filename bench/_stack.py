"""The whole suite for the gateway benchmarks: PostgreSQL and NATS (embedded), then auth, catalog,
analyzer, orchestrator and gateway, each its own process on 127.0.0.1 (as `make run` does), so the
load generator (this process) is not in their way. Stopped (SIGTERM) on exit."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from yousync_auth.keys import generate_private_pem
from yousync_platform.localstack.nats import LocalNats
from yousync_platform.localstack.ports import free_port, wait_for_port
from yousync_platform.localstack.postgres import LocalPostgres

if TYPE_CHECKING:
    import aiohttp

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "analyzer" / "fixtures"


@dataclass
class Stack:
    url: str
    run_dir: Path
    processes: dict[str, subprocess.Popen[bytes]]


def _lines_manifest(root: Path) -> Path:
    """A catalog of the analyzer fixture lines (reference audio included), like the tests import."""
    manifest = json.loads((FIXTURES / "manifest.json").read_text())
    (root / "audio").mkdir(parents=True)
    tokens = []
    for index, line in enumerate(sorted(manifest["lines"], key=lambda item: item["id"]), start=1):
        shutil.copy(FIXTURES / line["id"] / "reference.opus.ogg", root / "audio" / f"{line['id']}.ogg")
        tokens.append(
            {
                "id": f"line-{line['id']}",
                "actor": "narrator",
                "text": line["text"],
                "start_seconds": index * 10.0,
                "end_seconds": index * 10.0 + 5.0,
                "audio": f"audio/{line['id']}.ogg",
            }
        )
    (root / "catalog.json").write_text(
        json.dumps(
            {
                "version": 1,
                "actors": [{"id": "narrator", "name": "Narrator", "aliases": []}],
                "scripts": [
                    {
                        "id": "famous-lines",
                        "title": "Famous lines",
                        "work_title": "Cinema",
                        "kind": "movie",
                        "category": "drama",
                        "language": "en",
                        "tokens": tokens,
                    }
                ],
            }
        )
    )
    return root


@contextlib.contextmanager
def running_stack(*, extra_env: dict[str, str] | None = None, demo: bool = True) -> Iterator[Stack]:
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, 65536)), hard))
    run_dir = Path(tempfile.mkdtemp(prefix="yousync-bench-"))
    os.chmod(run_dir, 0o755)  # noqa: S103 - PostgreSQL runs unprivileged when we are root
    postgres = LocalPostgres(run_dir / "pg", port=free_port())
    nats = LocalNats(run_dir / "nats", port=free_port())
    processes: dict[str, subprocess.Popen[bytes]] = {}
    ports = {name: free_port() for name in ("auth", "catalog", "analyzer", "orchestrator", "gateway")}
    blob_secret = "bench-blob-url-secret-0123456789"
    common = {
        **os.environ,
        "BLOB_BACKEND": "filesystem",
        "BLOB_FS_ROOT": str(run_dir / "blobs"),
        "BLOB_URL_SECRET": blob_secret,
        "LOG_LEVEL": "WARNING",
    }
    try:
        postgres.start()
        nats.start()
        env = {
            **common,
            "AUTH_DATABASE_URL": postgres.url,
            "AUTH_GRPC_PORT": str(ports["auth"]),
            "AUTH_LOG_LEVEL": "WARNING",
            "AUTH_SIGNING_KEY": generate_private_pem(),
            "AUTH_DEV_SIGN_IN_ENABLED": "true",
            "AUTH_ACCESS_TOKEN_TTL_SECONDS": "3600",
            "CATALOG_DATABASE_URL": postgres.url,
            "CATALOG_GRPC_PORT": str(ports["catalog"]),
            "CATALOG_NATS_URL": nats.url,
            "CATALOG_AUTH_TARGET": f"127.0.0.1:{ports['auth']}",
            "CATALOG_LOG_LEVEL": "WARNING",
            "ANALYZER_GRPC_PORT": str(ports["analyzer"]),
            "ANALYZER_LOG_LEVEL": "WARNING",
            "ORCHESTRATOR_DATABASE_URL": postgres.url,
            "ORCHESTRATOR_GRPC_PORT": str(ports["orchestrator"]),
            "ORCHESTRATOR_NATS_URL": nats.url,
            "ORCHESTRATOR_CATALOG_TARGET": f"127.0.0.1:{ports['catalog']}",
            "ORCHESTRATOR_ANALYZER_TARGET": f"127.0.0.1:{ports['analyzer']}",
            "ORCHESTRATOR_AUTH_TARGET": f"127.0.0.1:{ports['auth']}",
            "ORCHESTRATOR_LOG_LEVEL": "WARNING",
            "GATEWAY_HTTP_PORT": str(ports["gateway"]),
            "GATEWAY_AUTH_TARGET": f"127.0.0.1:{ports['auth']}",
            "GATEWAY_CATALOG_TARGET": f"127.0.0.1:{ports['catalog']}",
            "GATEWAY_ANALYSIS_TARGET": f"127.0.0.1:{ports['orchestrator']}",
            "GATEWAY_LOG_LEVEL": "WARNING",
            **(extra_env or {}),
        }
        logs = run_dir / "logs"
        logs.mkdir()
        for name, module, port in (
            ("auth", "yousync_auth", ports["auth"]),
            ("catalog", "yousync_catalog", ports["catalog"]),
            ("analyzer", "yousync_analyzer", ports["analyzer"]),
            ("orchestrator", "yousync_analysis_orchestrator", ports["orchestrator"]),
        ):
            log = open(logs / f"{name}.log", "ab")  # noqa: SIM115 - lives as long as the child
            processes[name] = subprocess.Popen([sys.executable, "-m", module], env=env, stdout=log, stderr=log)
            wait_for_port(port, timeout=90)
        folders = [_lines_manifest(run_dir / "lines")]
        if demo:
            folders.append(ROOT / "services" / "catalog" / "demo")
        for path in folders:
            subprocess.run(
                [sys.executable, "-m", "yousync_catalog", "import", str(path), "--no-progress"],
                env=env,
                check=True,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        log = open(logs / "gateway.log", "ab")  # noqa: SIM115
        processes["gateway"] = subprocess.Popen(
            [sys.executable, "-m", "yousync_gateway"], env=env, stdout=log, stderr=log
        )
        wait_for_port(ports["gateway"], timeout=60)
        time.sleep(0.5)
        yield Stack(f"http://127.0.0.1:{ports['gateway']}", run_dir, processes)

    finally:
        for process in reversed(list(processes.values())):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in processes.values():
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                process.kill()
        nats.stop()
        postgres.stop()
        shutil.rmtree(run_dir, ignore_errors=True)


async def sign_in(session: aiohttp.ClientSession, url: str, email: str) -> dict[str, str]:
    async with session.post(f"{url}/api/auth/dev", json={"email": email}) as response:
        token = (await response.json())["access_token"]
    return {"Authorization": f"Bearer {token}"}


async def line_token(session: aiohttp.ClientSession, url: str, line_text_start: str) -> int:
    """The token id of a fixture line of the 'Famous lines' script."""
    async with session.get(f"{url}/api/scripts", params={"q": "Famous lines"}) as response:
        script_id = (await response.json())["scripts"][0]["id"]
    async with session.get(f"{url}/api/scripts/{script_id}") as response:
        tokens = (await response.json())["tokens"]
    return next(t["id"] for t in tokens if t["text"].lower().startswith(line_text_start.lower()))


def fixture_text(line_id: str) -> str:
    manifest = json.loads((FIXTURES / "manifest.json").read_text())
    return next(line["text"] for line in manifest["lines"] if line["id"] == line_id)
