"""Advancing one step of a run by one move: check, record the intent, start, follow.

Each `advance_*` takes the step's state and returns the next one; the
runner persists it. A step that cannot run yet (quota used up, environment
busy, a backup not listed yet) *waits* with a reason and a `look_again_at`
before which it makes no calls at all. A step that may have started
something is never started again (see state.py): refresh and export record
their intent with the operation key before asking the service, and from
then on only follow that key in the operation journal.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from lcs_tui.api import Environment, LcsConnectionError, LcsError, LcsRejected, OutcomeUnknown
from lcs_tui.api import QuotaExceeded as QuotaExceededError
from lcs_tui.jobs.model import Export, Job, Refresh, Wait
from lcs_tui.jobs.names import local_moment, render
from lcs_tui.jobs.schedule import shown, to_utc
from lcs_tui.jobs.state import (
    DONE,
    FAILED,
    NEEDS_YOU,
    PENDING,
    RUNNING,
    STARTING,
    WAITING,
    RunState,
    StepState,
    holder_gone,
)
from lcs_tui.service.checks import export_problems, refresh_problems
from lcs_tui.service.operations import NOT_FOUND, NOT_STARTED_LOCALLY, TrackedOperation
from lcs_tui.service.reconcile import RECONCILE_AFTER, checked_absent_at

if TYPE_CHECKING:
    from lcs_tui.jobs.pp_upkeep import PpUpkeep
    from lcs_tui.jobs.upkeep import Upkeep
    from lcs_tui.ppac.service import PowerPlatformService
    from lcs_tui.service.project import ProjectService
    from lcs_tui.workspace import Workspace

#: A step waiting on a busy environment looks again this often (service clock).
BUSY_RECHECK = timedelta(minutes=5)
#: Another process's intent younger than this may still be on its way to the journal.
INTENT_GRACE = 120.0
#: An intent older than this without a journal entry proves nothing (the
#: journal forgets finished operations after 7 days).
INTENT_TRUSTED = timedelta(days=6)
#: Failed download tries in a row before the step fails.
DOWNLOAD_ATTEMPTS = 5


@dataclass
class StepContext:
    """What one step move may use. Built by the runner for each move."""

    job: Job
    workspace: Workspace
    run: RunState
    index: int
    now: datetime
    wall: float
    holder: str
    #: What this runner read of the workspace, and when: LCS or Power Platform.
    keeper: Upkeep | PpUpkeep
    polls_operations: bool
    #: Persist the step's state durably (lease checked) before going on.
    record: Callable[[StepState], Awaitable[None]]
    #: Downloads of this process, by `task_key`.
    downloads: dict[str, Any] = field(default_factory=dict)

    @property
    def service(self) -> ProjectService:
        return self.workspace.service

    @property
    def upkeep(self) -> Upkeep:
        """The LCS workspace's upkeep (LCS steps run only on LCS workspaces)."""
        from lcs_tui.jobs.upkeep import Upkeep

        assert isinstance(self.keeper, Upkeep)
        return self.keeper

    @property
    def ppac(self) -> PowerPlatformService:
        service = self.workspace.ppac
        assert service is not None  # Power Platform steps run on such workspaces only
        return service

    @property
    def pp_upkeep(self) -> PpUpkeep:
        from lcs_tui.jobs.pp_upkeep import PpUpkeep

        assert isinstance(self.keeper, PpUpkeep)
        return self.keeper

    @property
    def task_key(self) -> str:
        return f"{self.run.run_id}:{self.index}"


def waiting(st: StepState, reason: str, look_again_at: datetime | None) -> StepState:
    return replace(st, status=WAITING, message=reason, look_again_at=look_again_at)


def failed(st: StepState, reason: str, now: datetime) -> StepState:
    return replace(st, status=FAILED, message=reason, finished_at=now, look_again_at=None)


async def record_intent(ctx: StepContext, st: StepState) -> StepState:
    """The step about to start its operation under a new key, durable before the
    service journals that key and sends: a runner killed after this finds the
    intent and reconciles it (`after_intent`), never sends a second time."""
    st = replace(
        st,
        status=STARTING,
        intent_key=uuid.uuid4().hex,
        intent_at=ctx.now,
        intent_wall=ctx.wall,
        intent_holder=ctx.holder,
        operation_key=None,
        attempts=st.attempts + 1,
        message="starting",
        look_again_at=None,
    )
    await ctx.record(st)
    return st


