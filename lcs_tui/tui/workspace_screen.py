"""One workspace on screen: its environments, backups and operations.

The screen draws what its workspace's runtime (controllers/runtime.py)
reports and turns the user's keys into the workspace's actions (flows.py).
It owns no network or disk work: the runtime signs in, loads and watches,
shown or not; switching to another workspace and back shows where it is.

Start-up: one "Loading project …" line until the first load is in, or
PAINT_PATIENCE seconds, whichever is first — drawing every pane empty only
to draw them again a few tens of milliseconds later was the largest part of
the start-up time beyond a bare Textual app (docs/benchmarks.md).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.timer import Timer
from textual.widgets import DataTable, Static

from lcs_tui.api import Environment
from lcs_tui.config.geographies import GEOGRAPHIES
from lcs_tui.service.ordering import display_order
from lcs_tui.tui import collector, keymap
from lcs_tui.tui.controllers import events as ev
from lcs_tui.tui.controllers.runtime import WorkspaceRuntime
from lcs_tui.tui.job_flows import JobFlows
from lcs_tui.tui.widgets.backups import BackupsPane
from lcs_tui.tui.widgets.environments import (
    EnvironmentHistory,
    EnvironmentsPane,
    EnvironmentsTable,
    EnvironmentSummary,
)
from lcs_tui.tui.widgets.footer import FittedFooter
from lcs_tui.tui.widgets.jobs import JobsPanel, JobsTable
from lcs_tui.tui.widgets.operations import OperationsTable, elapsed
from lcs_tui.tui.widgets.request_log import RequestLog
from lcs_tui.tui.widgets.status_bar import StatusBar

#: Seconds the first load may take to draw everything at once (see above).
PAINT_PATIENCE = 0.3


class WorkspaceScreen(JobFlows):
    BINDINGS: ClassVar[list[BindingType]] = [
        *keymap.bindings("workspace"),
        Binding("escape", "close_filter", show=False),
    ]

    def __init__(self, runtime: WorkspaceRuntime, *, paint_patience: float = PAINT_PATIENCE):
        super().__init__(name=runtime.name)
        self.runtime = runtime
        self.workspace = runtime.workspace
        self.service = runtime.service
        self.paint_patience = paint_patience
        self.panes_shown = False
        self._unsubscribe: Callable[[], None] | None = None
        self._history_timer: Timer | None = None

    # -- layout -------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield StatusBar(id="status")
        yield Static(f"Loading project {self.workspace.profile.project_id} …", id="loading")
        # Hidden until the first load is in; inline `display`, not a class: a
        # class restyles every widget, twice, for a few milliseconds each.
        top = Horizontal(id="top")
        top.display = False
        with top:
            with EnvironmentsPane(id="environments"):
                yield EnvironmentsTable(id="environments-table")
                yield EnvironmentSummary(id="environment-summary")
                yield EnvironmentHistory(id="environment-history")
            yield BackupsPane(id="backups")
        yield JobsPanel(id="jobs")
        operations = OperationsTable(id="operations")
        operations.display = False
        yield operations
        yield RequestLog(id="log")
        yield FittedFooter()

    def on_mount(self) -> None:
        ws, runtime = self.workspace, self.runtime
        bar = self.query_one(StatusBar)
        bar.profile = (
            ws.profile.name
            if ws.profile.name == "demo" or not ws.demo
            else (f"{ws.profile.name} (demo)")
        )
        bar.project = str(ws.profile.project_id)
        geography = GEOGRAPHIES.get(ws.profile.geography)
        bar.geography = geography.label if geography else "custom geography"
        bar.host = ws.profile.api_host.removeprefix("https://")
        bar.read_only = ws.read_only
        bar.user = runtime.user_text
        bar.connection = runtime.connection
        self.query_one("#environments").border_title = "Environments (loading…)"
        self.query_one("#operations").border_title = "Operations"
        self.set_timer(self.paint_patience, self.show_panes)
        self._unsubscribe = runtime.subscribe(self._event)
        # A workspace opened in the background may be further on already.
        if runtime.load_generation:
            self._loaded(None)
        elif self.service.environments:
            self.show_panes()
        if runtime.needs_user is not None:
            self.call_after_refresh(self._event, runtime.needs_user)
        self.show_demo_clock()
        if self.jobs is not None:
            self.show_jobs(self.jobs.of_profile(ws.profile.name))

    def on_unmount(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()

    # -- what the runtime reports -------------------------------------------------------

    def _event(self, event: ev.WorkspaceEvent) -> None:
        if not self.is_attached or not self.app.is_running:
            return  # the app closes: nothing left to draw on
        bar = self.query_one(StatusBar)
        if isinstance(event, ev.ConnectionChanged):
            bar.connection = event.text
        elif isinstance(event, ev.RequestLogged):
            self.query_one(RequestLog).record(event.event, datetime.now())
        elif isinstance(event, ev.SignedIn):
            self.close_device_dialog(True)
            bar.user, bar.connection = self.runtime.user_text, self.runtime.connection
        elif isinstance(event, (ev.SignInNeeded, ev.SignInFailed, ev.DeviceCodeShown)):
            bar.user, bar.connection = self.runtime.user_text, self.runtime.connection
            self.show_panes()
            self.ask_to_sign_in(event)
        elif isinstance(event, ev.EnvironmentsArrived):
            if self.panes_shown:
                self.show_environments()
            else:
                # The rest may follow at once (then everything is drawn in
                # one go); if not, what has arrived is shown after a moment.
                self.set_timer(self.paint_patience, self.show_panes)
        elif isinstance(event, ev.BackupsArrived):
            self.query_one(BackupsPane).set_backups(self.service.backups)
        elif isinstance(event, ev.Loaded):
            self._loaded(event)
        elif isinstance(event, ev.LoadFailed):
            self.show_panes()
        elif isinstance(event, ev.Waiting):
            self._waiting(event)
        elif isinstance(event, ev.OperationsChanged):
            self.show_operations()
            if self.panes_shown:
                self.show_environments()

    def _loaded(self, event: ev.Loaded | None) -> None:
        with self.app.batch_update():
            self.show_panes()
            self.query_one(BackupsPane).set_backups(self.service.backups)
            self.show_environments()
            self.show_operations()
        if event is not None and event.adopted:
            self.notify(f"Watching {event.adopted} running operation(s) found in the history.")
        self.set_timer(collector.AFTER_FIRST_SCREEN, collector.resume_after_start_up)

    def _waiting(self, event: ev.Waiting) -> None:
        if event.pane == "backups":
            self.query_one(BackupsPane).show_waiting(event.note)
        elif event.pane == "environments" and not self.service.environments:
            self.query_one("#environments").border_title = f"Environments (loading… {event.note})"
        elif event.pane == "history":
            count = len(self.service.environments)
            self.query_one(
                "#environments"
            ).border_title = f"Environments ({count}) · operations today loading… {event.note}"

    # -- drawing ------------------------------------------------------------------------

    def show_panes(self) -> None:
        """Replace the start-up "Loading project …" line with the panes; idempotent."""
        if self.panes_shown or not self.is_attached:
            return
        self.panes_shown = True
        self.query_one("#loading").display = False
        self.query_one("#top").display = True
        self.query_one(OperationsTable).display = True
        # Nothing of the user's can have had focus while the panes were hidden.
        self.set_focus(self.query_one(EnvironmentsTable))
        if self.service.environments:
            self.show_environments()  # what has arrived so far
        if self.service.backups:
            self.query_one(BackupsPane).set_backups(self.service.backups)
        self.show_operations()

    def show_environments(self) -> None:
        service = self.service
        envs = display_order(service.environments.values())
        quotas = {e.id: service.quota(e.id) for e in envs}
        table = self.query_one(EnvironmentsTable)
        table.show(envs, quotas, service.busy_environment_ids())
        self.query_one("#environments").border_title = f"Environments ({len(envs)})"
        # Side by side, the environments pane is as wide as its columns need
        # (borders, the scrollbar and a column of air); backups take the rest.
        # Zoomed (z), it takes the whole width.
        pane = self.query_one(EnvironmentsPane)
        pane.styles.width = None if self.maximized is pane else table.natural_width + 5
        self.show_summary()

    def watch_maximized(self, maximized: object) -> None:
        # z or Esc: the environments pane's width follows (see show_environments).
        if self.panes_shown:
            self.show_environments()

    def show_operations(self) -> None:
        ops = list(self.service.operations.values())
        self.query_one(OperationsTable).show(ops, self.service.now(), self.etas(ops))
        running = sum(1 for op in ops if op.needs_watching)
        self.query_one("#operations").border_title = (
            f"Operations ({running} running)" if running else "Operations"
        )

    def show_summary(self) -> None:
        env = self.highlighted_env()
        history = self.query_one(EnvironmentHistory)
        summary = self.query_one(EnvironmentSummary)
        if env is None:
            summary.show(None, None, [])
            history.show(None)
            return
        service = self.service
        history.show(service.history.get(env.id))
        if env.id not in service.history:
            # Not a sandbox (those come with the load): read it once, after the
            # cursor rests a moment, so arrowing past does not spend calls.
            if self._history_timer is not None:
                self._history_timer.stop()
            self._history_timer = self.set_timer(0.4, lambda: self._read_history(env.id))
        running = [
            op
            for op in service.operations.values()
            if not op.finished and op.poll_environment_id == env.id
        ]
        summary.show(
            env,
            service.quota(env.id),
            running,
            busy=service.busy_environments().get(env.id),
            copied_by=service.sources_of_running_refreshes().get(env.id, []),
        )

    def every_second(self) -> None:
        """Elapsed times, quotas as the 24-hour window moves, the demo's clock."""
        self.show_demo_clock()
        if not self.panes_shown:
            return
        if self.runtime.load_generation:
            envs = list(self.service.environments.values())
            quotas = {e.id: self.service.quota(e.id) for e in envs}
            if self.query_one(EnvironmentsTable).show_quotas(envs, quotas):
                self.show_summary()
        table = self.query_one(OperationsTable)
        now = self.service.now()
        running = [op for op in self.service.operations.values() if not op.finished]
        etas = self.etas(running)
        for op in running:
            if op.key in table.rows:
                table.show_elapsed(op.key, elapsed(op, now))
                # An ETA turns into "longer than usual" as time passes.
                table.show_note(op, etas.get(op.key, ""))

    def _read_history(self, env_id: str) -> None:
        highlighted = self.highlighted_env()
        if highlighted is not None and highlighted.id == env_id:
            self.runtime.read_history(env_id)

    def row_tables(self) -> tuple[DataTable[Any], ...]:
        return (
            self.query_one(OperationsTable),
            self.query_one(JobsTable),
            self.query_one(EnvironmentsTable),
        )

    def highlighted_env(self) -> Environment | None:
        env_id = self.query_one(EnvironmentsTable).highlighted_id
        return self.service.environments.get(env_id) if env_id else None

    @on(DataTable.RowHighlighted, "#environments-table")
    def _environment_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if self.app.is_running:  # not while Textual removes the widgets at exit
            self.show_summary()
