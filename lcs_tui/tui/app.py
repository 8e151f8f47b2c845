"""The lcs-tui application: the composition root.

It owns the open workspaces (one runtime each, controllers/runtime.py, and
one screen each, workspace_screen.py, as a Textual mode), the keys that work
everywhere, the command palette, notifications and the bell. Everything a
workspace does lives in its runtime; everything it shows, in its screen.

Invariant: the event loop never blocks. Network calls run as asyncio tasks;
MSAL, keyring and disk run in threads, awaited from the loop.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from textual import on
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import BindingType
from textual.notifications import SeverityLevel
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from lcs_tui.service.operations import TrackedOperation
from lcs_tui.tui import collector, keymap
from lcs_tui.tui.actions import ACTIONS, Action, offered
from lcs_tui.tui.breakpoints import breakpoint_classes
from lcs_tui.tui.controllers import events as ev
from lcs_tui.tui.controllers.runtime import WorkspaceRuntime
from lcs_tui.tui.format import PAGE_LIMIT
from lcs_tui.tui.keymap import Keymap
from lcs_tui.tui.notices import unexpected_worker_error, workspace_notice
from lcs_tui.tui.workspace_screen import PAINT_PATIENCE, WorkspaceScreen
from lcs_tui.untrusted import inert

if TYPE_CHECKING:
    from lcs_tui.service.project import ProjectService
    from lcs_tui.startup import Jobs
    from lcs_tui.tui.controllers.jobs import JobsController, JobsEvent
    from lcs_tui.tui.unified.screen import UnifiedScreen
    from lcs_tui.tui.widgets.downloads import InterruptedDownload
    from lcs_tui.workspace import Workspace

#: Seconds after mount at most before the start-up pause of the garbage
#: collector ends even without a full screen (collector.py).
COLLECTOR_PAUSE_LIMIT = 5.0
#: Seconds the other workspaces wait at most for the shown one's first screen.
BACKGROUND_START_LIMIT = 2.0
#: Opens a configured profile that is not open yet (the project switcher).
ProfileOpener = Callable[[str], "Workspace"]


def runtime_for(workspace: Workspace) -> WorkspaceRuntime:
    """An LCS project's runtime, or a Power Platform tenant's (tui/unified/)."""
    if workspace.is_powerplatform:
        from lcs_tui.tui.unified.runtime import UnifiedRuntime

        return UnifiedRuntime(workspace)
    return WorkspaceRuntime(workspace)


class LcsApp(App[None]):
    # Absolute, so subclasses in other packages (tests, benchmarks) find it too.
    CSS_PATH = Path(__file__).parent / "app.tcss"
    TITLE = "lcs-tui"
    # Side by side, the two top panes need about 155 columns to show every
    # column; below that the screen gets "-narrow" and they stack. Below 32
    # rows it gets "-short": the detail lines give way to table rows (app.tcss).
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (156, "-wide")]
    VERTICAL_BREAKPOINTS = [(0, "-short"), (32, "-tall")]
    BINDINGS: ClassVar[list[BindingType]] = keymap.bindings("app")

    def __init__(
        self,
        workspaces: Workspace | Sequence[Workspace],
        *,
        bell: bool = True,
        keys: Keymap | None = None,
        profiles: Sequence[str] = (),
        open_profile: ProfileOpener | None = None,
        shown: str | None = None,
        theme: str | None = None,
        notices: Sequence[str] = (),
        jobs: Jobs | None = None,
    ) -> None:
        super().__init__()
        opened = [workspaces] if not isinstance(workspaces, Sequence) else list(workspaces)
        self.runtimes: dict[str, WorkspaceRuntime] = {
            ws.profile.name: runtime_for(ws) for ws in opened
        }
        self.keys = keys or Keymap()
        #: Every configured profile, for the switcher (open or not).
        self.profiles = list(profiles) or list(self.runtimes)
        self._open_profile = open_profile
        self._bell_enabled = bell
        #: PAINT_PATIENCE; tests that look at the start-up screen make it long.
        self.paint_patience = PAINT_PATIENCE
        #: The workspace shown (its mode's name).
        self.shown = shown if shown in self.runtimes else next(iter(self.runtimes))
        self._theme = theme
        self._notices = list(notices)
        #: Operations not finished when the app closed (set on unmount).
        self.still_running: list[TrackedOperation] = []
        #: Downloads stopped by quitting, by profile (the downloads panels fill it in).
        self.interrupted: dict[str, list[InterruptedDownload]] = {}
        self._background_started = False
        #: Each workspace's screen, once its mode has made it.
        self._screens: dict[str, WorkspaceScreen | UnifiedScreen] = {}
        #: The jobs this window runs, once the shown workspace's first screen is
        #: up (None until then, and when started without jobs, as most tests are).
        self.jobs: JobsController | None = None
        self._jobs_files = jobs
        #: The job runner's clock for spacing its reads (tests give a fake one).
        self.jobs_monotonic: Callable[[], float] = time.monotonic

    # -- the workspace shown (tests and benchmarks read these) ----------------------------

    @property
    def current(self) -> WorkspaceRuntime:
        return self.runtimes[self.shown]

    @property
    def shown_screen(self) -> WorkspaceScreen | UnifiedScreen:
        """The shown workspace's screen (under any dialog on top of it)."""
        screen = self._screens.get(self.shown)
        if screen is None:
            raise LookupError("no workspace screen")
        return screen

    @property
    def view(self) -> WorkspaceScreen:
        """The shown LCS workspace's screen (tests and benchmarks read it)."""
        screen = self.shown_screen
        if not isinstance(screen, WorkspaceScreen):
            raise LookupError("the workspace shown is not an LCS project")
        return screen

    def _get_dom_base(self) -> Any:
        # Textual's hook for "queries from the app search the default screen":
        # here that is the shown workspace's screen, under any dialog on top.
        screen = self._screens.get(self.shown)
        return screen if screen is not None else super()._get_dom_base()

    @property
    def workspace(self) -> Workspace:
        return self.current.workspace

    @property
    def service(self) -> ProjectService:
        return self.current.service

    @property
    def load_generation(self) -> int:
        return self.current.load_generation

    @property
    def username(self) -> str | None:
        return self.current.username

    @property
    def interrupted_downloads(self) -> list[InterruptedDownload]:
        return [item for items in self.interrupted.values() for item in items]

    # -- start and end --------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        return iter(())  # every workspace is a mode with a screen of its own

    async def on_mount(self) -> None:
        self.set_keymap(self.keys.textual())
        if self._theme and self._theme in self.available_themes:
            self.theme = self._theme  # as the last session left it
        for notice in self._notices:
            self.notify(notice, title="lcs-tui", severity="warning", timeout=20)
        for runtime in self.runtimes.values():
            self._add(runtime)
        # The shown workspace's screen first: what a runtime reports from
        # then on has a screen to be drawn on.
        await self.switch_mode(self.shown)
        self._start(self.current)
        # The others start once the shown one has its first screen full (or
        # after BACKGROUND_START_LIMIT, whatever it is doing): their sign-ins
        # and loads would only slow the first screen the user waits for.
        self.set_timer(BACKGROUND_START_LIMIT, self._start_background)
        self.set_interval(1.0, self._every_second)
        # Normally resumed right after the first full screen; this bounds the
        # pause when LCS is slow or down.
        self.set_timer(COLLECTOR_PAUSE_LIMIT, collector.resume_after_start_up)

    def _add(self, runtime: WorkspaceRuntime) -> None:
        def screen() -> Screen[Any]:
            made: WorkspaceScreen | UnifiedScreen
            if runtime.workspace.is_powerplatform:
                from lcs_tui.tui.unified.runtime import UnifiedRuntime
                from lcs_tui.tui.unified.screen import UnifiedScreen

                assert isinstance(runtime, UnifiedRuntime)
                made = UnifiedScreen(runtime)
            else:
                made = WorkspaceScreen(runtime, paint_patience=self.paint_patience)
            made.add_class(*breakpoint_classes(self, made))  # no restyle at its first resize
            self._screens[runtime.name] = made
            return made

        self.add_mode(runtime.name, screen)

    def _start(self, runtime: WorkspaceRuntime) -> None:
        runtime.subscribe(lambda event: self._workspace_event(runtime, event))
        runtime.start()

    def _start_background(self) -> None:
        if self._background_started or not self.is_running:
            return
        self._background_started = True
        for runtime in self.runtimes.values():
            if not runtime.started:
                self._start(runtime)
        self._start_jobs()

    def _start_jobs(self) -> None:
        """The job runner, after the first screen: its imports and its first
        reads of the jobs files would only delay it."""
        if self._jobs_files is None or self.jobs is not None:
            return
        from lcs_tui.tui.controllers.jobs import JobsController

        store, states = self._jobs_files
        self.jobs = JobsController(
            lambda: self.runtimes,
            store=store,
            states=states,
            read_only=any(rt.workspace.read_only for rt in self.runtimes.values()),
            monotonic=self.jobs_monotonic,
        )
        self.jobs.subscribe(self._jobs_event)
        self.jobs.start()

    async def on_unmount(self) -> None:
        # For the line `lcs-tui` prints once the terminal is back (launch.py).
        self.still_running = [op for rt in self.runtimes.values() for op in rt.running()]
        if self.jobs is not None:
            await self.jobs.aclose()
        for runtime in self.runtimes.values():
            await runtime.aclose()

    def downloads_interrupted(self, profile: str, items: list[InterruptedDownload]) -> None:
        self.interrupted.setdefault(profile, []).extend(items)

    async def action_quit(self) -> None:
        # Running downloads, in any workspace, ask first (widgets/downloads.py).
        for screen in self._workspace_screens():
            panel = screen.existing_downloads_panel()
            if panel is not None and panel.ask_before_quitting(self.exit):
                return
        self.exit()

    def _workspace_screens(self) -> list[WorkspaceScreen | UnifiedScreen]:
        return list(self._screens.values())

    def _every_second(self) -> None:
        if not self.is_running:
            return  # shutting down: the widgets are being removed
        for runtime in self.runtimes.values():
            runtime.every_second()
        with contextlib.suppress(LookupError):  # no workspace screen yet
            self.shown_screen.every_second()

    # -- what any workspace reports --------------------------------------------------------

    def _workspace_event(self, runtime: WorkspaceRuntime, event: ev.WorkspaceEvent) -> None:
        """Notifications for every workspace, shown or in the background."""
        if not self.is_running:
            return
        where = f"{runtime.name}: " if len(self.runtimes) > 1 else ""
        if runtime is self.current and isinstance(
            event, (ev.Loaded, ev.LoadFailed, ev.SignInNeeded, ev.SignInFailed)
        ):
            # Once that screen is on the terminal, not in the frame's way.
            self.set_timer(collector.AFTER_FIRST_SCREEN, self._start_background)
        said = workspace_notice(event, where)
        if said is not None:
            self.notify(
                said.message, title=said.title, severity=said.severity, timeout=said.timeout
            )
            if said.ring:
                self.ring()

    def _jobs_event(self, event: JobsEvent) -> None:
        from lcs_tui.tui.controllers.jobs import JobsShown

        if not self.is_running:
            return
        if isinstance(event, JobsShown):
            for name, screen in self._screens.items():
                screen.show_jobs([view for view in event.views if view.profile == name])
            return
        self.notify(event.text, title=event.title, severity=event.severity, timeout=15)

    def ring(self) -> None:
        """The terminal bell, unless the app was started without it."""
        if self._bell_enabled:
            self.bell()

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

    @on(Worker.StateChanged)
    def _worker_failed(self, event: Worker.StateChanged) -> None:
        """What no worker expected (a dialog's start, a download, a history
        page): said, with a way on, never a stuck screen."""
        if event.state is not WorkerState.ERROR or not self.is_running:
            return
        said = unexpected_worker_error(event.worker.error, event.worker.group)
        self.notify(said.message, title=said.title, severity=said.severity, timeout=said.timeout)

    # -- keys that work everywhere -----------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # With one profile there is nothing to switch to: not offered (nor in the footer).
        if action in ("projects", "overview", "next_project", "previous_project"):
            return len(self.profiles) > 1 or len(self.runtimes) > 1
        return True

    def action_help(self) -> None:
        from lcs_tui.tui.screens.common import TextPage
        from lcs_tui.tui.screens.texts import help_page

        unified = self.current.workspace.is_powerplatform
        self.push_screen(TextPage("lcs-tui — keys", help_page(self.keys, unified=unified)))

    def action_projects(self) -> None:
        from lcs_tui.tui.screens.projects import ProjectSwitcher

        def chosen(name: str | None) -> None:
            if name:
                self.show_workspace(name)

        self.push_screen(ProjectSwitcher(self.profiles, self.runtimes, self.shown), chosen)

    def action_overview(self) -> None:
        from lcs_tui.tui.screens.overview import OverviewScreen

        jobs = self.jobs
        views = (lambda: jobs.views) if jobs is not None else tuple
        self.push_screen(OverviewScreen(self.runtimes, self.show_workspace, views))

    def action_next_project(self) -> None:
        self._step(1)

    def action_previous_project(self) -> None:
        self._step(-1)

    def _step(self, by: int) -> None:
        names = list(self.runtimes)
        if len(names) > 1:
            self.show_workspace(names[(names.index(self.shown) + by) % len(names)])

    def show_workspace(self, name: str, *, row: str | None = None) -> None:
        """Show a workspace, opening its profile first when it is not open yet."""
        self._start_background()  # a user switching does not wait for the timer
        if name not in self.runtimes:
            if self._open_profile is None:
                return
            try:
                workspace = self._open_profile(name)
            except Exception as exc:
                self.notify(f"{name}: {exc}", title="Could not open the profile", severity="error")
                return
            runtime = runtime_for(workspace)
            self.runtimes[name] = runtime
            self._add(runtime)
            self._start(runtime)
        self.shown = name
        self.switch_mode(name)
        if row is not None:
            self.call_after_refresh(self._highlight, row)

    def _highlight(self, key: str) -> None:
        with contextlib.suppress(LookupError):
            self.shown_screen.highlight_row(key)

    def show_linked_lcs_environment(self, lcs_environment_id: str) -> bool:
        """From a tenant's LCS-linked environment to its row in an open LCS workspace."""
        wanted = lcs_environment_id.replace("-", "").lower()
        for name, runtime in self.runtimes.items():
            if runtime.workspace.is_powerplatform:
                continue
            for env_id in runtime.service.environments:
                if env_id.replace("-", "").lower() == wanted:
                    self.show_workspace(name, row=env_id)
                    return True
        return False

    # -- the command palette ---------------------------------------------------------------

    #: Textual's own palette entries that lcs-tui has its own of: its Quit
    #: would skip the question about running downloads, Maximize is Zoom.
    REPLACED_SYSTEM_COMMANDS = frozenset({"Quit", "Maximize", "Minimize"})

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        for command in super().get_system_commands(screen):
            if command.title not in self.REPLACED_SYSTEM_COMMANDS:
                yield command
        read_only = self.current.workspace.read_only
        unified = self.current.workspace.is_powerplatform
        for action in ACTIONS:
            if not action.palette or (action.mutating and read_only):
                continue
            if not offered(action, unified=unified):
                continue
            keys = self.keys.shown(action.name)
            yield SystemCommand(
                action.title,
                f"{(action.unified_help or action.help) if unified else action.help} — {keys}",
                self._palette_callback(action),
            )

    def _palette_callback(self, action: Action) -> Callable[[], Any]:
        async def run() -> None:
            if action.scope == "app":
                await self.run_action(action.target)
            else:
                await self.run_action(action.target.removeprefix("screen."), self.shown_screen)

        return run
