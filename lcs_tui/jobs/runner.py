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
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import time
import uuid
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from lcs_tui.api import LcsError
from lcs_tui.jobs.download_step import advance_download
from lcs_tui.jobs.model import (
    POWERPLATFORM,
    Copy,
    Download,
    Export,
    Job,
    JobError,
    Notify,
    Refresh,
    Restore,
    Step,
    Wait,
    step_backend,
    step_from_json,
    step_to_json,
)
from lcs_tui.jobs.notify import FAILURE, FINISH, WAITING, Notification, NotificationCenter
from lcs_tui.jobs.schedule import MISSED_AFTER
from lcs_tui.jobs.state import (
    CANCELLED,
    COMPLETED,
    DONE,
    FAILED,
    LEASE_SECONDS,
    MISSED,
    NEEDS_YOU,
    PENDING,
    RUNNING,
    JobState,
    JobStateError,
    JobStateStore,
    LeaseLost,
    RunState,
    StepState,
    new_holder,
    new_lease,
)
from lcs_tui.jobs.state import WAITING as STEP_WAITING
from lcs_tui.jobs.steps import StepContext, advance_operation, advance_wait, waiting
from lcs_tui.jobs.store import JobStore
from lcs_tui.jobs.upkeep import Upkeep
from lcs_tui.jobs.views import JobView, job_view

if TYPE_CHECKING:
    from lcs_tui.jobs.pp_upkeep import PpUpkeep
    from lcs_tui.ppac.service import PowerPlatformService
    from lcs_tui.service.project import ProjectService
    from lcs_tui.workspace import Workspace

#: Moves of one job in one tick at most (a run has a handful of steps).
MAX_MOVES = 12
#: The lease is renewed once less than this is left of it.
RENEW_BELOW = LEASE_SECONDS / 2
#: Looking again after LCS could not be read.
RETRY_LATER = timedelta(minutes=2)


@dataclass(frozen=True)
class JobChanged:
    """A job's state changed (or its waiting reason did): redraw it."""

    job: str
    view: JobView


@dataclass(frozen=True)
class JobNotice:
    """Something to tell the user (a notification that could not be sent, a broken file)."""

    job: str | None
    text: str
    level: str = "warning"


JobEvent = JobChanged | JobNotice
Listener = Callable[[JobEvent], None]
Workspaces = Mapping[str, "Workspace"] | Callable[[], Mapping[str, "Workspace"]]


@dataclass(frozen=True)
class TickResult:
    #: Jobs with a run this runner drives, or due now.
    active: int
    #: Jobs whose run another process drives.
    elsewhere: int
    #: The earliest future start of a job of the hosted profiles (naive UTC).
    next_due: datetime | None


