"""`lcs-tui envs`, `lcs-tui backups [--latest]`, `lcs-tui history ENV`.

Read-only views of the project. Tables by default; --json prints the
documents described in docs/scripting.md. `envs` and `history` also read
several profiles at once (`--profile a,b`, `--all-profiles`): each reads
its profile into a result here, and reading_across.py prints them together.
"""

from __future__ import annotations

import argparse
import importlib
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from lcs_tui.commands import exit_codes
from lcs_tui.commands.across import add_profiles_option, run_for_profiles
from lcs_tui.commands.output import emit_json, err, iso, print_table, schema_id, shown
from lcs_tui.commands.pp_reading import (
    PpEnvsRead,
    PpHistoryRead,
    pp_envs,
    pp_history,
    read_pp_envs,
    read_pp_history,
)
from lcs_tui.commands.runtime import (
    Context,
    add_common_options,
    environment_json,
    find_environment,
    lookup_environment,
    run_command,
)
from lcs_tui.service.ordering import display_order

if TYPE_CHECKING:
    from lcs_tui.api import DatabaseBackup, Environment, HistoryEntry
    from lcs_tui.service.quota import Quota

#: The history endpoint allows 6 calls per environment per 30 s; more pages
#: than that in one go would only wait on the limiter.
MAX_HISTORY_PAGES = 6
#: Written by another part of the project; adds `backups download`.
DOWNLOAD_MODULE = "lcs_tui.commands.backups_download"


def register(subparsers: Any) -> None:
    envs = subparsers.add_parser(
        "envs",
        help="list the project's environments",
        description="List the environments of the project. With --quota, also read the "
        "history of every sandbox to show operations left in the last 24 h and whether "
        "it is busy (one history call per sandbox; LCS allows 6 per minute).",
    )
    add_common_options(envs)
    add_profiles_option(envs)
    envs.add_argument(
        "--quota",
        action="store_true",
        help="also show each sandbox's operations left (3 per 24 h) and whether it is busy "
        "(Power Platform: whether each unified environment is busy)",
    )
    envs.add_argument(
        "--all-environments",
        action="store_true",
        help="Power Platform profiles: also the environments without finance and operations "
        "apps (Dataverse only, default, trial)",
    )
    envs.set_defaults(func=_run_envs)

    backups = subparsers.add_parser(
        "backups",
        help="list the project's database backups (newest first)",
        description="List the database backups (bacpac files) in the project's asset library, "
        "newest first. Download links are never printed: they are credentials.",
    )
    add_common_options(backups)
    backups.add_argument("--latest", action="store_true", help="only the newest backup")
    backups.set_defaults(func=lambda args: run_command(args, "backups", _backups))
    _add_download(backups)

    history = subparsers.add_parser(
        "history",
        help="show an environment's history (newest first)",
        description="Show an environment's history as LCS records it: refreshes, exports, "
        "servicing, start and stop — also those started in the portal or by other tools.",
    )
    history.add_argument("env", metavar="ENV", help="environment name or id")
    add_common_options(history)
    add_profiles_option(history)
    history.add_argument(
        "--pages",
        type=_pages,
        default=1,
        metavar="N",
        help=f"read up to N pages (1-{MAX_HISTORY_PAGES}; default 1)",
    )
    history.set_defaults(func=_run_history)


def _run_envs(args: argparse.Namespace) -> int:
    from lcs_tui.commands.reading_across import report_envs

    return run_for_profiles(args, "envs", single=_envs, read=read_any_envs, report=report_envs)


def _run_history(args: argparse.Namespace) -> int:
    from lcs_tui.commands.reading_across import report_history

    return run_for_profiles(
        args, "history", single=_history, read=read_any_history, report=report_history
    )


def _add_download(backups: argparse.ArgumentParser) -> None:
    """`backups download` lives under `backups` when its module is present."""
    try:
        module = importlib.import_module(DOWNLOAD_MODULE)
    except ModuleNotFoundError as exc:
        if exc.name != DOWNLOAD_MODULE:
            raise
        return
    actions = backups.add_subparsers(dest="backups_command", metavar="ACTION")
    module.add_download_parser(actions)


