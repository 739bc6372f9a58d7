"""Authenticated `GET /api/scripts/popular` through the gateway at 50 concurrent connections.

The suite runs as separate processes (see _stack.py); this process is only the load generator (aiohttp,
50 keep-alive connections, each with one request in flight). Prints req/s and p50/p99 latency as one
JSON object on its last line. Usage: python bench/gateway.py [seconds]
"""

from __future__ import annotations

import asyncio
import json
import statistics
import sys
import time

import aiohttp
from _stack import running_stack

CONNECTIONS = 50
SECONDS = float(sys.argv[1]) if len(sys.argv) > 1 else 10.0


async def load(url: str) -> dict[str, object]:
    connector = aiohttp.TCPConnector(limit=CONNECTIONS)
    async with aiohttp.ClientSession(connector=connector) as session:
        async with session.post(f"{url}/api/auth/dev", json={"email": "bench@example.com"}) as response:
            token = (await response.json())["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        target = f"{url}/api/scripts/popular"
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
        "benchmark": "gateway_popular_scripts",
        "connections": CONNECTIONS,
        "seconds": round(elapsed, 2),
        "requests": len(latencies),
        "errors": errors,
        "req_per_s": round(len(latencies) / elapsed, 1),
        "p50_ms": round(quantiles[49] * 1000, 2),
        "p99_ms": round(quantiles[98] * 1000, 2),
    }


def main() -> None:
    with running_stack() as stack:
        result = asyncio.run(load(stack.url))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
