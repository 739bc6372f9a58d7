"""Compatibility reads vs the /api reads they wrap, through the gateway (no sign-in, as SSR calls them).

Pairs: a clip's TokenDetail (`/compat/api/tokens/{id}`) vs the scene (`/api/scripts/{id}`); the popular
and category rows (`/compat/api/tokens/popular/`, `/compat/api/tokens/category/로맨스/`) vs the same lists
of 100 on /api. Each side: 10 keep-alive connections, 1 s warm-up, then `seconds` measured, sides
alternated four times so drift hits both. Prints one JSON object last: req/s, p50/p99 per side and the ratio
compat/api of req/s (≥ ~1 means "no slower"). Runs PostgreSQL, the catalog server and the gateway as
their own processes on 127.0.0.1 with the compatibility test catalog (tests/compat/catalog).

    .venv/bin/python bench/compat.py [seconds]
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

import aiohttp

from yousync_catalog.db.uow import CatalogUnitOfWork
from yousync_catalog.importer import import_catalog
from yousync_catalog.server import MIGRATIONS
from yousync_catalog.service import CatalogService
from yousync_dev.embedded.postgres import LocalPostgres
from yousync_dev.ports import free_port
from yousync_platform.db import create_engine, session_factory
from yousync_platform.migrations import upgrade
from yousync_platform.storage import BlobSettings
from yousync_platform.storage.filesystem import FilesystemBlobStore

CONNECTIONS = 10
SECONDS = float(sys.argv[1]) if len(sys.argv) > 1 else 3.0
ROOT = Path(__file__).resolve().parents[1]
COMPAT_CATALOG = ROOT / "tests" / "compat" / "catalog"
SECRET = "bench-signing-secret-0123456789"


async def measure(session: aiohttp.ClientSession, url: str, seconds: float) -> tuple[list[float], int]:
    latencies: list[float] = []
    errors = 0

    async def worker(deadline: float) -> None:
        nonlocal errors
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            async with session.get(url) as response:
                await response.read()
                if response.status != 200:
                    errors += 1
            latencies.append(time.perf_counter() - started)

    await asyncio.gather(*(worker(time.perf_counter() + seconds) for _ in range(CONNECTIONS)))
    return latencies, errors


def figures(latencies: list[float], errors: int, seconds: float) -> dict[str, float]:
    quantiles = statistics.quantiles(latencies, n=100)
    return {
        "req_per_s": round(len(latencies) / seconds, 1),
        "p50_ms": round(quantiles[49] * 1000, 2),
        "p99_ms": round(quantiles[98] * 1000, 2),
        "errors": errors,
    }


async def run(base: str) -> dict[str, object]:
    connector = aiohttp.TCPConnector(limit=CONNECTIONS)
    async with aiohttp.ClientSession(connector=connector) as session:
        async with session.get(f"{base}/api/scripts", params={"q": "compat romance"}) as response:
            clip_id = (await response.json())["scripts"][0]["id"]
        romance = quote("로맨스")
        pairs = {
            "clip_detail": (f"/compat/api/tokens/{clip_id}", f"/api/scripts/{clip_id}"),
            "popular": ("/compat/api/tokens/popular/", "/api/scripts/popular?page_size=100"),
            "category": (f"/compat/api/tokens/category/{romance}/", f"/api/scripts/category/{romance}?page_size=100"),
        }
        result: dict[str, object] = {"benchmark": "compat_vs_api_reads", "connections": CONNECTIONS}
        for name, (compat, api) in pairs.items():
            samples: dict[str, tuple[list[float], int]] = {"compat": ([], 0), "api": ([], 0)}
            for path in (compat, api):
                await measure(session, base + path, 1.0)  # warm-up (caches, connections)
            for _ in range(4):
                for side, path in (("compat", compat), ("api", api)):
                    latencies, errors = await measure(session, base + path, SECONDS / 4)
                    samples[side] = (samples[side][0] + latencies, samples[side][1] + errors)
            compat_figures = figures(*samples["compat"], SECONDS)
            api_figures = figures(*samples["api"], SECONDS)
            result[name] = {
                "compat": compat_figures,
                "api": api_figures,
                "ratio_req_per_s": round(compat_figures["req_per_s"] / max(api_figures["req_per_s"], 0.1), 2),
            }
    return result


async def seed(url: str, blobs: Path) -> None:
    await upgrade(MIGRATIONS, url)
    engine = create_engine(url)
    store = FilesystemBlobStore(blobs, BlobSettings(url_secret=SECRET).signer())
    sessions = session_factory(engine)
    service = CatalogService(uow=lambda: CatalogUnitOfWork(sessions), blobs=store)
    await import_catalog(COMPAT_CATALOG, service, progress=False)
    await engine.dispose()


async def wait_http(url: str, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    async with aiohttp.ClientSession() as session:
        while True:
            try:
                async with session.get(url) as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError(f"{url} did not answer")
            await asyncio.sleep(0.2)


def main() -> None:
    """PostgreSQL, the catalog server and the gateway, each its own process on 127.0.0.1 (the reads
    measured need neither auth nor analysis); this process only generates the load."""
    root = Path(tempfile.mkdtemp(prefix="yousync-bench-compat-"))
    os.chmod(root, 0o755)  # noqa: S103 - PostgreSQL runs as an unprivileged user when we are root
    postgres = LocalPostgres(root / "pg")
    postgres.start()
    children: list[subprocess.Popen[bytes]] = []
    try:
        asyncio.run(seed(postgres.url, root / "blobs"))
        catalog_port, http_port = free_port(), free_port()
        blob_env = {"BLOB_BACKEND": "filesystem", "BLOB_FS_ROOT": str(root / "blobs"), "BLOB_URL_SECRET": SECRET}
        catalog_env = {
            "CATALOG_DATABASE_URL": postgres.url,
            "CATALOG_GRPC_PORT": str(catalog_port),
            "CATALOG_LOG_LEVEL": "WARNING",
            "BLOB_URL_BASE": f"http://127.0.0.1:{http_port}/api/blobs",
        }
        gateway_env = {
            "GATEWAY_HTTP_PORT": str(http_port),
            "GATEWAY_CATALOG_TARGET": f"127.0.0.1:{catalog_port}",
            "GATEWAY_STREAM_TICKET_SECRET": SECRET,
            "GATEWAY_LOG_LEVEL": "WARNING",
        }
        for module, env in (("yousync_catalog", catalog_env), ("yousync_gateway", gateway_env)):
            children.append(
                subprocess.Popen(
                    [sys.executable, "-m", module],
                    env={**os.environ, **blob_env, **env},
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            )
        base = f"http://127.0.0.1:{http_port}"
        asyncio.run(wait_http(f"{base}/api/scripts/popular"))
        result = asyncio.run(run(base))
    finally:
        for child in reversed(children):
            child.terminate()
            try:
                child.wait(timeout=30)
            except subprocess.TimeoutExpired:
                child.kill()
        postgres.stop()
        shutil.rmtree(root, ignore_errors=True)
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
