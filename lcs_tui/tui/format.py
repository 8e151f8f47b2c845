"""How domain values look on screen: status colours, durations, dates.

Server-supplied text is wrapped in `rich.text.Text` so that a `[` in a backup
name is shown as typed, never parsed as markup, and goes through the one
sanitiser (`lcs_tui.untrusted.inert`) so that an escape sequence in it is shown,
never obeyed by the terminal.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from rich.text import Text

from lcs_tui.service.operations import NOT_FOUND, NOT_STARTED_LOCALLY, OUTCOME_UNKNOWN, STARTING
from lcs_tui.units import human_duration
from lcs_tui.untrusted import inert

#: Most characters of one server string shown in a table cell or a line: a
#: 10 kB backup name must not make a column 10,000 cells wide.
CELL_LIMIT = 200
#: Most characters of one server string on a details page or in a message.
PAGE_LIMIT = 2000

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
    # Power Platform's words (copy, restore): PPAC-API.md §5.
    "Succeeded": "bold green",
    "Running": "bold yellow",
    "Queued": "cyan",
    "Accepted": "cyan",
    "Canceled": "red",
    "Cancelled": "red",
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


def safe(value: object, style: str = "", *, limit: int = CELL_LIMIT) -> Text:
    """Server text as a `Text` that is neither markup nor terminal commands."""
    return Text(inert(value, limit=limit), style=style)


def safe_block(value: object, style: str = "", *, limit: int = PAGE_LIMIT) -> Text:
    """`safe` for text meant to span lines (messages, descriptions)."""
    return Text(inert(value, newlines=True, limit=limit), style=style)


def status_text(word: str) -> Text:
    return safe(LOCAL_LABELS.get(word, word), STATUS_STYLES.get(word, UNKNOWN_STATUS_STYLE))


def plain(value: object | None, placeholder: str = "—", *, limit: int = CELL_LIMIT) -> Text:
    if value is None or value == "":
        return Text(placeholder, style="dim")
    return safe(value, limit=limit)


def when(value: datetime | None) -> Text:
    return plain(f"{value:%Y-%m-%d %H:%M}" if value else None)


def duration(delta: timedelta | None) -> str:
    """Elapsed time as the downloads show theirs ("1h12m", "4m05s"); whole seconds."""
    return human_duration(None if delta is None else int(delta.total_seconds()))


def short_id(value: str | None, length: int = 8) -> str:
    if not value:
        return "—"
    return inert(value, limit=length + 1)
