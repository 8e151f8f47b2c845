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
            key = activity_id.lower()
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