class JobRunner:
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
        self._listeners: list[Listener] = []
        self._upkeep: dict[str, Upkeep | PpUpkeep] = {}
        self._downloads: dict[str, Any] = {}
        self._ticking = False
        self._said: set[str] = set()
        self._last_views: dict[str, JobView] = {}
        self._problem: str | None = None

    # -- for hosts ---------------------------------------------------------------------

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call `listener` with every JobEvent (on the runner's loop); returns unsubscribe."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

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
        from lcs_tui.service.project import utc_now

        try:
            jobs = self.store.jobs()
        except Exception as exc:
            self._say(None, f"jobs file: {exc}")
            return []
        views = []
        spaces = self.workspaces()
        for job in jobs:
            ws = spaces.get(job.profile)
            now = ws.now() if ws is not None else utc_now()
            views.append(
                job_view(job, self.states.read(job.name), now=now, service=_view_service(ws))
            )
        return views

    async def aviews(self) -> list[JobView]:
        """`views()` for an event loop: the files are read in a thread, the
        views built on the loop (they read the workspaces' services, which
        only the loop may touch)."""
        from lcs_tui.service.project import utc_now

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
                self._say(None, self._problem)
            return []
        spaces = self.workspaces()
        views = []
        for job, state in found:
            ws = spaces.get(job.profile)
            now = ws.now() if ws is not None else utc_now()
            views.append(job_view(job, state, now=now, service=_view_service(ws)))
        return views

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
        for download, task in list(self._downloads.values()):
            download.cancel()
            with contextlib.suppress(BaseException):
                await task
        self._downloads.clear()
        for job in self._held():
            with contextlib.suppress(Exception):
                await asyncio.to_thread(self.states.update, job, self._release)

    # -- one tick ------------------------------------------------------------------------

    async def _tick(self) -> TickResult:
        try:
            jobs = await asyncio.to_thread(self.store.jobs)
        except Exception as exc:  # ConfigError: the file is broken; said once
            self._say(None, str(exc))
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
                self._say(job.name, f"job {job.name}: {type(result).__name__}: {result}")
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
            self._say(job.name, state.problem)
            return "idle", None
        if self.read_only and job.changes_lcs:
            self._emit_view(job, state, ws)
            return "idle", None
        run = state.run
        if job.schedule.recurring and state.last_due is None and job.created_at is None:
            # A cron job written by hand (no `created`): its first run is the
            # first match after the runner first saw it, not one in the past.
            state = await asyncio.to_thread(
                self.states.update, job.name, lambda s: replace(s, last_due=s.last_due or now)
            )
        if run is None or not run.active:
            due = self._due(job, state, now)
            if due is None:
                self._emit_view(job, state, ws)
                return "idle", _future(job, state, now)
            started = await asyncio.to_thread(
                self.states.update, job.name, lambda s: self._start_run(job, s, due, now)
            )
            if started.run is None or started.run.run_id == (run.run_id if run else None):
                return "idle", None
            if started.run.status == MISSED:
                await self._missed(job, started)
                return "idle", _future(job, started, now)
            if started.lease is None or started.lease.holder != self.holder:
                return "elsewhere", None
        elif not await self._take_lease(job.name):
            self._emit_view(job, state, ws)
            return "elsewhere", None
        await self._drive(job, ws)
        latest = await asyncio.to_thread(self.states.read, job.name)
        active = latest.run is not None and latest.run.active
        return ("active" if active else "idle"), None

    def _due(self, job: Job, state: JobState, now: datetime) -> tuple[datetime, str] | None:
        if state.run_requested:
            return now, "manual"
        if state.paused:
            return None
        schedule = job.schedule
        if schedule.kind == "asap":
            return (now, "asap") if state.last_due is None and state.run is None else None
        if schedule.kind == "once":
            at = schedule.first(job.created_at or now)
            if state.last_due is None and at is not None and at <= now:
                return at, "schedule"
            return None
        base = state.last_due or job.created_at
        if base is None:
            return None  # anchored by _start_run on first sight (see there)
        nxt = schedule.next_after(base)
        if nxt is None or nxt > now:
            return None
        # The latest match not after now: a runner that was off for a week
        # starts (or misses) one run, not seven.
        for _ in range(100_000):
            later = schedule.next_after(nxt)
            if later is None or later > now:
                break
            nxt = later
        return nxt, "schedule"

    def _start_run(
        self, job: Job, state: JobState, due: tuple[datetime, str], now: datetime
    ) -> JobState | None:
        if state.run is not None and state.run.active:
            return None  # another process started it meanwhile
        if self._due(job, state, now) is None:
            return None
        if state.lease is not None and not state.lease.free_for(self.holder, self.wall()):
            return None
        due_at, trigger = due
        last_due = state.last_due if trigger == "manual" else due_at
        if trigger == "schedule" and now - due_at > MISSED_AFTER:
            summary = RunState(
                uuid.uuid4().hex,
                trigger,
                due_at,
                None,
                status=MISSED,
                finished_at=now,
                message=_missed_text(job, due_at),
            )
            return replace(state.finished_run(summary), last_due=last_due, lease=None)
        run = RunState(
            run_id=uuid.uuid4().hex,
            trigger=trigger,
            due_at=due_at,
            started_at=now,
            status=RUNNING,
            steps=tuple(StepState() for _ in job.steps),
            definition=tuple(step_to_json(s) for s in job.steps),
        )
        return replace(
            state,
            run=run,
            last_due=last_due,
            run_requested=False,
            cancel_requested=False,
            lease=new_lease(self.holder, self.wall()),
        )

    async def _missed(self, job: Job, state: JobState) -> None:
        run = state.run
        assert run is not None
        await self._notify(
            job,
            FAILURE,
            Notification.about(
                FAILURE, f"job {job.name}", "missed", profile=job.profile, details=run.message
            ),
        )
        self._emit_view(job, state, None)

    async def _take_lease(self, job: str) -> bool:
        wall = self.wall()

        def change(state: JobState) -> JobState | None:
            lease = state.lease
            if lease is not None and not lease.free_for(self.holder, wall):
                return None
            if (
                lease is not None
                and lease.holder == self.holder
                and lease.expires - wall > RENEW_BELOW
            ):
                return None  # still long enough: no write
            return replace(state, lease=new_lease(self.holder, wall))

        state = await asyncio.to_thread(self.states.update, job, change)
        return state.lease is not None and state.lease.holder == self.holder

    def _held(self) -> list[str]:
        names = []
        for job in self.store.jobs():
            state = self.states.read(job.name)
            if state.lease is not None and state.lease.holder == self.holder:
                names.append(job.name)
        return names

    def _release(self, state: JobState) -> JobState | None:
        if state.lease is None or state.lease.holder != self.holder:
            return None
        return replace(state, lease=None)

    # -- driving a run -------------------------------------------------------------------

    async def _drive(self, job: Job, ws: Workspace) -> None:
        upkeep = self.keeper(job.profile)
        assert upkeep is not None
        for _ in range(MAX_MOVES):
            state = await asyncio.to_thread(self.states.read, job.name)
            run = state.run
            if (
                run is None
                or not run.active
                or state.lease is None
                or state.lease.holder != self.holder
            ):
                return
            now = ws.now()
            if state.cancel_requested:
                await self._cancel(job, run, now)
                return
            if run.step >= len(run.definition):
                await self._finish(job, run, COMPLETED, now, None)
                return
            index = run.step
            before = run.steps[index]
            if state.paused and before.status in (PENDING, STEP_WAITING) and not before.intent_key:
                self._emit_view(job, state, ws)
                return
            try:
                step = step_from_json(run.definition[index])
            except JobError as exc:
                await self._finish(job, run, FAILED, now, exc.message)
                return
            ctx = StepContext(
                job=job,
                workspace=ws,
                run=run,
                index=index,
                now=now,
                wall=self.wall(),
                holder=self.holder,
                keeper=upkeep,
                polls_operations=self.polls_operations,
                record=functools.partial(self._save_step, job.name, run.run_id, index),
                downloads=self._downloads,
            )
            try:
                after = await self._advance(ctx, step, before)
            except LeaseLost:
                return
            if after == before:
                self._emit_view(job, state, ws)
                return
            run = await self._record_move(job, run, index, before, after, now)
            if run is None or after.status != DONE:
                return

    async def _advance(self, ctx: StepContext, step: Step, st: StepState) -> StepState:
        from lcs_tui.jobs import pp_steps

        needed = step_backend(step)
        if needed is not None and needed != ctx.workspace.backend:
            # A hand edit put it on a profile of the other kind: nothing is sent.
            kind = "a Power Platform" if needed == POWERPLATFORM else "an LCS"
            return replace(
                st,
                status=FAILED,
                message=f"a {step.kind} step needs {kind} profile; {ctx.job.profile} is not "
                "one (fix the job's profile in jobs.toml)",
                finished_at=ctx.now,
            )
        try:
            if isinstance(step, (Copy, Restore)):
                return await pp_steps.advance_pp_operation(ctx, step, st)
            if isinstance(step, Wait) and step.until is None and ctx.workspace.ppac is not None:
                return await pp_steps.advance_pp_wait_idle(ctx, step, st)
            if isinstance(step, (Refresh, Export)):
                return await advance_operation(ctx, step, st)
            if isinstance(step, Download):
                return await advance_download(ctx, step, st)
            if isinstance(step, Wait):
                return await advance_wait(ctx, step, st)
            assert isinstance(step, Notify)
            await self._notify(
                ctx.job,
                FINISH,
                Notification.about(
                    FINISH, f"job {ctx.job.name}", step.message, profile=ctx.job.profile
                ),
                always=True,
            )
            return replace(st, status=DONE, finished_at=ctx.now)
        except LeaseLost:
            raise
        except LcsError as exc:
            # Reading the service failed (offline, throttled, sign-in): nothing
            # was started by this move; the step looks again later.
            what = "Power Platform" if ctx.workspace.ppac is not None else "LCS"
            if st.status in (PENDING, STEP_WAITING):
                return waiting(
                    st,
                    f"{what} could not be read ({exc.message}); trying again",
                    ctx.now + RETRY_LATER,
                )
            return replace(st, message=f"{what} could not be read ({exc.message}); trying again")

    async def _record_move(
        self,
        job: Job,
        run: RunState,
        index: int,
        before: StepState,
        after: StepState,
        now: datetime,
    ) -> RunState | None:
        if after.status == FAILED:
            run = run.with_step(index, after)
            await self._finish(job, run, FAILED, now, f"step {index + 1}: {after.message}")
            return None
        status = {STEP_WAITING: "waiting", NEEDS_YOU: NEEDS_YOU}.get(after.status, RUNNING)
        step = index + 1 if after.status == DONE else index
        updated = replace(run.with_step(index, after), status=status, step=step)
        await self._save_run(job.name, updated)
        if after.status == NEEDS_YOU and before.status != NEEDS_YOU:
            await self._notify(
                job,
                WAITING,
                Notification.about(
                    WAITING,
                    f"job {job.name}",
                    "waiting for you",
                    profile=job.profile,
                    activity_id=after.activity_id,
                    details=after.message,
                ),
            )
        state = await asyncio.to_thread(self.states.read, job.name)
        self._emit_view(job, state, self.workspaces().get(job.profile))
        return updated

    async def _finish(
        self, job: Job, run: RunState, status: str, now: datetime, message: str | None
    ) -> None:
        done = replace(run, status=status, finished_at=now, message=message)

        def change(state: JobState) -> JobState:
            self._check_lease(state, run.run_id)
            return replace(state.finished_run(done), lease=None)

        state = await asyncio.to_thread(self.states.update, job.name, change)
        took = (now - run.started_at) if run.started_at else None
        activity = next((s.activity_id for s in reversed(done.steps) if s.activity_id), None)
        event = FINISH if status == COMPLETED else FAILURE
        outcome = {COMPLETED: "Completed", FAILED: "Failed", CANCELLED: "Cancelled"}[status]
        await self._notify(
            job,
            event,
            Notification.about(
                event,
                f"job {job.name}",
                outcome,
                profile=job.profile,
                duration=took,
                activity_id=activity,
                details=message,
            ),
        )
        self._emit_view(job, state, self.workspaces().get(job.profile))

    async def _cancel(self, job: Job, run: RunState, now: datetime) -> None:
        entry = self._downloads.pop(f"{run.run_id}:{run.step}", None)
        if entry is not None:
            download, task = entry
            download.cancel()
            with contextlib.suppress(BaseException):
                await task
        st = run.steps[run.step] if run.step < len(run.steps) else None
        note = "cancelled"
        if st is not None and st.operation_key and st.status not in (DONE, FAILED):
            note += "; its LCS operation continues (LCS cannot cancel it) and stays watched"
        await self._finish(job, run, CANCELLED, now, note)

    # -- persistence ------------------------------------------------------------------------

    def _check_lease(self, state: JobState, run_id: str) -> None:
        lease = state.lease
        if lease is None or lease.holder != self.holder or lease.expires <= self.wall():
            raise LeaseLost(state.job)
        if state.run is None or state.run.run_id != run_id:
            raise LeaseLost(state.job)

    async def _save_step(self, job: str, run_id: str, index: int, st: StepState) -> None:
        def change(state: JobState) -> JobState:
            self._check_lease(state, run_id)
            assert state.run is not None
            return replace(
                state, run=state.run.with_step(index, st), lease=new_lease(self.holder, self.wall())
            )

        try:
            await asyncio.to_thread(self.states.update, job, change)
        except JobStateError as exc:
            raise LeaseLost(f"{job}: {exc}") from None

    async def _save_run(self, job: str, run: RunState) -> None:
        def change(state: JobState) -> JobState:
            self._check_lease(state, run.run_id)
            return replace(state, run=run, lease=new_lease(self.holder, self.wall()))

        await asyncio.to_thread(self.states.update, job, change)

    # -- telling ------------------------------------------------------------------------------

    async def _notify(
        self, job: Job, event: str, note: Notification, *, always: bool = False
    ) -> None:
        targets, events = job.notify, job.notify_on
        if not targets:
            try:
                defaults = self.store.load().defaults_for(job.profile)
            except Exception:
                return
            targets, events = defaults.notify, defaults.notify_on
        if not always and event not in events:
            return
        for problem in await self.notifier.send(note, targets):
            self._say(job.name, problem, once=False)

    def _emit_view(self, job: Job, state: JobState, ws: Workspace | None) -> None:
        if not self._listeners:
            return
        from lcs_tui.service.project import utc_now

        now = ws.now() if ws is not None else utc_now()
        view = job_view(job, state, now=now, service=_view_service(ws))
        if self._last_views.get(job.name) == view:
            return
        self._last_views[job.name] = view
        self._emit(JobChanged(job.name, view))

    def _say(self, job: str | None, text: str, *, once: bool = True) -> None:
        if once:
            if text in self._said:
                return
            self._said.add(text)
        self._emit(JobNotice(job, text))

    def _emit(self, event: JobEvent) -> None:
        for listener in list(self._listeners):
            try:
                listener(event)
            except Exception:  # a listener's bug must not stop the runner
                continue


def _view_service(ws: Workspace | None) -> ProjectService | PowerPlatformService | None:
    """The service whose loaded history gives a view its ETAs (either backend)."""
    if ws is None:
        return None
    return ws.ppac if ws.ppac is not None else ws.service


def _future(job: Job, state: JobState, now: datetime) -> datetime | None:
    from lcs_tui.jobs.views import next_run

    due = next_run(job, state, now)
    return due if due is not None and due > now else None


def _missed_text(job: Job, due_at: datetime) -> str:
    from lcs_tui.jobs.schedule import shown

    return (
        f"the run due {shown(due_at, job.schedule.zone)} was missed: no lcs-tui runner was "
        f"running then, and it is not started more than {MISSED_AFTER} late (see docs/jobs.md)"
    )
