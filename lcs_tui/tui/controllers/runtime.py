"""One open workspace while the app runs: its sign-in, loading and watching.

It lives as long as the workspace is open, shown or not: a project in the
background keeps being watched, and tells the App when an operation ends.
It holds what the screen needs to draw (who is signed in, the connection
words, how many loads completed) and reports every change as an event to
its subscribers. One workspace's sign-in failure, throttling or outage
stays in its own runtime; nothing here waits on another workspace.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Coroutine
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any, Protocol

from lcs_tui.api import LcsError, RequestEvent, TokenUnavailable
from lcs_tui.service.operations import TrackedOperation
from lcs_tui.tui.controllers import loader as loading
from lcs_tui.tui.controllers.events import (
    ConnectionChanged,
    EnvironmentsArrived,
    LoadFailed,
    Notice,
    OperationsChanged,
    RequestLogged,
    SignedIn,
    SignInFailed,
    SignInNeeded,
    Waiting,
    WorkspaceEvent,
)
from lcs_tui.tui.controllers.loader import Loader
from lcs_tui.tui.controllers.signin import SignIn
from lcs_tui.tui.controllers.watcher import Watcher

if TYPE_CHECKING:
    from lcs_tui.service.project import ProjectService
    from lcs_tui.workspace import Workspace

Listener = Callable[[WorkspaceEvent], None]


class TrackingService(Protocol):
    """What the runtime itself needs of a workspace's service, LCS's or Power Platform's."""

    @property
    def operations(self) -> dict[str, TrackedOperation]: ...

    @property
    def journal_notice(self) -> str | None: ...

    def write_journal_in_background(self) -> None: ...

    def close(self) -> None: ...


