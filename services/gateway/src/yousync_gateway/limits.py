"""Per-user edge limits, in this process: uploads per minute and concurrent progress streams.

Exceeding one is 429 with `Retry-After`. State lives in memory (one gateway process); with several
replicas each enforces its own share. The limit of analyses at once is a rule, enforced by the
orchestrator in PostgreSQL (TOO_MANY_ANALYSES), not here.
"""

from __future__ import annotations

import math
import time
from collections import defaultdict, deque
from collections.abc import Callable

from yousync_gateway.errors import ApiError


def _too_many(code: str, detail: str, retry_after: float) -> ApiError:
    return ApiError(429, code, detail, headers={"Retry-After": str(max(1, math.ceil(retry_after)))})


class SlidingWindow:
    """At most `limit` events per `window` seconds for each key."""

    def __init__(self, limit: int, window: float = 60.0) -> None:
        self.limit = limit
        self.window = window
        self._events: dict[str, deque[float]] = defaultdict(deque)

    def hit(self, key: str, *, now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        events = self._events[key]
        while events and events[0] <= now - self.window:
            events.popleft()
        if len(events) >= self.limit:
            raise _too_many(
                "UPLOAD_RATE_LIMITED",
                f"at most {self.limit} uploads per {int(self.window)} s",
                events[0] + self.window - now,
            )
        events.append(now)

    def refund(self, key: str) -> None:
        """Forget the latest event of `key` (an upload that was refused before it counted)."""
        events = self._events.get(key)
        if events:
            events.pop()
            if not events:
                del self._events[key]

    def prune(self) -> None:
        now = time.monotonic()
        for key in [k for k, v in self._events.items() if not v or v[-1] <= now - self.window]:
            del self._events[key]


class Concurrency:
    """At most `limit` holders at once per key, and `total` overall."""

    def __init__(self, limit: int, total: int, code: str, what: str) -> None:
        self.limit = limit
        self.total = total
        self.code = code
        self.what = what
        self._held: dict[str, int] = {}
        self.active = 0

    def acquire(self, key: str) -> Callable[[], None]:
        """Take a slot (429 when none is free); call the returned function once to give it back."""
        if self._held.get(key, 0) >= self.limit:
            raise _too_many(self.code, f"at most {self.limit} concurrent {self.what} per user", 5)
        if self.active >= self.total:
            raise _too_many(self.code, f"too many concurrent {self.what}", 5)
        self._held[key] = self._held.get(key, 0) + 1
        self.active += 1
        released = False

        def release() -> None:
            nonlocal released
            if released:
                return
            released = True
            self.active -= 1
            self._held[key] -= 1
            if self._held[key] <= 0:
                del self._held[key]

        return release

    def held(self, key: str) -> int:
        return self._held.get(key, 0)
