"""Progress latency: an analysis stage event leaving the dispatcher → the WatchJob client receiving it.

Runs the whole suite (`make run`'s supervisor) and scores real takes on the real analyzer. For every
live event (the snapshot is excluded) latency = client receive time − the event's `time`, which the
dispatcher stamps (PostgreSQL `now()`, same host clock) when it records the analyzer's stage event,
before it publishes it to JetStream. Goal: p50 ≤ 10 ms. Prints one JSON object last.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import sys
import time

import grpc
from _clients import FIXTURES, of_bytes, percentile, sign_in, upload_messages, watch

from yousync.analysis.v1 import analysis_pb2_grpc
from yousync_dev.suite_process import running_suite

TAKES = int(sys.argv[1]) if len(sys.argv) > 1 else 20


async def measure(orchestrator: str, auth_target: str) -> dict[str, float]:
    auth = await sign_in(auth_target, "latency@example.com")
    data = (FIXTURES / "force" / "good.wav").read_bytes()
    latencies: list[float] = []
    async with grpc.aio.insecure_channel(orchestrator) as channel:
        stub = analysis_pb2_grpc.AnalysisServiceStub(channel)
        for _ in range(TAKES):
            job = await stub.UploadTake(upload_messages(1, of_bytes(data)), metadata=auth)
            first = True
            async for event in watch(stub, auth, job.id):
                received = time.time()
                if not first:
                    latencies.append((received - event.time.ToNanoseconds() / 1e9) * 1000)
                first = False
    return {
        "events": len(latencies),
        "p50_ms": round(statistics.median(latencies), 2),
        "p99_ms": round(percentile(latencies, 0.99), 2),
        "max_ms": round(max(latencies), 2),
    }


def main() -> None:
    with running_suite() as suite:
        figures = asyncio.run(measure(suite.target("analysis_orchestrator"), suite.target("auth")))
    print(f"progress latency over {TAKES} takes: {figures}")
    print(json.dumps({"benchmark": "progress_latency", "takes": TAKES, **figures, "goal_p50_ms": 10}))


if __name__ == "__main__":
    main()
