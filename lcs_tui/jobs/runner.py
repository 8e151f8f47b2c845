"""The job runner: advances due jobs, one `tick()` at a time.

    runner = JobRunner(lambda: {"contoso": workspace}, notifier=center)
    unsubscribe = runner.subscribe(on_job_event)      # JobChanged / JobNotice
    result = await runner.tick()                      # every poll interval
    runner.views()                                    # for a jobs pane
    await runner.aclose()

Whoever hosts it calls `tick()` on its poll interval: the TUI from each
workspace's runtime (with `polls_operations=False`: its watcher already
polls every operation of the service, the job's included), the headless
`lcs-tui run` in its loop (it polls the job's operations itself). A tick
starts the runs that are due, and moves each run it holds the lease of as
far as it can go without waiting: a finished step is followed by the next
one in the same tick; a step that waits returns at once and costs nothing
until its `look_again_at`. A tick never overlaps another one of the same
runner; a second call while one runs returns at once.

Several runners (processes) may host the same jobs: the lease in each job's
state (state.py) lets exactly one drive a run; the others show it as run by
that holder. Every move is persisted before the next one, so a killed runner
is replaced by the next one to tick, at the step where it stopped.

This module hosts: the workspaces, the ticks, the views. When a run is due
and how it starts is in starting.py, the leases in leases.py, driving a run
in driver.py, the events and notifications in events.py.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING

from lcs_tui.jobs.driver import RunDriver
from lcs_tui.jobs.events import (
    JobChanged,
    JobEvent,
    JobNotice,
    Listener,
    Telling,
    Workspaces,
    view_of,
)
from lcs_tui.jobs.leases import Leases
from lcs_tui.jobs.model import Job
from lcs_tui.jobs.notify import FAILURE, Notification, NotificationCenter
from lcs_tui.jobs.starting import due, future, start_run
from lcs_tui.jobs.state import MISSED, JobState, JobStateStore, new_holder
from lcs_tui.jobs.store import JobStore
from lcs_tui.jobs.upkeep import Upkeep
from lcs_tui.jobs.views import JobView

if TYPE_CHECKING:
    from lcs_tui.jobs.pp_upkeep import PpUpkeep
    from lcs_tui.workspace import Workspace

#: The runner, and the events its hosts subscribe to (defined in events.py).
__all__ = [
    "JobChanged",
    "JobEvent",
    "JobNotice",
    "JobRunner",
    "Listener",
    "TickResult",
    "Workspaces",
]


@dataclass(frozen=True)
class TickResult:
    #: Jobs with a run this runner drives, or due now.
    active: int
    #: Jobs whose run another process drives.
    elsewhere: int
    #: The earliest future start of a job of the hosted profiles (naive UTC).
    next_due: datetime | None


class JobRunner:
    """Runs the due jobs of the hosted workspaces' profiles, one `tick()` at a time."""

    def __init__(
        self,
        workspaces: Workspaces,
        *,
        store: JobStore | None = None,
        states: JobStateStore | None = None,
        notifier: NotificationCenter | None = None,
        polls_operations: bool = True,
        read_only: bool = False,
        wall: Callable[[], float] = time.time,
        monotonic: Callable[[], float] = time.monotonic,
        holder: str | None = None,
        only: Collection[str] | None = None,
    ) -> None:
        self._workspaces = workspaces
        self.store = store or JobStore()
        self.states = states or JobStateStore()
        self.notifier = notifier or NotificationCenter.from_store(self.store)
        self.polls_operations = polls_operations
        self.read_only = read_only
        self.wall = wall
        self.monotonic = monotonic
        self.holder = holder or new_holder()
        self.only = set(only) if only is not None else None
        self._upkeep: dict[str, Upkeep | PpUpkeep] = {}
        self._ticking = False
        self._problem: str | None = None
        self._telling = Telling(self.store, self.notifier)
        self._leases = Leases(self.states, self.holder, self.wall)
        self._driver = RunDriver(
            states=self.states,
            leases=self._leases,
            telling=self._telling,
            workspaces=self.workspaces,
            keeper=self.keeper,
            polls_operations=polls_operations,
            downloads={},
        )

    # -- for hosts ---------------------------------------------------------------------

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call `listener` with every JobEvent (on the runner's loop); returns unsubscribe."""
        return self._telling.subscribe(listener)

    def workspaces(self) -> Mapping[str, Workspace]:
        found = self._workspaces() if callable(self._workspaces) else self._workspaces
        return found

    def upkeep(self, profile: str) -> Upkeep | None:
        """An LCS workspace's upkeep (None for a Power Platform one: see `keeper`)."""
        keeper = self.keeper(profile)
        return keeper if isinstance(keeper, Upkeep) else None

    def keeper(self, profile: str) -> Upkeep | PpUpkeep | None:
        """What this runner read of the profile's workspace and when, either backend."""
        from lcs_tui.jobs.pp_upkeep import PpUpkeep

        ws = self.workspaces().get(profile)
        if ws is None:
            return None
        keeper = self._upkeep.get(profile)
        service = ws.ppac if ws.ppac is not None else ws.service
        if keeper is None or keeper.service is not service:
            keeper = self._upkeep[profile] = (
                PpUpkeep(ws.ppac, self.monotonic)
                if ws.ppac is not None
                else Upkeep(ws.service, self.monotonic)
            )
        return keeper

    def views(self) -> list[JobView]:
        """Every job of jobs.toml as the jobs pane shows it (blocking file reads: small)."""
        try:
            jobs = self.store.jobs()
        except Exception as exc:
            self._telling.say(None, f"jobs file: {exc}")
            return []
        spaces = self.workspaces()
        return [view_of(job, self.states.read(job.name), spaces.get(job.profile)) for job in jobs]

    async def aviews(self) -> list[JobView]:
        """`views()` for an event loop: the files are read in a thread, the
        views built on the loop (they read the workspaces' services, which
        only the loop may touch)."""

        def read() -> list[tuple[Job, JobState]] | None:
            try:
                jobs = self.store.jobs()
            except Exception as exc:
                self._problem = f"jobs file: {exc}"
                return None
            return [(job, self.states.read(job.name)) for job in jobs]

        self._problem = None
        found = await asyncio.to_thread(read)
        if found is None:
            if self._problem:
                self._telling.say(None, self._problem)
            return []
        spaces = self.workspaces()
        return [view_of(job, state, spaces.get(job.profile)) for job, state in found]

    async def tick(self) -> TickResult:
        if self._ticking:
            return TickResult(0, 0, None)
        self._ticking = True
        try:
            return await self._tick()
        finally:
            self._ticking = False

    async def aclose(self) -> None:
        """Stop downloads (their `.part` stays for the next runner) and free the leases."""
        await self._driver.aclose()
        for job in self._leases.held(self.store.jobs()):
            with contextlib.suppress(Exception):
                await asyncio.to_thread(self.states.update, job, self._leases.release)

    # -- one tick ------------------------------------------------------------------------

    async def _tick(self) -> TickResult:
        try:
            jobs = await asyncio.to_thread(self.store.jobs)
        except Exception as exc:  # ConfigError: the file is broken; said once
            self._telling.say(None, str(exc))
            return TickResult(0, 0, None)
        spaces = self.workspaces()
        mine = [
            j for j in jobs if j.profile in spaces and (self.only is None or j.name in self.only)
        ]
        results = await asyncio.gather(
            *(self._tick_job(job, spaces[job.profile]) for job in mine), return_exceptions=True
        )
        active = elsewhere = 0
        next_due: datetime | None = None
        for job, result in zip(mine, results, strict=True):
            if isinstance(result, BaseException):
                self._telling.say(job.name, f"job {job.name}: {type(result).__name__}: {result}")
                continue
            kind, due = result
            active += kind == "active"
            elsewhere += kind == "elsewhere"
            if due is not None and (next_due is None or due < next_due):
                next_due = due
        return TickResult(active, elsewhere, next_due)

    async def _tick_job(self, job: Job, ws: Workspace) -> tuple[str, datetime | None]:
        state = await asyncio.to_thread(self.states.read, job.name)
        now = ws.now()
        if state.problem is not None:
            self._telling.say(job.name, state.problem)
            return "idle", None
        if self.read_only and job.changes_lcs:
            self._telling.emit_view(job, state, ws)
            return "idle", None
        run = state.run
        if job.schedule.recurring and state.last_due is None and job.created_at is None:
            # A cron job written by hand (no `created`): its first run is the
            # first match after the runner first saw it, not one in the past.
            state = await asyncio.to_thread(
                self.states.update, job.name, lambda s: replace(s, last_due=s.last_due or now)
            )
        if run is None or not run.active:
            due_now = due(job, state, now)
            if due_now is None:
                self._telling.emit_view(job, state, ws)
                return "idle", future(job, state, now)
            started = await asyncio.to_thread(
                self.states.update,
                job.name,
                lambda s: start_run(job, s, due_now, now, holder=self.holder, wall=self.wall),
            )
            if started.run is None or started.run.run_id == (run.run_id if run else None):
                return "idle", None
            if started.run.status == MISSED:
                await self._missed(job, started)
                return "idle", future(job, started, now)
            if not self._leases.mine(started):
                return "elsewhere", None
        elif not await self._leases.take(job.name):
            self._telling.emit_view(job, state, ws)
            return "elsewhere", None
        await self._driver.drive(job, ws)
        latest = await asyncio.to_thread(self.states.read, job.name)
        active = latest.run is not None and latest.run.active
        return ("active" if active else "idle"), None

    async def _missed(self, job: Job, state: JobState) -> None:
        run = state.run
        assert run is not None
        await self._telling.notify(
            job,
            FAILURE,
            Notification.about(
                FAILURE, f"job {job.name}", "missed", profile=job.profile, details=run.message
            ),
        )
        self._telling.emit_view(job, state, None)
