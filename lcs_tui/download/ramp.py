"""How many connections a download uses: more while the total rate still rises.

On a real internet path a single TCP connection is held back by the round
trip time and packet loss (roughly MSS / RTT / sqrt(loss)), whatever the
link could carry; what decides a download's speed is how many connections
are kept busy. Too many is not free either: on a fast local network, or
against a busy storage account, more connections only add load (and Azure
answers 503 ServerBusy). So the count is found by measuring:

1. Start with `initial` connections (4), staggered (the engine starts one
   every few tens of milliseconds, so their TLS handshakes do not collide).
2. Once all of them have received bytes and had time to leave TCP's slow start
   (`settle`: a few round trips, at least 0.3 s), measure the total rate over
   a window (`window`: a few more round trips, at least 0.5 s).
3. Multiply the count by `growth` (2) and measure again. The step is kept when
   the rate rose by at least `keep_share` (20 %) of what the new connections
   would add if each brought as much as the old ones did on average; then the
   next step is tried, up to `cap` (32). Otherwise the count goes back to the
   previous one, which was as fast, and holds (a gain below twice that share
   is measured once more before it counts: on loopback the rate is the CPU's
   and wobbles). A held count is tried again
   after `reprobe_after` (30 s, doubling after each useless try): paths change.
4. A 503 or 500 from the storage service halves the count; a failing
   connection (reset, timeout) takes a quarter off (failures within `burst`,
   1 s, of each other count once). Either forbids going back above the count
   that failed for `cooldown` (20 s, doubling while failures repeat).
5. No step is tried while connections sit idle for lack of work (the end of a
   download): the rate then says nothing about the path.

Pure logic with the clock passed in: the engine calls `observe` a few times a
second; tests drive it with scripted rates and a fake clock.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import Enum


@dataclass(frozen=True)
class RampSettings:
    initial: int = 4
    cap: int = 32
    growth: float = 2.0
    #: A step up is kept when the rate rose by at least this share of the
    #: proportional gain (doubling 8 → 16: +100 % proportional; kept from +20 %).
    keep_share: float = 0.2
    #: After a change of count: wait this long (seconds, and round trips) once
    #: every connection works, before measuring.
    settle_min: float = 0.3
    settle_rtts: float = 6.0
    #: Start settling after this long even if not every connection works.
    settle_patience: float = 5.0
    #: The measurement window (seconds, and round trips).
    window_min: float = 0.5
    window_rtts: float = 8.0
    #: Try a step up again after this long at a held count (doubling).
    reprobe_after: float = 30.0
    #: No step up above a count that failed for this long (doubling).
    cooldown: float = 20.0
    #: Failures this close together are one event (16 connections all
    #: answered 503 at once: halve once, not 16 times).
    burst: float = 1.0


class Phase(Enum):
    SETTLING = "settling"  # waiting for the connections to start and speed up
    MEASURING = "measuring"
    HOLDING = "holding"


@dataclass
class _Sample:
    count: int
    rate: float


class Ramp:
    """The connection count for one download (see the module docstring)."""

    def __init__(self, settings: RampSettings, now: float) -> None:
        self.settings = settings
        self.target = max(1, min(settings.initial, settings.cap))
        self.phase = Phase.SETTLING
        self._since = now  # when the current phase began
        self._started: float | None = None  # when every connection was working
        self._window_start: tuple[float, int] | None = None
        #: The measurement the current probe is compared with.
        self._before: _Sample | None = None
        self._next_probe = math.inf
        self._reprobe = settings.reprobe_after
        self._ceiling = settings.cap
        self._ceiling_until = -math.inf
        self._cooldown = settings.cooldown
        self._last_failure = -math.inf
        #: The last measured rate (bytes/s), for reports.
        self.rate: float | None = None
        #: A small gain is being measured a second time.
        self._confirming = False
        self._received_now = 0

    # -- what the engine reports ----------------------------------------------------

    def observe(
        self,
        now: float,
        received: int,
        *,
        working: int,
        starved: bool = False,
        rtt: float | None = None,
    ) -> int:
        """The count wanted now. `received`: bytes so far (all connections);
        `working`: connections reading a body; `starved`: some wait for work
        that is not there (the download's end); `rtt`: a round trip estimate."""
        if now >= self._ceiling_until:
            self._ceiling = self.settings.cap
        if self.phase is Phase.HOLDING:
            if now >= self._next_probe and not starved and self.target < self._ceiling:
                # Measure the held count afresh, then step up from it.
                self._before = None
                self._settle(now)
            return self.target
        if starved:
            # The end of the download: nothing to learn; keep what works.
            self._hold(now, self._next_probe)
            return self.target
        if self.phase is Phase.SETTLING:
            # Settling starts once every connection has received bytes (or,
            # should one never manage, after `settle_patience`). Later dips —
            # a connection between two pieces, one retrying — are part of the
            # rate being measured, not a reason to start over.
            if self._started is None and (
                working >= self.target or now - self._since >= self.settings.settle_patience
            ):
                self._started = now
            if self._started is not None and now - self._started >= self._settle_time(rtt):
                self.phase = Phase.MEASURING
                self._window_start = (now, received)
            return self.target
        assert self._window_start is not None
        began, bytes_then = self._window_start
        if now - began < self._window_time(rtt):
            return self.target
        rate = (received - bytes_then) / (now - began)
        self.rate = rate
        self._received_now = received
        self._judge(now, rate)
        return self.target

    def throttled(self, now: float) -> int:
        """The storage service answered 503/500: halve the count."""
        return self._back_off(now, max(1, self.target // 2))

    def connection_failed(self, now: float) -> int:
        """A connection failed (reset, timeout): a quarter fewer."""
        return self._back_off(now, max(1, self.target - max(1, self.target // 4)))

    # -- inside ---------------------------------------------------------------------

    def _judge(self, now: float, rate: float) -> None:
        before = self._before
        if before is not None:
            proportional = self.target / before.count - 1.0
            needed = self.settings.keep_share * proportional
            gain = rate / before.rate - 1.0 if before.rate > 0 else math.inf
            if gain < needed:
                # No better with more: back to the count that did as well.
                self.target = before.count
                self._before = None
                self._confirming = False
                self._hold(now, now + self._reprobe)
                self._reprobe *= 2
                return
            if gain < 2 * needed and not self._confirming:
                # A small gain may be noise (on loopback the rate is the
                # CPU's and wobbles): measure once more before keeping it.
                self._confirming = True
                self._window_start = (now, self._received_now)
                self.phase = Phase.MEASURING
                return
            self._confirming = False
            self._reprobe = self.settings.reprobe_after
        if self.target >= self._ceiling:
            self._before = None
            self._hold(now, now + self._reprobe)
            return
        self._before = _Sample(self.target, rate)
        grown = max(self.target + 1, round(self.target * self.settings.growth))
        self.target = min(self._ceiling, grown)
        self._settle(now)

    def _back_off(self, now: float, lower: int) -> int:
        if now - self._last_failure < self.settings.burst:
            return self.target
        if now - self._last_failure < self._cooldown:
            self._cooldown *= 2  # failures keep coming: stay lower for longer
        else:
            self._cooldown = self.settings.cooldown
        self._last_failure = now
        self._ceiling = max(1, min(self._ceiling, self.target - 1, lower))
        self._ceiling_until = now + self._cooldown
        self.target = lower
        self._before = None
        self._confirming = False
        self._hold(now, now + self._cooldown)
        return self.target

    def _settle(self, now: float) -> None:
        self.phase = Phase.SETTLING
        self._since = now
        self._started = None
        self._window_start = None

    def _hold(self, now: float, next_probe: float) -> None:
        self.phase = Phase.HOLDING
        self._since = now
        self._next_probe = next_probe

    def _settle_time(self, rtt: float | None) -> float:
        return max(self.settings.settle_min, self.settings.settle_rtts * (rtt or 0.0))

    def _window_time(self, rtt: float | None) -> float:
        return max(self.settings.window_min, self.settings.window_rtts * (rtt or 0.0))


class Fixed:
    """`--connections N`: the count the user chose, whatever happens."""

    def __init__(self, count: int) -> None:
        self.target = max(1, count)
        self.rate: float | None = None
        self.phase = Phase.HOLDING

    def observe(
        self,
        now: float,
        received: int,
        *,
        working: int,
        starved: bool = False,
        rtt: float | None = None,
    ) -> int:
        return self.target

    def throttled(self, now: float) -> int:
        return self.target

    def connection_failed(self, now: float) -> int:
        return self.target