def _pages(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= MAX_HISTORY_PAGES:
        raise argparse.ArgumentTypeError(f"a number from 1 to {MAX_HISTORY_PAGES}")
    return int(text)


# ------------------------------------------------------------------- envs


@dataclass
class EnvsRead:
    """One profile's environments, with --quota their quota and busy state."""

    profile: str
    project_id: int
    environments: list[Environment]
    with_quota: bool
    quotas: dict[str, Quota | None]
    busy: set[str]
    backend: str = "lcs"

    def row_json(self, env: Environment) -> dict[str, Any]:
        busy = env.id in self.busy if self.with_quota else None
        return _env_json(env, self.quotas.get(env.id), busy)

    def row(self, env: Environment) -> list[str | None]:
        row = [
            env.name,
            env.type,
            env.deployment_status or env.deployment_state,
            env.infrastructure,
            env.app_release,
            env.id,
        ]
        if self.with_quota:
            quota = self.quotas.get(env.id)
            row += [quota.describe() if quota else None, "busy" if env.id in self.busy else None]
        return row


def envs_headers(with_quota: bool) -> list[str]:
    headers = ["NAME", "TYPE", "STATE", "INFRASTRUCTURE", "RELEASE", "ID"]
    return [*headers, "QUOTA", "BUSY"] if with_quota else headers


async def read_any_envs(ctx: Context) -> EnvsRead | PpEnvsRead:
    """One profile's environments, whichever its backend (several profiles at once)."""
    if ctx.backend == "powerplatform":
        return await read_pp_envs(ctx)
    return await read_envs(ctx)


async def read_envs(ctx: Context) -> EnvsRead:
    service = ctx.service
    # The app's order (as LCS lists them), so the two never disagree.
    envs = display_order(await service.load_environments())
    if ctx.args.quota:
        # Sandboxes only, as in the app: refreshes and exports touch nothing
        # else, and the history endpoint is rate limited per project.
        for env in envs:
            if env.is_sandbox:
                await service.load_recent_history(env.id)
    return EnvsRead(
        profile=ctx.workspace.profile.name,
        project_id=service.project_id,
        environments=envs,
        with_quota=bool(ctx.args.quota),
        quotas={e.id: service.quota(e.id) for e in envs},
        busy=service.busy_environment_ids(),
    )


async def _envs(ctx: Context) -> int:
    if ctx.backend == "powerplatform":
        return await pp_envs(ctx)
    found = await read_envs(ctx)
    if ctx.json:
        emit_json(
            {
                "schema": schema_id("envs"),
                "exit_code": exit_codes.OK,
                "error": None,
                "profile": found.profile,
                "project_id": found.project_id,
                "environments": [found.row_json(e) for e in found.environments],
            }
        )
        return exit_codes.OK
    print_table(envs_headers(found.with_quota), [found.row(e) for e in found.environments])
    if not found.environments:
        err(f"project {found.project_id} has no environments")
    return exit_codes.OK


def _env_json(env: Environment, quota: Quota | None, busy: bool | None) -> dict[str, Any]:
    return {
        "id": env.id,
        "name": env.name,
        "type": env.type,
        "infrastructure": env.infrastructure,
        "deployment_state": env.deployment_state,
        "deployment_status": env.deployment_status,
        "region": env.region,
        "topology": env.topology,
        "application_release": env.app_release,
        "application_build": env.app_build_version,
        "platform_release": env.platform_release,
        "platform_version": env.platform_version,
        "endpoint_url": env.endpoint_url,
        "can_start": env.can_start,
        "can_stop": env.can_stop,
        "quota": None if quota is None else _quota_json(quota),
        "busy": busy,
    }


def _quota_json(quota: Quota) -> dict[str, Any]:
    return {
        "used": quota.used,
        "limit": quota.limit,
        "left": quota.left,
        "frees_at": iso(quota.next_frees_at),
    }


# ---------------------------------------------------------------- backups


async def _backups(ctx: Context) -> int:
    backups = _newest_first(await ctx.service.load_backups())
    if ctx.args.latest:
        backups = backups[:1]
    if ctx.json:
        emit_json(
            {
                "schema": schema_id("backups"),
                "exit_code": exit_codes.OK,
                "error": None,
                "project_id": ctx.service.project_id,
                "backups": [_backup_json(b) for b in backups],
            }
        )
    else:
        print_table(
            ["NAME", "CREATED (UTC)", "CREATED BY", "FILE", "ID"],
            [
                [b.name, shown(b.created or b.modified), b.created_by, b.file_name, b.id]
                for b in backups
            ],
        )
    if not backups:
        err(f"project {ctx.service.project_id} has no database backups")
    return exit_codes.OK


def _newest_first(backups: list[DatabaseBackup]) -> list[DatabaseBackup]:
    ordered = sorted(backups, key=lambda b: b.name.lower())
    # Stable sort: same moment, by name; backups without any date come last.
    ordered.sort(key=lambda b: b.created or b.modified or datetime.min, reverse=True)
    return ordered


def _backup_json(backup: DatabaseBackup) -> dict[str, Any]:
    # FileLocation is deliberately absent: it is a SAS link, a credential.
    return {
        "id": backup.id,
        "name": backup.name,
        "file_name": backup.file_name,
        "description": backup.description,
        "created": iso(backup.created),
        "modified": iso(backup.modified),
        "created_by": backup.created_by,
        "modified_by": backup.modified_by,
    }


# ---------------------------------------------------------------- history


@dataclass
class HistoryRead:
    """One profile's history of ENV; `environment` None: the project has no ENV."""

    profile: str
    project_id: int
    environments: list[Environment]
    environment: Environment | None = None
    entries: list[HistoryEntry] | None = None
    pages_read: int = 0
    has_more: bool = False


async def read_any_history(ctx: Context) -> HistoryRead | PpHistoryRead:
    """ENV's history in this profile, whichever its backend (several profiles at once)."""
    if ctx.backend == "powerplatform":
        return await read_pp_history(ctx, strict=False)
    return await read_history_if_there(ctx)


async def read_history_if_there(ctx: Context) -> HistoryRead:
    """ENV's history in this profile, if its project has such an environment.

    With several profiles ENV is looked for in each; a project without it is
    no failure (it usually belongs to one). Several environments matching
    ENV still is one (a usage error for that profile).
    """
    service = ctx.service
    envs = display_order(await service.load_environments())
    found = HistoryRead(ctx.workspace.profile.name, service.project_id, envs)
    env = lookup_environment(service, ctx.args.env)
    if env is not None:
        await _read_pages(ctx, env, found)
    return found


async def _read_pages(ctx: Context, env: Environment, found: HistoryRead) -> None:
    service = ctx.service
    entries: list[HistoryEntry] = []
    has_more = True
    pages = 0
    while has_more and pages < ctx.args.pages:
        pages += 1
        page = await service.client.history_page(service.project_id, env.id, pages)
        entries.extend(page.items)
        has_more = page.has_more and bool(page.items)
    found.environment, found.entries = env, entries
    found.pages_read, found.has_more = pages, has_more


def history_headers() -> list[str]:
    return ["STARTED (UTC)", "ENDED (UTC)", "STATUS", "TYPE", "NAME", "ACTIVITY"]


def history_row(entry: HistoryEntry) -> list[str | None]:
    return [
        shown(entry.started),
        shown(entry.ended),
        entry.status.word,
        entry.type_display or entry.type,
        entry.name,
        entry.activity_id,
    ]


def more_history_hint(pages: int) -> str:
    return f"(more history: --pages {min(pages + 1, MAX_HISTORY_PAGES)})"


async def _history(ctx: Context) -> int:
    if ctx.backend == "powerplatform":
        return await pp_history(ctx)
    service = ctx.service
    await service.load_environments()
    env = find_environment(service, ctx.args.env)
    found = HistoryRead(ctx.workspace.profile.name, service.project_id, [])
    await _read_pages(ctx, env, found)
    entries = found.entries or []
    if ctx.json:
        emit_json(
            {
                "schema": schema_id("history"),
                "exit_code": exit_codes.OK,
                "error": None,
                "profile": found.profile,
                "project_id": found.project_id,
                "environment": environment_json(env),
                "pages_read": found.pages_read,
                "has_more": found.has_more,
                "entries": [history_json(h) for h in entries],
            }
        )
    else:
        print_table(history_headers(), [history_row(h) for h in entries])
        if found.has_more:
            err(more_history_hint(found.pages_read))
    return exit_codes.OK


def history_json(entry: HistoryEntry) -> dict[str, Any]:
    return {
        "name": entry.name,
        "type": entry.type,
        "type_display": entry.type_display,
        "status": entry.status.word,
        "outcome": entry.status.outcome.value,
        "started": iso(entry.started),
        "ended": iso(entry.ended),
        "activity_id": entry.activity_id,
    }
