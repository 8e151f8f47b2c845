"""Simulated time.

Everything the simulator does over time (operations progressing, tokens
expiring, SAS links expiring, environments starting) is a pure function of
"simulator now", read from a clock. Tests drive a `ManualClock` by hand; the
demo runs a `ScaledClock` so that a three-hour refresh passes in a couple of
real minutes.

Datetimes are naive and mean UTC, like the dates LCS puts on the wire.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Protocol


def utc_now() -> datetime:
    """The real current time as a naive UTC datetime."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


class Clock(Protocol):
    """What the simulator needs of a clock."""

    def now(self) -> datetime:
        """Simulator time: a naive datetime meaning UTC."""
        ...

    @property
    def rate(self) -> float:
        """Simulated seconds that pass per real second.

        Used to express simulated durations in real seconds for the client
        (a token's `expires_in`) and real waits in simulated time (how long a
        person has to enter a device code).
        """
        ...


class ManualClock:
    """A clock that moves only when told to. Its rate is 1.0 by convention."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is not None:
            start = start.astimezone(timezone.utc).replace(tzinfo=None)
        self._now = start
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return self._now

    @property
    def rate(self) -> float:
        return 1.0

    def advance(self, delta: timedelta) -> datetime:
        """Move forward by `delta` and return the new time."""
        if delta < timedelta(0):
            raise ValueError("a ManualClock only moves forward; use set() to go back")
        with self._lock:
            self._now += delta
            return self._now

    def set(self, moment: datetime) -> None:
        """Jump to `moment` (naive UTC), forwards or backwards."""
        with self._lock:
            self._now = moment


class ScaledClock:
    """Real time, sped up: `scale` simulated seconds pass per real second.

    `real_time` is the monotonic source it scales (injectable for tests).
    `start` defaults to the real current UTC time.
    """

    def __init__(
        self,
        scale: float = 1.0,
        start: datetime | None = None,
        real_time: Callable[[], float] = time.monotonic,
    ) -> None:
        if scale <= 0:
            raise ValueError("scale must be positive")
        self._scale = scale
        self._start = start if start is not None else utc_now()
        self._real_time = real_time
        self._origin = real_time()

    def now(self) -> datetime:
        elapsed = self._real_time() - self._origin
        return self._start + timedelta(seconds=elapsed * self._scale)

    @property
    def rate(self) -> float:
        return self._scale
