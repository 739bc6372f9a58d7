"""A small in-process read cache: TTL, single-flight loads, refresh on events without pile-ups.

- A missing or expired entry is loaded once however many callers ask at the same moment: the
  first caller's load is shared by the others (single-flight), so a burst of identical requests
  costs one database query.
- `mark_stale()` (called on events: a take completed, a view, an edit) makes entries refresh
  soon, but not on every event: a stale entry is still served while ONE background load
  replaces it, and at most once per `min_refresh_seconds`. Readers never wait for it.
- `clear()` drops everything at once (after edits, where serving old data would be wrong).
- Bounded: least recently used entries are evicted beyond `max_entries`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass
from typing import Generic, TypeVar

V = TypeVar("V")
log = logging.getLogger(__name__)


@dataclass
class _Entry(Generic[V]):
    value: V
    loaded_at: float
    generation: int


class SingleFlightCache(Generic[V]):
    def __init__(
        self,
        *,
        ttl_seconds: float,
        min_refresh_seconds: float = 0.5,
        max_entries: int = 1024,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._ttl = ttl_seconds
        self._min_refresh = min_refresh_seconds
        self._max = max_entries
        self._clock = clock
        self._entries: OrderedDict[Hashable, _Entry[V]] = OrderedDict()
        self._loads: dict[Hashable, asyncio.Future[V]] = {}
        self._stale_generation = 0  # entries loaded before this generation are stale
        self._generation = 0
        self._cleared_generation = 0
        self._background: set[asyncio.Task[None]] = set()
        self.loads = 0  # how many loads actually ran (observability, tests)

    async def get(self, key: Hashable, load: Callable[[], Awaitable[V]]) -> V:
        entry = self._entries.get(key)
        now = self._clock()
        if entry is not None and now - entry.loaded_at < self._ttl:
            self._entries.move_to_end(key)
            if entry.generation < self._stale_generation and now - entry.loaded_at >= self._min_refresh:
                self._refresh_in_background(key, load)
            return entry.value
        return await self._load(key, load)

    def mark_stale(self) -> None:
        """Entries loaded so far refresh soon (in the background, rate-limited)."""
        self._generation += 1
        self._stale_generation = self._generation

    def clear(self) -> None:
        """Forget everything, including loads in flight (their results are not kept)."""
        self._generation += 1
        self._stale_generation = self._cleared_generation = self._generation
        self._entries.clear()
        self._loads.clear()

    def _refresh_in_background(self, key: Hashable, load: Callable[[], Awaitable[V]]) -> None:
        if key in self._loads:
            return

        async def refresh() -> None:
            with contextlib.suppress(Exception):
                await self._load(key, load)

        task = asyncio.get_running_loop().create_task(refresh())
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def _load(self, key: Hashable, load: Callable[[], Awaitable[V]]) -> V:
        pending = self._loads.get(key)
        if pending is not None:
            return await asyncio.shield(pending)
        future: asyncio.Future[V] = asyncio.get_running_loop().create_future()
        self._loads[key] = future
        generation = self._generation
        try:
            self.loads += 1
            value = await load()
        except BaseException as exc:
            if not future.done():
                future.set_exception(exc)
            future.exception()  # retrieved: no "never retrieved" warning when nobody else waited
            raise
        else:
            future.set_result(value)
            # A load that began before `clear()` is not kept; one that began before `mark_stale()`
            # is kept but refreshed by the next read.
            if generation >= self._cleared_generation:
                self._entries[key] = _Entry(value, self._clock(), generation)
                self._entries.move_to_end(key)
                while len(self._entries) > self._max:
                    self._entries.popitem(last=False)
            return value
        finally:
            if self._loads.get(key) is future:
                del self._loads[key]

    async def close(self) -> None:
        for task in list(self._background):
            task.cancel()
        await asyncio.gather(*self._background, return_exceptions=True)
