"""The lcs-tui application: one screen with environments, backups and operations.

Invariant: the event loop never blocks. Network calls run in async workers;
MSAL and keyring run in thread workers, which never touch widgets and report
back with messages. A periodic tick *starts* a status poll and skips when the
previous one is still running, so a slow LCS never piles up requests.
"""

from __future__ import annotations

import asyncio
import functools
import threading
from collections.abc import Awaitable, Callable, Iterable
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar, cast

from rich.text import Text
from textual import events, on, work
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.css.query import NoMatches
from textual.notifications import SeverityLevel
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static
from textual.worker import Worker, WorkerState

from lcs_tui.api import (
    DatabaseBackup,
    Environment,
    LcsConnectionError,
    LcsError,
    LcsRejected,
    LcsThrottled,
    OutcomeUnknown,
    QuotaExceeded,
    RequestEvent,
    TokenUnavailable,
)
from lcs_tui.api.models import Outcome
from lcs_tui.config.geographies import GEOGRAPHIES
from lcs_tui.service.operations import NOT_FOUND, TrackedOperation
from lcs_tui.service.ordering import display_order
from lcs_tui.service.project import ActionRefused, StatusChange
from lcs_tui.tui import collector
from lcs_tui.tui.format import PAGE_LIMIT
from lcs_tui.tui.messages import (
    DeviceFlowStarted,
    RequestLogged,
    SignedIn,
    SignInFailed,
    SignInNeeded,
    SignInOffline,
)
from lcs_tui.tui.widgets.backups import BackupsPane, BackupsTable
from lcs_tui.tui.widgets.environments import (
    EnvironmentHistory,
    EnvironmentsPane,
    EnvironmentsTable,
    EnvironmentSummary,
)
from lcs_tui.tui.widgets.operations import OperationsTable, elapsed
from lcs_tui.tui.widgets.request_log import RequestLog
from lcs_tui.tui.widgets.status_bar import StatusBar
from lcs_tui.untrusted import inert
from lcs_tui.workspace import Workspace

# The dialogs and pages are imported where they are opened: none is on the
# first screen, and together with the widgets they use (Select, DirectoryTree)
# they were about 9 ms of every start.
if TYPE_CHECKING:
    from lcs_tui.tui.screens.signin import DeviceCodeDialog
    from lcs_tui.tui.widgets.downloads import DownloadsPanel, InterruptedDownload

#: Actions that change something in LCS: hidden and disabled with --read-only.
MUTATING_ACTIONS = frozenset({"refresh", "export", "start_stop"})
#: How long the first load waits to draw everything at once before showing
#: what has arrived (seconds). Until then the screen shows one line saying
#: the project is loading: drawing every pane empty first, only to draw them
#: again a few tens of milliseconds later, was the largest part of the
#: start-up time beyond a bare Textual app (docs/benchmarks.md).
PAINT_PATIENCE = 0.3
#: Seconds after mount at most before the start-up pause of the garbage
#: collector ends even without a full screen (collector.py).
COLLECTOR_PAUSE_LIMIT = 5.0
#: Seconds (at the 30 s poll interval of real LCS) after which a started or
#: stopped environment is looked at again.
ENVIRONMENT_RECHECKS = (20.0, 40.0, 60.0, 120.0, 240.0)
DEFAULT_POLL = 30.0
#: After a failed load, try again after this many seconds (doubling, capped).
RELOAD_RETRY_FIRST = 5.0
RELOAD_RETRY_MAX = 120.0


MessageHandler = TypeVar("MessageHandler", bound=Callable[..., None])


def while_running(handler: MessageHandler) -> MessageHandler:
    """A message posted just before the app closes may arrive while Textual
    removes the widgets (`is_running` turns False first): then it is moot."""

    @functools.wraps(handler)
    def guarded(self: App[None], *args: Any) -> None:
        if self.is_running:
            handler(self, *args)

    return guarded  # type: ignore[return-value]


