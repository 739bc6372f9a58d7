"""1,000 concurrent SSE watchers on one gateway process: memory per stream, fan-out latency, and memory
back to baseline after they disconnect.

The orchestrator runs without its dispatcher, so the job stays queued while the watchers connect; then
the job is completed through the signed webhook at t0 and each watcher notes when the terminal event
reaches it (fan-out latency = arrival - t0, same clock). Gateway memory is its RSS (psutil). Prints one
JSON object on its last line. Usage: python bench/sse.py [watchers]
"""

from __future__ import annotations

import asyncio
import gc
import hashlib
import hmac
import json
import statistics
import sys
import time

import aiohttp
import psutil
from _stack import FIXTURES, fixture_text, line_token, running_stack, sign_in

WATCHERS = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
SECRET = "bench-webhook-secret-0123456789"


def rss_mb(pid: int) -> float:
    return psutil.Process(pid).memory_info().rss / 2**20


async def settle(pid: int, seconds: float = 2.0) -> float:
    await asyncio.sleep(seconds)
    return rss_mb(pid)


async def run(url: str, gateway_pid: int) -> dict[str, object]:
    connector = aiohttp.TCPConnector(limit=0)
    timeout = aiohttp.ClientTimeout(total=None, sock_read=120)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        headers = await sign_in(session, url, "watcher@example.com")
        token_id = await line_token(session, url, fixture_text("frankly")[:12])
        form = aiohttp.FormData()
        form.add_field("audio_file", (FIXTURES / "frankly" / "good.wav").read_bytes(), filename="t.wav")
        async with session.post(f"{url}/api/tokens/{token_id}/upload-audio", data=form, headers=headers) as response:
            job = await response.json()
        progress = f"{url}{job['progress_url']}"
        baseline = await settle(gateway_pid, 1.0)

        connected = 0
        all_connected = asyncio.Event()
        arrivals: list[float] = []
        failures = 0
        reasons: dict[str, int] = {}

        async def watch() -> None:
            nonlocal connected, failures
            try:
                async with session.get(progress) as response:
                    if response.status != 200:
                        failures += 1
                        reason = f"{response.status} {(await response.json()).get('code', '')}"
                        reasons[reason] = reasons.get(reason, 0) + 1
                        return
                    first = True
                    async for raw in response.content:
                        line = raw.decode().rstrip("\n")
                        if not line.startswith("data:"):
                            continue
                        data = json.loads(line[5:])
                        if first:
                            first = False
                            connected += 1
                            if connected + failures >= WATCHERS:
                                all_connected.set()
                        if data["status"] in ("completed", "failed"):
                            arrivals.append(time.perf_counter())
                            return
            except (aiohttp.ClientError, TimeoutError) as error:
                failures += 1
                reasons[type(error).__name__] = reasons.get(type(error).__name__, 0) + 1
            finally:
                if connected + failures >= WATCHERS:
                    all_connected.set()

        tasks = [asyncio.create_task(watch()) for _ in range(WATCHERS)]
        connect_started = time.perf_counter()
        await asyncio.wait_for(all_connected.wait(), 120)
        connect_seconds = time.perf_counter() - connect_started
        loaded = await settle(gateway_pid, 2.0)

        body = json.dumps({"job_id": job["job_id"], "failure": {"reason": "BENCH", "message": "fan-out"}}).encode()
        stamp = int(time.time())
        signature = hmac.new(SECRET.encode(), str(stamp).encode() + b"." + body, hashlib.sha256).hexdigest()
        t0 = time.perf_counter()
        async with session.post(
            f"{url}/api/tokens/webhook/analysis-complete",
            data=body,
            headers={"Content-Type": "application/json", "X-Signature": signature, "X-Timestamp": str(stamp)},
        ) as response:
            assert response.status == 200, await response.text()
        await asyncio.wait_for(asyncio.gather(*tasks), 120)
    gc.collect()
    after = await settle(gateway_pid, 3.0)
    latencies = sorted(a - t0 for a in arrivals)
    q = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [latencies[0]] * 99
    return {
        "benchmark": "gateway_sse_fanout",
        "watchers": WATCHERS,
        "connected": connected,
        "failures": failures,
        "failure_reasons": reasons,
        "connect_seconds": round(connect_seconds, 2),
        "received_terminal": len(arrivals),
        "rss_baseline_mb": round(baseline, 1),
        "rss_with_streams_mb": round(loaded, 1),
        "kb_per_stream": round((loaded - baseline) * 1024 / max(1, connected), 1),
        "rss_after_disconnect_mb": round(after, 1),
        "fanout_p50_ms": round(q[49] * 1000, 1),
        "fanout_p99_ms": round(q[98] * 1000, 1),
        "fanout_max_ms": round(latencies[-1] * 1000, 1),
    }


def main() -> None:
    env = {
        "ORCHESTRATOR_ROLES": "api,relay",
        "ORCHESTRATOR_WEBHOOK_SECRET": SECRET,
        "GATEWAY_MAX_CONCURRENT_STREAMS": str(WATCHERS + 10),
        "GATEWAY_MAX_TOTAL_STREAMS": str(WATCHERS + 10),
    }
    with running_stack(extra_env=env, demo=False) as stack:
        pid = stack.gateway_pid
        result = asyncio.run(run(stack.url, pid))
        # A second round on the same process: memory is reused, not grown (no per-stream leak). CPython
        # keeps freed arenas, so RSS plateaus rather than dropping to the first baseline.
        second = asyncio.run(run(stack.url, pid))
    result["rss_after_second_round_mb"] = second["rss_after_disconnect_mb"]
    result["second_round_fanout_p99_ms"] = second["fanout_p99_ms"]
    print(json.dumps(result))


if __name__ == "__main__":
    main()
