"""Authenticated `GET /api/scripts/popular` through the gateway at 50 keep-alive connections.

The suite runs as separate processes (see _stack.py); this process only drives the load. With `wrk` on
PATH (Debian package `wrk`) the load comes from wrk (2 threads, 50 connections), a C program that costs
the measured cores little; without it, from aiohttp in this process (which competes for the same cores
and so understates the gateway). Prints req/s and p50/p99 latency as one JSON object on its last line.

Usage: python bench/gateway.py [seconds]
Environment: GATEWAY_WORKERS (gateway worker processes, default 1), BENCH_GATEWAY_CACHE=0 to measure
with the gateway's catalog response cache off (every request reaches the catalog over gRPC),
BENCH_WRK_THREADS (wrk's threads, default 2).
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

import aiohttp
from _stack import running_stack

CONNECTIONS = 50
THREADS = int(os.environ.get("BENCH_WRK_THREADS", "2"))  # wrk's threads
SECONDS = float(sys.argv[1]) if len(sys.argv) > 1 else 10.0
PATH = "/api/scripts/popular"

# wrk's Lua hook: the summary as one JSON line (latencies in microseconds).
WRK_REPORT = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests":%d,"duration_us":%d,"errors":%d,"non_2xx":%d,"p50_us":%d,"p99_us":%d}\\n',
    summary.requests, summary.duration, e.connect + e.read + e.write + e.timeout, e.status,
    latency:percentile(50), latency:percentile(99)))
end
"""


async def access_token(url: str) -> str:
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{url}/api/auth/dev", json={"email": "bench@example.com"}) as response,
    ):
        token: str = (await response.json())["access_token"]
    async with aiohttp.ClientSession() as session, session.get(f"{url}{PATH}") as response:
        assert response.status == 200, await response.text()
    return token


def with_wrk(wrk: str, url: str, token: str) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as folder:
        script = Path(folder) / "report.lua"
        script.write_text(WRK_REPORT)

        def run(seconds: float) -> dict[str, int]:
            command = [wrk, f"-t{THREADS}", f"-c{CONNECTIONS}", f"-d{max(1, round(seconds))}s", "-s", str(script)]
            command += ["-H", f"Authorization: Bearer {token}", f"{url}{PATH}"]
            output = subprocess.run(command, check=True, capture_output=True, text=True, timeout=seconds + 60).stdout
            parsed: dict[str, int] = json.loads(output.strip().splitlines()[-1])
            return parsed

        run(3.0)  # warm-up: connections, caches, the interpreter's hot paths
        result = run(SECONDS)
    elapsed = result["duration_us"] / 1e6
    return {
        "seconds": round(elapsed, 2),
        "requests": result["requests"],
        "errors": result["errors"] + result["non_2xx"],
        "req_per_s": round(result["requests"] / elapsed, 1),
        "p50_ms": round(result["p50_us"] / 1000, 2),
        "p99_ms": round(result["p99_us"] / 1000, 2),
    }


async def with_aiohttp(url: str, token: str) -> dict[str, object]:
    connector = aiohttp.TCPConnector(limit=CONNECTIONS)
    async with aiohttp.ClientSession(connector=connector) as session:
        headers = {"Authorization": f"Bearer {token}"}
        target = f"{url}{PATH}"
        latencies: list[float] = []
        errors = 0

        async def worker(deadline: float) -> None:
            nonlocal errors
            while time.perf_counter() < deadline:
                started = time.perf_counter()
                async with session.get(target, headers=headers) as response:
                    await response.read()
                    if response.status != 200:
                        errors += 1
                latencies.append(time.perf_counter() - started)

        await asyncio.gather(*(worker(time.perf_counter() + 2.0) for _ in range(CONNECTIONS)))  # warm-up
        latencies.clear()
        started = time.perf_counter()
        await asyncio.gather(*(worker(started + SECONDS) for _ in range(CONNECTIONS)))
        elapsed = time.perf_counter() - started
    quantiles = statistics.quantiles(latencies, n=100)
    return {
        "seconds": round(elapsed, 2),
        "requests": len(latencies),
        "errors": errors,
        "req_per_s": round(len(latencies) / elapsed, 1),
        "p50_ms": round(quantiles[49] * 1000, 2),
        "p99_ms": round(quantiles[98] * 1000, 2),
    }


def compile_once() -> None:
    """Every service is a fresh interpreter: let them share compiled bytecode (in a temp dir) rather than each
    compiling every module again when PYTHONDONTWRITEBYTECODE is set, which slows a busy machine's start."""
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    os.environ.setdefault("PYTHONPYCACHEPREFIX", os.path.join(tempfile.gettempdir(), "yousync-bench-pycache"))


def main() -> None:
    compile_once()
    workers = os.environ.get("GATEWAY_WORKERS", "1")
    cache = os.environ.get("BENCH_GATEWAY_CACHE", "1") != "0"
    env = {"GATEWAY_WORKERS": workers, **({} if cache else {"GATEWAY_CATALOG_CACHE_SECONDS": "0"})}
    wrk = shutil.which("wrk")
    with running_stack(extra_env=env) as stack:
        token = asyncio.run(access_token(stack.url))
        result = with_wrk(wrk, stack.url, token) if wrk else asyncio.run(with_aiohttp(stack.url, token))
    print(
        json.dumps(
            {
                "benchmark": "gateway_popular_scripts",
                "load_generator": "wrk" if wrk else "aiohttp",
                "connections": CONNECTIONS,
                "gateway_workers": int(workers),
                "gateway_cache": cache,
                **result,
            }
        )
    )


if __name__ == "__main__":
    main()
