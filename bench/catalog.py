"""Catalog benchmark: ListScripts (popular) and GetToken calls/s at 50 in flight, with p50/p99.

    .venv/bin/python bench/catalog.py [--seconds 5] [--concurrency 50]

Starts its own PostgreSQL, imports the demo catalog plus 300 generated scenes, runs the real
catalog server (`python -m yousync_catalog serve`) in a child process with its default caches,
and drives it from this process with a fixed number of calls in flight (2 cores: the load
generator competes with the server for CPU, so these figures are a floor). Bounded in time;
loopback only. The last line of output is one JSON object with the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc
from sqlalchemy import text

from yousync.catalog.v1 import catalog_pb2 as pb
from yousync.catalog.v1 import catalog_pb2_grpc
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

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "services" / "catalog" / "demo"
SECRET = "bench-signing-secret-0123456789"


async def seed(url: str, blobs: Path) -> list[int]:
    await upgrade(MIGRATIONS, url)
    engine = create_engine(url)
    sessions = session_factory(engine)
    store = FilesystemBlobStore(blobs, BlobSettings(url_secret=SECRET).signer())
    await import_catalog(DEMO, CatalogService(uow=lambda: CatalogUnitOfWork(sessions), blobs=store), progress=False)
    rng = random.Random(7)
    async with engine.begin() as conn:
        await conn.execute(
            text(
                "INSERT INTO catalog.scripts (title, work_title, kind, category, language, source_video_url,"
                " thumbnail_url, duration_seconds, background_content_type, view_count, take_count, search_text)"
                " VALUES (:title, 'Generated', 'movie', 'drama', 'en', '', '', 30, '', :views, :takes, :search)"
            ),
            [
                {
                    "title": f"Scene {i:03d}",
                    "search": f"scene {i:03d}",
                    "views": rng.randint(0, 5000),
                    "takes": rng.randint(0, 500),
                }
                for i in range(300)
            ],
        )
        tokens = list((await conn.execute(text("SELECT id FROM catalog.tokens ORDER BY id"))).scalars())
    await engine.dispose()
    return tokens


async def wait_serving(target: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    async with grpc.aio.insecure_channel(target) as channel:
        stub = health_pb2_grpc.HealthStub(channel)
        while True:
            try:
                response = await stub.Check(health_pb2.HealthCheckRequest(service=""), timeout=1)
                if response.status == health_pb2.HealthCheckResponse.SERVING:
                    return
            except grpc.aio.AioRpcError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError("catalog server did not become SERVING")
            await asyncio.sleep(0.1)


async def load(call: Callable[[int], Awaitable[object]], concurrency: int, seconds: float) -> dict[str, float]:
    latencies: list[float] = []
    errors = 0
    stop_at = 0.0

    async def worker(index: int) -> None:
        nonlocal errors
        n = index
        while time.perf_counter() < stop_at:
            started = time.perf_counter()
            try:
                await call(n)
            except grpc.aio.AioRpcError:
                errors += 1
            latencies.append(time.perf_counter() - started)
            n += concurrency

    stop_at = time.perf_counter() + 1.0  # warm-up, not measured
    await asyncio.gather(*[worker(i) for i in range(concurrency)])
    latencies.clear()
    errors = 0
    started = time.perf_counter()
    stop_at = started + seconds
    await asyncio.gather(*[worker(i) for i in range(concurrency)])
    elapsed = time.perf_counter() - started
    ordered = sorted(latencies)
    return {
        "calls": len(ordered),
        "calls_per_second": round(len(ordered) / elapsed, 1),
        "p50_ms": round(statistics.median(ordered) * 1000, 2),
        "p99_ms": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000, 2),
        "errors": errors,
    }


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--concurrency", type=int, default=50)
    args = parser.parse_args()

    root = Path(tempfile.mkdtemp(prefix="yousync-bench-catalog-"))
    os.chmod(root, 0o755)  # noqa: S103 - PostgreSQL runs as an unprivileged user when we are root
    postgres = LocalPostgres(root / "pg")
    postgres.start()
    child: subprocess.Popen[bytes] | None = None
    try:
        tokens = await seed(postgres.url, root / "blobs")
        port = free_port()
        env = {
            **os.environ,
            "CATALOG_DATABASE_URL": postgres.url,
            "CATALOG_GRPC_HOST": "127.0.0.1",
            "CATALOG_GRPC_PORT": str(port),
            "CATALOG_LOG_LEVEL": "WARNING",
            "BLOB_BACKEND": "filesystem",
            "BLOB_FS_ROOT": str(root / "blobs"),
            "BLOB_URL_SECRET": SECRET,
        }
        child = subprocess.Popen(  # noqa: ASYNC220 - started once, before the measurement
            [sys.executable, "-m", "yousync_catalog", "serve"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        target = f"127.0.0.1:{port}"
        await wait_serving(target)
        async with grpc.aio.insecure_channel(target) as channel:
            stub = catalog_pb2_grpc.CatalogServiceStub(channel)
            popular = pb.ListScriptsRequest(order_by=pb.SCRIPT_ORDER_POPULAR, page_size=20)

            async def list_popular(n: int) -> object:
                return await stub.ListScripts(popular, timeout=10)

            async def get_token(n: int) -> object:
                return await stub.GetToken(pb.GetTokenRequest(token_id=tokens[n % len(tokens)]), timeout=10)

            first = await stub.ListScripts(popular)
            assert len(first.scripts) == 20
            results = {
                "list_scripts_popular": await load(list_popular, args.concurrency, args.seconds),
                "get_token": await load(get_token, args.concurrency, args.seconds),
            }
        figures = {"benchmark": "catalog", "concurrency": args.concurrency, "seconds": args.seconds, **results}
        for name, value in results.items():
            print(f"{name}: {value['calls_per_second']} calls/s, p50 {value['p50_ms']} ms, p99 {value['p99_ms']} ms")
        print(json.dumps(figures))
    finally:
        if child is not None:
            child.terminate()
            try:
                child.wait(timeout=30)
            except subprocess.TimeoutExpired:
                child.kill()
        postgres.stop()
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    asyncio.run(main())