class LcsApp(App[None]):
    # Absolute, so subclasses in other packages (tests, benchmarks) find it too.
    CSS_PATH = Path(__file__).parent / "app.tcss"
    TITLE = "lcs-tui"
    # Side by side, the two top panes need about 155 columns to show every
    # column; below that the screen gets "-narrow" and they stack. Below 32
    # rows it gets "-short": the detail lines give way to table rows (app.tcss).
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (156, "-wide")]
    VERTICAL_BREAKPOINTS = [(0, "-short"), (32, "-tall")]
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "refresh", "Refresh"),
        Binding("e", "export", "Export"),
        Binding("w", "watch", "Watch"),
        Binding("t", "start_stop", "Start/stop", show=False),
        Binding("d", "download", "Download"),
        Binding("slash", "filter", "Filter"),
        Binding("l", "toggle_log", "Log"),
        Binding("i", "import_info", "Import", show=False),
        Binding("ctrl+r", "reload", "Reload", show=False),
        Binding("z", "zoom", "Zoom", show=False),
        Binding("question_mark", "help", "Help"),
        Binding("q", "quit", "Quit"),
        Binding("escape", "close_filter", show=False),
        # With --read-only the bindings above that change something are off
        # (check_action); these take their keys then, to say why nothing happens.
        Binding("r", "read_only('Refresh')", show=False),
        Binding("e", "read_only('Export')", show=False),
        Binding("t", "read_only('Start and stop')", show=False),
    ]

    def __init__(self, workspace: Workspace, *, bell: bool = True) -> None:
        super().__init__()
        self.workspace = workspace
        self.service = workspace.service
        # The event loop never writes the journal itself (fsync, another
        # copy's lock): a writer thread does, in order.
        self.service.write_journal_in_background()
        self._bell_enabled = bell
        #: PAINT_PATIENCE; tests that look at the start-up screen make it long.
        self.paint_patience = PAINT_PATIENCE
        self._polling = False
        self._reconciling = False
        self._reload_delay = RELOAD_RETRY_FIRST
        self._device_cancel: threading.Event | None = None
        self._device_dialog: DeviceCodeDialog | None = None
        self.username: str | None = None
        #: Completed full loads (environments, backups, sandbox history): the
        #: benchmarks and tests wait on it.
        self.load_generation = 0
        self._journal_notice_shown: str | None = None
        self._poll_errors_shown: set[tuple[str, str]] = set()
        self._warnings_shown: set[str] = set()
        self._panes_shown = False
        #: Operations not finished when the app closed (set on unmount).
        self.still_running: list[TrackedOperation] = []
        #: Downloads stopped by quitting (the downloads panel fills it in).
        self.interrupted_downloads: list[InterruptedDownload] = []

    # -- layout -------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield StatusBar(id="status")
        yield Static(f"Loading project {self.workspace.profile.project_id} …", id="loading")
        # Hidden until the first load is in (PAINT_PATIENCE); shown by
        # `_show_panes`. Inline `display`, not a class: a class on the app
        # restyles every widget, twice, for a few milliseconds each.
        top = Horizontal(id="top")
        top.display = False
        with top:
            with EnvironmentsPane(id="environments"):
                yield EnvironmentsTable(id="environments-table")
                yield EnvironmentSummary(id="environment-summary")
                yield EnvironmentHistory(id="environment-history")
            yield BackupsPane(id="backups")
        operations = OperationsTable(id="operations")
        operations.display = False
        yield operations
        yield RequestLog(id="log")
        yield Footer()

    def on_mount(self) -> None:
        # The panes are drawn once the first load has arrived, or after
        # PAINT_PATIENCE with what has arrived by then.
        self.set_timer(self.paint_patience, self._show_panes)
        ws = self.workspace
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
        bar.connection = "signing in"
        self.query_one("#environments").border_title = "Environments (loading…)"
        self.query_one("#operations").border_title = "Operations"
        ws.client.add_observer(self._observe_request)
        self.set_interval(ws.poll_interval, self._tick)
        self.set_interval(1.0, self._refresh_elapsed)
        # Normally resumed right after the first full screen; this bounds the
        # pause when LCS is slow or down.
        self.set_timer(COLLECTOR_PAUSE_LIMIT, collector.resume_after_start_up)
        self._report_journal()
        self._show_demo_clock()
        self.sign_in_silently()

    def on_resize(self, event: events.Resize) -> None:
        # Below 100 columns the footer drops its spacing, so that every key,
        # q Quit included, still fits at 80.
        self.query_one(Footer).compact = event.size.width < 100

    def _observe_request(self, event: RequestEvent) -> None:
        self.post_message(RequestLogged(event))

    async def action_quit(self) -> None:
        # Running downloads ask first; the panel decides (widgets/downloads.py).
        for panel in self.query("DownloadsPanel").results():
            if cast("DownloadsPanel", panel).ask_before_quitting(self.exit):
                return
        self.exit()

    async def on_unmount(self) -> None:
        # For the line `lcs-tui` prints once the terminal is back (launch.py).
        self.still_running = [op for op in self.service.operations.values() if not op.finished]
        if self._device_cancel is not None:
            self._device_cancel.set()
        await asyncio.to_thread(self.service.close)  # the journal writes still queued
        await self.workspace.aclose()

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """Every notification (the app's and every screen's) passes here.

        Messages carry names, ids and LCS's error text: they are made inert
        and never parsed as markup, whatever the caller asked for.
        """
        super().notify(
            inert(message, newlines=True, limit=PAGE_LIMIT),
            title=inert(title, limit=120),
            severity=severity,
            timeout=timeout,
            markup=False,
        )

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "read_only":
            return self.workspace.read_only
        return not (action in MUTATING_ACTIONS and self.workspace.read_only)

    def action_read_only(self, what: str) -> None:
        self.notify(
            f"{what} is off: lcs-tui was started with --read-only. "
            "Start it without --read-only to change anything.",
            title="Read-only",
            severity="warning",
            timeout=4,
        )

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        if not self.workspace.read_only:
            yield SystemCommand(
                "Refresh a sandbox",
                "Copy one environment's database over a sandbox (checked, then confirmed)",
                self.action_refresh,
            )
            yield SystemCommand(
                "Export a sandbox", "Export a sandbox database to a backup", self.action_export
            )
            yield SystemCommand(
                "Start or stop the environment",
                "Customer-managed environments only",
                self.action_start_stop,
            )
        yield SystemCommand(
            "Watch an operation by activity id",
            "Track an operation started in the portal",
            self.action_watch,
        )
        yield SystemCommand(
            "Filter backups", "Type words to narrow the backup list", self.action_filter
        )
        yield SystemCommand("Sort backups", "Sort by the next column", self.action_sort_backups)
        yield SystemCommand(
            "Toggle request log", "Every call with its activity id", self.action_toggle_log
        )
        yield SystemCommand(
            "Reload", "Reload environments, backups and history", self.action_reload
        )
        yield SystemCommand(
            "Import a backup", "Why there is no import, and where to do it", self.action_import_info
        )
        yield SystemCommand("Help", "Keys and what each pane shows", self.action_help)

    # -- sign-in --------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="sign-in", exit_on_error=False)
    def sign_in_silently(self) -> None:
        from lcs_tui.auth import SignInError, SignInRequired, SignInUnreachable

        try:
            early = self.workspace.take_early_sign_in()
            if early is not None:
                username = early.result()
            else:
                username = self.workspace.sign_in_without_asking()
            self.post_message(SignedIn(username))
        except SignInRequired:
            self.post_message(SignInNeeded())
        except SignInUnreachable as exc:
            self.post_message(SignInOffline(exc.message))
        except SignInError as exc:
            self.post_message(SignInFailed(exc.message, exc.hint))

    @on(SignInOffline)
    @while_running
    def _sign_in_offline(self, message: SignInOffline) -> None:
        # Nothing the user can do but wait: try again by itself, backing off.
        self._show_panes()
        bar = self.query_one(StatusBar)
        bar.connection = f"offline — signing in again in {self._reload_delay:.0f} s"
        self.set_timer(self._reload_delay, self.sign_in_silently)
        self._reload_delay = min(RELOAD_RETRY_MAX, self._reload_delay * 2)

    @on(SignInNeeded)
    @while_running
    def _sign_in_needed(self, message: SignInNeeded) -> None:
        from lcs_tui.tui.screens.signin import PasswordDialog

        self._show_panes()
        self.query_one(StatusBar).connection = "sign-in needed"
        profile = self.workspace.profile
        if profile.sign_in_method == "device-code":
            self.start_device_flow()
            return
        dialog = PasswordDialog(
            profile.username or "?", need_secret=profile.needs_client_secret, error=message.error
        )

        def done(ok: bool | None) -> None:
            if ok:
                self.sign_in_with_password(dialog.password, dialog.secret)
            else:
                self.query_one(StatusBar).connection = "not signed in"

        self.push_screen(dialog, done)

    @work(thread=True, exclusive=True, group="sign-in", exit_on_error=False)
    def sign_in_with_password(self, password: str, secret: str | None) -> None:
        from lcs_tui.auth import SignInError

        try:
            account = self.workspace.session.sign_in_with_password(password, secret)
        except SignInError as exc:
            self.post_message(SignInFailed(exc.message, exc.hint))
            return
        self.post_message(SignedIn(account.username))

    @work(thread=True, exclusive=True, group="sign-in", exit_on_error=False)
    def start_device_flow(self) -> None:
        from lcs_tui.auth import SignInError

        try:
            flow = self.workspace.session.start_device_flow()
        except SignInError as exc:
            self.post_message(SignInFailed(exc.message, exc.hint))
            return
        self.post_message(
            DeviceFlowStarted(flow, flow.user_code, flow.verification_uri, flow.message)
        )

    @on(DeviceFlowStarted)
    @while_running
    def _device_flow_started(self, message: DeviceFlowStarted) -> None:
        from lcs_tui.tui.screens.signin import DeviceCodeDialog

        cancel = threading.Event()
        self._device_cancel = cancel
        self._device_dialog = DeviceCodeDialog(message.text, message.user_code, message.url, cancel)
        self.push_screen(self._device_dialog)
        self.finish_device_flow(message.flow, cancel)

    @work(thread=True, exclusive=True, group="device-flow", exit_on_error=False)
    def finish_device_flow(self, flow: Any, cancel: threading.Event) -> None:
        from lcs_tui.auth import SignInCancelled, SignInError

        try:
            account = self.workspace.session.finish_device_flow(flow, cancel)
        except SignInCancelled:
            self.post_message(SignInFailed("Sign-in cancelled.", "press Ctrl+R to try again"))
            return
        except SignInError as exc:
            self.post_message(SignInFailed(exc.message, exc.hint))
            return
        self.post_message(SignedIn(account.username))

    def _in_app(self, hint: str | None) -> str | None:
        """Sign-in hints are worded for the command line; here, Try again signs in."""
        if hint is None:
            return None
        from lcs_tui.auth.errors import login_command

        login = login_command(self.workspace.profile.name)
        if "sign_in_method" in hint or "profile add" in hint:
            # The profile must change first, and the app uses it as it was at start.
            return hint.replace(login, "restart lcs-tui")
        return hint.replace(f"run: {login}", "press Try again").replace(login, "press Try again")

    def _close_device_dialog(self, signed_in: bool) -> None:
        dialog, self._device_dialog = self._device_dialog, None
        if dialog is not None and dialog in self.screen_stack:
            dialog.finish(signed_in)

    @on(SignedIn)
    @while_running
    def _signed_in(self, message: SignedIn) -> None:
        self._close_device_dialog(True)
        self.username = message.username
        bar = self.query_one(StatusBar)
        bar.user = f"signed in as {message.username}"
        bar.connection = "loading"
        self.reload()
        # Operations from the journal are on screen from the start and asked
        # about at once: their status calls do not wait for the environment
        # API's pacing, nor for the rest of the project to load.
        self._show_operations()
        self._tick()

    @on(SignInFailed)
    @while_running
    def _sign_in_failed(self, message: SignInFailed) -> None:
        from lcs_tui.tui.screens.signin import ErrorDialog

        self._show_panes()
        self._close_device_dialog(False)
        bar = self.query_one(StatusBar)
        bar.user = "not signed in"
        bar.connection = "sign-in failed"

        def retry(again: bool | None) -> None:
            if again:
                self.post_message(SignInNeeded())

        self.push_screen(
            ErrorDialog("Sign-in failed", message.message, self._in_app(message.hint)), retry
        )

    # -- loading ----------------------------------------------------------------------

    def action_reload(self) -> None:
        if self.username is None:
            self.sign_in_silently()
        else:
            self.reload()

    @work(exclusive=True, group="load", exit_on_error=False)
    async def reload(self) -> None:
        service = self.service
        bar = self.query_one(StatusBar)
        try:
            # Every read goes out as soon as it can (the sandboxes' histories
            # as soon as the environments are known). When LCS answers quickly
            # the screen is drawn once, complete; when it is slow, what has
            # arrived is shown after a moment and the rest follows.
            backups_task = asyncio.ensure_future(service.load_backups())
            # Shown as soon as they are in, whatever the environment API does
            # (it is paced and may be throttled; the backups list is not).
            backups_task.add_done_callback(self._backups_arrived)
            # What another copy of the app journalled meanwhile, read in a
            # thread (that copy may hold the journal's lock) beside the calls.
            journal_task = asyncio.ensure_future(service.read_journal())
            try:
                envs = await service.load_environments()
            except BaseException:
                backups_task.cancel()
                journal_task.cancel()
                raise
            if self._panes_shown and not self.load_generation:
                self._show_environments()  # the user is looking at empty panes already
            # Only sandboxes: refreshes and exports touch nothing else, and the
            # history endpoint allows 6 calls per project per minute.
            sandboxes = sorted((e for e in envs if e.is_sandbox), key=lambda e: e.name)
            pending = [backups_task] + [
                asyncio.ensure_future(service.load_recent_history(e.id)) for e in sandboxes
            ]
            _, slow = await asyncio.wait(pending, timeout=self.paint_patience)
            if slow:
                with self.batch_update():
                    self._show_panes()
                    self._show_environments()
            await _gather(*pending)
            self._reload_delay = RELOAD_RETRY_FIRST
            bar.connection = "online"
            await journal_task
            adopted = service.adopt_running_from_history(journal_read=True)
            with self.batch_update():
                self._show_panes()
                self._show_environments()
                self._show_operations()
            if adopted:
                self.notify(f"Watching {len(adopted)} running operation(s) found in the history.")
            self.load_generation += 1
            self.call_after_refresh(collector.resume_after_start_up)
            self._tick()
        except LcsError as exc:
            self._load_failed(exc)

    @on(Worker.StateChanged)
    @while_running
    def _worker_failed(self, event: Worker.StateChanged) -> None:
        """The one place for what no worker expected: say it, never hang.

        Every failure the app knows (LCS's errors, sign-in errors, refusals)
        is handled where it happens; this catches the rest, so that a bug or
        an answer nobody foresaw leaves a message and a way on, not a screen
        stuck on "loading".
        """
        if event.state is not WorkerState.ERROR:
            return
        error = event.worker.error
        group = event.worker.group
        detail = f"{type(error).__name__}: {error}" if error is not None else "unknown error"
        if group in ("sign-in", "device-flow"):
            self.post_message(
                SignInFailed(
                    f"Sign-in failed unexpectedly ({detail}).",
                    "press Try again; if it keeps failing, run lcs-tui login in a terminal "
                    "to see more",
                )
            )
            return
        if group == "load":
            self._show_panes()
            self.query_one(StatusBar).connection = f"error — retrying in {self._reload_delay:.0f} s"
            self.set_timer(self._reload_delay, self.reload)
            self._reload_delay = min(RELOAD_RETRY_MAX, self._reload_delay * 2)
            what = "Could not load the project"
            todo = "lcs-tui tries again by itself; Ctrl+R reloads now."
        elif group == "start":
            what = "Something unexpected happened while starting it"
            todo = (
                "Look at the Operations pane: an operation marked Outcome unknown may have "
                "started — check the environment's history before trying again."
            )
        else:
            what = "Something unexpected went wrong"
            todo = "lcs-tui goes on; Ctrl+R reloads the project."
        self.notify(
            f"{what}: {detail}. {todo}", title="Unexpected error", severity="error", timeout=30
        )

    def _backups_arrived(self, task: asyncio.Future[list[DatabaseBackup]]) -> None:
        if task.cancelled() or task.exception() is not None or not self.is_running:
            return  # a failure is reported by the load itself
        self.query_one(BackupsPane).set_backups(task.result())

    def _load_failed(self, exc: LcsError) -> None:
        self._show_panes()
        bar = self.query_one(StatusBar)
        if self._needs_sign_in(exc):
            return
        if isinstance(exc, TokenUnavailable):
            bar.connection = f"sign-in trouble — retrying in {self._reload_delay:.0f} s"
        elif isinstance(exc, LcsConnectionError):
            bar.connection = f"offline — retrying in {self._reload_delay:.0f} s"
        elif isinstance(exc, LcsThrottled):
            bar.connection = f"throttled until {exc.retry_at:%H:%M:%S} UTC"
        else:
            bar.connection = "error"
            self.notify(
                str(exc),
                title="Could not load the project",
                severity="error",
                markup=False,
                timeout=10,
            )
        # Back off and try again by itself: the app recovers when LCS does.
        self.set_timer(self._reload_delay, self.reload)
        self._reload_delay = min(RELOAD_RETRY_MAX, self._reload_delay * 2)

    def _show_panes(self) -> None:
        """Replace the start-up "Loading project …" line with the panes; idempotent."""
        if self._panes_shown:
            return
        self._panes_shown = True
        main = self.screen_stack[0]
        main.query_one("#loading").display = False
        main.query_one("#top").display = True
        main.query_one(OperationsTable).display = True
        # Nothing of the user's can have had focus while the panes were hidden.
        main.set_focus(main.query_one(EnvironmentsTable))
        if self.service.environments:
            self._show_environments()  # what has arrived so far

    def _report_journal(self) -> None:
        """Tell the user, once per problem, when the operation journal is in trouble."""
        notice = self.service.journal_notice
        if notice and notice != self._journal_notice_shown:
            self._journal_notice_shown = notice
            self.notify(
                notice, title="Operation journal", severity="warning", timeout=30, markup=False
            )

    def _needs_sign_in(self, exc: LcsError) -> bool:
        """True (and the sign-in dialog is on its way) when only the user can fix it."""
        from lcs_tui.auth import SignInRequired

        if isinstance(exc, TokenUnavailable) and isinstance(exc.__cause__, SignInRequired):
            self.username = None
            self.query_one(StatusBar).user = "not signed in"
            self.post_message(SignInNeeded())
            return True
        return False

    def _show_environments(self) -> None:
        service = self.service
        envs = display_order(service.environments.values())
        quotas = {e.id: service.quota(e.id) for e in envs}
        self.query_one(EnvironmentsTable).show(envs, quotas, service.busy_environment_ids())
        self.query_one("#environments").border_title = f"Environments ({len(envs)})"
        self._fit_environments_pane()
        self._show_summary()

    def _fit_environments_pane(self) -> None:
        """Side by side, the environments pane is as wide as its columns need;
        the backups pane takes the rest."""
        table = self.query_one(EnvironmentsTable)
        # Borders, the table's scrollbar and a column of air.
        self.query_one(EnvironmentsPane).styles.width = table.natural_width + 5

    def _show_operations(self) -> None:
        ops = list(self.service.operations.values())
        self.query_one(OperationsTable).show(ops, self.service.now())
        running = sum(1 for op in ops if op.needs_watching)
        self.query_one("#operations").border_title = (
            f"Operations ({running} running)" if running else "Operations"
        )

    def _refresh_elapsed(self) -> None:
        if not self.is_running:
            return  # shutting down: the widgets are being removed (see _environment_highlighted)
        # Also the moment to report a journal problem a background write met,
        # and to move the quota counts along with the clock.
        self._report_journal()
        self._show_demo_clock()
        if self.load_generation:
            envs = self._envs()
            quotas = {e.id: self.service.quota(e.id) for e in envs}
            if self.query_one(EnvironmentsTable).show_quotas(envs, quotas):
                self._show_summary()
        table = self.query_one(OperationsTable)
        now = self.service.now()
        for op in self.service.operations.values():
            if op.key in table.rows and not op.finished:
                table.update_cell(op.key, "elapsed", Text(elapsed(op, now)))

    def _show_demo_clock(self) -> None:
        """The demo runs a faster clock: say so, or elapsed times and dates mislead."""
        simulator = self.workspace.simulator
        if not self.workspace.demo or simulator is None:
            return
        rate = simulator.clock.rate
        now = self.service.now()
        bar = self.query_one(StatusBar)
        fast = f" ×{rate:g}" if rate != 1 else ""
        bar.clock = f"demo clock{fast} · {now:%H:%M} UTC"
        bar.clock_short = f"demo{fast} {now:%H:%M}"

    # -- watching -------------------------------------------------------------------------

    def _tick(self) -> None:
        # Start a poll only when the previous one finished: a slow LCS must not
        # pile up requests (and `exclusive` alone would cancel it forever).
        if not self.is_running or self.username is None:
            return  # shutting down, or not signed in yet
        active = self.service.active_operations()
        if not self._polling and any(op.needs_watching for op in active):
            self._polling = True
            self.poll_operations()
        # Entries without an activity id are looked up in the history, whose
        # calls are paced: in a worker of their own, so that they never hold
        # up the status calls above — and only once the project has loaded.
        if (
            not self._reconciling
            and self.load_generation
            and any(not op.needs_watching for op in active)
        ):
            self._reconciling = True
            self.reconcile_operations()

    @work(group="poll", exit_on_error=False)
    async def poll_operations(self) -> None:
        try:
            await self._poll([op for op in self.service.active_operations() if op.needs_watching])
        finally:
            self._polling = False
            self._report_journal()

    @work(group="reconcile", exit_on_error=False)
    async def reconcile_operations(self) -> None:
        try:
            pending = self.service.active_operations()
            await self._poll([op for op in pending if not op.needs_watching])
        finally:
            self._reconciling = False
            self._report_journal()

    async def _poll(self, operations: list[TrackedOperation]) -> None:
        bar = self.query_one(StatusBar)
        for op in operations:
            try:
                change = await self.service.poll(op)
            except (LcsConnectionError, LcsThrottled, TokenUnavailable) as exc:
                # Nothing is lost: the next tick tries again.
                if not self._needs_sign_in(exc):
                    bar.connection = (
                        f"throttled until {exc.retry_at:%H:%M:%S} UTC"
                        if isinstance(exc, LcsThrottled)
                        else "offline — retrying"
                    )
                return
            except LcsError as exc:
                self._note_poll_error(op, exc)
                continue
            bar.connection = "online"
            if change is not None:
                await self._status_changed(change)

    def _note_poll_error(self, op: TrackedOperation, exc: LcsError) -> None:
        # Once per operation and problem: a poll every few seconds must not
        # bury the screen in the same warning.
        key = (op.key, exc.message)
        if key in self._poll_errors_shown:
            return
        self._poll_errors_shown.add(key)
        self.notify(
            f"{op.title()}: {exc}", title="Status check failed", severity="warning", markup=False
        )

    async def _status_changed(self, change: StatusChange) -> None:
        op = change.after
        self._show_operations()
        if not change.finished_now:
            return
        if op.outcome is Outcome.SUCCEEDED:
            self.notify(
                f"{op.title()} completed.", title="Operation finished", timeout=15, markup=False
            )
        elif op.status == NOT_FOUND:
            self.notify(
                op.message or f"LCS knows no operation {op.activity_id}.",
                title="Not found",
                severity="warning",
                timeout=15,
                markup=False,
            )
        else:
            self.notify(
                f"{op.title()} ended with {op.status}. LCS's API does not say why: the "
                f"environment's history in the LCS portal does. Activity id {op.activity_id} "
                "(quote it to Microsoft support).",
                title="Operation failed",
                severity="error",
                timeout=30,
                markup=False,
            )
        if self._bell_enabled:
            self.bell()
        # A finished operation changes the quota and busy state; an export adds a backup.
        try:
            await self.service.load_recent_history(op.poll_environment_id)
            if op.kind == "export":
                self.query_one(BackupsPane).set_backups(await self.service.load_backups())
        except LcsError:
            pass  # shown again on the next reload; the status itself is already recorded
        self._show_environments()

    # -- request log and connection state -------------------------------------------------

    @on(RequestLogged)
    @while_running
    def _request_logged(self, message: RequestLogged) -> None:
        event = message.event
        try:
            log, bar = self.query_one(RequestLog), self.query_one(StatusBar)
        except NoMatches:
            return  # a call finishing while the app shuts down
        log.record(event, datetime.now())
        if event.warning and event.note and event.note not in self._warnings_shown:
            # Something the client had to cut short (a list that never ended):
            # once per wording, the request log keeps every occurrence.
            self._warnings_shown.add(event.note)
            self.notify(event.note, title="LCS", severity="warning", timeout=20)
        if event.kind == "wait" and event.status == 429:
            until = datetime.now(timezone.utc) + timedelta(seconds=event.waited)
            bar.connection = f"throttled until {until:%H:%M:%S} UTC"
            self._first_load_waits(event.path, f"LCS throttles until {until:%H:%M:%S} UTC")
        elif event.kind == "wait":
            bar.connection = f"pacing: next call in {event.waited:.0f} s"
            self._first_load_waits(
                event.path, f"pacing under LCS's limits, next call in {event.waited:.0f} s"
            )
        elif event.status is None:
            # Once known to be offline, stay "offline" through the quiet retries.
            if not bar.connection.startswith("offline"):
                bar.connection = f"connection trouble — retrying ({event.note})"
        elif event.status == 200 and self.load_generation:
            bar.connection = "online"

    def _first_load_waits(self, path: str, note: str) -> None:
        """While the project loads, the pane that waits says what for.

        A throttled or paced start must not look like an empty project.
        """
        if self.load_generation:
            return
        if path.startswith("/databasemovement/v1/databases/"):
            self.query_one(BackupsPane).show_waiting(note)
        elif path.startswith("/environmentinfo/v1/detail/") and not self.service.environments:
            self.query_one("#environments").border_title = f"Environments (loading… {note})"
        elif path.startswith("/environmentinfo/v1/history/"):
            count = len(self.service.environments)
            self.query_one(
                "#environments"
            ).border_title = f"Environments ({count}) · operations today loading… {note}"

    def action_zoom(self) -> None:
        """Maximise the focused pane, or give it back its place (Esc does too)."""
        screen = self.screen
        if screen.maximized is not None:
            screen.minimize()
        elif screen.focused is not None:
            screen.maximize(screen.focused)

    def action_toggle_log(self) -> None:
        self.query_one(RequestLog).toggle_class("visible")

    # -- actions ------------------------------------------------------------------------

    def _envs(self) -> list[Environment]:
        return list(self.service.environments.values())

    def _highlighted_env(self) -> Environment | None:
        env_id = self.query_one(EnvironmentsTable).highlighted_id
        return self.service.environments.get(env_id) if env_id else None

    def _quota_label(self, env: Environment) -> str:
        quota = self.service.quota(env.id) if env.is_sandbox else None
        return quota.describe() if quota else ""

    def _need_environments(self) -> bool:
        if not self.service.environments:
            self.notify("The environments are not loaded yet.", severity="warning")
            return False
        return True

    def action_refresh(self) -> None:
        from lcs_tui.tui.screens.refresh import RefreshConfirm, RefreshPicker

        if not self._need_environments():
            return
        envs = self._envs()
        highlighted = self._highlighted_env()
        source = next((e.id for e in envs if e.is_production), None)
        target = highlighted.id if highlighted and highlighted.is_sandbox else None
        picker = RefreshPicker(
            envs,
            self.service.refresh_problems,
            source,
            target,
            quota=self._quota_label,
            notes=self.service.refresh_notes,
        )

        def picked(ok: bool | None) -> None:
            if not ok or picker.chosen is None:
                return
            source_id, target_id = picker.chosen
            src, tgt = self.service.environments[source_id], self.service.environments[target_id]

            def confirmed(yes: bool | None) -> None:
                if yes:
                    self.start_refresh(source_id, target_id)

            self.push_screen(RefreshConfirm(src, tgt), confirmed)

        self.push_screen(picker, picked)

    @work(group="start", exit_on_error=False)
    async def start_refresh(self, source_id: str, target_id: str) -> None:
        await self._start("Refresh", self.service.start_refresh(source_id, target_id))

    async def _start(self, what: str, starting: Awaitable[TrackedOperation]) -> None:
        """Await an operation's start and tell the user how it went."""
        try:
            op = await starting
        except (ActionRefused, LcsError) as exc:
            self._start_failed(f"{what} not started", exc)
            return
        finally:
            self._show_operations()
            self._show_environments()
            self._report_journal()
        self.notify(
            f"{op.title()} started. Activity id {op.activity_id}.", title=what, markup=False
        )

    def action_export(self) -> None:
        from lcs_tui.tui.screens.export import ExportDialog

        if not self._need_environments():
            return
        highlighted = self._highlighted_env()
        dialog = ExportDialog(
            self._envs(),
            self.service.export_problems,
            highlighted.id if highlighted else None,
            self.service.now(),
            quota=self._quota_label,
        )

        def done(ok: bool | None) -> None:
            if ok and dialog.chosen:
                self.start_export(*dialog.chosen)

        self.push_screen(dialog, done)

    @work(group="start", exit_on_error=False)
    async def start_export(self, env_id: str, name: str) -> None:
        await self._start("Export", self.service.start_export(env_id, name))

    def _start_failed(self, title: str, exc: Exception) -> None:
        from lcs_tui.tui.screens.signin import ErrorDialog

        if isinstance(exc, ActionRefused):
            self.notify(
                "\n".join(p.message for p in exc.problems),
                title=title,
                severity="error",
                markup=False,
            )
            return
        assert isinstance(exc, LcsError)
        if isinstance(exc, QuotaExceeded):
            title = "Quota used up"
        elif isinstance(exc, OutcomeUnknown):
            title = "Outcome unknown — check before retrying"
        elif isinstance(exc, LcsRejected):
            title = "LCS refused the operation"
        message = exc.message
        if exc.activity_id:
            message += f"\n\nOperationActivityId: {exc.activity_id}"
        self.push_screen(ErrorDialog(title, message, exc.hint, retry_label=None))

    def action_watch(self) -> None:
        from lcs_tui.tui.screens.watch import WatchDialog

        if not self._need_environments():
            return
        highlighted = self._highlighted_env()
        dialog = WatchDialog(self._envs(), highlighted.id if highlighted else None)

        def done(ok: bool | None) -> None:
            if ok and dialog.chosen:
                env_id, activity = dialog.chosen
                self.service.watch(activity, env_id, kind="operation")
                self._show_operations()
                self._tick()

        self.push_screen(dialog, done)

    def action_forget_operation(self) -> None:
        from lcs_tui.tui.screens.common import ConfirmDialog

        key = self.query_one(OperationsTable).highlighted_key
        op = self.service.operations.get(key) if key else None
        if op is None:
            return
        if op.finished:
            self.service.forget(op.key)
            self._show_operations()
            return

        def done(yes: bool | None) -> None:
            if yes:
                self.service.forget(op.key)
                self._show_operations()
                self._show_environments()

        body = (
            f"{op.title()} goes on in LCS; lcs-tui stops watching it and forgets it. "
            "Its activity id: " + (op.activity_id or "not known")
        )
        self.push_screen(ConfirmDialog("Stop watching?", body, confirm_label="Stop watching"), done)

    def action_start_stop(self) -> None:
        from lcs_tui.tui.screens.common import ConfirmDialog

        env = self._highlighted_env()
        if env is None:
            self.notify("Highlight an environment first.", severity="warning")
            return
        if not env.is_customer_managed:
            self.notify(
                f"{env.name} is managed by Microsoft; only customer-managed "
                "environments can be started or stopped.",
                severity="warning",
                markup=False,
            )
            return
        if not (env.can_start or env.can_stop):
            self.notify(
                f"{env.name} can neither be started nor stopped right now "
                f"(state {env.deployment_state or 'unknown'}).",
                severity="warning",
                markup=False,
            )
            return
        verb = "start" if env.can_start else "stop"
        body = f"{verb.capitalize()} {env.name}? " + (
            "Its users lose access until it is started again."
            if verb == "stop"
            else "It becomes available in a few minutes."
        )

        def done(yes: bool | None) -> None:
            if yes:
                self.start_or_stop(env.id, verb)

        self.push_screen(
            ConfirmDialog(f"{verb.capitalize()} {env.name}", body, confirm_label=verb.capitalize()),
            done,
        )

    @work(group="start", exit_on_error=False)
    async def start_or_stop(self, env_id: str, verb: str) -> None:
        try:
            if verb == "start":
                await self.service.start_environment(env_id)
            else:
                await self.service.stop_environment(env_id)
        except LcsError as exc:
            self._start_failed(f"Could not {verb} the environment", exc)
            return
        self.notify(f"{verb.capitalize()} requested; the state updates by itself.", markup=False)
        before = self.service.environments.get(env_id)
        # Starting or stopping takes minutes: look again a few times, spaced
        # out (the environment endpoint allows 6 calls a minute).
        for delay in ENVIRONMENT_RECHECKS:
            await asyncio.sleep(delay * self.workspace.poll_interval / DEFAULT_POLL)
            try:
                await self.service.load_environments()
            except LcsError:
                continue
            self._show_environments()
            after = self.service.environments.get(env_id)
            if (
                before is None
                or after is None
                or (after.deployment_state != before.deployment_state)
            ):
                return

    def action_download(self) -> None:
        backup = self.query_one(BackupsPane).highlighted()
        if backup is None:
            self.notify("Highlight a backup first (Tab to the backups pane).", severity="warning")
            return
        # The download machinery loads on first use: it is not needed to start.
        from lcs_tui.tui.screens.download import DownloadDialog

        dialog = DownloadDialog(backup)

        async def chosen(go: bool | None) -> None:
            if go and dialog.choice is not None:
                panel = await self._downloads_panel()
                panel.start(backup, dialog.choice.folder, overwrite=dialog.choice.overwrite)

        self.push_screen(dialog, chosen)

    async def _downloads_panel(self) -> DownloadsPanel:
        from lcs_tui.tui.widgets.downloads import DownloadsPanel

        try:
            return self.query_one(DownloadsPanel)
        except NoMatches:
            panel = DownloadsPanel.for_workspace(
                self.workspace, id="downloads", on_interrupted=self.interrupted_downloads.extend
            )
            await self.mount(panel, before=self.query_one(RequestLog))
            return panel

    # Handlers by name, so the downloads panel's module need not load at start.
    def on_downloads_panel_finished(self, message: DownloadsPanel.Finished) -> None:
        from lcs_tui.untrusted import inert

        self.notify(
            f"Downloaded {inert(message.backup.name)} to {inert(message.result.path)}",
            title="Download finished",
            markup=False,
            timeout=15,
        )
        if self._bell_enabled:
            self.bell()

    def on_downloads_panel_failed(self, message: DownloadsPanel.Failed) -> None:
        from lcs_tui.untrusted import inert

        self.notify(
            inert(message.error.as_text(), newlines=True),
            title=f"Download of {inert(message.backup.name, limit=80)} stopped",
            severity="error",
            markup=False,
            timeout=30,
        )

    def action_import_info(self) -> None:
        from lcs_tui.tui.screens.common import TextPage
        from lcs_tui.tui.screens.texts import IMPORT

        self.push_screen(TextPage("Importing a backup", IMPORT))

    def action_help(self) -> None:
        from lcs_tui.tui.screens.common import TextPage
        from lcs_tui.tui.screens.texts import HELP

        self.push_screen(TextPage("lcs-tui — keys", HELP))

    def action_filter(self) -> None:
        if not self._panes_shown:
            return  # nothing to filter yet, and the box would be invisible
        self.query_one(BackupsPane).open_filter()

    def action_close_filter(self) -> None:
        pane = self.query_one(BackupsPane)
        if pane.has_class("filtering"):
            pane.close_filter()

    def action_sort_backups(self, reverse: bool = False) -> None:
        self.query_one(BackupsPane).cycle_sort(reverse_only=reverse)

    # -- selection ------------------------------------------------------------------------

    @on(DataTable.RowHighlighted, "#environments-table")
    def _environment_highlighted(self, event: DataTable.RowHighlighted) -> None:
        # Timer ticks and messages still queued when the app closes arrive
        # after Textual has begun removing the widgets (`is_running` turns
        # False first): nothing to show then.
        if self.is_running:
            self._show_summary()

    def _show_summary(self) -> None:
        env = self._highlighted_env()
        history = self.query_one(EnvironmentHistory)
        if env is None:
            self.query_one(EnvironmentSummary).show(None, None, [])
            history.show(None)
            return
        history.show(self.service.history.get(env.id))
        service = self.service
        running = [
            op
            for op in service.operations.values()
            if not op.finished and op.poll_environment_id == env.id
        ]
        self.query_one(EnvironmentSummary).show(
            env,
            service.quota(env.id),
            running,
            busy=service.busy_environments().get(env.id),
            copied_by=service.sources_of_running_refreshes().get(env.id, []),
        )

    @on(DataTable.RowSelected, "#environments-table")
    def _environment_selected(self, event: DataTable.RowSelected) -> None:
        from lcs_tui.tui.screens.details import EnvironmentDetails

        env = self.service.environments.get(str(event.row_key.value))
        if env is None:
            return
        client, project = self.service.client, self.service.project_id

        async def fetch(page: int) -> Any:
            return await client.history_page(project, env.id, page)

        self.push_screen(EnvironmentDetails(env, fetch, loaded=self.service.loaded_history(env.id)))

    @on(DataTable.RowSelected, "#operations")
    def _operation_selected(self, event: DataTable.RowSelected) -> None:
        from lcs_tui.tui.screens.details import OperationDetails

        op = self.service.operations.get(str(event.row_key.value))
        if op is not None:
            self.push_screen(OperationDetails(op))

    @on(DataTable.RowSelected, "#backups-table")
    def _backup_selected(self, event: DataTable.RowSelected) -> None:
        from lcs_tui.tui.screens.details import BackupDetails

        backup = self.query_one(BackupsPane).highlighted()
        if backup is not None:
            self.push_screen(BackupDetails(backup))


__all__ = ["BackupsTable", "LcsApp"]


async def _gather(*calls: Awaitable[object]) -> None:
    """Run calls together; raise the first failure only after all have ended.

    (`asyncio.gather` would leave the others running unobserved.)
    """
    results = await asyncio.gather(*calls, return_exceptions=True)
    for result in results:
        if isinstance(result, BaseException):
            raise result
