"""Concurrent SSE watchers on one gateway process, of one job or spread over many: memory per stream,
fan-out latency, failures, and memory after they disconnect (a second round shows it is reused, not grown).

The orchestrator runs without its dispatcher, so the jobs stay queued while the watchers connect; then,
after one unwatched completion (the stack's first webhook pays one-time costs), each job is completed
through the signed webhook at its t0 and each watcher notes when the terminal event reaches it.
`fanout_*` = arrival at the watcher's socket (the kernel's receive timestamp) - t0 of its job;
`fanout_read_*` = when the watcher process read it - t0, which adds the bench client's own queueing.
The watchers are raw-socket clients in BENCH_SSE_CLIENT_PROCESSES (2) processes
(_sse_watchers.py). They stand for browsers on other machines, so on a machine of 2 CPUs or more the
gateway process runs on the first CPU and the watchers on the others (at nice BENCH_SSE_CLIENT_NICE, 0):
a watcher neither takes the gateway's core in the middle of a fan-out nor waits for it to read. The
watchers' half of loopback TCP goes to their CPUs too where it can be steered (_loopback.py; root, Linux;
`loopback_receive_cpus`, null where not): on loopback it would otherwise run in the gateway's writes,
about 60 % of each on these VMs, work a browser's own machine does.
Several jobs complete at a steady BENCH_SSE_COMPLETIONS_PER_SECOND (25; 0 = a burst, 32 in flight).
The watchers of one job share one upstream WatchJob stream in the gateway (fanout.py). Gateway memory
is its RSS (psutil). Prints one JSON object on its last line.
Usage: python bench/sse.py [watchers (1000)] [jobs (1)]   e.g. `10000 1` and `10000 1000`.
"""

from __future__ import annotations

import asyncio
import gc
import hashlib
import hmac
import json
import multiprocessing
import os
import statistics
import sys
import tempfile
import time
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any

import _sse_watchers
import aiohttp
import psutil
from _loopback import receive_on
from _stack import FIXTURES, fixture_text, line_token, running_stack, sign_in

WATCHERS = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
# Watchers spread evenly over this many jobs (1: all watch one job; 1000: ten each at 10,000 watchers).
JOBS = int(sys.argv[2]) if len(sys.argv) > 2 else 1
# Watcher processes (bench/_sse_watchers.py): raw-socket SSE clients, so the client side is cheap.
CLIENT_PROCESSES = int(os.environ.get("BENCH_SSE_CLIENT_PROCESSES", "2"))
# Jobs completed per second when there are several (0: all at once, 32 in flight). Live progress is about
# delivering each event to its watchers; the one orchestrator process here spends ~17 ms of CPU on a
# completion (the webhook, its transaction, the event to its watch), so 25/s is about half its core, while
# near its ~55/s the figure measures the webhook's queueing instead (`webhook_p50_ms`/`webhook_p99_ms`).
RATE = float(os.environ.get("BENCH_SSE_COMPLETIONS_PER_SECOND", "25"))
JOBS_PER_USER = 4  # within the default per-user limit of concurrent analyses
SECRET = "bench-webhook-secret-0123456789"
WEBHOOK: list[float] = []  # seconds per completion webhook call


def rss_mb(pid: int) -> float:
    return float(psutil.Process(pid).memory_info().rss) / 2**20


async def settle(pid: int, seconds: float = 2.0) -> float:
    await asyncio.sleep(seconds)
    return rss_mb(pid)


