"""The Jobs pane: this project's routines, their current step, next run and ETA.

Hidden while the project has no job. Its keys (actions.py, scope "jobs")
pause or resume, cancel (confirmed) and run a job now; Enter shows its steps.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical

from lcs_tui.tui.format import plain, safe
from lcs_tui.tui.keymap import bindings
from lcs_tui.tui.widgets.tables import PaneTable, highlighted_key

if TYPE_CHECKING:
    from lcs_tui.jobs import JobView

COLUMNS = (
    ("name", "Job"),
    ("state", "State"),
    ("next", "Next run"),
    ("eta", "ETA"),
)
STATE_STYLES = {
    "running": "bold yellow",
    "waiting": "yellow",
    "needs_you": "bold magenta",
    "failed": "bold red",
    "completed": "green",
    "paused": "grey62",
    "cancelled": "grey62",
}


class JobsTable(PaneTable):
    BINDINGS = bindings("jobs")


class JobsPanel(Vertical):
    DEFAULT_CSS = """
    JobsPanel {
        height: auto; max-height: 9;
        border: round $primary-muted; border-title-color: $text; border-title-style: bold;
    }
    JobsPanel:focus-within { border: round $accent; }
    JobsPanel.empty { display: none; }
    JobsPanel JobsTable { height: auto; max-height: 7; }
    """

    def compose(self) -> ComposeResult:
        yield JobsTable(id="jobs-table", cursor_type="row")

    def on_mount(self) -> None:
        table = self.table
        for key, label in COLUMNS:
            table.add_column(label, key=key)
        self.add_class("empty")
        self.border_title = "Jobs"

    @property
    def table(self) -> JobsTable:
        return self.query_one(JobsTable)

    @property
    def highlighted(self) -> str | None:
        return highlighted_key(self.table)

    def show(self, views: Sequence[JobView]) -> None:
        """Add, update in place and remove rows (the cursor stays where it was)."""
        table = self.table
        wanted = {view.name for view in views}
        for row_key in list(table.rows):
            if row_key.value not in wanted:
                table.remove_row(row_key)
        for view in views:
            cells = {
                "name": safe(view.name, "bold"),
                "state": safe(
                    ("paused · " if view.paused and view.status != "paused" else "")
                    + view.summary,
                    STATE_STYLES.get(view.status, ""),
                    limit=120,
                ),
                "next": plain(view.next_run_text),
                "eta": plain(view.eta.short() if view.eta else None),
            }
            if view.name in table.rows:
                for column, value in cells.items():
                    table.update_cell(view.name, column, value, update_width=True)
            else:
                table.add_row(*(cells[key] for key, _ in COLUMNS), key=view.name)
        running = sum(1 for v in views if v.status in ("running", "waiting"))
        self.border_title = f"Jobs ({running} under way)" if running else "Jobs"
        self.set_class(not views, "empty")


def steps_text(view: JobView) -> Text:
    """A job's steps, one a line, with where each stands."""
    text = Text()
    for number, step in enumerate(view.steps, 1):
        marker = "▸ " if view.current_step == number else "  "
        text.append_text(safe(f"{marker}{number}. {step.text}"))
        if step.status:
            text.append_text(safe(f"  — {step.status}", "dim"))
        text.append("\n")
    return text