def find_environment(service: ProjectService, wanted: str) -> Environment | None:
    """By exact name or id, then case-insensitively, then by id without dashes."""
    envs = list(service.environments.values())
    lowered, undashed = wanted.lower(), wanted.replace("-", "").lower()
    for hits in (
        [e for e in envs if e.name == wanted or e.id == wanted],
        [e for e in envs if e.name.lower() == lowered],
        [e for e in envs if e.id.replace("-", "").lower() == undashed],
    ):
        if len(hits) == 1:
            return hits[0]
    return None


# ------------------------------------------------------------ refresh and export


async def advance_operation(ctx: StepContext, step: Refresh | Export, st: StepState) -> StepState:
    if st.status in (PENDING, WAITING) or (st.status == NEEDS_YOU and not st.operation_key):
        if st.look_again_at is not None and ctx.now < st.look_again_at:
            return st
        return await _try_start(ctx, step, st)
    if st.status == STARTING:
        return await _after_intent(ctx, step, st)
    if st.operation_key:
        return await _follow(ctx, step, st)
    return st


async def _try_start(ctx: StepContext, step: Refresh | Export, st: StepState) -> StepState:
    service = ctx.service
    await ctx.upkeep.environments()
    if isinstance(step, Refresh):
        source = find_environment(service, step.source)
        target = find_environment(service, step.target)
        missing = step.source if source is None else step.target
        if source is None or target is None:
            return failed(st, f"no environment {missing} in project {service.project_id}", ctx.now)
        if step.confirmed != target.name:
            return replace(
                st,
                status=NEEDS_YOU,
                message=f"the refresh of {target.name} was not confirmed by typing its name "
                f"(jobs.toml says confirmed = {step.confirmed!r}); re-create the job with "
                "lcs-tui job add, or fix the file",
                look_again_at=ctx.now + BUSY_RECHECK,
            )
        static = refresh_problems(source, target, target_quota_left=None, busy={})
        if static:
            return failed(st, "; ".join(p.message for p in static), ctx.now)
        involved = [target, source]
        charged = target
    else:
        env = find_environment(service, step.environment)
        if env is None:
            return failed(
                st, f"no environment {step.environment} in project {service.project_id}", ctx.now
            )
        if st.backup_name is None:
            moment = local_moment(ctx.now, ctx.job.schedule.zone)
            st = replace(st, backup_name=render(step.name, moment, env=env.name, job=ctx.job.name))
        await ctx.upkeep.backups()
        static = export_problems(
            env,
            st.backup_name or "",
            quota_left=None,
            busy={},
            existing_names={b.name.lower() for b in service.backups},
        )
        if static:
            return failed(st, "; ".join(p.message for p in static), ctx.now)
        involved = [env]
        charged = env
    reason = await _wait_reason(ctx, involved, charged)
    if reason is not None:
        return waiting(st, *reason)
    st = await record_intent(ctx, st)
    return await _send(ctx, step, st, involved)


async def _wait_reason(
    ctx: StepContext, involved: list[Environment], charged: Environment
) -> tuple[str, datetime | None] | None:
    """Why the operation cannot start now (quota, busy), from fresh enough history."""
    service = ctx.service
    ids = {e.id for e in involved}
    for env in involved:
        await ctx.upkeep.history(env.id, fresh=True)
    if ctx.polls_operations:
        # A journalled operation nobody watches would keep its environment
        # "busy" forever: ask LCS about those on these environments.
        for op in service.active_operations():
            if op.poll_environment_id in ids and op.needs_watching:
                with contextlib.suppress(LcsError):  # the busy reason stays; looked at later
                    await service.poll(op)
    quota = service.quota(charged.id)
    if quota is not None and quota.left <= 0:
        frees = quota.next_frees_at
        when = f"{frees:%H:%M} UTC" if frees else "once its oldest operation is 24 hours old"
        return f"{charged.name}'s quota frees at {when}", frees or ctx.now + BUSY_RECHECK
    busy = service.busy_environments()
    for env in involved:
        if env.id in busy:
            return f"{env.name} busy with {busy[env.id].reason}", ctx.now + BUSY_RECHECK
    return None


