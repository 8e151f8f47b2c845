"""Creating a job: checked against the project, shown, confirmed, then written.

The one way the CLI (`lcs-tui job add`) and the TUI create jobs:

    plan = plan_job(job, service, now=service.now())   # JobError: refused, with reasons
    show(plan.lines); ask for each name in plan.must_type
    add_job(store, plan, typed={"CONTOSO-UAT"}, now=service.now())

`plan_job` needs the service's environments loaded (and the backups, for
the export name check). It runs the rules of service/checks.py that do not
change with time — a refresh target must be a sandbox, never the source; an
export comes from a sandbox; a name template gives valid backup names —
and refuses the job when one fails. Quota and busy are *not* reasons to
refuse: they change, and are checked again before each step runs (the step
waits); what they say now is given as a note. Environments are stored by
their exact names, and every refresh step records the target name the user
typed (`confirmed`): a job refreshes nothing that nobody typed.

For a Power Platform profile `plan_job` takes its PowerPlatformService
(after `pp_creation.load_for_plan`) and checks copy and restore steps by
the direction and restore rules (pp_creation.py); a copy or restore target
is typed like a refreshed sandbox.
"""

from __future__ import annotations

import os
from collections.abc import Collection
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, cast

from lcs_tui.jobs.model import (
    LATEST,
    OVERWRITES,
    POWERPLATFORM,
    PREVIOUS,
    Download,
    Export,
    Job,
    JobError,
    Refresh,
    Step,
    Wait,
)
from lcs_tui.jobs.names import check_template
from lcs_tui.jobs.schedule import ScheduleError, shown
from lcs_tui.jobs.steps import find_environment
from lcs_tui.service.checks import export_problems, refresh_problems

if TYPE_CHECKING:
    from lcs_tui.jobs.store import JobStore
    from lcs_tui.ppac.service import PowerPlatformService
    from lcs_tui.service.project import ProjectService


@dataclass(frozen=True)
class Plan:
    """A checked job and what to show before it is saved."""

    job: Job
    #: Exactly what the job will do, for the confirmation.
    lines: tuple[str, ...]
    #: Target names the user must type (one per overwritten sandbox or environment).
    must_type: tuple[str, ...]
    #: Things worth knowing now that do not stop the job (quota, busy).
    notes: tuple[str, ...]
    #: Whether a yes/no confirmation is asked (exports: they use quota).
    asks: bool


def plan_job(job: Job, service: ProjectService | PowerPlatformService, *, now: datetime) -> Plan:
    from lcs_tui.jobs.pp_creation import check_pp_step

    try:
        job.check_shape()
    except ScheduleError as exc:
        raise JobError(str(exc)) from None
    powerplatform = getattr(service, "backend", None) == POWERPLATFORM
    _check_backend(job, powerplatform)
    problems: list[str] = []
    steps: list[Step] = []
    where = "Power Platform" if powerplatform else f"project {getattr(service, 'project_id', '?')}"
    lines: list[str] = [f"Job {job.name} on profile {job.profile} ({where}):"]
    must_type: list[str] = []
    notes: list[str] = []
    first = job.schedule.first(now)
    for number, step in enumerate(job.steps, 1):
        if powerplatform:
            pp = cast("PowerPlatformService", service)
            fixed, said = check_pp_step(
                number, step, pp, problems, notes, runs_at=max(first or now, now)
            )
        else:
            lcs = cast("ProjectService", service)
            fixed, said = _check_step(number, step, lcs, problems, notes)
        steps.append(fixed)
        lines.extend(f"  {number}. {line}" for line in said)
        if isinstance(fixed, OVERWRITES) and fixed.target not in must_type:
            must_type.append(fixed.target)
    if job.schedule.kind == "once" and first is not None and first <= now:
        problems.append(f"the time {shown(first, job.schedule.zone)} has passed")
    when = "as soon as possible (steps wait for quota and busy environments)"
    if job.schedule.kind != "asap":
        when = f"{job.schedule.explain()}; first run {shown(first, job.schedule.zone)}"
    lines.append(f"  when: {when}")
    lines.append(
        f"  notify: {', '.join(job.notify) or 'the profile defaults'} on {', '.join(job.notify_on)}"
    )
    if problems:
        raise JobError(
            f"job {job.name} cannot be created: " + "; ".join(problems),
            "fix the above and try again",
            problems=tuple(problems),
        )
    checked = replace(job, steps=tuple(steps), created_at=job.created_at or now)
    asks = any(isinstance(s, Export) for s in steps)
    return Plan(checked, tuple(lines), tuple(must_type), tuple(notes), asks)


