"""Sliding-window rate limits of the environment API (LCS-API.md section 3).

Windows run on `rate_time` (real monotonic seconds by default), not on the
simulator clock: the service throttles on wall-clock time, and a test can
inject the same fake time source it gives the client's own limiter.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Limit:
    """At most `count` calls per `window` seconds for one key."""

    key: Hashable
    count: int
    window: float


class RateLimiter:
    """Counts accepted calls per key. Not thread-safe: the caller holds the world lock."""

    def __init__(self, rate_time: Callable[[], float]) -> None:
        self._rate_time = rate_time
        self._calls: dict[Hashable, deque[float]] = {}

    def try_acquire(self, limits: Sequence[Limit]) -> int | None:
        """Record one call against every limit, or none if any is exhausted.

        Returns None when the call is allowed, else the whole seconds to wait
        (what `Retry-After` says): until the oldest counted call of the
        tightest exhausted window leaves it.
        """
        now = self._rate_time()
        wait = 0.0
        for limit in limits:
            calls = self._window(limit, now)
            if len(calls) >= limit.count:
                wait = max(wait, calls[0] + limit.window - now)
        if wait > 0:
            return max(1, math.ceil(wait))
        for limit in limits:
            self._calls.setdefault(limit.key, deque()).append(now)
        return None

    def _window(self, limit: Limit, now: float) -> deque[float]:
        calls = self._calls.setdefault(limit.key, deque())
        while calls and calls[0] <= now - limit.window:
            calls.popleft()
        return calls
