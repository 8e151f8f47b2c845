"""Advancing a copy or restore step (Power Platform) by one move.

The same rules as refresh and export (steps.py), with Power Platform's
own checks:

1. *check*: the environments are found, the target's typed name matches,
   and the direction rules of §3.4 (ppac/rules.py) allow it — a refused
   direction fails the step with the rule's explanation, and nothing is
   sent; a target busy with another lifecycle operation makes it *wait*
   (with its reason and a `look_again_at`);
2. *validate*: Power Platform's validate-only call; a refusal fails the
   step with Power Platform's words;
3. *intent*: the operation key is recorded in the job's state before the
   service journals it and sends the start POST — once;
4. *follow*: from the journal through its stages (Validate, Prepare, Run,
   Finalize) to Succeeded or Failed. A start whose answer was lost is
   reconciled from the target's operation history, never sent again.

Client-side nothing times out: a copy can take 24 hours; the step follows
it for as long as the journal has it.
"""

from __future__ import annotations

import contextlib
from dataclasses import replace
from typing import TYPE_CHECKING

from lcs_tui.api import LcsConnectionError, LcsError, LcsRejected, OutcomeUnknown
from lcs_tui.jobs.model import Copy, Restore, Wait
from lcs_tui.jobs.state import DONE, NEEDS_YOU, PENDING, RUNNING, STARTING, WAITING, StepState
from lcs_tui.jobs.steps import (
    BUSY_RECHECK,
    StepContext,
    after_intent,
    failed,
    journalled,
    record_intent,
    waiting,
)
from lcs_tui.service.operations import EXTRA_STAGES, NOT_FOUND, NOT_STARTED_LOCALLY

if TYPE_CHECKING:
    from lcs_tui.ppac.models import PpEnvironment
    from lcs_tui.ppac.requests import CopyOptions, RestorePoint
    from lcs_tui.ppac.rules import Verdict
    from lcs_tui.service.operations import TrackedOperation

PpStep = Copy | Restore
WHERE = "the Power Platform admin center"


async def advance_pp_operation(ctx: StepContext, step: PpStep, st: StepState) -> StepState:
    if st.status in (PENDING, WAITING) or (st.status == NEEDS_YOU and not st.operation_key):
        if st.look_again_at is not None and ctx.now < st.look_again_at:
            return st
        return await _try_start(ctx, step, st)
    if st.status == STARTING:
        return await after_intent(
            ctx,
            st,
            ctx.ppac,
            start=lambda fresh: _try_start(ctx, step, fresh),
            follow=lambda running: _follow(ctx, step, running),
            where=WHERE,
            start_again_when_refused=True,
        )
    if st.operation_key:
        return await _follow(ctx, step, st)
    return st


# ------------------------------------------------------------ checking and starting


async def _try_start(ctx: StepContext, step: PpStep, st: StepState) -> StepState:
    service, upkeep = ctx.ppac, ctx.pp_upkeep
    await upkeep.environments()
    source, target = service.environment(step.source), service.environment(step.target)
    if source is None or target is None:
        missing = step.source if source is None else step.target
        return failed(
            st, f"no environment {missing} in the tenant of profile {ctx.job.profile}", ctx.now
        )
    if step.confirmed != target.name:
        return replace(
            st,
            status=NEEDS_YOU,
            message=f"the {step.kind} into {target.name} was not confirmed by typing its name "
            f"(jobs.toml says confirmed = {step.confirmed!r}); re-create the job with "
            "lcs-tui job add, or fix the file",
            look_again_at=ctx.now + BUSY_RECHECK,
        )
    point: RestorePoint | None = None
    if isinstance(step, Restore):
        found = await _restore_point(ctx, step, source)
        if isinstance(found, str):
            return failed(st, found, ctx.now)
        point = found
    else:
        with contextlib.suppress(
            LcsError
        ):  # the direction rules still apply; validate-only decides the rest
            await upkeep.candidates(source.id)
    static = _static_verdict(ctx, step, source, target, point)
    if static.problems:
        # A direction (or rule) Power Platform refuses: nothing is ever sent.
        return failed(st, "; ".join(p.message for p in static.problems), ctx.now)
    reason = await _busy(ctx, target)
    if reason is not None:
        return waiting(st, reason, ctx.now + BUSY_RECHECK)
    refused = await _validate(ctx, step, source, target, point)
    if refused is not None:
        kind, text = refused
        return (
            failed(st, text, ctx.now)
            if kind == "fail"
            else waiting(st, text, ctx.now + BUSY_RECHECK)
        )
    st = await record_intent(ctx, st)
    return await _send(ctx, step, st, source, target, point)