async def _send(
    ctx: StepContext, step: Refresh | Export, st: StepState, involved: list[Environment]
) -> StepState:
    from lcs_tui.service.journal import JournalError
    from lcs_tui.service.project import ActionRefused

    service = ctx.service
    key = st.intent_key
    assert key is not None
    cleared = replace(st, intent_key=None, operation_key=None)
    try:
        if isinstance(step, Refresh):
            op = await service.start_refresh(involved[1].id, involved[0].id, key=key)
        else:
            op = await service.start_export(involved[0].id, st.backup_name or "", key=key)
    except ActionRefused as exc:
        reason = "; ".join(p.message for p in exc.problems)
        if isinstance(exc.__cause__, JournalError):
            return waiting(cleared, f"nothing sent: {reason}", ctx.now + BUSY_RECHECK)
        # The checks changed their mind since a moment ago (quota, busy): wait.
        return waiting(cleared, f"nothing sent: {reason}", ctx.now + BUSY_RECHECK)
    except QuotaExceededError as exc:
        return waiting(
            cleared, f"LCS says: {exc.error_message}", exc.frees_at or ctx.now + BUSY_RECHECK
        )
    except LcsRejected as exc:
        return failed(cleared, exc.message, ctx.now)
    except OutcomeUnknown as exc:
        return replace(st, status=RUNNING, operation_key=key, message=exc.message)
    except LcsConnectionError as exc:
        return waiting(
            cleared, f"LCS unreachable, nothing was sent ({exc.message})", ctx.now + BUSY_RECHECK
        )
    except LcsError as exc:
        return waiting(cleared, f"nothing was sent: {exc.message}", ctx.now + BUSY_RECHECK)
    except Exception as exc:
        if _sign_in_error(exc):
            return replace(
                cleared,
                status=NEEDS_YOU,
                message=f"sign in again (lcs-tui login): {exc}",
                look_again_at=ctx.now + BUSY_RECHECK,
            )
        # The service journalled it as "outcome unknown": the history will tell.
        return replace(st, status=RUNNING, operation_key=key, message=f"outcome unknown ({exc})")
    return replace(
        st,
        status=RUNNING,
        operation_key=key,
        activity_id=op.activity_id,
        started_at=op.started_at or ctx.now,
        message=op.status,
    )


async def _after_intent(ctx: StepContext, step: Refresh | Export, st: StepState) -> StepState:
    """A recorded intent without its outcome: a crash, or another process's move."""
    return await after_intent(
        ctx,
        st,
        ctx.service,
        start=lambda fresh: _try_start(ctx, step, fresh),
        follow=lambda running: _follow(ctx, step, running),
        where="the LCS portal",
    )


async def after_intent(
    ctx: StepContext,
    st: StepState,
    service: ProjectService | PowerPlatformService,
    *,
    start: Callable[[StepState], Awaitable[StepState]],
    follow: Callable[[StepState], Awaitable[StepState]],
    where: str,
    start_again_when_refused: bool = False,
) -> StepState:
    """What became of an intent (either backend): follow its journalled operation,
    or — provably never sent — start afresh; never a second POST for one key.

    `start_again_when_refused`: a journal entry that says the service refused it
    (nothing started) lets the step start again, checked anew, instead of failing.
    """
    key = st.intent_key
    if key is None:
        return replace(st, status=PENDING)
    found = await journalled(service, key)
    if isinstance(found, str):
        return waiting(st, found, ctx.now + BUSY_RECHECK)  # journal unusable: keep the intent
    if found is not None:
        if found.status == NOT_STARTED_LOCALLY:
            if start_again_when_refused:
                return waiting(
                    replace(st, status=PENDING, intent_key=None),
                    f"nothing was started: {found.message or 'refused'}",
                    ctx.now + BUSY_RECHECK,
                )
            return failed(st, found.message or "LCS did not start it", ctx.now)
        return await follow(replace(st, status=RUNNING, operation_key=key))
    another = st.intent_holder != ctx.holder and not holder_gone(st.intent_holder)
    if another and ctx.wall - (st.intent_wall or 0.0) < INTENT_GRACE:
        return waiting(
            st,
            "another lcs-tui process was starting this step; looking again soon",
            ctx.now + timedelta(minutes=1),
        )
    if st.intent_at is not None and ctx.now - st.intent_at > INTENT_TRUSTED:
        return failed(
            st,
            "whether this step started cannot be told any more (its intent is older than "
            f"the operation journal keeps entries): check the environment's history in {where}",
            ctx.now,
        )
    # Never journalled, so never sent (the journal is written before the POST).
    return await start(replace(st, status=PENDING, intent_key=None))


