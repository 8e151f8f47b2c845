"""A client-side limiter that keeps normal use under LCS's documented limits.

LCS answers 429 above a few calls per minute on its environment endpoints
(LCS-API.md section 3). The app itself must never provoke that: before each
call the client asks the limiter, which waits (reporting the wait) until every
window the call counts against has room. Time and sleep are injected so tests
share one fake clock with the simulator.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Limit:
    """At most `calls` per `period` seconds for one key."""

    calls: int
    period: float


# One extra second on each window absorbs clock skew between us and LCS.
SAFETY_MARGIN = 1.0

ENV_DETAIL_PER_PROJECT = Limit(6, 60.0)
HISTORY_PER_ENVIRONMENT = Limit(6, 30.0)
HISTORY_PER_PROJECT = Limit(6, 60.0)
START_STOP_PER_ENVIRONMENT = Limit(1, 300.0)
START_STOP_PER_USER = Limit(30, 1800.0)


#: Waits one call may make: far more than contention between the app's own
#: tasks needs, few enough to end at once when the clock does not move.
_MAX_ROUNDS = 50


class RateLimiter:
    def __init__(
        self,
        *,
        clock: Callable[[], float],
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._clock = clock
        self._sleep = sleep
        self._calls: dict[str, deque[float]] = {}

    def delay(self, keys: Iterable[tuple[str, Limit]]) -> float:
        """Seconds to wait before a call counted against `keys` may go out."""
        now = self._clock()
        wait = 0.0
        for key, limit in keys:
            calls = self._calls.get(key)
            if not calls:
                continue
            window = limit.period + SAFETY_MARGIN
            while calls and now - calls[0] >= window:
                calls.popleft()
            if len(calls) >= limit.calls:
                wait = max(wait, calls[len(calls) - limit.calls] + window - now)
        return wait

    async def acquire(
        self,
        keys: list[tuple[str, Limit]],
        *,
        on_wait: Callable[[float], None] | None = None,
        max_wait: float | None = None,
    ) -> float:
        """Wait until the call may go out, record it, and return the seconds waited.

        With `max_wait`, raise `LimitWouldWait` instead of waiting longer.
        """
        waited = 0.0
        # Checking and recording happen with no await in between, so two
        # tasks of one event loop can never both take the last slot. Each
        # round sleeps until a window has room (another task may take it
        # first); the bound keeps a clock that does not move (an injected
        # sleep that does not advance it) from looping for ever — the call
        # then goes out, and LCS's 429 handling, bounded too, takes over.
        for _ in range(_MAX_ROUNDS):
            delay = self.delay(keys)
            if delay <= 0:
                break
            if max_wait is not None and delay > max_wait:
                raise LimitWouldWait(delay)
            if on_wait is not None:
                on_wait(delay)
            await self._sleep(delay)
            waited += delay
        now = self._clock()
        for key, _ in keys:
            self._calls.setdefault(key, deque()).append(now)
        return waited


class LimitWouldWait(Exception):
    def __init__(self, delay: float) -> None:
        super().__init__(f"would wait {delay:.0f} s")
        self.delay = delay
