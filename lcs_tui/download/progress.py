"""What a running download reports: bytes, a smoothed rate, an ETA, a state."""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import Enum


class DownloadState(Enum):
    STARTING = "starting"
    DOWNLOADING = "downloading"
    RENEWING = "renewing link"
    RETRYING = "retrying"
    VERIFYING = "verifying"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def finished(self) -> bool:
        return self in (DownloadState.DONE, DownloadState.FAILED, DownloadState.CANCELLED)


@dataclass(frozen=True, slots=True)
class DownloadProgress:
    state: DownloadState
    done: int
    total: int | None
    #: Bytes per second, smoothed; None until there is something to smooth.
    rate: float | None = None
    #: Seconds to go at the current rate; None when unknown.
    eta: float | None = None
    #: Connections receiving bytes now.
    connections: int = 0
    #: Bytes that were already on disk when this run started (a resume).
    resumed_from: int = 0
    message: str | None = None
    #: Connections the download wants now (the ramp's count, or --connections).
    wanted: int = 0

    @property
    def fraction(self) -> float | None:
        if not self.total:
            return None
        return min(1.0, self.done / self.total)


class RateMeter:
    """An exponentially weighted rate: steady on a bumpy connection, yet it
    follows a real change within a few seconds (`tau`)."""

    def __init__(self, tau: float = 3.0) -> None:
        self.tau = tau
        self.rate: float | None = None
        self._last: tuple[float, int] | None = None

    def update(self, now: float, done: int) -> float | None:
        if self._last is None:
            self._last = (now, done)
            return self.rate
        then, before = self._last
        elapsed = now - then
        if elapsed <= 0:
            return self.rate
        instant = max(0, done - before) / elapsed
        self._last = (now, done)
        if self.rate is None:
            self.rate = instant
        else:
            weight = 1.0 - math.exp(-elapsed / self.tau)
            self.rate += weight * (instant - self.rate)
        return self.rate

    def restart(self, now: float, done: int) -> None:
        """Forget the history (after a pause: renewing a link, a back-off)."""
        self._last = (now, done)


def eta(done: int, total: int | None, rate: float | None) -> float | None:
    if total is None or rate is None or rate <= 0:
        return None
    return max(0, total - done) / rate
