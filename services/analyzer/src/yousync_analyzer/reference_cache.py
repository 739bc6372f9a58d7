"""The actor's side, computed once per reference and kept in a bounded LRU (in the server process)."""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Awaitable, Callable

from yousync_analyzer.domain import ReferenceAnalysis, ReferenceSpec

CacheKey = tuple[str, str, str]


def key_of(spec: ReferenceSpec) -> CacheKey:
    """The client's content key plus what the analysis depends on (the text and language)."""
    return (spec.cache_key, " ".join(spec.text.lower().split()), spec.language.lower())


class ReferenceCache:
    def __init__(self, max_entries: int = 256) -> None:
        self.max_entries = max_entries
        self._entries: OrderedDict[CacheKey, ReferenceAnalysis] = OrderedDict()
        self._pending: dict[CacheKey, asyncio.Future[ReferenceAnalysis]] = {}
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: CacheKey) -> ReferenceAnalysis | None:
        value = self._entries.get(key)
        if value is not None:
            self._entries.move_to_end(key)
        return value

    def contains(self, key: CacheKey) -> bool:
        return key in self._entries or key in self._pending

    def put(self, key: CacheKey, value: ReferenceAnalysis) -> None:
        self._entries[key] = value
        self._entries.move_to_end(key)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)

    async def get_or_compute(
        self, key: CacheKey, compute: Callable[[], Awaitable[ReferenceAnalysis]]
    ) -> ReferenceAnalysis:
        """One computation per key even when several streams ask at once."""
        value = self.get(key)
        if value is not None:
            self.hits += 1
            return value
        pending = self._pending.get(key)
        if pending is not None:
            self.hits += 1
            return await asyncio.shield(pending)
        self.misses += 1
        future: asyncio.Future[ReferenceAnalysis] = asyncio.get_running_loop().create_future()
        self._pending[key] = future
        try:
            value = await compute()
        except BaseException as exc:
            if not future.done():
                if isinstance(exc, asyncio.CancelledError):
                    future.cancel()
                else:
                    future.set_exception(exc)
                    future.exception()  # mark retrieved
            raise
        finally:
            self._pending.pop(key, None)
        future.set_result(value)
        self.put(key, value)
        return value
