"""How domain values look on screen: status colours, durations, dates.

Server-supplied text is wrapped in `rich.text.Text` so that a `[` in a backup
name is shown as typed, never parsed as markup.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from rich.text import Text

from lcs_tui.service.operations import NOT_FOUND, NOT_STARTED_LOCALLY, OUTCOME_UNKNOWN, STARTING
from lcs_tui.units import human_duration

# One style per documented status word; anything else is shown neutral.
STATUS_STYLES: dict[str, str] = {
    "NotStarted": "grey70",
    "InProgress": "bold yellow",
    "Completed": "bold green",
    "SignedOff": "green",
    "Failed": "bold red",
    "Aborted": "red",
    "RollbackInProgress": "bold dark_orange",
    "RollbackFailed": "bold red reverse",
    "RollbackCompleted": "dark_orange",
    STARTING: "cyan",
    OUTCOME_UNKNOWN: "bold magenta",
    NOT_STARTED_LOCALLY: "red dim",
    NOT_FOUND: "red dim",
}
LOCAL_LABELS = {
    STARTING: "Starting…",
    OUTCOME_UNKNOWN: "Outcome unknown",
    NOT_STARTED_LOCALLY: "Not started",
    NOT_FOUND: "Not found",
}
UNKNOWN_STATUS_STYLE = "italic"


def status_text(word: str) -> Text:
    return Text(LOCAL_LABELS.get(word, word), style=STATUS_STYLES.get(word, UNKNOWN_STATUS_STYLE))


def plain(value: object | None, placeholder: str = "—") -> Text:
    if value is None or value == "":
        return Text(placeholder, style="dim")
    return Text(str(value))


def when(value: datetime | None) -> Text:
    return plain(f"{value:%Y-%m-%d %H:%M}" if value else None)


def duration(delta: timedelta | None) -> str:
    """Elapsed time as the downloads show theirs ("1h12m", "4m05s"); whole seconds."""
    return human_duration(None if delta is None else int(delta.total_seconds()))


def short_id(value: str | None, length: int = 8) -> str:
    if not value:
        return "—"
    return value if len(value) <= length else value[:length] + "…"
