"""`lcs-tui copy` and `lcs-tui restore`: the refresh of unified environments.

For Power Platform profiles.

Starting goes through the Power Platform service, exactly as in the app:
the environments, the target's operation history (a target busy with
another lifecycle operation is refused) and the journal are brought up to
date; the direction rules are checked and explained; Power Platform's
validate-only call answers before anything is sent (`--validate-only`
stops there); the target's name is typed to confirm (or `--yes`); the
operation is journalled before its POST, and the POST is never retried.
`--wait` then follows it through its stages until it ends, for 24 hours
unless `--timeout` says otherwise.
"""

from __future__ import annotations

import argparse
import dataclasses
from typing import TYPE_CHECKING, Any

from lcs_tui.commands import exit_codes
from lcs_tui.commands.failures import Failure, usage
from lcs_tui.commands.output import command_line, err
from lcs_tui.commands.pp_view import (
    PpOperationView,
    find_pp_environment,
    finish_pp,
    resume_pp_command,
    watch_pp,
)
from lcs_tui.commands.runtime import (
    Context,
    add_common_options,
    add_start_options,
    check_may_change,
    confirm_by_typing,
    refuse_early,
    run_command,
)

if TYPE_CHECKING:
    from lcs_tui.service.checks import Problem
    from lcs_tui.service.operations import TrackedOperation

#: After a lost start answer: when (seconds after) the target's history is read.
LOOK_FOR_LOST_AT = (0.0, 15.0, 45.0)


def register(subparsers: Any) -> None:
    from lcs_tui.ppac.requests import COPY_TRANSACTIONLESS, COPY_TYPES

    copy = subparsers.add_parser(
        "copy",
        help="copy one unified or LCS-linked environment over a unified one (Power Platform)",
        description="Copy an environment into a unified sandbox or developer environment "
        "(Power Platform profiles): the target is OVERWRITTEN. Checked first (direction, "
        "region, busy target), validated by Power Platform, then confirmed by typing the "
        "target's name (or --yes).",
    )
    copy.add_argument("--source", required=True, metavar="ENV", help="copy from (name or id)")
    copy.add_argument("--target", required=True, metavar="ENV", help="environment to overwrite")
    copy.add_argument(
        "--type",
        default=COPY_TRANSACTIONLESS,
        choices=list(COPY_TYPES),
        help="; ".join(f"{k}: {v}" for k, v in COPY_TYPES.items())
        + f" (default: {COPY_TRANSACTIONLESS}, as the app's copy dialog)",
    )
    copy.add_argument(
        "--keep-audit-data",
        action="store_true",
        help="copy the audit data too (left out by default, as in the admin center)",
    )
    _add_validate_only(copy)
    add_common_options(copy)
    add_start_options(copy, can_wait=True)
    copy.set_defaults(func=_starting("copy", "copy an environment", _copy))

    restore = subparsers.add_parser(
        "restore",
        help="restore a backup or a point in time into a unified sandbox (Power Platform)",
        description="Restore an environment's backup (--backup) or a point in time (--time) "
        "into a unified sandbox (Power Platform profiles): the target is OVERWRITTEN. "
        "Checked, validated, confirmed by typing the target's name (or --yes).",
    )
    restore.add_argument("--target", required=True, metavar="ENV", help="sandbox to overwrite")
    restore.add_argument(
        "--source", metavar="ENV", help="whose backups (default: the target itself)"
    )
    point = restore.add_mutually_exclusive_group(required=True)
    point.add_argument("--backup", metavar="LABEL-OR-ID", help="a backup of the source")
    point.add_argument(
        "--time", metavar="RFC3339", help="a point in time with its offset, e.g. 2026-11-19T07:30Z"
    )
    restore.add_argument(
        "--keep-audit-data", action="store_true", help="restore the audit data too"
    )
    _add_validate_only(restore)
    add_common_options(restore)
    add_start_options(restore, can_wait=True)
    restore.set_defaults(func=_starting("restore", "restore an environment", _restore))


def _add_validate_only(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--validate-only",
        action="store_true",
        help="only ask Power Platform whether it would be accepted; nothing is started",
    )


def _starting(command: str, what: str, body: Any) -> Any:
    def func(args: argparse.Namespace) -> int:
        if not args.validate_only:
            refused = check_may_change(args, what)
            if refused is not None:
                return refuse_early(args, command, refused)
        if not args.wait and (args.timeout is not None or args.interval is not None):
            err("note: --timeout and --interval apply only with --wait")
        return run_command(args, command, body, backend="powerplatform")

    return func


# -- copy ------------------------------------------------------------------------------------


