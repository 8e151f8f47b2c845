"""The jobs of the open workspaces, run inside the app (no Textual here).

One `JobRunner` (jobs/runner.py) per app runs the due jobs of every
workspace that has loaded, on the shortest poll interval among them, and
with `polls_operations=False`: each workspace's watcher polls its running
operations already, and the runner reads what they found. Any other
lcs-tui process (`lcs-tui run`) may run jobs too; the lease in each job's
state file lets exactly one drive a run.

The screens see `JobsShown` (every job's view, after each tick and each
change) and `JobSaid` (a notice: a broken jobs file, a notification that
could not be sent); pause, resume, cancel and "run now" write the job's
state file in a thread and tick at once, so the pane answers the key.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Collection, Coroutine, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from lcs_tui.jobs import JobChanged, JobEvent, JobNotice, JobRunner, JobView, control
from lcs_tui.jobs.creation import Plan, add_job
from lcs_tui.jobs.notify import FAILURE, WAITING, Notification, NotificationCenter

if TYPE_CHECKING:
    from lcs_tui.jobs import Job, JobStateStore, JobStore
    from lcs_tui.jobs.notify import Channel
    from lcs_tui.tui.controllers.runtime import WorkspaceRuntime
    from lcs_tui.workspace import Workspace


Severity = Literal["information", "warning", "error"]


@dataclass(frozen=True)
class JobsShown:
    """Every job, as the jobs panes show them."""

    views: tuple[JobView, ...]


@dataclass(frozen=True)
class JobSaid:
    """Something about a job (or the jobs file) the user should read."""

    job: str | None
    text: str
    severity: Severity = "warning"
    title: str = "Jobs"


JobsEvent = JobsShown | JobSaid
Listener = Callable[[JobsEvent], None]


class ShownInApp:
    """The "terminal" notification target inside the app: the toast is it.

    (An escape sequence written beside Textual's own output could land in
    the middle of one of Textual's; every notification is a toast anyway.)
    """

    name = "terminal"

    async def send(self, note: Notification) -> str | None:
        return None


class JobsController:
    """Hosts the app's job runner: ticks it, keeps the views, runs the user's keys."""

    def __init__(
        self,
        runtimes: Callable[[], Mapping[str, WorkspaceRuntime]],
        *,
        store: JobStore,
        states: JobStateStore,
        read_only: bool,
        desktop: Channel | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._runtimes = runtimes
        notifier = NotificationCenter.from_store(
            store, desktop=desktop, terminal=ShownInApp(), shown=self._notification
        )
        self.runner = JobRunner(
            self.loaded_workspaces,
            store=store,
            states=states,
            notifier=notifier,
            polls_operations=False,
            read_only=read_only,
            monotonic=monotonic,
        )
        self.views: tuple[JobView, ...] = ()
        self._listeners: list[Listener] = []
        self._tasks: set[asyncio.Task[Any]] = set()
        self._unsubscribe = self.runner.subscribe(self._runner_event)
        self._started = False
        #: Each workspace's load generation last seen, and those loaded since.
        self._generations: dict[str, int] = {}
        self._fresh: set[str] = set()
        #: Each workspace's operations as last seen (a job's step may add one).
        self._operations: dict[str, frozenset[str]] = {}

    # -- for the app and the screens ------------------------------------------------------

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    def of_profile(self, profile: str) -> list[JobView]:
        return [view for view in self.views if view.profile == profile]

    def loaded_workspaces(self) -> dict[str, Workspace]:
        """The workspaces the runner may drive: those whose project has loaded.

        What a workspace's load read is fresh for the runner too: after each
        load it does not read it again (the history endpoint's budget is
        shared with the workspace's own reading)."""
        loaded: dict[str, Workspace] = {}
        for name, runtime in self._runtimes().items():
            generation = runtime.load_generation
            if generation <= 0:
                continue
            loaded[name] = runtime.workspace
            if self._generations.get(name) != generation:
                self._generations[name] = generation
                self._fresh.add(name)
        return loaded

    def _seed(self) -> None:
        """Tell the runner's upkeep what the workspaces' loads just read."""
        for name in list(self._fresh):
            keeper = self.runner.keeper(name)  # an LCS project's or a tenant's
            if keeper is not None:
                keeper.loaded_now(keeper.service.history)
            self._fresh.discard(name)

    @property
    def interval(self) -> float:
        intervals = [rt.workspace.poll_interval for rt in self._runtimes().values()]
        return min(intervals, default=30.0)

    def start(self) -> None:
        """Show the jobs at once, then tick on the poll interval."""
        if self._started:
            return
        self._started = True
        self._spawn(self.show())
        self._spawn(self._loop())

    async def tick(self) -> None:
        """One round of the runner, then every job's view (tests call this directly)."""
        self.loaded_workspaces()
        self._seed()
        await self.runner.tick()
        await self.show()

    async def show(self) -> None:
        self.views = tuple(await self.runner.aviews())
        self._emit(JobsShown(self.views))

    async def pause(self, name: str) -> None:
        await self._control(control.pause, name)

    async def resume(self, name: str) -> None:
        await self._control(control.resume, name)

    async def cancel(self, name: str) -> None:
        await self._control(control.cancel, name)

    async def run_now(self, name: str) -> None:
        await self._control(control.request_run, name)

    async def add(self, plan: Plan, typed: Collection[str]) -> Job:
        """Save a planned job (the typed names confirm its refreshes) and tick."""
        job = await asyncio.to_thread(add_job, self.runner.store, plan, typed=typed)
        await self.tick()
        return job

    async def aclose(self) -> None:
        self._unsubscribe()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        with contextlib.suppress(Exception):
            await self.runner.aclose()
        with contextlib.suppress(Exception):
            await self.runner.notifier.aclose()

    # -- internals ----------------------------------------------------------------------

    async def _control(self, change: Callable[[Any, str], object], name: str) -> None:
        await asyncio.to_thread(change, self.runner.states, name)
        await self.tick()

    async def _loop(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            await self.tick()

    def _spawn(self, coroutine: Coroutine[Any, Any, Any]) -> None:
        task = asyncio.ensure_future(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if task.cancelled() or task.exception() is None:
            return
        exc = task.exception()
        self._emit(
            JobSaid(
                None,
                f"The jobs stopped running in this window: {type(exc).__name__}: {exc}. "
                "Restart lcs-tui, or run them with `lcs-tui run`.",
                "error",
            )
        )

    def _runner_event(self, event: JobEvent) -> None:
        if isinstance(event, JobChanged):
            self._operations_may_have_changed(event.view.profile)
            self.views = tuple(
                event.view if view.name == event.job else view for view in self.views
            )
            if all(view.name != event.job for view in self.views):
                self.views = (*self.views, event.view)
            self._emit(JobsShown(self.views))
        elif isinstance(event, JobNotice):
            severity: Severity = "error" if event.level == "error" else "warning"
            if event.level == "info":
                severity = "information"
            self._emit(JobSaid(event.job, event.text, severity))

    def _operations_may_have_changed(self, profile: str) -> None:
        """A step that started an operation: the workspace shows and watches it
        as it does one the user started (only when its operations changed)."""
        runtime = self._runtimes().get(profile)
        if runtime is None:
            return
        keys = frozenset(runtime.tracked.operations)
        if self._operations.get(profile) != keys:
            self._operations[profile] = keys
            runtime.operations_changed()

    def _notification(self, note: Notification) -> None:
        severities: dict[str, Severity] = {FAILURE: "error", WAITING: "warning"}
        severity = severities.get(note.event, "information")
        title = note.title.removeprefix("lcs-tui: ")
        self._emit(JobSaid(None, note.body, severity, title=title))

    def _emit(self, event: JobsEvent) -> None:
        for listener in list(self._listeners):
            listener(event)
