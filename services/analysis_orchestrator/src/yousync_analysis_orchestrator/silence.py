"""What tells a silent watcher that its live events are not coming: the last sequence of every job watched
in this process, read in one query every `period` seconds (not one query per watcher).

A watcher waits for live events; when none came for a while it asks `behind(job_id, last)` and reads its
job's events from the database only when the job has moved past what it has seen (a live event lost in a
NATS restart, a listener that lost its subscription). A thousand quiet watchers cost one query per period,
not a thousand.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import Counter
from collections.abc import Callable, Iterator

from yousync_analysis_orchestrator.ports import UnitOfWork

log = logging.getLogger(__name__)


class LastSequences:
    def __init__(self, uow: Callable[[], UnitOfWork], period: float) -> None:
        self._uow = uow
        self.period = period
        self._watched: Counter[str] = Counter()
        self._known: dict[str, int] = {}
        self._task: asyncio.Task[None] | None = None

    @contextlib.contextmanager
    def watching(self, job_id: str) -> Iterator[None]:
        """While a watcher of `job_id` is open (the reading runs while any is)."""
        self._watched[job_id] += 1
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._run(), name="watch-last-sequences")
        try:
            yield
        finally:
            self._watched[job_id] -= 1
            if self._watched[job_id] <= 0:
                del self._watched[job_id]
                self._known.pop(job_id, None)

    def behind(self, job_id: str, last: int) -> bool:
        """The job had events after `last` when last read (so a watcher at `last` missed some)."""
        return self._known.get(job_id, 0) > last

    async def _run(self) -> None:
        while self._watched:
            await asyncio.sleep(self.period)
            watched = list(self._watched)
            if not watched:
                break
            try:
                async with self._uow() as uow:
                    known = await uow.jobs.last_sequences(watched)
            except Exception:
                log.warning("reading the watched jobs' last sequences failed; trying again", exc_info=True)
                continue
            self._known = {job_id: known[job_id] for job_id in watched if job_id in known}