async def _copy(ctx: Context) -> int:
    from lcs_tui.api import LcsError
    from lcs_tui.ppac.requests import COPY_TYPES, CopyOptions

    service = ctx.ppac
    await service.load_environments(include_all=True)
    source = find_pp_environment(service, ctx.args.source)
    target = find_pp_environment(service, ctx.args.target)
    options = CopyOptions(ctx.args.type, skip_audit_data=not ctx.args.keep_audit_data)
    view = PpOperationView(
        "copy",
        "copy",
        ctx.profile_name,
        target,
        source=source,
        options=options,
        skip_audit_data=options.skip_audit_data,
        validate_only=ctx.args.validate_only,
    )
    known: set[str] = set()
    try:
        await _prepare(ctx, target.id)
        try:
            await service.load_copy_candidates(source.id)
        except LcsError as exc:
            err(f"note: the copy candidates of {source.name} could not be read: {exc.message}")
        verdict = service.copy_verdict(source.id, target.id)
        if verdict.problems:
            return finish_pp(ctx, view, _refused(verdict.problems))
        for note in verdict.notes:
            err(f"note: {note}")
        view.validation = await service.validate_copy(source.id, target.id, options)
        if not view.validation.passed:
            return finish_pp(ctx, view, _invalid(view))
        err(f"Power Platform validated the copy of {source.name} into {target.name}")
        if ctx.args.validate_only:
            return finish_pp(ctx, view, None)
        if not ctx.args.yes:
            confirm_by_typing(
                target.name,
                [
                    f"Copy {source.name} into {target.name}?",
                    f"  {target.name} is OVERWRITTEN: {COPY_TYPES[options.copy_type]}.",
                    "  Audit data is "
                    + ("left out." if options.skip_audit_data else "copied too."),
                    f"  {target.name} is left in administration mode afterwards (background "
                    "operations off) until you turn that off in the Power Platform admin center.",
                    "  It cannot be cancelled and takes up to 8 hours (24 with much data).",
                ],
            )
        known = set(service.operations)
        op = await service.start_copy(source.id, target.id, options)
    except Exception as exc:
        return await _failed_to_start(ctx, view, exc, known)
    return await _follow(ctx, view, op)


# -- restore ------------------------------------------------------------------------------


async def _restore(ctx: Context) -> int:
    from lcs_tui.ppac.requests import RestorePoint

    service = ctx.ppac
    point_time = _point_in_time(ctx.args.time) if ctx.args.time else None
    await service.load_environments(include_all=True)
    target = find_pp_environment(service, ctx.args.target)
    source = find_pp_environment(service, ctx.args.source) if ctx.args.source else target
    if point_time is not None:
        point = RestorePoint(point_time)
    else:
        backups = await service.load_backups(source.id)
        wanted = ctx.args.backup
        found = [b for b in backups if b.id == wanted or (b.label or "") == wanted]
        if not found:
            found = [b for b in backups if (b.label or "").lower() == wanted.lower()]
        if len(found) != 1 or found[0].point is None:
            listed = ", ".join(b.label or b.id for b in backups if b.label) or "none"
            raise usage(
                f"no backup {wanted!r} of {source.name}"
                if not found
                else f"{wanted!r} names several backups of {source.name}; give its id",
                f"lcs-tui backup list --env {source.name} lists them (manual ones: {listed})",
            )
        backup = found[0]
        assert backup.point is not None
        point = RestorePoint(backup.point, backup.point_text, backup.id, backup.label)
    skip = not ctx.args.keep_audit_data
    view = PpOperationView(
        "restore",
        "restore",
        ctx.profile_name,
        target,
        source=source,
        point=point,
        skip_audit_data=skip,
        validate_only=ctx.args.validate_only,
    )
    known: set[str] = set()
    try:
        await _prepare(ctx, target.id)
        verdict = service.restore_verdict(source.id, target.id, point)
        if verdict.problems:
            return finish_pp(ctx, view, _refused(verdict.problems))
        for note in verdict.notes:
            err(f"note: {note}")
        view.validation = await service.validate_restore(
            source.id, target.id, point, skip_audit_data=skip
        )
        if not view.validation.passed:
            return finish_pp(ctx, view, _invalid(view))
        err(f"Power Platform validated the restore into {target.name}")
        if ctx.args.validate_only:
            return finish_pp(ctx, view, None)
        if not ctx.args.yes:
            what = f"backup {point.backup_label}" if point.backup_label else "the state"
            confirm_by_typing(
                target.name,
                [
                    f"Restore {target.name} to {what} of {source.name} at {point.wire}?",
                    f"  Everything in {target.name} now is OVERWRITTEN.",
                    f"  {target.name} is placed in administration mode afterwards.",
                    "  It cannot be cancelled and takes up to 8 hours (24 with much data).",
                ],
            )
        known = set(service.operations)
        op = await service.start_restore(source.id, target.id, point, skip_audit_data=skip)
    except Exception as exc:
        return await _failed_to_start(ctx, view, exc, known)
    return await _follow(ctx, view, op)