def add_job(
    store: JobStore, plan: Plan, *, typed: Collection[str], replace_existing: bool = False
) -> Job:
    """Save the planned job; every name in `plan.must_type` must be in `typed`."""
    missing = [name for name in plan.must_type if name not in typed]
    if missing:
        raise JobError(
            "not confirmed: type the name of each environment the job overwrites "
            f"({', '.join(missing)})",
            "in a script: --confirm-target NAME for each one it refreshes, copies or restores into",
        )
    steps = tuple(
        replace(s, confirmed=s.target) if isinstance(s, OVERWRITES) else s for s in plan.job.steps
    )
    job = replace(plan.job, steps=steps)
    store.add(job, replace_existing=replace_existing)
    return job


def _check_backend(job: Job, powerplatform: bool) -> None:
    """A job's steps are of its profile's kind (model.py): refused before any check."""
    needed = job.backend
    if needed is None or (needed == POWERPLATFORM) == powerplatform:
        return
    if powerplatform:
        raise JobError(
            f"profile {job.profile} is a Power Platform profile: its jobs copy and restore "
            "unified environments (--copy, --restore); refresh, export, download and "
            "waiting for quota are for LCS profiles",
            "use an LCS profile for those steps (lcs-tui profile list)",
        )
    raise JobError(
        f"profile {job.profile} is an LCS profile: copy and restore steps need a Power "
        "Platform profile",
        "add one with lcs-tui profile add --backend powerplatform, and name it with --profile",
    )


def _check_step(
    number: int, step: Step, service: ProjectService, problems: list[str], notes: list[str]
) -> tuple[Step, list[str]]:
    def env(wanted: str) -> str | None:
        found = find_environment(service, wanted)
        if found is None:
            problems.append(
                f"step {number}: no environment {wanted!r} in project {service.project_id}"
            )
            return None
        return found.name

    if isinstance(step, Refresh):
        source_name, target_name = env(step.source), env(step.target)
        if source_name is None or target_name is None:
            return step, [step.describe()]
        source = service.environment(source_name)
        target = service.environment(target_name)
        assert source is not None and target is not None
        for p in refresh_problems(source, target, target_quota_left=None, busy={}):
            problems.append(f"step {number}: {p.message}")
        _now_notes(service, target.id, target.name, notes)
        fixed = Refresh(source.name, target.name, step.confirmed)
        return fixed, [
            f"refresh {target.name} from {source.name}: the database of {target.name} is "
            f"REPLACED by a copy of {source.name}'s; {target.name} goes offline without "
            "warning to its users; cannot be cancelled; uses one of its 3 operations per 24 h",
        ]
    if isinstance(step, Export):
        name = env(step.environment)
        if name is None:
            return step, [step.describe()]
        environment = service.environment(name)
        assert environment is not None
        template = check_template(step.name, env=name)
        if template:
            problems.append(f"step {number}: backup name: {template}")
        for p in export_problems(environment, "x", quota_left=None, busy={}, existing_names=set()):
            problems.append(f"step {number}: {p.message}")
        _now_notes(service, environment.id, name, notes)
        return Export(name, step.name), [
            f"export {name} to the asset library as {step.name} (placeholders filled in when "
            "it runs); uses one of its 3 operations per 24 h"
        ]
    if isinstance(step, Download):
        folder = Path(os.path.expanduser(step.folder))
        if not folder.is_dir():
            problems.append(f"step {number}: the folder {folder} does not exist")
        elif not os.access(folder, os.W_OK | os.X_OK):
            problems.append(f"step {number}: cannot write into {folder}")
        what = {PREVIOUS: "the backup the export made", LATEST: "the latest backup"}.get(
            step.backup, f"backup {step.backup}"
        )
        return replace(step, folder=str(folder)), [f"download {what} into {folder}"]
    if isinstance(step, Wait):
        for wanted in (step.quota, step.idle):
            if wanted is not None:
                name = env(wanted)
                if name is not None:
                    step = replace(
                        step, quota=name if step.quota else None, idle=name if step.idle else None
                    )
        return step, [step.describe()]
    return step, [step.describe()]


def _now_notes(service: ProjectService, env_id: str, name: str, notes: list[str]) -> None:
    quota = service.quota(env_id)
    if quota is not None and quota.left <= 0:
        notes.append(f"{name} has no operations left now ({quota.describe()}); the step waits")
    busy = service.busy_environments().get(env_id)
    if busy is not None:
        notes.append(f"{name} is busy now ({busy.reason}); the step waits until it is not")
