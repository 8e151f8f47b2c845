"""How long an operation will take, from the environment's own past operations.

    eta = estimate(history, "refresh", started_at=op.started_at, now=now)
    eta.describe()  # "ETA 15:40 UTC (typical 2h10m, from 6 past refreshes)"

LCS's history has a start and an end for every operation; the typical
duration is the median of that environment's past *successful* operations
of the same kind (a failed refresh that stopped after 5 minutes says nothing
about how long one takes), the most recent `SAMPLES` of them. No history of
that kind: no estimate — never a made-up number.

Pure functions over `HistoryEntry` lists, for the TUI (jobs pane,
operations) and the CLI (`job show`, `status`) alike. Power Platform's
operation history (copies and restores, `PpOperation`) has the same
starts and ends: `typical_pp_duration` and `estimate_pp` read it alike.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from statistics import median
from typing import TYPE_CHECKING

from lcs_tui.api import HistoryEntry, Outcome
from lcs_tui.api.models import HISTORY_TYPE_EXPORT, HISTORY_TYPE_REFRESH
from lcs_tui.units import human_duration

if TYPE_CHECKING:
    from lcs_tui.ppac.operation_models import PpOperation

#: Past operations looked at (the most recent ones).
SAMPLES = 20
_TYPES = {"refresh": HISTORY_TYPE_REFRESH, "export": HISTORY_TYPE_EXPORT}
_PLURAL = {"refresh": "refreshes", "export": "exports", "copy": "copies"}


@dataclass(frozen=True)
class Typical:
    """The typical duration of one kind of operation on one environment."""

    kind: str
    duration: timedelta
    samples: int

    def describe(self) -> str:
        noun = _PLURAL.get(self.kind, f"{self.kind}s") if self.samples != 1 else self.kind
        took = human_duration(self.duration.total_seconds())
        return f"typical {took}, from {self.samples} past {noun}"


@dataclass(frozen=True)
class Eta:
    """When a running (or planned) operation should end, from its typical duration."""

    typical: Typical
    #: Expected end (naive UTC), or None when the operation has not started.
    finishes_at: datetime | None
    #: Running longer than the typical duration already.
    overdue: bool = False

    def describe(self, zone: str = "UTC") -> str:
        """ "ETA 15:40 UTC (typical 2h10m, from 6 past refreshes)"."""
        if self.finishes_at is None:
            return (
                f"takes about {human_duration(self.typical.duration.total_seconds())} "
                f"({self.typical.describe()})"
            )
        when = _clock(self.finishes_at, zone)
        if self.overdue:
            return f"longer than usual: expected by {when} ({self.typical.describe()})"
        return f"ETA {when} ({self.typical.describe()})"

    def short(self, zone: str = "UTC") -> str:
        """ "15:40 UTC", "overdue (15:40 UTC)" or "about 2h10m": for a narrow column."""
        if self.finishes_at is None:
            return f"about {human_duration(self.typical.duration.total_seconds())}"
        when = _clock(self.finishes_at, zone)
        return f"overdue ({when})" if self.overdue else when


def typical_duration(
    history: Iterable[HistoryEntry], kind: str, *, samples: int = SAMPLES
) -> Typical | None:
    """The median duration of the most recent successful operations of `kind`."""
    wanted = _TYPES.get(kind)
    if wanted is None:
        return None
    finished = [
        h
        for h in history
        if h.type == wanted
        and h.started is not None
        and h.ended is not None
        and h.ended > h.started
        and h.status.outcome is Outcome.SUCCEEDED
    ]
    return _median(kind, [(h.started, h.ended) for h in finished], samples)


def typical_pp_duration(
    entries: Iterable[PpOperation], kind: str, *, samples: int = SAMPLES
) -> Typical | None:
    """The same for Power Platform copies or restores (`kind`), from their names."""
    finished = [
        e
        for e in entries
        if kind in (e.name or "").lower()
        and e.started is not None
        and e.ended is not None
        and e.ended > e.started
        and e.status.outcome is Outcome.SUCCEEDED
    ]
    return _median(kind, [(e.started, e.ended) for e in finished], samples)


def _median(
    kind: str, spans: list[tuple[datetime | None, datetime | None]], samples: int
) -> Typical | None:
    """The median of the most recent `samples` spans (start, end) as a Typical."""
    spans.sort(key=lambda span: span[0] or datetime.min, reverse=True)
    durations = [
        (ended - started).total_seconds()
        for started, ended in spans[:samples]
        if ended is not None and started is not None
    ]
    if not durations:
        return None
    return Typical(kind, timedelta(seconds=round(median(durations))), len(durations))


def estimate(
    history: Iterable[HistoryEntry],
    kind: str,
    *,
    started_at: datetime | None,
    now: datetime,
) -> Eta | None:
    """The ETA of an operation of `kind` that started at `started_at` (None: not yet)."""
    return _eta(typical_duration(history, kind), started_at, now)


def estimate_pp(
    entries: Iterable[PpOperation], kind: str, *, started_at: datetime | None, now: datetime
) -> Eta | None:
    """`estimate` for a Power Platform copy or restore, from its target's history."""
    return _eta(typical_pp_duration(entries, kind), started_at, now)


def _eta(typical: Typical | None, started_at: datetime | None, now: datetime) -> Eta | None:
    if typical is None:
        return None
    if started_at is None:
        return Eta(typical, None)
    expected = started_at + typical.duration
    return Eta(typical, expected, overdue=expected < now)


def _clock(moment: datetime, zone: str) -> str:
    from lcs_tui.jobs.schedule import UTC_NAMES, shown

    if zone.lower() in UTC_NAMES:
        return f"{moment:%H:%M} UTC"
    # "2026-11-22 15:40 CET (14:40 UTC)" without the date: the time is what counts.
    return shown(moment, zone).split(" ", 1)[1]