async def _restore_point(
    ctx: StepContext, step: Restore, source: PpEnvironment
) -> RestorePoint | str:
    """The point to restore to: the moment, or the backup's own point; a str: why not."""
    from lcs_tui.ppac.requests import RestorePoint

    if step.at is not None:
        return RestorePoint(step.at)
    await ctx.pp_upkeep.backups(source.id, fresh=True)
    backups = ctx.ppac.backups.get(source.id, [])
    wanted = step.backup or ""
    found = [b for b in backups if b.id == wanted or (b.label or "") == wanted]
    if not found:
        found = [b for b in backups if (b.label or "").lower() == wanted.lower()]
    if not found:
        return f"{source.name} has no backup {wanted!r} (any more: backups expire)"
    if len(found) > 1:
        return f"{wanted!r} names several backups of {source.name}; name it by its id in jobs.toml"
    backup = found[0]
    if backup.point is None:
        return f"the backup {wanted!r} of {source.name} has no point in time to restore to"
    return RestorePoint(backup.point, backup.point_text, backup.id, backup.label)


def _static_verdict(
    ctx: StepContext,
    step: PpStep,
    source: PpEnvironment,
    target: PpEnvironment,
    point: RestorePoint | None,
) -> Verdict:
    """The rules that waiting does not change (busy is left out: that one waits)."""
    from lcs_tui.ppac.rules import copy_verdict, restore_verdict

    service = ctx.ppac
    if isinstance(step, Copy):
        listed = service.candidates.get(source.id)
        return copy_verdict(
            source,
            target,
            busy={},
            candidates=None if listed is None else {c.environment_id for c in listed},
        )
    assert point is not None
    return restore_verdict(source, target, point.moment, now=ctx.now, busy={})


async def _busy(ctx: StepContext, target: PpEnvironment) -> str | None:
    """Why the target cannot take a lifecycle operation now, from a fresh history."""
    service = ctx.ppac
    await ctx.pp_upkeep.history(target.id, fresh=True)
    if ctx.polls_operations:
        # A journalled operation nobody watches would keep its target "busy"
        # for ever: ask Power Platform about those on this target.
        for op in service.active_operations():
            if op.poll_environment_id == target.id:
                with contextlib.suppress(LcsError):  # the busy reason stays; looked at later
                    await service.poll(op)
    busy = service.busy_environments().get(target.id)
    return f"{target.name} busy with {busy.reason}" if busy is not None else None


async def _validate(
    ctx: StepContext,
    step: PpStep,
    source: PpEnvironment,
    target: PpEnvironment,
    point: RestorePoint | None,
) -> tuple[str, str] | None:
    """Power Platform's validate-only answer: None (passed), or ("fail"|"wait", why)."""
    from lcs_tui.ppac.errors import PpBusy
    from lcs_tui.service.project import ActionRefused

    service = ctx.ppac
    try:
        if isinstance(step, Copy):
            result = await service.validate_copy(source.id, target.id, _options(step))
        else:
            assert point is not None
            result = await service.validate_restore(
                source.id, target.id, point, skip_audit_data=step.skip_audit_data
            )
    except ActionRefused as exc:  # the checks changed their mind (busy): wait
        return "wait", "nothing sent: " + "; ".join(p.message for p in exc.problems)
    except PpBusy as exc:
        return "wait", f"nothing sent: {target.name} is busy ({exc.message})"
    except LcsRejected as exc:
        return "fail", f"Power Platform's validation refused the {step.kind}: {exc.message}"
    except LcsError as exc:
        return "wait", f"Power Platform could not validate it, nothing was sent ({exc.message})"
    if not result.passed:
        said = "; ".join(result.problems) or "no reason given"
        return "fail", f"Power Platform's validation refused the {step.kind}: {said}"
    return None


def _options(step: Copy) -> CopyOptions:
    from lcs_tui.ppac.requests import CopyOptions

    return CopyOptions(step.copy_type, skip_audit_data=step.skip_audit_data)


async def _send(
    ctx: StepContext,
    step: PpStep,
    st: StepState,
    source: PpEnvironment,
    target: PpEnvironment,
    point: RestorePoint | None,
) -> StepState:
    from lcs_tui.ppac.errors import PpBusy
    from lcs_tui.service.project import ActionRefused

    service = ctx.ppac
    key = st.intent_key
    assert key is not None
    cleared = replace(st, intent_key=None, operation_key=None)
    try:
        if isinstance(step, Copy):
            op = await service.start_copy(source.id, target.id, _options(step), key=key)
        else:
            assert point is not None
            op = await service.start_restore(
                source.id, target.id, point, skip_audit_data=step.skip_audit_data, key=key
            )
    except ActionRefused as exc:  # journal unwritable, or busy a moment later: nothing sent
        reason = "; ".join(p.message for p in exc.problems)
        return waiting(cleared, f"nothing sent: {reason}", ctx.now + BUSY_RECHECK)
    except PpBusy as exc:
        return waiting(
            cleared,
            f"nothing started: {target.name} is busy ({exc.message})",
            ctx.now + BUSY_RECHECK,
        )
    except LcsRejected as exc:
        return failed(cleared, exc.message, ctx.now)
    except OutcomeUnknown as exc:
        # Journalled as "outcome unknown": the target's history will tell.
        return replace(st, status=RUNNING, operation_key=key, message=exc.message)
    except LcsConnectionError as exc:
        return waiting(
            cleared,
            f"Power Platform unreachable, nothing was sent ({exc.message})",
            ctx.now + BUSY_RECHECK,
        )
    except LcsError as exc:
        return waiting(cleared, f"nothing was started: {exc.message}", ctx.now + BUSY_RECHECK)
    except Exception as exc:
        from lcs_tui.auth.errors import SignInError

        if isinstance(exc, SignInError):
            return replace(
                cleared,
                status=NEEDS_YOU,
                message=f"sign in again (lcs-tui login): {exc}",
                look_again_at=ctx.now + BUSY_RECHECK,
            )
        return replace(st, status=RUNNING, operation_key=key, message=f"outcome unknown ({exc})")
    return replace(
        st,
        status=RUNNING,
        operation_key=key,
        activity_id=op.activity_id,
        started_at=op.started_at or ctx.now,
        message=progress(op),
    )


