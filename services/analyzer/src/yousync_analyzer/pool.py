"""The CPU pool: one worker process per core (by default), one BLAS/OpenMP thread each, and admission.

Scoring is CPU-bound (pocketsphinx, Praat, numpy), so it runs in a `ProcessPoolExecutor` and the
event loop keeps streaming. Admission is bounded: at most `workers + queue_size` analyses are in
flight; beyond that `admit()` raises `Saturated` (RESOURCE_EXHAUSTED) instead of queueing without
bound. This module imports nothing heavy, so a spawned worker sets its thread limits before numpy loads.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from typing import Any, TypeVar

from opentelemetry import trace

from yousync_analyzer import metrics
from yousync_analyzer.domain import Saturated

T = TypeVar("T")
log = logging.getLogger(__name__)
# One span per stage, with the boundaries of `analyzer_stage_seconds` (a no-op while tracing is off).
tracer = trace.get_tracer("yousync.analyzer")

THREAD_LIMITS = {
    "OMP_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "NUMEXPR_NUM_THREADS": "1",
}


def _die_with(parent: int) -> None:
    """An analyzer killed outright (SIGKILL, the OOM killer) cannot shut its pool down; its workers go with
    it (Linux's parent-death signal) rather than living on as orphans, each holding its decoders' memory,
    next to the analyzer the supervisor starts again. Elsewhere only an orderly shutdown stops them."""
    if not sys.platform.startswith("linux"):
        return
    import ctypes
    import signal

    pr_set_pdeathsig = 1
    ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGKILL)
    if os.getppid() != parent:  # it died before the signal was asked for
        os._exit(1)


def _init_worker(parent: int) -> None:
    _die_with(parent)
    os.environ.update(THREAD_LIMITS)
    # Build this process's decoders now, so the first request does not pay for it.
    from yousync_analyzer.pipeline import aligner

    aligner()


def _warm(delay: float) -> tuple[int, int]:
    """Runs in a worker: report pid and peak RSS (KiB); `delay` keeps every worker busy at once."""
    import resource

    time.sleep(delay)
    return os.getpid(), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


class AnalysisPool:
    def __init__(self, workers: int | None = None, queue_size: int | None = None) -> None:
        self.workers = workers or os.cpu_count() or 1
        self.capacity = self.workers + (self.workers * 2 if queue_size is None else queue_size)
        self._in_flight = 0
        self._tasks = 0
        metrics.WORKERS.set(self.workers)
        metrics.BUSY_WORKERS.set_function(lambda: min(self._tasks, self.workers))
        # Spawned children inherit the environment: one BLAS thread each (set before they import numpy).
        os.environ.update(THREAD_LIMITS)
        self._executor = self._new_executor()

    def _new_executor(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(
            max_workers=self.workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_init_worker,
            initargs=(os.getpid(),),
        )

    @property
    def in_flight(self) -> int:
        return self._in_flight

    @contextmanager
    def admit(self) -> Iterator[None]:
        """Hold one analysis slot for the duration of a stream, or raise `Saturated`."""
        if self._in_flight >= self.capacity:
            raise Saturated()
        self._in_flight += 1
        metrics.ANALYSES_IN_FLIGHT.inc()
        try:
            yield
        finally:
            self._in_flight -= 1
            metrics.ANALYSES_IN_FLIGHT.dec()

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        """Run one stage in a worker. Cancelling the caller drops a queued stage; a running one
        finishes its (short) stage and its result is discarded."""
        loop = asyncio.get_running_loop()
        executor = self._executor
        stage = getattr(fn, "__name__", "other")
        self._tasks += 1
        metrics.POOL_TASKS.inc()
        started = time.perf_counter()
        try:
            if stage.startswith("_"):  # warming the workers up, not a stage of an analysis
                return await loop.run_in_executor(executor, fn, *args)
            with tracer.start_as_current_span(f"analyzer.{stage}", attributes={"analyzer.stage": stage}):
                return await loop.run_in_executor(executor, fn, *args)
        except BrokenProcessPool:
            # a worker died (e.g. killed for memory): replace the pool so later streams still work
            if executor is self._executor:
                log.error("a pool worker died; restarting the pool")
                executor.shutdown(wait=False, cancel_futures=True)
                self._executor = self._new_executor()
            raise
        finally:
            self._tasks -= 1
            metrics.POOL_TASKS.dec()
            metrics.STAGE_SECONDS.labels(stage).observe(time.perf_counter() - started)

    async def start(self) -> list[tuple[int, int]]:
        """Start every worker now (and build its decoders); returns (pid, peak RSS KiB) per worker."""
        results = await asyncio.gather(*(self.run(_warm, 0.3) for _ in range(self.workers)))
        return list(results)

    async def worker_stats(self) -> list[tuple[int, int]]:
        return await self.start()

    def close(self) -> None:
        self._executor.shutdown(wait=True, cancel_futures=True)
