"""N jobs end to end on the real analyzer: takes/s and upload-to-result latency p50/p99.

The suite runs as `make run` does; 4 users upload real takes (the fixture lines' good readings,
1.5–3 s each) concurrently and watch each job to its terminal event. Prints one JSON object last.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import sys
import time

import grpc
from _clients import FIXTURES, of_bytes, percentile, sign_in, upload_messages, watch

from yousync.analysis.v1 import analysis_pb2, analysis_pb2_grpc
from yousync_dev.suite_process import running_suite

JOBS = int(sys.argv[1]) if len(sys.argv) > 1 else 40
USERS = 4
TAKES = [(FIXTURES / line / "good.wav").read_bytes() for line in ("force", "frankly", "houston", "offer")]


async def run(orchestrator: str, auth_target: str) -> dict[str, float]:
    users = [await sign_in(auth_target, f"jobs{i}@example.com") for i in range(USERS)]
    latencies: list[float] = []
    states: dict[int, int] = {}
    async with grpc.aio.insecure_channel(orchestrator) as channel:
        stub = analysis_pb2_grpc.AnalysisServiceStub(channel)

        async def one(index: int) -> None:
            auth = users[index % USERS]
            started = time.perf_counter()
            job = await stub.UploadTake(upload_messages(1, of_bytes(TAKES[index % len(TAKES)])), metadata=auth)
            last = None
            async for event in watch(stub, auth, job.id):
                last = event
            latencies.append(time.perf_counter() - started)
            assert last is not None
            states[last.state] = states.get(last.state, 0) + 1

        started = time.perf_counter()
        await asyncio.gather(*(one(i) for i in range(JOBS)))
        elapsed = time.perf_counter() - started
    return {
        "jobs": JOBS,
        "seconds": round(elapsed, 2),
        "takes_per_s": round(JOBS / elapsed, 2),
        "upload_to_result_p50_s": round(statistics.median(latencies), 3),
        "upload_to_result_p99_s": round(percentile(latencies, 0.99), 3),
        "completed": states.get(analysis_pb2.JOB_STATE_COMPLETED, 0),
        "failed": states.get(analysis_pb2.JOB_STATE_FAILED, 0),
    }


def main() -> None:
    # All JOBS are queued at once by 4 users: the per-user limit of analyses at once is raised to match.
    with running_suite({"ORCHESTRATOR_MAX_ACTIVE_ANALYSES": str(JOBS)}) as suite:
        figures = asyncio.run(run(suite.target("analysis_orchestrator"), suite.target("auth")))
    print(f"{JOBS} jobs end to end: {figures}")
    print(json.dumps({"benchmark": "jobs", **figures}))


if __name__ == "__main__":
    main()