async def journalled(
    service: ProjectService | PowerPlatformService, key: str
) -> TrackedOperation | str | None:
    """The journal's entry for `key`; None: provably absent; a str: cannot tell (why)."""
    from lcs_tui.service.journal import JournalError

    op = service.operations.get(key)
    if op is not None:
        return op
    journal = service.journal
    if journal is None:
        return "no operation journal: cannot tell whether this step started"
    try:
        stored = await asyncio.to_thread(journal.load)
    except JournalError as exc:
        return f"the operation journal cannot be read ({exc}); waiting"
    if journal.recovered_from is not None:
        return f"cannot tell whether this step started: {journal.recovered_from}"
    await service.read_journal()
    return next((o for o in stored if o.key == key), None)


async def _follow(ctx: StepContext, step: Refresh | Export, st: StepState) -> StepState:
    service = ctx.service
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
                "it is not started again: check the environment's history in the LCS portal",
                ctx.now,
            )
        op = found
    if ctx.polls_operations and (op.needs_watching or op.needs_reconciling):
        try:
            await service.poll(op)
        except LcsError as exc:
            return replace(st, message=f"status check failed ({exc.message}); trying again")
        op = service.operations.get(key, op)
    st = replace(
        st, activity_id=op.activity_id or st.activity_id, started_at=op.started_at or st.started_at
    )
    if op.needs_reconciling:
        checked = checked_absent_at(op)
        if checked is not None and op.requested_at and checked >= op.requested_at + RECONCILE_AFTER:
            return replace(st, status=NEEDS_YOU, message=op.message)
        return replace(st, status=RUNNING, message=op.message or "looking for it in the history")
    if op.status in (NOT_STARTED_LOCALLY, NOT_FOUND):
        return failed(st, op.message or "LCS did not start it", ctx.now)
    if op.finished:
        from lcs_tui.api import Outcome

        if op.outcome is Outcome.SUCCEEDED:
            if isinstance(step, Export):
                await ctx.upkeep.backups(force=True)
            return replace(
                st, status=DONE, message=op.status, finished_at=op.finished_at or ctx.now
            )
        return failed(st, f"{op.title()} ended with {op.status}", op.finished_at or ctx.now)
    return replace(st, status=RUNNING, message=op.status)


def _sign_in_error(exc: BaseException) -> bool:
    from lcs_tui.auth.errors import SignInError

    return isinstance(exc, SignInError)


# ------------------------------------------------------------ wait


async def advance_wait(ctx: StepContext, step: Wait, st: StepState) -> StepState:
    if st.look_again_at is not None and ctx.now < st.look_again_at:
        return st
    if step.until is not None:
        at = to_utc(step.until, step.zone)
        if ctx.now >= at:
            return replace(st, status=DONE, message=None, finished_at=ctx.now)
        return waiting(st, f"until {shown(at, step.zone)}", at)
    await ctx.upkeep.environments()
    wanted = step.quota or step.idle or ""
    env = find_environment(ctx.service, wanted)
    if env is None:
        return failed(st, f"no environment {wanted} in project {ctx.service.project_id}", ctx.now)
    reason = await _wait_reason(ctx, [env], env)
    if step.quota is not None:
        quota = ctx.service.quota(env.id)
        if quota is not None and quota.left <= 0 and reason is not None:
            return waiting(st, *reason)
    elif reason is not None:
        return waiting(st, *reason)
    return replace(st, status=DONE, message=None, finished_at=ctx.now)
