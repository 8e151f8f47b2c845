"""`lcs-tui refresh`, `lcs-tui export`: starting database operations (status.py: `status`).

Starting goes through the project service, exactly as in the app: the
environments and the recent history of every environment involved are loaded
so the quota and busy checks see what LCS sees, the operation is written to
the journal before the POST, and the POST is never retried. `--wait` then
follows the operation until LCS reports a final status.
"""

from __future__ import annotations

import argparse
import dataclasses
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from lcs_tui.commands import exit_codes
from lcs_tui.commands.failures import Failure, usage
from lcs_tui.commands.history_lookup import (
    LOOK_FOR_LOST_LIMIT,
    look_for_lost,
)
from lcs_tui.commands.operation_view import (
    OperationView,
    finish,
    resume_command,
    watch_operation,
)
from lcs_tui.commands.output import command_line, err
from lcs_tui.commands.runtime import (
    Context,
    add_common_options,
    add_start_options,
    check_may_change,
    confirm_by_typing,
    confirm_yes_no,
    find_environment,
    refuse_early,
    run_command,
)

if TYPE_CHECKING:
    from lcs_tui.service.checks import Problem
    from lcs_tui.service.operations import TrackedOperation
    from lcs_tui.service.quota import Quota


def register(subparsers: Any) -> None:
    refresh = subparsers.add_parser(
        "refresh",
        help="copy one environment's database over a sandbox's",
        description="Refresh a sandbox: replace the target's database by a copy of the "
        "source's. Checked first (sandbox target, quota, busy); in a terminal you confirm "
        "by typing the target's name, in a script pass --yes.",
    )
    refresh.add_argument("--source", required=True, metavar="ENV", help="copy from (name or id)")
    refresh.add_argument("--target", required=True, metavar="ENV", help="sandbox to overwrite")
    add_common_options(refresh)
    add_start_options(refresh, can_wait=True)
    refresh.set_defaults(func=_starting("refresh", "refresh a sandbox", _refresh))

    export = subparsers.add_parser(
        "export",
        help="export a sandbox's database to the asset library as a backup",
        description="Export a sandbox's database as a .bacpac to the project's asset library. "
        "The backup then appears in `lcs-tui backups`.",
    )
    export.add_argument("--env", required=True, metavar="ENV", help="sandbox to export")
    export.add_argument(
        "--name",
        required=True,
        help="backup name: letters, digits, - and _ (no extension; LCS adds .bacpac)",
    )
    add_common_options(export)
    add_start_options(export, can_wait=True)
    export.set_defaults(func=_starting("export", "export a database", _export))

    # The operations of Power Platform profiles register beside LCS's.
    from lcs_tui.commands import pp_backup, pp_operations

    pp_operations.register(subparsers)
    pp_backup.register(subparsers)


def _starting(
    command: str, what: str, body: Callable[[Context], Awaitable[int]]
) -> Callable[[argparse.Namespace], int]:
    def func(args: argparse.Namespace) -> int:
        # Before any sign-in or network: a script without --yes learns at once.
        refused = check_may_change(args, what)
        if refused is not None:
            return refuse_early(args, command, refused)
        if not args.wait and (args.timeout is not None or args.interval is not None):
            err("note: --timeout and --interval apply only with --wait")
        return run_command(args, command, body)

    return func


# ------------------------------------------------------------ starting


async def _prepare_checks(ctx: Context, env_ids: list[str]) -> None:
    """Give the checks what they need: recent history and up-to-date journal entries."""
    from lcs_tui.api import LcsRejected

    service = ctx.service
    involved = list(dict.fromkeys(env_ids))
    for env_id in involved:
        await service.load_recent_history(env_id)
    # A crash between journal and POST left "Starting": settle it from the
    # history, never by sending again.
    for op in service.reconcile_starting():
        err(f"note: {op.title()}: {op.message}")
    # Operations started earlier without --wait still say "NotStarted" in the
    # journal; ask LCS, or a long-finished one would keep the environment "busy".
    for op in service.active_operations():
        if op.poll_environment_id in involved or op.source_environment_id in involved:
            try:
                await service.poll(op)
            except LcsRejected as exc:
                err(f"note: could not update {op.title()} ({op.activity_id}): {exc.message}")


def _refused(problems: list[Problem], quota: Quota | None) -> Failure:
    messages = tuple(dict.fromkeys(p.message for p in problems))  # source == target: once
    if quota is not None and quota.left == 0 and len(problems) == 1:
        # The same situation LCS would answer with its quota message: exit 6.
        return Failure(
            exit_codes.QUOTA,
            f"not sent to LCS: {messages[0]}",
            "wait until the quota frees up, or use another environment",
            frees_at=quota.next_frees_at,
            problems=messages,
        )
    return Failure(
        exit_codes.REFUSED,
        "not sent to LCS: " + "; ".join(messages),
        "nothing was started; fix the above and run the command again",
        problems=messages,
    )


