"""Every open project on one screen: what runs, what needs you, every quota.

Most urgent first: failed or unknown outcomes, then workspaces waiting for
the user (sign-in), then running operations, then every environment with its
quota and busy state. Enter shows that workspace at that row. It redraws
from what the workspaces already know (no calls of its own).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from lcs_tui.api import Outcome
from lcs_tui.service.ordering import display_order
from lcs_tui.tui.format import safe, status_text
from lcs_tui.tui.widgets.environments import quota_text
from lcs_tui.tui.widgets.operations import elapsed
from lcs_tui.tui.widgets.tables import PaneTable, highlighted_key

if TYPE_CHECKING:
    from datetime import datetime

    from lcs_tui.jobs import JobView
    from lcs_tui.ppac.service import PowerPlatformService
    from lcs_tui.service.operations import TrackedOperation
    from lcs_tui.service.project import ProjectService
    from lcs_tui.tui.controllers.runtime import WorkspaceRuntime

#: Urgency, most urgent first.
FAILED, NEEDS_YOU, RUNNING, BUSY, IDLE = range(5)
URGENCY_WORDS = {
    FAILED: "failed",
    NEEDS_YOU: "needs you",
    RUNNING: "running",
    BUSY: "busy",
    IDLE: "idle",
}
URGENCY_STYLES = {
    FAILED: "bold red",
    NEEDS_YOU: "bold magenta",
    RUNNING: "yellow",
    BUSY: "yellow",
    IDLE: "dim",
}


@dataclass(frozen=True, slots=True)
class Row:
    urgency: int
    workspace: str
    #: The row key in that workspace's screen (an operation's key or an environment's id).
    target: str | None
    what: Text
    state: Text
    detail: Text
    #: Operations left today (environments; 99: no quota to speak of).
    quota_left: int = 99

    @property
    def key(self) -> str:
        return f"{self.workspace}\x1f{self.target or ''}"


#: A job's status → its urgency in the overview.
JOB_URGENCY = {
    "failed": FAILED,
    "unreadable": FAILED,
    "missed": FAILED,
    "needs_you": NEEDS_YOU,
    "running": RUNNING,
    "waiting": RUNNING,
}


def overview_rows(
    runtimes: Mapping[str, WorkspaceRuntime], jobs: Sequence[JobView] = ()
) -> list[Row]:
    rows: list[Row] = []
    for view in jobs:
        if view.profile not in runtimes:
            continue
        rows.append(
            Row(
                JOB_URGENCY.get(view.status, IDLE),
                view.profile,
                view.name,
                safe(f"job {view.name}"),
                safe(
                    ("paused · " if view.paused and view.status != "paused" else "")
                    + view.status.replace("_", " ")
                ),
                safe(view.summary.partition(": ")[2] or view.summary, limit=120),
            )
        )
    for name, runtime in runtimes.items():
        if runtime.needs_user is not None:
            rows.append(
                Row(
                    NEEDS_YOU,
                    name,
                    None,
                    Text("sign in"),
                    safe(runtime.state(), "bold"),
                    Text("show the project to sign in", style="dim"),
                )
            )
        if runtime.workspace.ppac is not None:
            rows.extend(_tenant_rows(name, runtime.workspace.ppac))
        else:
            rows.extend(_project_rows(name, runtime.service))
    # Stable: within one urgency, the environments with the fewest
    # operations left first, then each workspace's own order.
    rows.sort(key=lambda r: (r.urgency, r.quota_left))
    return rows


def _operation_rows(
    name: str, operations: Iterable[TrackedOperation], now: datetime
) -> Iterator[Row]:
    for op in operations:
        if op.finished and op.outcome is Outcome.SUCCEEDED:
            continue
        urgency = (
            FAILED
            if op.outcome in (Outcome.FAILED, Outcome.UNKNOWN)
            and (op.finished or op.activity_id is None)
            else RUNNING
        )
        yield Row(
            urgency, name, op.key, safe(op.title()), status_text(op.status), safe(elapsed(op, now))
        )


def _project_rows(name: str, service: ProjectService) -> Iterator[Row]:
    """An LCS project: its operations, then every environment with its quota."""
    yield from _operation_rows(name, service.operations.values(), service.now())
    busy = service.busy_environments()
    for env in display_order(service.environments.values()):
        reason = busy.get(env.id)
        quota = quota_text(service.quota(env.id), env)
        detail = quota
        if reason is not None:
            detail = Text.assemble(safe(reason.reason), "  ·  ", quota)
        yield Row(
            BUSY if reason else IDLE,
            name,
            env.id,
            safe(env.name),
            safe(env.type or "—"),
            detail,
            quota_left=q.left if (q := service.quota(env.id)) and env.is_sandbox else 99,
        )


def _tenant_rows(name: str, service: PowerPlatformService) -> Iterator[Row]:
    """A Power Platform tenant: its copies and restores, then its unified environments
    (the LCS-linked ones are the LCS workspaces' rows; no quota applies here)."""
    from lcs_tui.tui.unified.tables import environment_order

    yield from _operation_rows(name, service.operations.values(), service.now())
    busy = service.busy_environments()
    for env in environment_order(service.environments.values()):
        if not env.is_unified:
            continue
        reason = busy.get(env.id)
        yield Row(
            BUSY if reason else IDLE,
            name,
            env.id,
            safe(env.name),
            safe(env.kind_label),
            safe(reason.reason) if reason else Text("no daily quota", style="dim"),
        )


class OverviewScreen(Screen[None]):
    BINDINGS = [
        Binding("escape,o", "app.pop_screen", "Back"),
    ]
    DEFAULT_CSS = """
    OverviewScreen #overview-title { height: 1; background: $panel; padding: 0 1; }
    OverviewScreen DataTable { height: 1fr; }
    """

    def __init__(
        self,
        runtimes: Mapping[str, WorkspaceRuntime],
        show: Callable[..., None],
        jobs: Callable[[], Sequence[JobView]] = tuple,
    ) -> None:
        """`jobs`: every job's latest view (the app's JobsController)."""
        super().__init__()
        self._runtimes = runtimes
        self._jobs = jobs
        self._show = show

    def compose(self) -> ComposeResult:
        yield Static(id="overview-title")
        yield PaneTable(id="overview", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(PaneTable)
        for key, label in (
            ("urgency", ""),
            ("project", "Project"),
            ("what", "What"),
            ("state", "State"),
            ("detail", "Ops today / elapsed / why"),
        ):
            table.add_column(label, key=key)
        self.redraw()
        self.set_interval(1.0, self.redraw)
        table.focus()

    def redraw(self) -> None:
        table = self.query_one(PaneTable)
        rows = overview_rows(self._runtimes, self._jobs())
        current = highlighted_key(table)
        table.clear()
        for row in rows:
            table.add_row(
                Text(URGENCY_WORDS[row.urgency], style=URGENCY_STYLES[row.urgency]),
                safe(row.workspace, "bold"),
                row.what,
                row.state,
                row.detail,
                key=row.key,
            )
        if current is not None and current in table.rows:
            table.move_cursor(row=table.get_row_index(current), scroll=False)
        running = sum(r.urgency == RUNNING for r in rows)
        attention = sum(r.urgency in (FAILED, NEEDS_YOU) for r in rows)
        self.query_one("#overview-title", Static).update(
            Text.assemble(
                ("Overview", "bold"),
                f" · {len(self._runtimes)} projects · {running} running",
                (f" · {attention} need attention" if attention else "", "bold red"),
                ("  (Enter shows the row's project, Esc goes back)", "dim"),
            )
        )

    @on(DataTable.RowSelected)
    def _chosen(self, event: DataTable.RowSelected) -> None:
        workspace, _, target = str(event.row_key.value).partition("\x1f")
        self.app.pop_screen()
        self._show(workspace, row=target or None)
