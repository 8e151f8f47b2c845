"""Driving one run: its steps advanced as far as they go without waiting.

A finished step is followed by the next one in the same tick; a step that
waits returns at once and costs nothing until its `look_again_at`. Every
move is persisted under the lease (leases.py) before the next one, so a
killed runner is replaced by the next one to tick, at the step where it
stopped. The steps themselves are in steps.py, pp_steps.py and
download_step.py; this module picks the one for a step and records what
it did: the next step, a failure, a cancellation, the run's end.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from lcs_tui.api import LcsError
from lcs_tui.jobs.download_step import advance_download
from lcs_tui.jobs.events import Telling
from lcs_tui.jobs.leases import Leases
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
)
from lcs_tui.jobs.notify import FAILURE, FINISH, WAITING, Notification
from lcs_tui.jobs.state import (
    CANCELLED,
    COMPLETED,
    DONE,
    FAILED,
    NEEDS_YOU,
    PENDING,
    RUNNING,
    JobState,
    JobStateStore,
    LeaseLost,
    RunState,
    StepState,
)
from lcs_tui.jobs.state import WAITING as STEP_WAITING
from lcs_tui.jobs.steps import StepContext, advance_operation, advance_wait, waiting

if TYPE_CHECKING:
    from lcs_tui.jobs.pp_upkeep import PpUpkeep
    from lcs_tui.jobs.upkeep import Upkeep
    from lcs_tui.workspace import Workspace

#: Moves of one job in one tick at most (a run has a handful of steps).
MAX_MOVES = 12
#: Looking again after LCS could not be read.
RETRY_LATER = timedelta(minutes=2)


class RunDriver:
    """Advances the runs whose lease `leases` holds; the runner owns one."""

    def __init__(
        self,
        *,
        states: JobStateStore,
        leases: Leases,
        telling: Telling,
        workspaces: Callable[[], Mapping[str, Workspace]],
        keeper: Callable[[str], Upkeep | PpUpkeep | None],
        polls_operations: bool,
        downloads: dict[str, Any],
    ) -> None:
        self.states = states
        self.leases = leases
        self.telling = telling
        self.workspaces = workspaces
        self.keeper = keeper
        self.polls_operations = polls_operations
        #: The downloads under way, by run and step (download_step.py).
        self.downloads = downloads

    async def drive(self, job: Job, ws: Workspace) -> None:
        upkeep = self.keeper(job.profile)
        assert upkeep is not None
        for _ in range(MAX_MOVES):
            state = await asyncio.to_thread(self.states.read, job.name)
            run = state.run
            if run is None or not run.active or not self.leases.mine(state):
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
                self.telling.emit_view(job, state, ws)
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
                wall=self.leases.wall(),
                holder=self.leases.holder,
                keeper=upkeep,
                polls_operations=self.polls_operations,
                record=functools.partial(self.leases.save_step, job.name, run.run_id, index),
                downloads=self.downloads,
            )
            try:
                after = await self._advance(ctx, step, before)
            except LeaseLost:
                return
            if after == before:
                self.telling.emit_view(job, state, ws)
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
            await self.telling.notify(
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
        await self.leases.save_run(job.name, updated)
        if after.status == NEEDS_YOU and before.status != NEEDS_YOU:
            await self.telling.notify(
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
        self.telling.emit_view(job, state, self.workspaces().get(job.profile))
        return updated

    async def _finish(
        self, job: Job, run: RunState, status: str, now: datetime, message: str | None
    ) -> None:
        done = replace(run, status=status, finished_at=now, message=message)

        def change(state: JobState) -> JobState:
            self.leases.check(state, run.run_id)
            return replace(state.finished_run(done), lease=None)

        state = await asyncio.to_thread(self.states.update, job.name, change)
        took = (now - run.started_at) if run.started_at else None
        activity = next((s.activity_id for s in reversed(done.steps) if s.activity_id), None)
        event = FINISH if status == COMPLETED else FAILURE
        outcome = {COMPLETED: "Completed", FAILED: "Failed", CANCELLED: "Cancelled"}[status]
        await self.telling.notify(
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
        self.telling.emit_view(job, state, self.workspaces().get(job.profile))

    async def _cancel(self, job: Job, run: RunState, now: datetime) -> None:
        entry = self.downloads.pop(f"{run.run_id}:{run.step}", None)
        if entry is not None:
            await _stop_download(entry)
        st = run.steps[run.step] if run.step < len(run.steps) else None
        note = "cancelled"
        if st is not None and st.operation_key and st.status not in (DONE, FAILED):
            note += "; its LCS operation continues (LCS cannot cancel it) and stays watched"
        await self._finish(job, run, CANCELLED, now, note)

    async def aclose(self) -> None:
        """Stop the downloads; their `.part` stays for the next runner."""
        for entry in list(self.downloads.values()):
            await _stop_download(entry)
        self.downloads.clear()


async def _stop_download(entry: tuple[Any, asyncio.Task[Any]]) -> None:
    download, task = entry
    download.cancel()
    with contextlib.suppress(BaseException):
        await task
