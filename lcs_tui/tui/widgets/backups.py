"""The Database backups pane: a sortable, filterable table and a detail line."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.reactive import reactive
from textual.timer import Timer
from textual.widgets import DataTable, Input, Static

from lcs_tui.api import DatabaseBackup
from lcs_tui.tui.format import safe, safe_block, when
from lcs_tui.tui.keymap import bindings
from lcs_tui.tui.widgets.tables import PaneTable, highlighted_key

SORTS: dict[str, tuple[str, Callable[[DatabaseBackup], object]]] = {
    "created": ("Created", lambda b: b.created or datetime.min),
    "name": ("Name", lambda b: _natural(b.name)),
    "by": ("Created by", lambda b: (b.created_by or "").lower()),
    "file": ("File", lambda b: (b.file_name or "").lower()),
}
SORT_ORDER = ("created", "name")


def _natural(text: str) -> tuple[tuple[int, int | str], ...]:
    """Sort key where test-baseline-v8 comes before test-baseline-v38."""
    return tuple(
        (0, int(part)) if part.isdigit() else (1, part)
        for part in re.split(r"(\d+)", text.lower())
        if part
    )


FILTER_DELAY = 0.15  # seconds of typing quiet before the table is rebuilt
NAME_WIDTH = 40
CREATED_WIDTH = 16
CREATOR_WIDTH = 22
#: The pane's width from which "Created by" fits whole: the columns, their
#: padding, the borders and the scrollbar.
WIDTH_WITH_CREATOR = NAME_WIDTH + CREATED_WIDTH + CREATOR_WIDTH + 3 * 2 + 2 + 2


def matches(backup: DatabaseBackup, words: list[str]) -> bool:
    haystack = " ".join(
        x for x in (backup.name, backup.file_name, backup.description, backup.created_by) if x
    ).lower()
    return all(w in haystack for w in words)


class BackupsTable(PaneTable):
    BINDINGS = bindings("backups")


class BackupsPane(Vertical):
    """Holds every backup; shows those matching the filter, in the chosen order."""

    ALLOW_MAXIMIZE = True

    DEFAULT_CSS = """
    BackupsPane #backup-filter { display: none; height: 3; border: tall $accent; }
    BackupsPane.filtering #backup-filter { display: block; }
    BackupsPane BackupsTable { height: 1fr; }
    BackupsPane #backup-detail {
        /* A fixed height: a line that grew and shrank with each backup's
           description made every arrow key re-lay out 5,000 rows. */
        height: 4; color: $text-muted; padding: 0 1;
        border-top: hkey $primary-muted;
    }
    """

    # Reaches the pane only from the filter box (the table handles its own
    # arrow keys): from typing straight down into the matches.
    BINDINGS = [Binding("down", "to_matches", "Matches", show=False)]

    sort_key: reactive[str] = reactive("created")
    descending: reactive[bool] = reactive(True)

    class Highlighted(Message):
        def __init__(self, backup: DatabaseBackup | None) -> None:
            super().__init__()
            self.backup = backup

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._all: dict[str, DatabaseBackup] = {}
        self._filter_timer: Timer | None = None
        self._words: list[str] = []
        #: False until the first list arrived: "(0)" would read as an empty project.
        self.loaded = False
        #: What the first load waits for (pacing, throttling), shown in the title.
        self.waiting: str | None = None
        self._show_creator = False

    def compose(self) -> ComposeResult:
        yield Input(placeholder="filter backups: type words, Esc to close", id="backup-filter")
        yield BackupsTable(id="backups-table", cursor_type="row", zebra_stripes=True)
        yield Static(id="backup-detail")

    def on_mount(self) -> None:
        self._add_columns()
        self._update_title()

    def _add_columns(self) -> None:
        table = self.table
        # Fixed widths: 5,000 rows are never measured, and nothing jumps.
        table.add_column("Name", key="name", width=NAME_WIDTH)
        table.add_column("Created (UTC)", key="created", width=CREATED_WIDTH)
        if self._show_creator:
            table.add_column("Created by", key="by", width=CREATOR_WIDTH)

    def on_resize(self) -> None:
        # Who created a backup is a column only where it fits whole (it is on
        # the detail line below anyway): a column cut in half only made the
        # table scroll sideways.
        fits = self.size.width >= WIDTH_WITH_CREATOR
        if fits != self._show_creator:
            self._show_creator = fits
            self.table.clear(columns=True)
            self._add_columns()
            self._rebuild()

    @property
    def table(self) -> BackupsTable:
        return self.query_one(BackupsTable)

    @property
    def shown_count(self) -> int:
        return self.table.row_count

    def set_backups(self, backups: list[DatabaseBackup]) -> None:
        if self.loaded and list(self._all.values()) == backups:
            # The same list again: the first load hands it over up to three
            # times (as it arrives, as the panes appear, once all is in), and
            # each rebuild is every row made, sorted and laid out anew.
            return
        self.loaded = True
        self.waiting = None
        self._all = {b.id: b for b in backups}
        self._rebuild()

    def show_waiting(self, note: str | None) -> None:
        """Say in the title what the first load waits for (None: nothing)."""
        if not self.loaded:
            self.waiting = note
            self._update_title()

    def highlighted(self) -> DatabaseBackup | None:
        key = highlighted_key(self.table)
        return self._all.get(key) if key else None

    def _visible(self) -> list[DatabaseBackup]:
        rows = (
            [b for b in self._all.values() if matches(b, self._words)]
            if self._words
            else list(self._all.values())
        )
        rows.sort(key=SORTS[self.sort_key][1], reverse=self.descending)  # type: ignore[arg-type]
        return rows

    def _rebuild(self) -> None:
        table = self.table
        current = self.highlighted()
        table.clear()
        rows = self._visible()
        for b in rows:
            # The file name is in the detail line; as a column it only
            # repeated the name and pushed the table into horizontal scrolling.
            cells = [safe(b.name, "bold"), when(b.created)]
            if self._show_creator:
                cells.append(safe(b.created_by or "", limit=CREATOR_WIDTH))
            table.add_row(*cells, key=b.id)
        if current is not None and current.id in table.rows:
            table.move_cursor(row=table.get_row_index(current.id))
        self._update_title()
        self.post_message(self.Highlighted(self.highlighted()))

    def _update_title(self) -> None:
        total = len(self._all)
        shown = self.table.row_count
        label, _ = SORTS[self.sort_key]
        arrow = "↓" if self.descending else "↑"
        if not self.loaded:
            self.border_title = (
                f"Database backups (loading… {self.waiting})"
                if self.waiting
                else "Database backups (loading…)"
            )
            return
        count = f"{shown} of {total}" if self._words else f"{total}"
        self.border_title = f"Database backups ({count}) · sorted by {label} {arrow}"

    def cycle_sort(self, reverse_only: bool = False) -> None:
        if reverse_only:
            self.descending = not self.descending
        else:
            index = SORT_ORDER.index(self.sort_key)
            self.sort_key = SORT_ORDER[(index + 1) % len(SORT_ORDER)]
            self.descending = self.sort_key == "created"
        # The highlighted backup stays highlighted, in its new place.
        self._rebuild()

    def open_filter(self) -> None:
        self.add_class("filtering")
        self.query_one("#backup-filter", Input).focus()

    def close_filter(self) -> None:
        filter_input = self.query_one("#backup-filter", Input)
        filter_input.value = ""
        self.remove_class("filtering")
        self._apply_filter("")
        self.table.focus()

    @on(Input.Changed, "#backup-filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        # Debounced: a fast typist should not rebuild 5,000 rows per key.
        if self._filter_timer is not None:
            self._filter_timer.stop()
        value = event.value
        self._filter_timer = self.set_timer(FILTER_DELAY, lambda: self._apply_filter(value))

    @on(Input.Submitted, "#backup-filter")
    def _filter_submitted(self, event: Input.Submitted) -> None:
        self.action_to_matches()

    def action_to_matches(self) -> None:
        """Apply the filter now (no waiting for the typing pause) and go to the table."""
        if self._filter_timer is not None:
            self._filter_timer.stop()
        self._apply_filter(self.query_one("#backup-filter", Input).value)
        self.table.focus()

    def _apply_filter(self, value: str) -> None:
        words = value.lower().split()
        if words == self._words:
            return
        self._words = words
        self._rebuild()

    @on(DataTable.RowHighlighted, "#backups-table")
    def _row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        backup = self._all.get(str(event.row_key.value)) if event.row_key else None
        detail = self.query_one("#backup-detail", Static)
        if backup is None:
            detail.update("", layout=False)
        else:
            text = Text.assemble(
                safe(backup.file_name or backup.name, "bold"),
                "  ",
                f"created {backup.created:%Y-%m-%d %H:%M} UTC" if backup.created else "",
                safe(f" by {backup.created_by}" if backup.created_by else ""),
            )
            if backup.description:
                text.append("\n")
                text.append_text(safe_block(backup.description, limit=400))
            detail.update(text, layout=False)
        self.post_message(self.Highlighted(backup))
