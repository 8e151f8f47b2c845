"""The 3-operations-per-environment-per-rolling-24-hours quota, computed locally.

LCS counts every operation started on an environment in the last 24 hours,
including those started by hand in the portal, so the environment's history
is the source of truth; operations this app started a moment ago may not be
in the history yet, so they are added (deduplicated by activity id).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from lcs_tui.api import HistoryEntry
from lcs_tui.api.models import HISTORY_TYPE_EXPORT, HISTORY_TYPE_REFRESH
from lcs_tui.service.operations import (
    NOT_FOUND,
    NOT_STARTED_LOCALLY,
    TrackedOperation,
    activity_key,
)
from lcs_tui.service.reconcile import find_match

QUOTA_LIMIT = 3
QUOTA_WINDOW = timedelta(hours=24)


@dataclass(frozen=True, slots=True)
class Quota:
    """Operations counted against an environment's 3 per rolling 24 hours."""

    used: int
    limit: int
    #: When the oldest counted operation leaves the window (None: nothing counted).
    next_frees_at: datetime | None

    @property
    def left(self) -> int:
        return max(0, self.limit - self.used)

    def describe(self) -> str:
        text = f"{self.left}/{self.limit} left"
        if self.left == 0 and self.next_frees_at:
            text += f" until {self.next_frees_at:%H:%M} UTC"
        return text


def compute_quota(
    starts: Iterable[tuple[str | None, datetime]], *, now: datetime, limit: int = QUOTA_LIMIT
) -> Quota:
    """Count operation starts (activity id, start time) in the 24 h before `now`."""
    window_start = now - QUOTA_WINDOW
    seen: set[str] = set()
    counted: list[datetime] = []
    for activity_id, started in starts:
        if started <= window_start or started > now + timedelta(minutes=5):
            continue
        if activity_id:
            key = activity_key(activity_id)
            if key in seen:
                continue
            seen.add(key)
        counted.append(started)
    counted.sort()
    if not counted:
        return Quota(used=0, limit=limit, next_frees_at=None)
    # With `used` at or above the limit, a slot opens when enough of the oldest
    # starts have left the window to bring the count below the limit.
    index = max(0, len(counted) - limit)
    return Quota(used=len(counted), limit=limit, next_frees_at=counted[index] + QUOTA_WINDOW)


def environment_quota(
    environment_id: str,
    history: list[HistoryEntry],
    operations: Iterable[TrackedOperation],
    *,
    now: datetime,
) -> Quota:
    """The one quota figure of an environment: its history plus what started here.

    The table, the dialogs and the CLI all take it from here, so they cannot
    disagree. An operation started here a moment ago may not be in the
    history yet, so it is added — unless the history already shows it: by
    its activity id (compared without regard to dashes and case), or, for one
    whose answer was lost (no activity id), by a matching entry (the same
    rule reconciliation uses), so one operation is never counted twice.
    """
    starts: list[tuple[str | None, datetime]] = [
        (h.activity_id, h.started)
        for h in history
        if h.is_database_operation and h.started is not None
    ]
    claimed: set[str] = set()
    for op in operations:
        when = op.started_at or op.requested_at
        # Operations watched by id or found in the history are counted
        # through the history itself: a mistyped id must not use up quota.
        if (
            op.poll_environment_id != environment_id
            or when is None
            or op.discovered
            or op.status in (NOT_STARTED_LOCALLY, NOT_FOUND)
        ):
            continue
        if op.activity_id is None:
            wanted = HISTORY_TYPE_REFRESH if op.kind == "refresh" else HISTORY_TYPE_EXPORT
            match = find_match(history, wanted, op, claimed)
            if match is not None and match.activity_id:
                claimed.add(match.activity_id.lower())
                continue  # the history's entry is this operation: counted once
        starts.append((op.activity_id, when))
    return compute_quota(starts, now=now)
