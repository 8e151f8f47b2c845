"""A Power Platform workspace on screen: a tenant's F&O environments, backups, operations.

Like the LCS workspace screen it draws what its runtime reports and owns no
network or disk work; what its keys do is in flows.py. The environments
pane lists the unified environments first, then the LCS-linked ones
(marked as such); the backups pane shows the highlighted environment's
system and manual backups with their expiry; the operations pane shows
each copy and restore with the stage Power Platform last reported.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import DataTable, Static

from lcs_tui.ppac.models import PpEnvironment
from lcs_tui.tui import collector, keymap
from lcs_tui.tui.actions import BY_NAME, SHARED_WITH_UNIFIED
from lcs_tui.tui.controllers import events as ev
from lcs_tui.tui.format import safe
from lcs_tui.tui.unified.flows import UnifiedFlows
from lcs_tui.tui.unified.tables import (
    UnifiedBackupsTable,
    UnifiedEnvironmentsTable,
    current_stage,
    environment_order,
    stage_line,
    stages_of,
)
from lcs_tui.tui.widgets.footer import FittedFooter
from lcs_tui.tui.widgets.jobs import JobsPanel, JobsTable
from lcs_tui.tui.widgets.operations import OperationsTable, elapsed
from lcs_tui.tui.widgets.request_log import RequestLog
from lcs_tui.tui.widgets.status_bar import StatusBar

if TYPE_CHECKING:
    from lcs_tui.ppac.service import PowerPlatformService
    from lcs_tui.service.operations import TrackedOperation
    from lcs_tui.tui.unified.runtime import UnifiedRuntime
    from lcs_tui.tui.widgets.downloads import DownloadsPanel

#: Seconds the cursor rests on an environment before its backups are read.
BACKUPS_AFTER = 0.3


def stage_notes(
    operations: list[TrackedOperation], pp: PowerPlatformService
) -> dict[str, str]:
    """Operation key → "stage Run (3/4) · ETA 15:40 UTC" while it runs (the ETA from
    the target's past copies or restores), "Validate ✓ · Prepare ✓ · Run ✗ ·
    Finalize –" once it has ended (where it stopped), for the note column."""
    from lcs_tui.jobs.eta import estimate_pp

    now = pp.now()
    notes: dict[str, str] = {}
    for op in operations:
        parts: list[str] = []
        stages = [s.name for s in stages_of(op)]
        stage = current_stage(op)
        if op.finished:
            if line := stage_line(op):
                parts.append(line)
        elif stage:
            at = f" ({stages.index(stage) + 1}/{len(stages)})" if stage in stages else ""
            parts.append(f"stage {stage}{at}")
        history = pp.loaded_history(op.poll_environment_id)
        if not op.finished and history:
            eta = estimate_pp(
                history, op.kind, started_at=op.started_at or op.requested_at, now=now
            )
            if eta is not None:
                parts.append(f"ETA {eta.short()}")
        if parts:
            notes[op.key] = " · ".join(parts)
    return notes


class UnifiedScreen(UnifiedFlows):
    DEFAULT_CSS = """
    UnifiedScreen #environment-summary, UnifiedScreen #backup-detail { padding: 0 1; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        *keymap.bindings("unified"),
        # The LCS workspace's keys that mean the same here (log, zoom, reload).
        *keymap.bindings_of(
            tuple(
                BY_NAME[name] for name in SHARED_WITH_UNIFIED if BY_NAME[name].scope == "workspace"
            )
        ),
    ]

    def __init__(self, runtime: UnifiedRuntime) -> None:
        super().__init__(runtime)
        self.panes_shown = False
        self._unsubscribe: Callable[[], None] | None = None
        self._backups_for: str | None = None

    def compose(self) -> ComposeResult:
        yield StatusBar(id="status")
        yield Static(f"Loading the tenant of {self.workspace.profile.name} …", id="loading")
        top = Horizontal(id="top")
        top.display = False
        with top:
            with Vertical(id="environments"):
                yield UnifiedEnvironmentsTable(id="environments-table")
                yield Static(id="environment-summary")
            with Vertical(id="backups"):
                yield Static(id="backup-detail")
                yield UnifiedBackupsTable(id="backups-table")
        yield JobsPanel(id="jobs")
        operations = OperationsTable(id="operations", id_label="Operation id")
        operations.display = False
        yield operations
        yield RequestLog(id="log")
        yield FittedFooter()

    def on_mount(self) -> None:
        ws, runtime = self.workspace, self.runtime
        bar = self.query_one(StatusBar)
        bar.profile = f"{ws.profile.name} (demo)" if ws.demo else ws.profile.name
        bar.project_word = "tenant"
        bar.project = ws.profile.tenant
        bar.geography = "Power Platform"
        bar.host = ws.profile.api_host.removeprefix("https://")
        bar.read_only = ws.read_only
        bar.user = runtime.user_text
        bar.connection = runtime.connection
        self.query_one("#environments").border_title = "Unified environments (loading…)"
        self.query_one("#backups").border_title = "Backups"
        self.query_one("#operations").border_title = "Operations"
        self._unsubscribe = runtime.subscribe(self._event)
        if runtime.load_generation or self.pp.environments:
            self.show_panes()
        else:
            self.set_timer(0.3, self.show_panes)
        if runtime.needs_user is not None:
            self.call_after_refresh(self._event, runtime.needs_user)
        self.show_demo_clock()
        if self.jobs is not None:
            self.show_jobs(self.jobs.of_profile(ws.profile.name))

    def on_unmount(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()

    def on_resize(self, event: events.Resize) -> None:
        footer = self.query_one(FittedFooter)
        footer.compact = event.size.width < 100
        footer.refresh(recompose=True)

    # -- what the runtime reports ---------------------------------------------------------

    def _event(self, event: ev.WorkspaceEvent) -> None:
        if not self.is_attached or not self.app.is_running:
            return
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
        elif isinstance(event, (ev.EnvironmentsArrived, ev.Loaded)):
            self.show_panes()
            self.show_environments()
            if isinstance(event, ev.Loaded):
                self.show_operations()
                if event.adopted:
                    self.notify(f"Watching {event.adopted} running operation(s) found in history.")
                self.call_after_refresh(collector.resume_after_start_up)
        elif isinstance(event, ev.BackupsArrived):
            self.show_backups()
        elif isinstance(event, ev.LoadFailed):
            self.show_panes()
        elif isinstance(event, ev.OperationsChanged):
            self.show_operations()
            if self.panes_shown:
                self.show_environments()

    # -- drawing ---------------------------------------------------------------------------

    def show_panes(self) -> None:
        if self.panes_shown or not self.is_attached:
            return
        self.panes_shown = True
        self.query_one("#loading").display = False
        self.query_one("#top").display = True
        self.query_one(OperationsTable).display = True
        self.set_focus(self.query_one(UnifiedEnvironmentsTable))
        self.show_environments()
        self.show_operations()

    def show_environments(self) -> None:
        pp = self.pp
        envs = environment_order(pp.environments.values())
        table = self.query_one(UnifiedEnvironmentsTable)
        table.show(envs, pp.busy_environment_ids())
        which = "environments" if pp.include_all else "F&O environments"
        self.query_one("#environments").border_title = f"{len(envs)} {which} of the tenant"
        self.show_summary()

    def show_summary(self) -> None:
        env = self.highlighted_env()
        summary = self.query_one("#environment-summary", Static)
        if env is None:
            summary.update(Text("No environment with finance and operations apps.", "dim"))
            self.show_backups()
            return
        summary.update(environment_summary(env, self.pp.busy_environments().get(env.id)))
        if env.id != self._backups_for:
            self._backups_for = env.id
            self.show_backups()
            self.set_timer(BACKUPS_AFTER, lambda: self._read_backups(env.id))

    def _read_backups(self, env_id: str) -> None:
        env = self.highlighted_env()
        if env is not None and env.id == env_id:
            self.runtime.read_backups(env_id)

    def show_backups(self) -> None:
        env = self.highlighted_env()
        table = self.query_one(UnifiedBackupsTable)
        detail = self.query_one("#backup-detail", Static)
        pane = self.query_one("#backups")
        if env is None:
            table.show([], self.pp.now())
            detail.update("")
            pane.border_title = "Backups"
            return
        backups = self.pp.backups.get(env.id)
        problem = self.runtime.backup_problems.get(env.id)
        if backups is None:
            table.show([], self.pp.now())
            detail.update(
                safe(f"✘ could not read the backups: {problem}", "red", limit=400)
                if problem
                else Text("reading the backups…", "dim")
            )
            pane.border_title = safe(f"Backups of {env.name}", limit=60).plain
            return
        table.show(backups, self.pp.now())
        manual = sum(1 for b in backups if b.is_manual)
        keys = not self.workspace.read_only
        if not backups and env.is_linked:
            said = "None listed here: LCS keeps this environment's backups (its LCS project)."
        elif not backups:
            said = "No backups listed." + (" b makes a manual one." if keys else "")
        else:
            said = f"{len(backups)} ({manual} manual)" + (
                " · r restores the highlighted one · b backs up" if keys else ""
            )
        detail.update(Text(said, "dim"))
        pane.border_title = safe(f"Backups of {env.name} ({len(backups)})", limit=60).plain

    def show_operations(self) -> None:
        ops = list(self.pp.operations.values())
        self.query_one(OperationsTable).show(ops, self.pp.now(), stage_notes(ops, self.pp))
        running = sum(1 for op in ops if op.needs_watching)
        self.query_one("#operations").border_title = (
            f"Operations ({running} running)" if running else "Operations"
        )

    def every_second(self) -> None:
        self.show_demo_clock()
        if not self.panes_shown:
            return
        table = self.query_one(OperationsTable)
        now = self.pp.now()
        for op in self.pp.operations.values():
            if not op.finished and op.key in table.rows:
                table.show_elapsed(op.key, elapsed(op, now))

    def row_tables(self) -> tuple[DataTable[Any], ...]:
        return (
            self.query_one(OperationsTable),
            self.query_one(JobsTable),
            self.query_one(UnifiedEnvironmentsTable),
        )

    def existing_downloads_panel(self) -> DownloadsPanel | None:
        return None  # unified environments have no downloads (§4.4)

    def highlighted_env(self) -> PpEnvironment | None:
        env_id = self.query_one(UnifiedEnvironmentsTable).highlighted_id
        return self.pp.environments.get(env_id) if env_id else None

    @on(DataTable.RowHighlighted, "#environments-table")
    def _environment_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if self.app.is_running:
            self.show_summary()


def environment_summary(env: PpEnvironment, busy: Any) -> Text:
    parts: list[Text] = [safe(env.kind_label, "bold")]
    if env.lcs_environment_id:
        parts.append(safe(f"LCS environment {env.lcs_environment_id}", "dim"))
    if env.url:
        parts.append(safe(env.url, "dim", limit=100))
    if env.admin_mode:
        parts.append(Text("admin mode: only admins can sign in", "magenta"))
    if busy is not None:
        parts.append(safe(f"busy: {busy.reason}", "yellow", limit=200))
    return Text(" · ").join(parts)
