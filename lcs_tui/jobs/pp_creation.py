"""Creating a job of a Power Platform profile: its copy, restore and wait steps checked.

creation.py's `plan_job` calls `check_pp_step` for each step when the
service is a PowerPlatformService. The rules that do not change with time
refuse the job at once — a direction Power Platform does not support
(§3.4), a production or non-sandbox target, a backup that does not exist,
a point in time outside the source's retention — with the rule's
explanation; a busy target is a note (the step waits when it runs). What
the steps overwrite is said in full, as `lcs-tui copy` and `restore` say
it before asking for the target's name.

`load_for_plan` reads what the checks need first: every environment, the
copy candidates of each copy's source, the backups of each restore's
source, and each target's operation history (for the busy notes).
"""

from __future__ import annotations

import contextlib
from datetime import datetime
from typing import TYPE_CHECKING

from lcs_tui.jobs.model import COPY_TYPE_WORDS, Copy, Job, Restore, Step, Wait

if TYPE_CHECKING:
    from lcs_tui.ppac.models import PpEnvironment
    from lcs_tui.ppac.operation_models import PpBackup
    from lcs_tui.ppac.service import PowerPlatformService

#: What every copy and restore step says of its consequences.
CONSEQUENCES = (
    "{target} is left in administration mode afterwards (background operations off) until "
    "you turn that off in the Power Platform admin center; cannot be cancelled; takes up to "
    "8 hours (24 with much data); Power Platform's validate-only call is asked before each start"
)


async def load_for_plan(job: Job, service: PowerPlatformService) -> None:
    """What `check_pp_step` reads: environments, candidates, backups, target histories."""
    from lcs_tui.api import LcsError

    await service.load_environments(include_all=True)
    for step in job.steps:
        if not isinstance(step, (Copy, Restore)):
            continue
        source, target = service.environment(step.source), service.environment(step.target)
        if source is not None and isinstance(step, Copy):
            with contextlib.suppress(
                LcsError
            ):  # the rules still apply; validate-only decides when it runs
                await service.load_copy_candidates(source.id)
        if source is not None and isinstance(step, Restore) and step.backup is not None:
            await service.load_backups(source.id)
        if target is not None:
            with contextlib.suppress(LcsError):  # only for a note
                await service.load_history(target.id)


def check_pp_step(
    number: int,
    step: Step,
    service: PowerPlatformService,
    problems: list[str],
    notes: list[str],
    *,
    runs_at: datetime,
) -> tuple[Step, list[str]]:
    """`step` with its environments' exact names, and what it will do; `problems`
    and `notes` get what the checks say. `runs_at`: the job's first run."""
    from lcs_tui.ppac.rules import copy_verdict, restore_verdict

    def env(wanted: str) -> PpEnvironment | None:
        found = service.environment(wanted)
        if found is None:
            problems.append(f"step {number}: no environment {wanted!r} in this tenant")
        return found

    if isinstance(step, Wait):
        if step.idle is not None:
            found = env(step.idle)
            if found is not None:
                from dataclasses import replace

                step = replace(step, idle=found.name)
        return step, [step.describe()]
    if not isinstance(step, (Copy, Restore)):
        return step, [step.describe()]
    source, target = env(step.source), env(step.target)
    if source is None or target is None:
        return step, [step.describe()]
    if isinstance(step, Copy):
        listed = service.candidates.get(source.id)
        verdict = copy_verdict(
            source,
            target,
            busy={},
            candidates=None if listed is None else {c.environment_id for c in listed},
        )
        fixed: Step = Copy(
            source.name, target.name, step.copy_type, step.skip_audit_data, step.confirmed
        )
        from lcs_tui.ppac.requests import COPY_TYPES

        what = [
            f"copy {source.name} into {target.name} ({COPY_TYPE_WORDS[step.copy_type]}): "
            f"{target.name} is OVERWRITTEN — {COPY_TYPES[step.copy_type]}; audit data is "
            + ("left out" if step.skip_audit_data else "copied too")
            + "; "
            + CONSEQUENCES.format(target=target.name)
        ]
    else:
        point = step.at
        backup_name = step.backup
        if step.backup is not None:
            backup = _backup(service, source, step.backup, number, problems)
            if backup is None:
                return step, [step.describe()]
            point = backup.point
            # As given: an id stays that backup; a label finds the latest one so named.
            backup_name = backup.id if step.backup == backup.id else (backup.label or backup.id)
        assert point is not None
        # Checked for the moment it first runs: a point "in the future" now
        # may be an hour ago by then, and retention counts from then.
        verdict = restore_verdict(source, target, point, now=max(runs_at, point), busy={})
        if runs_at < point:
            problems.append(
                f"step {number}: the restore point {point:%Y-%m-%d %H:%M} UTC comes after the "
                f"job's first run ({runs_at:%Y-%m-%d %H:%M} UTC)"
            )
        fixed = Restore(
            source.name,
            target.name,
            backup_name,
            step.at,
            step.skip_audit_data,
            step.confirmed,
        )
        said = f"backup {backup_name}" if step.backup is not None else "the state"
        what = [
            f"restore {target.name} to {said} of {source.name} at {point:%Y-%m-%d %H:%M} UTC: "
            f"everything in {target.name} now is OVERWRITTEN; "
            + CONSEQUENCES.format(target=target.name)
        ]
    problems.extend(f"step {number}: {p.message}" for p in verdict.problems)
    notes.extend(verdict.notes)
    busy = service.busy_environments().get(target.id)
    if busy is not None:
        notes.append(f"{target.name} is busy now ({busy.reason}); the step waits until it is not")
    return fixed, what


def _backup(
    service: PowerPlatformService,
    source: PpEnvironment,
    wanted: str,
    number: int,
    problems: list[str],
) -> PpBackup | None:
    backups = service.backups.get(source.id, [])
    found = [b for b in backups if b.id == wanted or (b.label or "") == wanted]
    if not found:
        found = [b for b in backups if (b.label or "").lower() == wanted.lower()]
    labels = ", ".join(b.label for b in backups if b.label) or "none"
    if not found:
        problems.append(
            f"step {number}: {source.name} has no backup {wanted!r} (its labelled ones: {labels})"
        )
        return None
    if len(found) > 1 or found[0].point is None:
        problems.append(
            f"step {number}: {wanted!r} names several backups of {source.name}; give its id"
            if len(found) > 1
            else f"step {number}: the backup {wanted!r} of {source.name} has no point in time"
        )
        return None
    return found[0]
