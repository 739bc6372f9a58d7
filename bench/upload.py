"""A 50 MB take through UploadTake: throughput and the orchestrator's extra peak RSS (goal ≤ 32 MB).

The suite runs as `make run` does (filesystem blobs); the take is a WAV header followed by zeros,
streamed in 64 KiB chunks. RSS of the orchestrator process is sampled every 5 ms during the upload.
Prints one JSON object last.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import AsyncIterator

import grpc
import psutil
from _clients import CHUNK, FIXTURES, sign_in, upload_messages

from yousync.analysis.v1 import analysis_pb2_grpc
from yousync_dev.suite_process import running_suite

SIZE = 50 * 1000 * 1000


async def body() -> AsyncIterator[bytes]:
    header = (FIXTURES / "force" / "good.wav").read_bytes()[:44]
    zeros = bytes(CHUNK)
    yield header + zeros[44:]
    sent = CHUNK
    while sent < SIZE:
        yield zeros
        sent += CHUNK


class PeakRss:
    def __init__(self, pid: int) -> None:
        self.process = psutil.Process(pid)
        self.baseline = self.process.memory_info().rss
        self.peak = self.baseline
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self.process.memory_info().rss)
            time.sleep(0.005)

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()


async def upload(orchestrator: str, auth_target: str, pid: int) -> dict[str, float]:
    auth = await sign_in(auth_target, "big-upload@example.com")
    async with grpc.aio.insecure_channel(orchestrator) as channel:
        stub = analysis_pb2_grpc.AnalysisServiceStub(channel)
        warm = await stub.UploadTake(upload_messages(1, body_of(2_000_000)), metadata=auth)  # warm-up
        assert warm.id
        with PeakRss(pid) as rss:
            started = time.perf_counter()
            job = await stub.UploadTake(upload_messages(1, body()), metadata=auth, timeout=300)
            elapsed = time.perf_counter() - started
    assert job.id
    return {
        "bytes": SIZE,
        "seconds": round(elapsed, 2),
        "mb_per_s": round(SIZE / 1e6 / elapsed, 1),
        "server_baseline_rss_mb": round(rss.baseline / 2**20, 1),
        "server_extra_peak_rss_mb": round((rss.peak - rss.baseline) / 2**20, 1),
    }


async def body_of(size: int) -> AsyncIterator[bytes]:
    header = (FIXTURES / "force" / "good.wav").read_bytes()[:44]
    yield header + bytes(CHUNK - 44)
    for _ in range(size // CHUNK):
        yield bytes(CHUNK)


def main() -> None:
    # The take cap (10 MiB, the analyzer's) is raised: this measures streaming memory, not analysis.
    with running_suite({"YOUSYNC_MAX_TAKE_BYTES": str(64 * 1000 * 1000)}) as suite:
        pid = suite.pid_of("yousync_analysis_orchestrator")
        figures = asyncio.run(upload(suite.target("analysis_orchestrator"), suite.target("auth"), pid))
    print(f"50 MB upload: {figures}")
    print(json.dumps({"benchmark": "upload", **figures, "goal_extra_rss_mb": 32}))


if __name__ == "__main__":
    main()