async def upload_jobs(session: aiohttp.ClientSession, url: str, jobs: int) -> list[dict[str, str]]:
    """`jobs` queued jobs, JOBS_PER_USER per user (the per-user limits stay at their defaults)."""
    token_id = await line_token(session, url, fixture_text("frankly")[:12])
    audio = (FIXTURES / "frankly" / "good.wav").read_bytes()
    users = [await sign_in(session, url, f"watcher{n}@example.com") for n in range(-(-jobs // JOBS_PER_USER))]
    gate = asyncio.Semaphore(16)

    async def upload(n: int) -> dict[str, str]:
        form = aiohttp.FormData()
        form.add_field("audio_file", audio, filename="t.wav")
        async with (
            gate,
            session.post(
                f"{url}/api/tokens/{token_id}/upload-audio", data=form, headers=users[n // JOBS_PER_USER]
            ) as response,
        ):
            assert response.status == 202, await response.text()
            job: dict[str, str] = await response.json()
            return job

    return list(await asyncio.gather(*(upload(n) for n in range(jobs))))


async def complete(session: aiohttp.ClientSession, url: str, job_id: str) -> tuple[float, float]:
    """Complete `job_id` through the signed webhook; returns the moment the request left (t0) in CLOCK_MONOTONIC
    and in CLOCK_REALTIME (the clock of the kernel's receive timestamps). The call's duration goes to WEBHOOK."""
    body = json.dumps({"job_id": job_id, "failure": {"reason": "BENCH", "message": "fan-out"}}).encode()
    stamp = int(time.time())
    signature = hmac.new(SECRET.encode(), str(stamp).encode() + b"." + body, hashlib.sha256).hexdigest()
    t0 = time.monotonic(), time.time()
    async with session.post(
        f"{url}/api/tokens/webhook/analysis-complete",
        data=body,
        headers={"Content-Type": "application/json", "X-Signature": signature, "X-Timestamp": str(stamp)},
    ) as response:
        assert response.status == 200, await response.text()
    WEBHOOK.append(time.monotonic() - t0[0])
    return t0


class Clients:
    """CLIENT_PROCESSES watcher processes (_sse_watchers.py), each with its share of the watchers."""

    def __init__(self, url: str, targets: list[tuple[str, str]], cpus: set[int] | None) -> None:
        host, port = url.removeprefix("http://").rsplit(":", 1)
        context = multiprocessing.get_context("spawn")
        self.pipes: list[Connection] = []
        self.processes: list[BaseProcess] = []
        for n in range(CLIENT_PROCESSES):
            ours, theirs = context.Pipe()
            share = targets[n::CLIENT_PROCESSES]
            process = context.Process(target=_sse_watchers.child, args=(theirs, host, int(port), share, 300.0, cpus))
            process.start()
            self.pipes.append(ours)
            self.processes.append(process)

    async def gather(self) -> list[Any]:
        loop = asyncio.get_running_loop()
        return list(await asyncio.gather(*(loop.run_in_executor(None, pipe.recv) for pipe in self.pipes)))

    def go(self) -> None:
        for pipe in self.pipes:
            pipe.send("go")

    def join(self) -> None:
        for process in self.processes:
            process.join(30)
            if process.is_alive():
                process.kill()


def split_cpus(gateway_pid: int) -> set[int] | None:
    """Puts the gateway (every thread of it) on the first CPU; the others are the watchers' (None: 1 CPU)."""
    cpus = sorted(os.sched_getaffinity(0))
    if len(cpus) < 2:
        return None
    for thread in psutil.Process(gateway_pid).threads():
        os.sched_setaffinity(thread.id, {cpus[0]})
    return set(cpus[1:])


def _merge(summaries: list[dict[str, Any]]) -> tuple[int, int, dict[str, int]]:
    reasons: dict[str, int] = {}
    for summary in summaries:
        for reason, count in summary["reasons"].items():
            reasons[reason] = reasons.get(reason, 0) + count
    return sum(s["connected"] for s in summaries), sum(s["failures"] for s in summaries), reasons


async def run(url: str, gateway_pid: int) -> dict[str, object]:
    connector = aiohttp.TCPConnector(limit=0)
    timeout = aiohttp.ClientTimeout(total=None, sock_read=180)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        *jobs, warmup = await upload_jobs(session, url, JOBS + 1)
        baseline = await settle(gateway_pid, 1.0)

        cpus = split_cpus(gateway_pid)
        clients = Clients(
            url, [(job["job_id"], job["progress_url"]) for job in (jobs[n % JOBS] for n in range(WATCHERS))], cpus
        )
        with receive_on(cpus) as steered:
            try:
                assert all(message == "ready" for message in await clients.gather())
                connect_started = time.monotonic()
                clients.go()
                connected, failures, reasons = _merge([message[1] for message in await clients.gather()])
                connect_seconds = time.monotonic() - connect_started
                busy = psutil.Process(gateway_pid).cpu_times()
                quiet_started = time.monotonic()
                loaded = await settle(gateway_pid, 2.0)
                now = psutil.Process(gateway_pid).cpu_times()
                # The gateway's CPU while every stream is open and nothing happens (heartbeats only).
                idle_cpu = (now.user + now.system - busy.user - busy.system) / (time.monotonic() - quiet_started)

                gate = asyncio.Semaphore(32)
                # Fresh connections: the upload session's sat idle while the watchers connected, past the
                # gateway's keep-alive, and a webhook sent as the server closes one is reset (not retried).
                async with aiohttp.ClientSession(timeout=timeout) as webhooks:
                    # First a completion nobody watches: the first webhook after the stack starts also pays
                    # one-time costs (statements compiled and prepared, the connection) that are not the fan-out's.
                    await complete(webhooks, url, warmup["job_id"])
                    WEBHOOK.clear()
                    before_fanout = psutil.Process(gateway_pid).cpu_times()

                    async def completed(job_id: str) -> tuple[str, tuple[float, float]]:
                        async with gate:
                            return job_id, await complete(webhooks, url, job_id)

                    async def paced(n: int, job_id: str) -> tuple[str, tuple[float, float]]:
                        await asyncio.sleep(n / RATE)
                        return await completed(job_id)

                    ids = [job["job_id"] for job in jobs]
                    completing = [paced(n, job_id) if RATE else completed(job_id) for n, job_id in enumerate(ids)]
                    t0 = dict(await asyncio.gather(*completing))
                done = await clients.gather()
                # The gateway's CPU from the first completion to the last watcher's end: the fan-out passes
                # and each stream's ending, per watcher, split into Python (user) and the kernel (system).
                spent = psutil.Process(gateway_pid).cpu_times()
            finally:
                clients.join()
    arrivals = [arrival for message in done for arrival in message[1]]
    _, failures, reasons = _merge([message[2] for message in done])
    gc.collect()
    after = await settle(gateway_pid, 3.0)
    latencies = sorted(stamp - t0[job_id][1] for job_id, _, stamp in arrivals)
    q = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [latencies[0]] * 99
    reads = sorted(read - t0[job_id][0] for job_id, read, _ in arrivals)
    r = statistics.quantiles(reads, n=100) if len(reads) > 1 else [reads[0]] * 99
    hooks = sorted(WEBHOOK)
    WEBHOOK.clear()
    return {
        "benchmark": "gateway_sse_fanout",
        "watchers": WATCHERS,
        "jobs": JOBS,
        "client_processes": CLIENT_PROCESSES,
        "loopback_receive_cpus": steered,
        "connected": connected,
        "failures": failures,
        "failure_reasons": reasons,
        "connect_seconds": round(connect_seconds, 2),
        "received_terminal": len(arrivals),
        "rss_baseline_mb": round(baseline, 1),
        "rss_with_streams_mb": round(loaded, 1),
        "kb_per_stream": round((loaded - baseline) * 1024 / max(1, connected), 1),
        "idle_cpu_percent": round(idle_cpu * 100, 1),
        "rss_after_disconnect_mb": round(after, 1),
        "fanout_min_ms": round(latencies[0] * 1000, 1),
        "fanout_p50_ms": round(q[49] * 1000, 1),
        "fanout_p99_ms": round(q[98] * 1000, 1),
        "fanout_max_ms": round(latencies[-1] * 1000, 1),
        "fanout_read_p50_ms": round(r[49] * 1000, 1),
        "fanout_read_p99_ms": round(r[98] * 1000, 1),
        "gateway_cpu_us_per_watcher": {
            "user": round((spent.user - before_fanout.user) * 1e6 / max(1, WATCHERS), 1),
            "system": round((spent.system - before_fanout.system) * 1e6 / max(1, WATCHERS), 1),
        },
        "completions_per_second": RATE if JOBS > 1 else None,
        "webhook_p50_ms": round(hooks[len(hooks) // 2] * 1000, 1),
        "webhook_p99_ms": round(hooks[min(len(hooks) - 1, len(hooks) * 99 // 100)] * 1000, 1),
    }


def compile_once() -> None:
    """Every service is a fresh interpreter: let them share compiled bytecode (in a temp dir) rather than each
    compiling every module again when PYTHONDONTWRITEBYTECODE is set, which slows a busy machine's start."""
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    os.environ.setdefault("PYTHONPYCACHEPREFIX", os.path.join(tempfile.gettempdir(), "yousync-bench-pycache"))


def main() -> None:
    compile_once()
    env = {
        "ORCHESTRATOR_ROLES": "api,relay",
        "ORCHESTRATOR_WEBHOOK_SECRET": SECRET,
        "GATEWAY_MAX_CONCURRENT_STREAMS": str(WATCHERS + 10),
        "GATEWAY_UPLOADS_PER_MINUTE": str(JOBS + 10),
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