# ------------------------------------------------------------ following


async def _follow(ctx: StepContext, step: PpStep, st: StepState) -> StepState:
    from lcs_tui.ppac.reconcile import needs_history
    from lcs_tui.service.reconcile import RECONCILE_AFTER, checked_absent_at

    service = ctx.ppac
    key = st.operation_key
    assert key is not None
    op = service.operations.get(key)
    if op is None:
        found = await journalled(service, key)
        if isinstance(found, str):
            return replace(st, message=found)
        if found is None:
            return failed(
                st,
                "the operation journal no longer has this step's operation (removed by hand?); "
                f"it is not started again: check the environment's history in {WHERE}",
                ctx.now,
            )
        op = found
    if ctx.polls_operations and (op.needs_watching or needs_history(op)):
        try:
            await service.poll(op)
        except LcsError as exc:
            return replace(st, message=f"status check failed ({exc.message}); trying again")
        op = service.operations.get(key, op)
    st = replace(
        st, activity_id=op.activity_id or st.activity_id, started_at=op.started_at or st.started_at
    )
    if needs_history(op):
        checked = checked_absent_at(op)
        if checked is not None and op.requested_at and checked >= op.requested_at + RECONCILE_AFTER:
            return replace(st, status=NEEDS_YOU, message=op.message)
        return replace(
            st, status=RUNNING, message=op.message or "looking for it in the operation history"
        )
    if op.status in (NOT_STARTED_LOCALLY, NOT_FOUND):
        return failed(st, op.message or "Power Platform did not start it", ctx.now)
    if op.finished:
        from lcs_tui.api import Outcome

        if op.outcome is Outcome.SUCCEEDED:
            return replace(
                st, status=DONE, message=op.status, finished_at=op.finished_at or ctx.now
            )
        ended = f"{op.title()} ended with {op.status}"
        stage = _stage(op)
        if stage is not None:
            ended += f" in its {stage[0]} stage"
        return failed(
            st, f"{ended}: {op.message}" if op.message else ended, op.finished_at or ctx.now
        )
    return replace(st, status=RUNNING, message=progress(op))


def progress(op: TrackedOperation) -> str:
    """ "InProgress, stage Run (3/4)": the status word and the stage it is in."""
    stage = _stage(op)
    if stage is None:
        return op.status
    name, number, count = stage
    return f"{op.status}, stage {name} ({number}/{count})"


def _stage(op: TrackedOperation) -> tuple[str, int, int] | None:
    """The stage running now (else the last one reached): name, its number, how many."""
    raw = op.extra.get(EXTRA_STAGES)
    stages = [s for s in raw if isinstance(s, dict)] if isinstance(raw, list) else []
    if not stages:
        return None
    words = [s.get("status") for s in stages]
    running = [i for i, w in enumerate(words) if w == "InProgress"]
    failed_at = [i for i, w in enumerate(words) if w == "Failed"]
    reached = [i for i, w in enumerate(words) if w not in ("NotStarted", "Postponed", None)]
    if running:
        chosen = running[0]
    elif failed_at:
        chosen = failed_at[0]
    elif reached:
        chosen = reached[-1]
    else:
        return None
    return str(stages[chosen].get("name") or "?"), chosen + 1, len(stages)


# ------------------------------------------------------------ wait until idle


async def advance_pp_wait_idle(ctx: StepContext, step: Wait, st: StepState) -> StepState:
    """A wait-idle step on a Power Platform workspace: no lifecycle operation on it."""
    if st.look_again_at is not None and ctx.now < st.look_again_at:
        return st
    await ctx.pp_upkeep.environments()
    wanted = step.idle or ""
    env = ctx.ppac.environment(wanted)
    if env is None:
        return failed(
            st, f"no environment {wanted} in the tenant of profile {ctx.job.profile}", ctx.now
        )
    reason = await _busy(ctx, env)
    if reason is not None:
        return waiting(st, reason, ctx.now + BUSY_RECHECK)
    return replace(st, status=DONE, message=None, finished_at=ctx.now)
