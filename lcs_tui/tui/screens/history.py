"""An environment's history: every operation with how long it took, filterable,
with a small plot of the durations (people would rather look than read)."""

from __future__ import annotations

from collections.abc import Sequence
from statistics import median

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import DataTable, Input, Sparkline, Static

from lcs_tui.api import HistoryEntry
from lcs_tui.tui.format import duration, plain, safe, status_text, when
from lcs_tui.tui.widgets.tables import PaneTable


def took(entry: HistoryEntry) -> float | None:
    """Seconds the operation took, when it has ended."""
    if entry.started is None or entry.ended is None or entry.ended < entry.started:
        return None
    return (entry.ended - entry.started).total_seconds()


def matches(entry: HistoryEntry, words: list[str]) -> bool:
    haystack = " ".join(
        x
        for x in (entry.type_display, entry.type, entry.name, entry.status.word, entry.activity_id)
        if x
    ).lower()
    return all(word in haystack for word in words)


class HistoryView(Vertical):
    """The rows, a filter box above them, the durations' plot below."""

    DEFAULT_CSS = """
    HistoryView { height: auto; }
    HistoryView #history-filter { height: 3; border: tall $accent; }
    HistoryView DataTable { height: 12; }
    HistoryView Sparkline { height: 2; margin-top: 1; }
    HistoryView #history-plot-caption { color: $text-muted; }
    """

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._entries: list[HistoryEntry] = []
        self._words: list[str] = []

    def compose(self) -> ComposeResult:
        yield Input(
            placeholder="filter: type words (refresh, failed, an activity id…)", id="history-filter"
        )
        yield PaneTable(id="history", cursor_type="row")
        yield Sparkline([], id="history-plot")
        yield Static(id="history-plot-caption")

    def on_mount(self) -> None:
        table = self.query_one("#history", PaneTable)
        for key, label in (
            ("start", "Started (UTC)"),
            ("took", "Took"),
            ("type", "Operation"),
            ("status", "Status"),
            ("activity", "Activity id"),
        ):
            table.add_column(label, key=key)

    @property
    def table(self) -> DataTable[object]:
        return self.query_one("#history", PaneTable)

    def add(self, entries: Sequence[HistoryEntry]) -> None:
        self._entries.extend(entries)
        self._redraw()

    @property
    def count(self) -> int:
        return len(self._entries)

    @on(Input.Changed, "#history-filter")
    def _filter(self, event: Input.Changed) -> None:
        self._words = event.value.lower().split()
        self._redraw()

    def _redraw(self) -> None:
        table = self.table
        table.clear()
        shown = [e for e in self._entries if matches(e, self._words)]
        for entry in shown:
            seconds = took(entry)
            table.add_row(
                when(entry.started),
                plain(duration_text(seconds)),
                plain(entry.type_display or entry.type or entry.name),
                status_text(entry.status.word),
                plain(entry.activity_id),
            )
        # Oldest first, left to right, as a plot of time reads.
        durations = [s for e in reversed(shown) if (s := took(e)) is not None]
        self.query_one("#history-plot", Sparkline).data = [s / 60 for s in durations]
        caption = self.query_one("#history-plot-caption", Static)
        if not durations:
            caption.update(Text("no finished operation to plot", style="dim"))
            return
        what = " ".join(self._words) if self._words else "every operation shown"
        caption.update(
            safe(
                f"how long each took, oldest → newest ({what}, {len(durations)} ended): "
                f"typical {duration_text(median(durations))}, "
                f"longest {duration_text(max(durations))}"
            )
        )


def duration_text(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    from datetime import timedelta

    return duration(timedelta(seconds=seconds))