class WorkspaceRuntime:
    """Sign-in, loading and watching of one workspace, on the app's event loop."""

    def __init__(self, workspace: Workspace) -> None:
        self.workspace = workspace
        self.service: ProjectService = workspace.service
        #: The service whose operations are journaled and watched (either backend).
        self.tracked: TrackingService = workspace.ppac or workspace.service
        self.username: str | None = None
        #: The status bar's words for the user and the connection.
        self.user_text = "signing in…"
        self.connection = "signing in"
        #: The sign-in waits for the user (a dialog, when this workspace is shown).
        self.needs_user: SignInNeeded | SignInFailed | None = None
        self._listeners: list[Listener] = []
        self._tasks: set[asyncio.Task[Any]] = set()
        self._load: asyncio.Task[bool] | None = None
        self._offline_delay = loading.RELOAD_RETRY_FIRST
        self._journal_notice_shown: str | None = None
        self._warnings_shown: set[str] = set()
        self._started = False
        self._history_asked: set[str] = set()
        self.sign_in = SignIn(workspace, self.emit, offline=self._sign_in_offline)
        self.loader, self.watcher = self._controllers()

    def _controllers(self) -> tuple[Loader, Watcher]:
        """Loading and watching, for this backend (a Power Platform runtime has its own)."""
        return (
            Loader(self.service, self.emit, needs_sign_in=self.needs_sign_in),
            Watcher(
                self.service,
                self.emit,
                may_poll=lambda: self.username is not None,
                loaded=lambda: self.loader.generation > 0,
                needs_sign_in=self.needs_sign_in,
            ),
        )

    # -- what the views read --------------------------------------------------------

    @property
    def name(self) -> str:
        return self.workspace.profile.name

    @property
    def service_name(self) -> str:
        """Who answers this workspace's requests, for the user."""
        return "Power Platform" if self.workspace.is_powerplatform else "LCS"

    @property
    def load_generation(self) -> int:
        return self.loader.generation

    @property
    def idle(self) -> bool:
        """No load, status round or reconciliation under way (tests, benchmarks)."""
        loading_now = self._load is not None and not self._load.done()
        return not loading_now and not self.watcher.polling and not self.watcher.reconciling

    def running(self) -> list[TrackedOperation]:
        return [op for op in self.tracked.operations.values() if not op.finished]

    def state(self) -> str:
        """A word or two for the project switcher and the overview."""
        if self.needs_user is not None:
            return "needs sign-in"
        if self.username is None:
            return self.connection
        running = sum(1 for op in self.tracked.operations.values() if op.needs_watching)
        words = self.connection if self.connection != "online" else "signed in"
        return f"{words}, {running} running" if running else words

    # -- events ---------------------------------------------------------------------

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        self._listeners.append(listener)

        def unsubscribe() -> None:
            with contextlib.suppress(ValueError):
                self._listeners.remove(listener)

        return unsubscribe

    def emit(self, event: WorkspaceEvent) -> None:
        """Record what the event changes here, then tell every subscriber."""
        if isinstance(event, ConnectionChanged):
            if event.text == self.connection:
                return
            self.connection = event.text
        elif isinstance(event, SignedIn):
            self.username = event.username
            self.user_text = f"signed in as {event.username}"
            self.needs_user = None
            self._offline_delay = loading.RELOAD_RETRY_FIRST
            self.connection = "loading"
        elif isinstance(event, SignInNeeded):
            self.username = None
            self.user_text = "not signed in"
            self.connection = "sign-in needed"
            self.needs_user = event
        elif isinstance(event, SignInFailed):
            self.username = None
            self.user_text = "not signed in"
            self.connection = "sign-in failed"
            self.needs_user = event
        elif isinstance(event, LoadFailed):
            self.spawn(self._later(event.retry_in, self.reload))
        for listener in list(self._listeners):
            listener(event)
        if isinstance(event, SignedIn):
            self.reload()
            # Journaled operations are asked about at once: their status
            # calls wait neither for the environment API nor for the load.
            self.emit(OperationsChanged())
            self.watcher.tick()

    # -- running ----------------------------------------------------------------------

    @property
    def started(self) -> bool:
        return self._started

    def start(self) -> None:
        """Begin: the journal's writer thread, the request log, sign-in, the poll loop."""
        if self._started:
            return
        self._started = True
        # The event loop never writes the journal itself (fsync, another
        # copy's lock): a writer thread does, in order.
        self.tracked.write_journal_in_background()
        self.workspace.add_observer(self._observe)
        self.spawn(self.sign_in.silently())
        self.spawn(self._poll_loop())
        self.every_second()  # a journal that could not be read is said at once

    def spawn(self, coroutine: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        task = asyncio.ensure_future(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._task_done)
        return task

    def _task_done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if task.cancelled() or task.exception() is None:
            return
        exc = task.exception()
        self.emit(
            Notice(
                "Unexpected error",
                f"Something unexpected went wrong in {self.name}: {type(exc).__name__}: {exc}. "
                "lcs-tui goes on; Ctrl+R reloads the project.",
                "error",
                30,
            )
        )

    async def _poll_loop(self) -> None:
        interval = self.workspace.poll_interval
        while True:
            await asyncio.sleep(interval)
            self.watcher.tick()

    async def _later(self, delay: float, then: Callable[[], None]) -> None:
        await asyncio.sleep(delay)
        then()

    async def aclose(self) -> None:
        """Stop everything; the journal writes still queued land first."""
        self.sign_in.cancel()
        self.watcher.cancel()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await asyncio.to_thread(self.tracked.close)
        await self.workspace.aclose()

    # -- what the user asks ---------------------------------------------------------

    def reload(self) -> None:
        """Load the project again (sign in first when not signed in)."""
        if self.username is None:
            if self.needs_user is None:
                self.spawn(self.sign_in.silently())
            return
        if self._load is not None and not self._load.done():
            self._load.cancel()
        self._load = self.spawn(self._load_then_tick())

    async def _load_then_tick(self) -> bool:
        done = await self.loader.load()
        if done:
            self.watcher.tick()
        return done

    def sign_in_with_password(self, password: str, secret: str | None) -> None:
        self.needs_user = None
        self.spawn(self.sign_in.with_password(password, secret))

    def sign_in_with_device_code(self) -> None:
        self.needs_user = None
        self.spawn(self.sign_in.with_device_code())

    def read_history(self, environment_id: str) -> None:
        """Read an environment's history that the load left out (not a sandbox),
        once: the environments pane shows it for the highlighted environment."""
        if environment_id in self._history_asked or self.username is None:
            return
        self._history_asked.add(environment_id)

        async def read() -> None:
            try:
                await self.service.load_recent_history(environment_id)
            except LcsError:
                self._history_asked.discard(environment_id)  # asked again next time
                return
            self.emit(EnvironmentsArrived())

        self.spawn(read())

    def operations_changed(self) -> None:
        """Something the user did (a start, a watch, a forget) changed the operations."""
        self.emit(OperationsChanged())
        self.watcher.tick()

    def every_second(self) -> None:
        """Housekeeping: tell the user, once per problem, when the journal is in trouble."""
        notice = self.tracked.journal_notice
        if notice and notice != self._journal_notice_shown:
            self._journal_notice_shown = notice
            self.emit(Notice("Operation journal", notice, "warning", 30))

    # -- internals --------------------------------------------------------------------

    def needs_sign_in(self, exc: LcsError) -> bool:
        """True (and the user is asked) when only the user can fix it."""
        from lcs_tui.auth import SignInRequired

        if isinstance(exc, TokenUnavailable) and isinstance(exc.__cause__, SignInRequired):
            self.emit(SignInNeeded())
            return True
        return False

    def _sign_in_offline(self, reason: str) -> None:
        # Nothing the user can do but wait: try again by itself, backing off.
        delay = self._offline_delay
        self._offline_delay = min(loading.RELOAD_RETRY_MAX, delay * 2)
        self.emit(ConnectionChanged(f"offline — signing in again in {delay:.0f} s"))
        self.spawn(self._later(delay, self._sign_in_silently))

    def _sign_in_silently(self) -> None:
        self.spawn(self.sign_in.silently())

    def _observe(self, event: RequestEvent) -> None:
        self.emit(RequestLogged(event))
        if event.warning and event.note and event.note not in self._warnings_shown:
            # Something the client had to cut short (a list that never ended):
            # once per wording; the request log keeps every occurrence.
            self._warnings_shown.add(event.note)
            self.emit(Notice(self.service_name, event.note, "warning", 20))
        if event.kind == "wait" and event.status == 429:
            until = datetime.now(timezone.utc) + timedelta(seconds=event.waited)
            self.emit(ConnectionChanged(f"throttled until {until:%H:%M:%S} UTC"))
            self._first_load_waits(event.path, f"LCS throttles until {until:%H:%M:%S} UTC")
        elif event.kind == "wait":
            self.emit(ConnectionChanged(f"pacing: next call in {event.waited:.0f} s"))
            self._first_load_waits(
                event.path, f"pacing under LCS's limits, next call in {event.waited:.0f} s"
            )
        elif event.status is None:
            # Once known to be offline, stay "offline" through the quiet retries.
            if not self.connection.startswith("offline"):
                self.emit(ConnectionChanged(f"connection trouble — retrying ({event.note})"))
        elif event.status == 200 and self.loader.generation:
            self.emit(ConnectionChanged("online"))

    def _first_load_waits(self, path: str, note: str) -> None:
        """While the project loads, the pane that waits says what for."""
        if self.loader.generation:
            return
        if path.startswith("/databasemovement/v1/databases/"):
            self.emit(Waiting("backups", note))
        elif path.startswith("/environmentinfo/v1/detail/"):
            self.emit(Waiting("environments", note))
        elif path.startswith("/environmentinfo/v1/history/"):
            self.emit(Waiting("history", note))
