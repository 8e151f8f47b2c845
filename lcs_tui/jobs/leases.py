"""A run's lease: taken, renewed, checked before every write, given back.

Several runners (processes) may host the same jobs; the lease in a job's
state (state.py) lets exactly one of them drive its run. Every write of a
run's progress checks, under the state file's lock, that this runner still
holds the lease of that very run, and renews it; a runner that lost it
(LeaseLost) stops driving and leaves the run to the holder.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from dataclasses import replace

from lcs_tui.jobs.model import Job
from lcs_tui.jobs.state import (
    LEASE_SECONDS,
    JobState,
    JobStateError,
    JobStateStore,
    LeaseLost,
    RunState,
    StepState,
    new_lease,
)

#: The lease is renewed once less than this is left of it.
RENEW_BELOW = LEASE_SECONDS / 2


class Leases:
    """One runner's leases (`holder`) in the job states of `states`."""

    def __init__(self, states: JobStateStore, holder: str, wall: Callable[[], float]) -> None:
        self.states = states
        self.holder = holder
        self.wall = wall

    def mine(self, state: JobState) -> bool:
        return state.lease is not None and state.lease.holder == self.holder

    async def take(self, job: str) -> bool:
        """Take (or renew) the lease of the job's run; False: another runner holds it."""
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
        return self.mine(state)

    def held(self, jobs: Iterable[Job]) -> list[str]:
        """The jobs whose lease this runner holds (blocking file reads)."""
        return [job.name for job in jobs if self.mine(self.states.read(job.name))]

    def release(self, state: JobState) -> JobState | None:
        """A state change giving the lease back (None: it is not ours)."""
        if not self.mine(state):
            return None
        return replace(state, lease=None)

    def check(self, state: JobState, run_id: str) -> None:
        """LeaseLost unless this runner holds a live lease of run `run_id`."""
        lease = state.lease
        if lease is None or lease.holder != self.holder or lease.expires <= self.wall():
            raise LeaseLost(state.job)
        if state.run is None or state.run.run_id != run_id:
            raise LeaseLost(state.job)

    async def save_step(self, job: str, run_id: str, index: int, st: StepState) -> None:
        """Persist one step's state (a step's `record`); LeaseLost when the run is not ours."""

        def change(state: JobState) -> JobState:
            self.check(state, run_id)
            assert state.run is not None
            return replace(
                state, run=state.run.with_step(index, st), lease=new_lease(self.holder, self.wall())
            )

        try:
            await asyncio.to_thread(self.states.update, job, change)
        except JobStateError as exc:
            raise LeaseLost(f"{job}: {exc}") from None

    async def save_run(self, job: str, run: RunState) -> None:
        def change(state: JobState) -> JobState:
            self.check(state, run.run_id)
            return replace(state, run=run, lease=new_lease(self.holder, self.wall()))

        await asyncio.to_thread(self.states.update, job, change)
