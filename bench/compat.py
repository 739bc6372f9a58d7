"""Compatibility reads vs the /api reads they wrap, through the gateway (no sign-in, as SSR calls them).

Pairs: a clip's TokenDetail (`/compat/api/tokens/{id}`) vs the scene (`/api/scripts/{id}`); the popular
and category rows (`/compat/api/tokens/popular/`, `/compat/api/tokens/category/로맨스/`) vs the same lists
of 100 on /api. Each side: 10 keep-alive connections, 1 s warm-up, then `seconds` measured, sides
alternated twice so drift hits both. Prints one JSON object last: req/s, p50/p99 per side and the ratio
compat/api of req/s (≥ ~1 means "no slower"). The suite runs as separate processes (see _stack.py) with
the compatibility test catalog (tests/compat/catalog) only.

    .venv/bin/python bench/compat.py [seconds]
"""

from __future__ import annotations

import asyncio
import json
import statistics
import sys
import time
from urllib.parse import quote

import aiohttp
from _stack import ROOT, running_stack

CONNECTIONS = 10
SECONDS = float(sys.argv[1]) if len(sys.argv) > 1 else 3.0
COMPAT_CATALOG = ROOT / "tests" / "compat" / "catalog"


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
            for _ in range(2):
                for side, path in (("compat", compat), ("api", api)):
                    latencies, errors = await measure(session, base + path, SECONDS / 2)
                    samples[side] = (samples[side][0] + latencies, samples[side][1] + errors)
            compat_figures = figures(*samples["compat"], SECONDS)
            api_figures = figures(*samples["api"], SECONDS)
            result[name] = {
                "compat": compat_figures,
                "api": api_figures,
                "ratio_req_per_s": round(compat_figures["req_per_s"] / max(api_figures["req_per_s"], 0.1), 2),
            }
    return result


def main() -> None:
    # Only the compatibility test catalog: the suite's start is bounded, and the machine may be busy.
    with running_stack(extra_env={"YOUSYNC_CATALOG_DIRS": str(COMPAT_CATALOG)}) as stack:
        result = asyncio.run(run(stack.url))
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
