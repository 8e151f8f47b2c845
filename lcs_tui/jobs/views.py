"""What a jobs pane or `lcs-tui job list/show` shows of a job, computed in one place.

`job_view(job, state, now=..., service=...)` gives a `JobView`: status,
current step and what it does or waits for, the next run (naive UTC, and
as text with its zone), and ETAs from the environment's own history when a
service with loaded history is given. Pure: nothing here calls LCS.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, cast

from lcs_tui.jobs.eta import Eta, estimate, estimate_pp
from lcs_tui.jobs.model import Copy, Export, Job, JobError, Refresh, Restore, Step, step_from_json
from lcs_tui.jobs.schedule import MISSED_AFTER, shown
from lcs_tui.jobs.state import ACTIVE, DONE, FAILED, NEEDS_YOU, RUNNING, WAITING, JobState

if TYPE_CHECKING:
    from lcs_tui.ppac.service import PowerPlatformService
    from lcs_tui.service.project import ProjectService

    AnyService = ProjectService | PowerPlatformService

#: A job's status as shown: these words, in the jobs pane and in --json.
STATUSES = (
    "scheduled",
    "running",
    "waiting",
    "needs_you",
    "paused",
    "completed",
    "failed",
    "cancelled",
    "missed",
    "idle",
    "unreadable",
)


@dataclass(frozen=True)
class StepView:
    number: int  # 1-based
    kind: str
    text: str
    status: str
    message: str | None
    activity_id: str | None
    backup_name: str | None
    path: str | None
    started_at: datetime | None
    finished_at: datetime | None
    eta: Eta | None


@dataclass(frozen=True)
class JobView:
    name: str
    profile: str
    schedule: str
    zone: str
    status: str
    #: 1-based number of the step the run is at (None: no run going).
    current_step: int | None
    current_text: str | None
    #: Why the current step waits ("CONTOSO-UAT's quota frees at 13:07 UTC").
    waiting: str | None
    next_run: datetime | None
    next_run_text: str | None
    eta: Eta | None
    paused: bool
    changes_lcs: bool
    run_id: str | None
    run_status: str | None
    run_started_at: datetime | None
    run_finished_at: datetime | None
    lease_holder: str | None
    steps: tuple[StepView, ...]
    problem: str | None = None

    @property
    def summary(self) -> str:
        """One line: "waiting (2/3): CONTOSO-UAT's quota frees at 13:07 UTC"."""
        status = self.status.replace("_", " ")
        if self.current_step is not None:
            status += f" ({self.current_step}/{len(self.steps)})"
        detail = self.waiting or self.current_text
        if self.status == "scheduled" and self.next_run_text:
            detail = f"next run {self.next_run_text}"
            if self.run_status in ("cancelled", "failed", "completed", "missed"):
                detail += f" (last run {self.run_status})"
        return f"{status}: {detail}" if detail else status


def next_run(job: Job, state: JobState, now: datetime) -> datetime | None:
    """When the job's next run is due (naive UTC); None: no run coming."""
    if state.run is not None and state.run.active:
        return None
    schedule = job.schedule
    if schedule.kind == "asap":
        return now if state.last_due is None and state.run is None else None
    if schedule.kind == "once":
        return schedule.first(job.created_at or now) if state.last_due is None else None
    base = state.last_due or job.created_at or now
    return schedule.next_after(base)


def _steps(job: Job, state: JobState) -> list[Step]:
    run = state.run
    if run is not None and run.active and run.definition:
        try:
            return [step_from_json(d) for d in run.definition]
        except JobError:
            pass
    return list(job.steps)


def job_view(
    job: Job, state: JobState, *, now: datetime, service: AnyService | None = None
) -> JobView:
    run = state.run
    steps = _steps(job, state)
    step_views: list[StepView] = []
    for index, step in enumerate(steps):
        st = run.steps[index] if run is not None and index < len(run.steps) else None
        step_views.append(
            StepView(
                number=index + 1,
                kind=step.kind,
                text=step.describe(),
                status=st.status if st is not None else "pending",
                message=st.message if st is not None else None,
                activity_id=st.activity_id if st is not None else None,
                backup_name=st.backup_name if st is not None else None,
                path=st.path if st is not None else None,
                started_at=st.started_at if st is not None else None,
                finished_at=st.finished_at if st is not None else None,
                eta=_eta(
                    step, st.started_at if st else None, st.status if st else None, service, now
                ),
            )
        )
    active = run is not None and run.status in ACTIVE
    current = run.step if active and run is not None and run.step < len(steps) else None
    status = _status(job, state, now)
    waiting = None
    current_text = None
    if current is not None:
        sv = step_views[current]
        current_text = sv.text
        if sv.status in (WAITING, NEEDS_YOU) or (run is not None and run.status == WAITING):
            waiting = sv.message
        elif sv.message:
            current_text = f"{sv.text}: {sv.message}"
    due = next_run(job, state, now)
    eta = None
    if current is not None:
        eta = step_views[current].eta
    lease = state.lease
    return JobView(
        name=job.name,
        profile=job.profile,
        schedule=job.schedule.describe(),
        zone=job.schedule.zone,
        status=status,
        current_step=current + 1 if current is not None else None,
        current_text=current_text,
        waiting=waiting,
        next_run=due,
        next_run_text=shown(due, job.schedule.zone) if due is not None else None,
        eta=eta,
        paused=state.paused,
        changes_lcs=job.changes_lcs,
        run_id=run.run_id if run is not None else None,
        run_status=run.status if run is not None else None,
        run_started_at=run.started_at if run is not None else None,
        run_finished_at=run.finished_at if run is not None else None,
        lease_holder=lease.holder if lease is not None and active else None,
        steps=tuple(step_views),
        problem=state.problem,
    )


def _status(job: Job, state: JobState, now: datetime) -> str:
    if state.problem is not None:
        return "unreadable"
    run = state.run
    if run is not None and run.status in ACTIVE:
        if state.paused:
            return "paused"
        return run.status
    if state.paused:
        return "paused"
    due = next_run(job, state, now)
    if due is not None and due > now - MISSED_AFTER:
        return "scheduled"
    if run is not None:
        return run.status
    if state.history and state.history[-1].get("status") == "missed":
        return "missed"
    return "idle"


def _eta(
    step: Step,
    started_at: datetime | None,
    status: str | None,
    service: AnyService | None,
    now: datetime,
) -> Eta | None:
    if service is None or status in (DONE, FAILED):
        return None
    powerplatform = getattr(service, "backend", None) == "powerplatform"
    if isinstance(step, (Copy, Restore)):
        if not powerplatform:
            return None
        pp = cast("PowerPlatformService", service)
        target = pp.environment(step.target)
        entries = pp.history.get(target.id) if target is not None else None
        if entries is None:
            return None
        began = started_at if status == RUNNING else None
        return estimate_pp(entries, step.kind, started_at=began, now=now)
    if powerplatform or not isinstance(step, (Refresh, Export)):
        return None
    from lcs_tui.jobs.steps import find_environment

    service = cast("ProjectService", service)
    wanted = step.target if isinstance(step, Refresh) else step.environment
    env = find_environment(service, wanted)
    if env is None or env.id not in service.history:
        return None
    return estimate(
        service.history[env.id],
        step.kind,
        started_at=started_at if status == RUNNING else None,
        now=now,
    )