def _point_in_time(text: str) -> Any:
    from lcs_tui.ppac.requests import parse_point

    moment = parse_point(text)
    if moment is None:
        raise usage(
            f"--time {text!r} is not a date and time with its offset (RFC 3339)",
            "e.g. --time 2026-11-19T07:30:00Z or --time 2026-11-19T08:30:00+01:00",
        )
    return moment


# -- shared ------------------------------------------------------------------------------------


async def _prepare(ctx: Context, target_id: str) -> None:
    """The target's operation history (busy?), and the journal's entries brought up to date."""
    from lcs_tui.api import LcsError

    service = ctx.ppac
    await service.load_history(target_id)
    for op in await service.reconcile():
        err(f"note: {op.title()}: {op.message}")
    for op in service.active_operations():
        if op.poll_environment_id == target_id:
            try:
                await service.poll(op)
            except LcsError as exc:
                err(f"note: could not update {op.title()} ({op.activity_id}): {exc.message}")


def _refused(problems: list[Problem]) -> Failure:
    messages = tuple(dict.fromkeys(p.message for p in problems))
    return Failure(
        exit_codes.REFUSED,
        "not sent to Power Platform: " + "; ".join(messages),
        "nothing was started; fix the above and run the command again",
        problems=messages,
    )


def _invalid(view: PpOperationView) -> Failure:
    assert view.validation is not None
    problems = view.validation.problems
    return Failure(
        exit_codes.REJECTED,
        f"Power Platform's validation refused the {view.kind}: " + "; ".join(problems),
        "nothing was started; fix the above and run the command again",
        problems=problems,
    )


async def _failed_to_start(
    ctx: Context, view: PpOperationView, exc: Exception, known: set[str]
) -> int:
    from lcs_tui.ppac.errors import PpValidationFailed
    from lcs_tui.service.journal import JournalError
    from lcs_tui.service.project import ActionRefused

    if isinstance(exc, ActionRefused) and isinstance(exc.__cause__, JournalError):
        failure = Failure(
            exit_codes.CONFIG,
            exc.problems[0].message,
            "make the state directory writable (or point LCS_TUI_STATE_DIR elsewhere)",
        )
    elif isinstance(exc, ActionRefused):
        failure = _refused(exc.problems)
    else:
        found = ctx.failure(exc)
        if found is None:
            raise exc
        failure = found
        if isinstance(exc, PpValidationFailed) and not failure.problems:
            failure = dataclasses.replace(failure, problems=(exc.error_message,))
    if failure.code == exit_codes.OUTCOME_UNKNOWN:
        started = await _look_for_lost(ctx, view, known)
        if started is not None:
            err(
                f"the answer was lost, but the operation history of {view.environment.name} "
                f"shows the {view.kind}: it did start"
            )
            return await _follow(ctx, view, started)
        history = command_line("lcs-tui", "history", view.environment.name)
        failure = dataclasses.replace(
            failure,
            hint=f"do NOT simply run the command again: it was not in the operation history of "
            f"{view.environment.name} within a minute, but it may still show up there; check "
            f"first with {history} or in the Power Platform admin center",
        )
    return finish_pp(ctx, view, failure)


async def _look_for_lost(
    ctx: Context, view: PpOperationView, known: set[str]
) -> TrackedOperation | None:
    """The journal entry this start made, once the target's history shows its operation."""
    from lcs_tui.api import LcsError

    service = ctx.ppac
    mine = [key for key in service.operations if key not in known]
    if not mine:
        return None
    key = mine[0]
    began = ctx.runtime.monotonic()
    for at in LOOK_FOR_LOST_AT:
        delay = at - (ctx.runtime.monotonic() - began)
        if delay > 0:
            await ctx.runtime.sleep(delay)
        try:
            await service.load_history(view.environment.id)
        except LcsError as exc:
            err(f"note: the operation history could not be read: {exc.message}")
            continue
        service.reconcile_starting()
        op = service.operations.get(key)
        if op is not None and op.activity_id is not None:
            return op
    return None


async def _follow(ctx: Context, view: PpOperationView, op: TrackedOperation) -> int:
    view.take(op)
    if op.activity_id:
        err(f"{view.label} started; operation id {op.activity_id}")
    else:
        err(f"{view.label} accepted; its operation id is looked up in the target's history")
    if op.message:
        err(f"note: {op.message}")
    if not ctx.args.wait:
        if op.activity_id:
            err(f"follow it with: {resume_pp_command(view)}")
        return finish_pp(ctx, view, None)
    failure = await watch_pp(ctx, view, op.key, poll_first=False)
    return finish_pp(ctx, view, failure)
