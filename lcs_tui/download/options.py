"""What a download may be told (`DownloadOptions`) and what it reports at the end."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from lcs_tui.download.ramp import RampSettings

MIB = 1024 * 1024


def default_backoff(failure: int) -> float:
    """Seconds to wait before retry number `failure` (1, 2, 3...)."""
    return float(min(10.0, 0.5 * 2 ** (failure - 1)))


@dataclass(frozen=True)
class DownloadOptions:
    #: Parallel connections for a large blob; None: chosen by measuring, from
    #: `ramp.initial` up to `ramp.cap` (ramp.py).
    connections: int | None = None
    overwrite: bool = False
    #: How the automatic count is found (start, cap, steps, back-off).
    ramp: RampSettings = field(default_factory=RampSettings)
    #: Seconds between starting two connections (their handshakes do not collide).
    stagger: float = 0.01
    #: Blobs smaller than this come in one stream (still with `Range`, to resume).
    single_stream_below: int = 16 * MIB
    #: Each request fetches a piece of at most `max_piece`, and near the end
    #: down to `min_piece`; no piece in flight is split below 2 × `min_piece`.
    min_piece: int = MIB
    max_piece: int = 16 * MIB
    #: Failed tries in a row (no byte gained in between) before giving up.
    attempts: int = 5
    backoff: Callable[[int], float] = default_backoff
    progress_interval: float = 0.25
    checkpoint_interval: float = 1.0
    #: fdatasync the `.part` before each checkpoint, so that a checkpoint never
    #: claims bytes a power cut could lose. (A killed process loses nothing
    #: either way: written bytes are the kernel's.)
    durable: bool = True
    #: Seconds to wait for workers to notice a stop before giving up on them
    #: (a read on a proxied connection only ends at its timeout). A straggler
    #: never writes after the stop: it checks before every write.
    stop_grace: float = 3.0
    #: Check for free space before starting (sparse files make this a guess
    #: on some file systems; ENOSPC while writing is handled regardless).
    check_free_space: bool = True


@dataclass(frozen=True)
class DownloadResult:
    path: Path
    size: int
    seconds: float
    #: Bytes that were already on disk from an earlier run.
    resumed_from: int
    md5_checked: bool
    notices: tuple[str, ...] = ()
    #: The most connections that worked at once.
    peak_connections: int = 0

    @property
    def rate(self) -> float:
        fetched = self.size - self.resumed_from
        return fetched / self.seconds if self.seconds > 0 else 0.0
