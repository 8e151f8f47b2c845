"""`lcs-tui status ACTIVITY_ID [--env ENV]`: a refresh's or export's status by its id.

With `--env` LCS is asked about the operation on that environment (the
refresh's target, the export's environment), as it looks operations up.
Without it the id is looked for first in the journal (operations started on
this machine), then in the recent history of each sandbox — the
environments refreshes and exports run on. With several profiles
(`--profile a,b`, `--all-profiles`) the id is looked for in each, at once;
a profile without it is no failure, as an operation belongs to one project.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from lcs_tui.commands import exit_codes
from lcs_tui.commands.across import (
    ProfileRun,
    add_profiles_option,
    report_failed_profiles,
    run_for_profiles,
    worst,
)
from lcs_tui.commands.failures import CommandFailure, Failure
from lcs_tui.commands.history_lookup import history_entry, kind_of
from lcs_tui.commands.operation_view import (
    OperationView,
    confirmed,
    finish,
    not_found,
    print_human,
    settle,
    watch_operation,
)
from lcs_tui.commands.output import emit_json, err, out, schema_id
from lcs_tui.commands.pp_reading import PpStatusRead, pp_status, read_pp_status
from lcs_tui.commands.runtime import (
    Context,
    add_common_options,
    add_wait_options,
    find_environment,
    lookup_environment,
)
from lcs_tui.commands.suggest import unknown_in_profiles

if TYPE_CHECKING:
    from lcs_tui.api import Environment, HistoryEntry
    from lcs_tui.service.operations import TrackedOperation

#: Where an operation is: its environment, the journal's entry, the history's entry.
Subject = tuple["Environment", "TrackedOperation | None", "HistoryEntry | None"]


def register(subparsers: Any) -> None:
    status = subparsers.add_parser(
        "status",
        help="show (or --wait for) an operation's status by its activity id",
        description="Show the status of a refresh or export, also one started in the portal "
        "or by another tool. ENV is the refresh's target or the export's environment; "
        "without --env the id is looked for in the journal and in each sandbox's recent "
        "history.",
    )
    status.add_argument("activity_id", metavar="ACTIVITY_ID", help="the operation's activity id")
    status.add_argument(
        "--env",
        metavar="ENV",
        help="environment name or id (default: look for the id in each sandbox's history)",
    )
    add_common_options(status)
    add_profiles_option(status)
    status.add_argument("--wait", action="store_true", help="wait until a final status")
    add_wait_options(status, optional_wait=False)
    status.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    return run_for_profiles(
        args, "status", single=_status, read=read_any_status, report=report_status
    )


async def read_any_status(ctx: Context) -> StatusRead | PpStatusRead:
    """The operation in this profile, whichever its backend (several profiles at once)."""
    if ctx.backend == "powerplatform":
        return await read_pp_status(ctx)
    return await read_status(ctx)


# ------------------------------------------------------------ one profile


async def _status(ctx: Context) -> int:
    if ctx.backend == "powerplatform":
        return await pp_status(ctx)
    subject = await _subject(ctx, strict=True)
    if subject is None:  # only without --env: there is no environment to report on
        raise CommandFailure(_not_located(ctx))
    view, failure, _ = await _status_of(ctx, *subject)
    if failure is None:
        from lcs_tui.commands.eta_line import say_eta

        await say_eta(ctx, view)
    return finish(ctx, view, failure)


@dataclass
class StatusRead:
    """One of several profiles: whether the operation is there, and what it is."""

    found: bool
    #: The project's environments (to suggest names when --env is in none).
    environments: list[Environment]
    #: --env names an environment of this project.
    has_env: bool = True
    view: OperationView | None = None
    failure: Failure | None = None

    @property
    def code(self) -> int:
        return self.failure.code if self.failure is not None else exit_codes.OK


async def read_status(ctx: Context) -> StatusRead:
    subject = await _subject(ctx, strict=False)
    envs = list(ctx.service.environments.values())
    if subject is None:
        if ctx.args.env is not None:
            return StatusRead(False, envs, has_env=False)
        err(f"note: no operation {ctx.args.activity_id} in project {ctx.service.project_id}")
        return StatusRead(False, envs)
    view, failure, unknown = await _status_of(ctx, *subject)
    if unknown:  # LCS knows no such operation on that environment: not in this project
        err(f"note: LCS knows no operation {ctx.args.activity_id} on {view.environment.name}")
        return StatusRead(False, envs)
    return StatusRead(True, envs, view=view, failure=settle(view, failure))


async def _subject(ctx: Context, *, strict: bool) -> Subject | None:
    """Where the operation is; None when it is not in this project (as far as can be seen)."""
    from lcs_tui.service.ordering import display_order

    service = ctx.service
    await service.load_environments()
    wanted = ctx.args.activity_id.lower()
    journalled = [
        op
        for op in service.operations.values()
        if op.activity_id and op.activity_id.lower() == wanted
    ]
    if ctx.args.env is not None:
        env = (find_environment if strict else lookup_environment)(service, ctx.args.env)
        if env is None:
            return None
        tracked = next((op for op in journalled if op.poll_environment_id == env.id), None)
        return env, tracked, None
    for op in journalled:
        env = service.environments.get(op.poll_environment_id)
        if env is not None:
            return env, op, None
    sandboxes = [e for e in display_order(list(service.environments.values())) if e.is_sandbox]
    err(
        f"looking for {ctx.args.activity_id} in the recent history of "
        f"{len(sandboxes)} sandboxes (--env ENV asks LCS directly)"
    )
    for env in sandboxes:
        entries = await service.load_recent_history(env.id)
        entry = next((h for h in entries if (h.activity_id or "").lower() == wanted), None)
        if entry is not None:
            return env, None, entry
    return None


def _not_located(ctx: Context) -> Failure:
    return Failure(
        exit_codes.REJECTED,
        f"not found: no operation with activity id {ctx.args.activity_id} in the journal "
        f"or the recent history of the sandboxes of project {ctx.service.project_id}",
        "check the id; --env ENV (the refresh's target or the export's environment) asks "
        "LCS directly, also about older operations",
    )


async def _status_of(
    ctx: Context,
    env: Environment,
    tracked: TrackedOperation | None,
    entry: HistoryEntry | None,
) -> tuple[OperationView, Failure | None, bool]:
    """Ask LCS (with --wait until a final status): the view, its failure, and
    whether LCS said it knows no such operation there."""
    from lcs_tui.api import LcsRejected
    from lcs_tui.service.operations import NOT_FOUND

    service = ctx.service
    activity: str = ctx.args.activity_id
    view = OperationView(
        "status", None, ctx.profile_name, service.project_id, env, activity_id=activity
    )
    if tracked is not None:
        view.kind, view.backup_name = tracked.kind, tracked.backup_name
        view.source = service.environments.get(tracked.source_environment_id or "")
        view.started_at = tracked.started_at
    if tracked is None or tracked.started_at is None:
        # Started in the portal or by another tool: the history knows what and when.
        if entry is None:
            entry = await history_entry(ctx, env, activity)
        if entry is not None:
            view.kind = view.kind or kind_of(entry)
            view.started_at = view.started_at or entry.started
    unknown = False

    async def poll() -> tuple[str, datetime | None]:
        nonlocal unknown
        try:
            if tracked is not None:
                # Known to the journal (started here): keep its entry current too.
                current = service.operations[tracked.key]
                await service.poll(current)
                latest = service.operations[tracked.key]
                if latest.status == NOT_FOUND:
                    unknown = True
                    raise CommandFailure(not_found(view, latest.message))
                return latest.status, latest.finished_at
            report = await service.client.operation_status(service.project_id, env.id, activity)
        except LcsRejected as exc:
            unknown = True
            raise CommandFailure(not_found(view, exc.message, exc)) from exc
        return report.status.word, report.completion_date

    if ctx.args.wait:
        return view, await watch_operation(ctx, view, poll, poll_first=True), unknown
    try:
        view.status, view.completed_at = await poll()
    except Exception as exc:
        found = ctx.failure(exc)
        if found is None:
            raise
        return view, found, unknown
    return view, None, unknown


# ------------------------------------------------------------ several profiles


def report_status(
    args: argparse.Namespace, runs: list[ProfileRun[StatusRead | PpStatusRead]]
) -> int:
    found = [(run.name, read) for run in runs if (read := run.result) is not None and read.found]
    searched = [(run.name, read) for run in runs if (read := run.result) is not None]
    nowhere = None
    if searched and not any(read.has_env for _, read in searched):
        nowhere = unknown_in_profiles(
            args.env,
            [(name, read.environments) for name, read in searched],
            [run.name for run in runs if run.result is None],
        )
    elif searched and not found:
        on = f" on {args.env}" if args.env else ""
        nowhere = Failure(
            exit_codes.REJECTED,
            f"not found: no operation with activity id {args.activity_id}{on} in profiles "
            + ", ".join(name for name, _ in searched),
            "check the id"
            + ("" if args.env else "; --env ENV asks LCS directly, also about older operations"),
        )
    entries = [_profile_json(run) for run in runs]
    code = worst([entry["exit_code"] for entry in entries] + ([nowhere.code] if nowhere else []))
    if args.json:
        emit_json(
            {
                "schema": schema_id("status-profiles"),
                "exit_code": code,
                "error": nowhere.to_json() if nowhere else None,
                "activity_id": args.activity_id,
                "profiles": entries,
                "operations": [
                    read.view.to_json(read.code, read.failure)
                    for _, read in found
                    if read.view is not None
                ],
            }
        )
    else:
        from lcs_tui.commands.pp_view import PpOperationView, print_pp_human

        index = 0
        for name, read in found:
            view = read.view
            if isinstance(view, PpOperationView):
                if view.status is None and view.operation_id is None:
                    continue
                if index:
                    out()
                print_pp_human(view, profile=name)
            elif view is not None and confirmed(view):
                if index:
                    out()
                print_human(view, profile=name)
            else:
                continue
            index += 1
    if nowhere is not None:
        nowhere.print()
    report_failed_profiles(runs)
    return code


def _profile_json(run: ProfileRun[StatusRead | PpStatusRead]) -> dict[str, Any]:
    """A profile's entry: its outcome — the operation's, when it is there."""
    entry = run.to_json()
    read = run.result
    entry["found"] = None if read is None else read.found
    if read is not None and read.found:
        entry["exit_code"] = read.code
        entry["error"] = read.failure.to_json() if read.failure else None
    return entry
