"""When a job's run is due, and the state change that starts it (or records it missed).

A run is due when the user asked for one, when an as-soon-as-possible job
has not run yet, or when its schedule's latest match has passed; a run due
longer ago than MISSED_AFTER is recorded as missed, never started late.
`start_run` is the change `JobStateStore.update` applies under the state
file's lock, so two runners deciding at once start one run.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime

from lcs_tui.jobs.model import Job, step_to_json
from lcs_tui.jobs.schedule import MISSED_AFTER
from lcs_tui.jobs.state import MISSED, RUNNING, JobState, RunState, StepState, new_lease

#: Why a run starts: "manual" (run now), "asap" or "schedule".
Due = tuple[datetime, str]


def due(job: Job, state: JobState, now: datetime) -> Due | None:
    """When the run to start now was due, and why; None when none is."""
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
        return None  # anchored by the runner on first sight (JobRunner._tick_job)
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


def start_run(
    job: Job,
    state: JobState,
    due_now: Due,
    now: datetime,
    *,
    holder: str,
    wall: Callable[[], float],
) -> JobState | None:
    """The state with the run started by `holder` (or missed); None: leave it as it is."""
    if state.run is not None and state.run.active:
        return None  # another process started it meanwhile
    if due(job, state, now) is None:
        return None
    if state.lease is not None and not state.lease.free_for(holder, wall()):
        return None
    due_at, trigger = due_now
    last_due = state.last_due if trigger == "manual" else due_at
    if trigger == "schedule" and now - due_at > MISSED_AFTER:
        summary = RunState(
            uuid.uuid4().hex,
            trigger,
            due_at,
            None,
            status=MISSED,
            finished_at=now,
            message=missed_text(job, due_at),
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
        lease=new_lease(holder, wall()),
    )


def future(job: Job, state: JobState, now: datetime) -> datetime | None:
    """The job's next start, when it is still to come."""
    from lcs_tui.jobs.views import next_run

    nxt = next_run(job, state, now)
    return nxt if nxt is not None and nxt > now else None


def missed_text(job: Job, due_at: datetime) -> str:
    from lcs_tui.jobs.schedule import shown

    return (
        f"the run due {shown(due_at, job.schedule.zone)} was missed: no lcs-tui runner was "
        f"running then, and it is not started more than {MISSED_AFTER} late (see docs/jobs.md)"
    )