async def _refresh(ctx: Context) -> int:
    service = ctx.service
    await service.load_environments()
    source = find_environment(service, ctx.args.source)
    target = find_environment(service, ctx.args.target)
    view = OperationView(
        "refresh", "refresh", ctx.profile_name, service.project_id, target, source=source
    )
    known: set[str] = set()
    try:
        await _prepare_checks(ctx, [target.id, source.id])
        problems = service.refresh_problems(source.id, target.id)
        if problems:
            return finish(ctx, view, _refused(problems, service.quota(target.id)))
        if not ctx.args.yes:
            confirm_by_typing(
                target.name,
                [
                    f"Refresh {target.name} from {source.name}?",
                    f"  The database of {target.name} will be REPLACED by a copy of "
                    f"{source.name}'s.",
                    f"  {target.name} goes offline at once, without warning to its users.",
                    "  Everything in its database now is lost.",
                    "  The operation cannot be cancelled and can take up to 24 hours.",
                    f"  It uses one of {target.name}'s 3 operations per 24 hours.",
                ],
            )
        known = set(service.operations)
        op = await service.start_refresh(source.id, target.id)
    except Exception as exc:
        return await _failed_to_start(ctx, view, exc, known)
    return await _follow(ctx, view, op)


async def _export(ctx: Context) -> int:
    from lcs_tui.service.checks import backup_name_problem

    name_problem = backup_name_problem(ctx.args.name)
    if name_problem:
        raise usage(f"--name {ctx.args.name!r}: {name_problem}")
    service = ctx.service
    await service.load_environments()
    env = find_environment(service, ctx.args.env)
    view = OperationView(
        "export", "export", ctx.profile_name, service.project_id, env, backup_name=ctx.args.name
    )
    known: set[str] = set()
    try:
        await service.load_backups()  # the name must not be taken
        await _prepare_checks(ctx, [env.id])
        problems = service.export_problems(env.id, ctx.args.name)
        if problems:
            return finish(ctx, view, _refused(problems, service.quota(env.id)))
        if not ctx.args.yes:
            confirm_yes_no(
                f"Export {env.name} as {ctx.args.name}?",
                [
                    f"Export the database of {env.name} to the asset library as "
                    f"{ctx.args.name}.bacpac.",
                    f"  It uses one of {env.name}'s 3 operations per 24 hours.",
                ],
            )
        known = set(service.operations)
        op = await service.start_export(env.id, ctx.args.name)
    except Exception as exc:
        return await _failed_to_start(ctx, view, exc, known)
    return await _follow(ctx, view, op)


async def _failed_to_start(
    ctx: Context, view: OperationView, exc: Exception, known: set[str]
) -> int:
    """Report a start that did not go through; after a lost answer, look first.

    `known`: the keys of the operations tracked before the start, so the one
    this start journalled can be told apart.
    """
    from lcs_tui.service.journal import JournalError
    from lcs_tui.service.project import ActionRefused

    if isinstance(exc, ActionRefused) and isinstance(exc.__cause__, JournalError):
        # No journal entry, no POST: a local problem, and nothing was sent.
        failure = Failure(
            exit_codes.CONFIG,
            exc.problems[0].message,
            "make the state directory writable (or point LCS_TUI_STATE_DIR elsewhere)",
        )
    elif isinstance(exc, ActionRefused):
        # Checked just before, so only a change in between gets here.
        failure = _refused(exc.problems, None)
    else:
        found = ctx.failure(exc)
        if found is None:
            raise exc
        failure = found
    if failure.code == exit_codes.OUTCOME_UNKNOWN:
        started = await look_for_lost(ctx, view, known)
        if started is not None:
            err(
                f"LCS's answer was lost, but the history of {view.environment.name} shows "
                f"the {view.kind}: it did start"
            )
            return await _follow(ctx, view, started)
        history = command_line("lcs-tui", "history", view.environment.name)
        failure = dataclasses.replace(
            failure,
            hint=f"do NOT simply run the command again: it was not in the history of "
            f"{view.environment.name} within {LOOK_FOR_LOST_LIMIT:g} s, but LCS may still "
            f"list it; check first with {history} or in the LCS portal",
        )
    return finish(ctx, view, failure)


async def _follow(ctx: Context, view: OperationView, op: TrackedOperation) -> int:
    """After LCS accepted the operation: report it, and with --wait watch it."""
    service = ctx.service
    view.activity_id, view.status = op.activity_id, op.status
    view.started_at = op.started_at
    err(f"{view.label} started; activity id {op.activity_id}")

    async def poll() -> tuple[str, datetime | None]:
        current = service.operations[op.key]
        await service.poll(current)
        latest = service.operations[op.key]
        return latest.status, latest.finished_at

    if not ctx.args.wait:
        err(f"follow it with: {resume_command(view)}")
        return finish(ctx, view, None)
    return finish(ctx, view, await watch_operation(ctx, view, poll, poll_first=False))
