"""`lcs-tui backup list|create|delete --env ENV`: backups of a unified environment.

A Power Platform backup is a label and a point in time kept in the cloud
(PPAC-API.md §4): system backups come by themselves, manual ones are made
here; each expires after the environment's retention. There is no bacpac
and nothing to download — `restore` puts one back into a sandbox.
`create` is sent once (never retried); `delete` asks first.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from lcs_tui.commands import exit_codes
from lcs_tui.commands.failures import CommandFailure, Failure, usage
from lcs_tui.commands.output import emit_json, err, iso, print_table, schema_id, shown
from lcs_tui.commands.pp_view import environment_ref, find_pp_environment
from lcs_tui.commands.runtime import (
    Context,
    add_common_options,
    add_start_options,
    check_may_change,
    confirm_yes_no,
    refuse_early,
    run_command,
)

if TYPE_CHECKING:
    from lcs_tui.ppac.models import PpEnvironment
    from lcs_tui.ppac.operation_models import PpBackup


def register(subparsers: Any) -> None:
    backup = subparsers.add_parser(
        "backup",
        help="list, create or delete a unified environment's backups (Power Platform)",
        description="Backups of a unified environment (Power Platform profiles): a label and a "
        "point in time kept in the cloud, never a file to download. Restore one with "
        "lcs-tui restore.",
    )
    actions = backup.add_subparsers(dest="backup_command", metavar="ACTION", required=True)

    listing = actions.add_parser(
        "list",
        help="system and manual backups, newest first",
        description="List an environment's system and manual backups, newest first, with the "
        "point each restores to and when it expires.",
    )
    listing.add_argument("--env", required=True, metavar="ENV", help="environment name or id")
    add_common_options(listing)
    listing.set_defaults(func=_run("backup list", _list))

    create = actions.add_parser(
        "create",
        help="a manual backup with a label",
        description="Make a manual backup of an environment: a label and the point in time "
        "it is made at, kept in the cloud until the environment's retention ends. Sent once.",
    )
    create.add_argument("--env", required=True, metavar="ENV", help="environment name or id")
    create.add_argument("--label", required=True, help="what the backup is for (one line)")
    add_common_options(create)
    add_start_options(create, can_wait=False)
    create.set_defaults(func=_starting("backup create", "create a backup", _create))

    delete = actions.add_parser(
        "delete",
        help="delete a backup (asks first)",
        description="Delete one backup of an environment, by its label or id; the environment "
        "can no longer be restored to it.",
    )
    delete.add_argument("backup", metavar="BACKUP", help="the backup's label or id")
    delete.add_argument("--env", required=True, metavar="ENV", help="environment name or id")
    add_common_options(delete)
    add_start_options(delete, can_wait=False)
    delete.set_defaults(func=_starting("backup delete", "delete a backup", _delete))


def _run(command: str, body: Any) -> Any:
    def func(args: argparse.Namespace) -> int:
        return run_command(args, command, body, backend="powerplatform")

    return func


def _starting(command: str, what: str, body: Any) -> Any:
    def func(args: argparse.Namespace) -> int:
        refused = check_may_change(args, what)
        if refused is not None:
            return refuse_early(args, command, refused)
        return run_command(args, command, body, backend="powerplatform")

    return func


def backup_json(backup: PpBackup) -> dict[str, Any]:
    return {
        "id": backup.id,
        "label": backup.label,
        "kind": "manual" if backup.is_manual else "system",
        "point": iso(backup.point),
        "point_text": backup.point_text,
        "expires": iso(backup.expires),
        "created_by": backup.created_by,
    }


def _document(
    ctx: Context,
    action: str,
    env: PpEnvironment,
    *,
    backups: list[PpBackup] | None = None,
    backup: PpBackup | None = None,
    code: int = exit_codes.OK,
    failure: Failure | None = None,
) -> dict[str, Any]:
    return {
        "schema": schema_id("backup"),
        "exit_code": code,
        "error": failure.to_json() if failure else None,
        "profile": ctx.profile_name,
        "backend": "powerplatform",
        "action": action,
        "environment": environment_ref(env),
        "backups": [backup_json(b) for b in backups] if backups is not None else None,
        "backup": backup_json(backup) if backup is not None else None,
    }


async def _environment(ctx: Context) -> PpEnvironment:
    service = ctx.ppac
    await service.load_environments(include_all=True, details=False)
    return find_pp_environment(service, ctx.args.env)


async def _list(ctx: Context) -> int:
    env = await _environment(ctx)
    backups = await ctx.ppac.load_backups(env.id)
    if ctx.json:
        emit_json(_document(ctx, "list", env, backups=backups))
        return exit_codes.OK
    print_table(
        ["LABEL", "KIND", "POINT (UTC)", "EXPIRES (UTC)", "CREATED BY", "ID"],
        [
            [
                b.label,
                "manual" if b.is_manual else "system",
                shown(b.point),
                shown(b.expires),
                b.created_by,
                b.id,
            ]
            for b in backups
        ],
    )
    if not backups:
        err(f"{env.name} has no backups")
    return exit_codes.OK


async def _create(ctx: Context) -> int:
    from lcs_tui.ppac.rules import backup_label_problem

    label: str = ctx.args.label
    said = backup_label_problem(label)
    if said:
        raise usage(f"--label {label!r}: {said}")
    env = await _environment(ctx)
    problems = ctx.ppac.backup_problems(env.id, label)
    if problems:
        messages = tuple(p.message for p in problems)
        return _end(
            ctx,
            "create",
            env,
            Failure(
                exit_codes.REFUSED,
                "not sent to Power Platform: " + "; ".join(messages),
                "nothing was made",
                problems=messages,
            ),
        )
    if not ctx.args.yes:
        confirm_yes_no(
            f"Create a manual backup of {env.name} labelled {label}?",
            [
                f"A backup of {env.name} as it is now, labelled {label}: a point in time kept "
                "in the cloud until its retention ends (no file to download)."
            ],
        )
    try:
        made = await ctx.ppac.create_backup(env.id, label)
    except Exception as exc:
        found = ctx.failure(exc)
        if found is None:
            raise
        if found.code == exit_codes.OUTCOME_UNKNOWN:
            found = Failure(
                found.code,
                found.message,
                f"do NOT simply run it again: lcs-tui backup list --env {env.name} shows "
                "whether the backup was made",
            )
        return _end(ctx, "create", env, found)
    if made is None:
        err(
            f"Power Platform made the backup {label} of {env.name} (its details follow in the list)"
        )
    else:
        err(f"backup {made.label} of {env.name} made: point {shown(made.point)} UTC")
    if ctx.json:
        emit_json(_document(ctx, "create", env, backup=made))
    elif made is not None:
        print_table(
            ["LABEL", "POINT (UTC)", "EXPIRES (UTC)", "ID"],
            [[made.label, shown(made.point), shown(made.expires), made.id]],
        )
    return exit_codes.OK


async def _delete(ctx: Context) -> int:
    env = await _environment(ctx)
    backups = await ctx.ppac.load_backups(env.id)
    wanted: str = ctx.args.backup
    found = [b for b in backups if b.id == wanted or (b.label or "") == wanted]
    if not found:
        found = [b for b in backups if (b.label or "").lower() == wanted.lower()]
    if len(found) != 1:
        raise CommandFailure(
            Failure(
                exit_codes.USAGE,
                f"no backup {wanted!r} of {env.name}"
                if not found
                else f"{wanted!r} names several backups of {env.name}; give its id",
                f"lcs-tui backup list --env {env.name} lists them",
            )
        )
    backup = found[0]
    if not ctx.args.yes:
        confirm_yes_no(
            f"Delete the backup {backup.shown_name} of {env.name}?",
            [
                f"The backup {backup.shown_name} (point {shown(backup.point)} UTC) is deleted; "
                f"{env.name} can no longer be restored to it."
            ],
        )
    try:
        await ctx.ppac.delete_backup(env.id, backup.id)
    except Exception as exc:
        found_failure = ctx.failure(exc)
        if found_failure is None:
            raise
        return _end(ctx, "delete", env, found_failure, backup=backup)
    err(f"backup {backup.shown_name} of {env.name} deleted")
    if ctx.json:
        emit_json(_document(ctx, "delete", env, backup=backup))
    return exit_codes.OK


def _end(
    ctx: Context,
    action: str,
    env: PpEnvironment,
    failure: Failure,
    *,
    backup: PpBackup | None = None,
) -> int:
    failure.print()
    if ctx.json:
        emit_json(_document(ctx, action, env, backup=backup, code=failure.code, failure=failure))
    return failure.code
