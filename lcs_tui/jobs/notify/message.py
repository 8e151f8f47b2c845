"""What a notification says: what finished, how it ended, how long it took, the activity id.

Every notification is built here, whatever carries it (desktop, terminal,
webhook), so they all say the same. Names, status words and ids come from
LCS: they pass through `lcs_tui.untrusted.inert` here, once, before any
channel sees them — a backup named `x<ESC>]52;…` reaches a terminal, a
desktop or a Teams channel as visible, harmless text.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from lcs_tui.units import human_duration
from lcs_tui.untrusted import inert

#: Events (jobs.toml's notify_on): finished well, failed, waiting for the user.
FINISH = "finish"
FAILURE = "failure"
WAITING = "waiting"
_LIMIT = 300


@dataclass(frozen=True)
class Notification:
    """One message for the user. Build it with `Notification.about`."""

    event: str
    #: One line: "golden-copy: Completed".
    title: str
    #: The lines of the body, already inert.
    lines: tuple[str, ...]
    profile: str = ""
    activity_id: str | None = None

    @classmethod
    def about(
        cls,
        event: str,
        what: str,
        outcome: str,
        *,
        profile: str = "",
        duration: timedelta | None = None,
        activity_id: str | None = None,
        details: str | None = None,
    ) -> Notification:
        """`what` ("job golden-copy", "refresh CONTOSO-PROD→CONTOSO-UAT") ended with `outcome`."""
        what, outcome = inert(what, limit=_LIMIT), inert(outcome, limit=_LIMIT)
        lines = [f"{what}: {outcome}"]
        if duration is not None:
            lines.append(f"took {human_duration(duration.total_seconds())}")
        if activity_id:
            lines.append(f"activity id {inert(activity_id, limit=100)}")
        if profile:
            lines.append(f"profile {inert(profile, limit=100)}")
        if details:
            lines.append(inert(details, limit=_LIMIT))
        return cls(
            event,
            f"lcs-tui: {what} — {outcome}",
            tuple(lines),
            inert(profile, limit=100),
            inert(activity_id, limit=100) if activity_id else None,
        )

    @property
    def body(self) -> str:
        return "\n".join(self.lines)
