"""Brute-force brakes on the auth routes (sign-in with Google, dev sign-in, refresh, logout).

Failed attempts are counted per client IP and per account (the e-mail of a dev sign-in, the unverified
subject/e-mail of a Google ID token, a digest of the refresh token presented) in a sliding window. Once a
key has used up its budget, every further attempt on it is refused with 429 and `Retry-After`, *before*
any backend is called, until the oldest failure leaves the window. Successes cost nothing, so a user who
signs in normally never meets the brake; failures (4xx answers) do.

In memory, per gateway process (like the other per-user limits in limits.py).
"""

from __future__ import annotations

import hashlib
import math
import time
from collections import deque

from yousync_gateway.errors import ApiError


class FailureWindow:
    """At most `limit` failures per `window` seconds for each key."""

    def __init__(self, limit: int, window: float, *, max_keys: int = 100_000) -> None:
        self.limit = limit
        self.window = window
        self.max_keys = max_keys
        self._failures: dict[str, deque[float]] = {}

    def _recent(self, key: str, now: float) -> deque[float] | None:
        failures = self._failures.get(key)
        if failures is None:
            return None
        while failures and failures[0] <= now - self.window:
            failures.popleft()
        if not failures:
            del self._failures[key]
            return None
        return failures

    def retry_after(self, key: str, *, now: float | None = None) -> float | None:
        """Seconds until `key` may try again, or None when it may now."""
        now = time.monotonic() if now is None else now
        failures = self._recent(key, now)
        if failures is None or len(failures) < self.limit:
            return None
        return failures[0] + self.window - now

    def failed(self, key: str, *, now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        if key not in self._failures and len(self._failures) >= self.max_keys:
            self.prune(now)
        self._failures.setdefault(key, deque()).append(now)

    def prune(self, now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        for key in [k for k, v in self._failures.items() if not v or v[-1] <= now - self.window]:
            del self._failures[key]


class AuthThrottle:
    def __init__(self, per_ip: int, per_account: int, window: float) -> None:
        self.by_ip = FailureWindow(per_ip, window)
        self.by_account = FailureWindow(per_account, window)

    @staticmethod
    def account_key(kind: str, value: str) -> str:
        """A bounded key that never keeps the credential itself."""
        return kind + ":" + hashlib.sha256(value.strip().lower().encode()).hexdigest()[:32]

    def check(self, ip: str, account: str | None) -> None:
        """429 when the IP or the account has failed too often lately."""
        waits = [self.by_ip.retry_after(ip)]
        if account:
            waits.append(self.by_account.retry_after(account))
        wait = max((w for w in waits if w is not None), default=None)
        if wait is not None:
            raise ApiError(
                429,
                "AUTH_RATE_LIMITED",
                "too many failed sign-in attempts; try again later",
                headers={"Retry-After": str(max(1, math.ceil(wait)))},
            )

    def failed(self, ip: str, account: str | None) -> None:
        self.by_ip.failed(ip)
        if account:
            self.by_account.failed(account)
