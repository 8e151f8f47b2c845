"""The Operations pane: every operation started here or found running."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

from rich.text import Text

from lcs_tui.service.operations import TrackedOperation
from lcs_tui.tui.format import duration, plain, safe, short_id, status_text
from lcs_tui.tui.keymap import bindings
from lcs_tui.tui.widgets.tables import PaneTable, highlighted_key

# The operation's name and its note take the width they need (a project has
# a few dozen operations at most); the others are fixed so that they do not
# jump about as statuses change.
COLUMNS = (
    ("what", "Operation", None),
    ("status", "Status", 18),
    ("elapsed", "Elapsed", 8),
    ("activity", "Activity id", 15),
    ("note", "Note", None),
)


def elapsed(op: TrackedOperation, now: datetime) -> str:
    """How long it has run: to the second for its first minute, then to the
    minute ("40m", "2h07m") — an operation of hours needs no seconds, and
    a cell that changes every second repaints its row every second (the
    largest part of the idle CPU while many operations are watched)."""
    start = op.started_at or op.requested_at
    if start is None:
        return "—"
    end = op.finished_at if op.finished and op.finished_at else now
    seconds = int((end - start).total_seconds())
    if op.finished or seconds < 60:
        return duration(end - start)
    if seconds < 3600:
        return f"{seconds // 60}m"
    return duration(timedelta(seconds=seconds - seconds % 60))


def note(op: TrackedOperation, eta: str = "") -> Text:
    """What LCS or the app said of it; else, while it runs, its ETA."""
    if op.message:
        return safe(op.message, "dim")
    found = ""
    if op.discovered:
        found = "found in history" if op.kind != "operation" else "watched by id"
    return Text(" · ".join(part for part in (found, eta) if part), style="dim")


class OperationsTable(PaneTable):
    BINDINGS = bindings("operations")

    def __init__(self, *, id: str | None = None, id_label: str = "Activity id") -> None:
        """`id_label`: what the service calls an operation's id (LCS: activity id)."""
        super().__init__(id=id)
        self._id_label = id_label

    def on_mount(self) -> None:
        self.cursor_type = "row"
        for key, label, width in COLUMNS:
            self.add_column(self._id_label if key == "activity" else label, key=key, width=width)

    def show(
        self,
        operations: list[TrackedOperation],
        now: datetime,
        etas: Mapping[str, str] | None = None,
    ) -> None:
        """`etas`: operation key → "ETA 15:40 UTC (typical 2h10m, from 6 past refreshes)"."""
        etas = etas or {}
        ordered = sorted(operations, key=lambda op: op.requested_at or datetime.min, reverse=True)
        for op in ordered:
            cells = {
                "what": safe(op.title()),
                "status": status_text(op.status),
                "elapsed": plain(elapsed(op, now)),
                "activity": Text(short_id(op.activity_id, 13), style="dim"),
                "note": note(op, etas.get(op.key, "")),
            }
            if op.key in self.rows:
                for column, value in cells.items():
                    self.update_cell(op.key, column, value, update_width=True)
            else:
                self.add_row(*(cells[key] for key, _, _ in COLUMNS), key=op.key)
        wanted = {op.key for op in operations}
        for row_key in list(self.rows):
            if row_key.value not in wanted:
                self.remove_row(row_key)

    def show_elapsed(self, key: str, text: str) -> None:
        """The elapsed cell again, redrawn only when its text changed."""
        if str(self.get_cell(key, "elapsed")) != text:
            self.update_cell(key, "elapsed", Text(text))

    def show_note(self, op: TrackedOperation, eta: str) -> None:
        """The note cell again, redrawn only when its text changed."""
        text = note(op, eta)
        if str(self.get_cell(op.key, "note")) != text.plain:
            self.update_cell(op.key, "note", text, update_width=True)

    @property
    def highlighted_key(self) -> str | None:
        return highlighted_key(self)
