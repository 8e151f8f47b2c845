"""`envs`, `history` and `status` for a Power Platform profile.

The same commands as for LCS (reading.py, status.py), reading a tenant's
unified environments: the environments with finance and operations apps
(unified UPE/USE/UDE, and LCS environments linked through Power Platform
integration with their LCS environment id; `--all-environments` adds the
Dataverse-only ones), an environment's operation history, one operation's
status. Each read returns a result the one-profile form prints here and
the several-profiles form (reading_across.py) prints with the LCS ones.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from lcs_tui.commands import exit_codes
from lcs_tui.commands.failures import CommandFailure, Failure
from lcs_tui.commands.output import emit_json, err, iso, print_table, schema_id, shown
from lcs_tui.commands.pp_view import (
    PpOperationView,
    environment_ref,
    find_pp_environment,
    finish_pp,
    lookup_pp_environment,
    settle_pp,
    watch_pp,
)
from lcs_tui.commands.runtime import Context

if TYPE_CHECKING:
    from lcs_tui.ppac.models import PpEnvironment
    from lcs_tui.ppac.operation_models import PpOperation
    from lcs_tui.service.operations import TrackedOperation

BACKEND = "powerplatform"


# -- envs ----------------------------------------------------------------------------------


@dataclass
class PpEnvsRead:
    """One Power Platform profile's environments, with --quota whether each is busy."""

    profile: str
    environments: list[PpEnvironment]
    with_quota: bool
    busy: set[str]
    notes: list[str] = field(default_factory=list)
    backend: str = BACKEND
    project_id: int | None = None

    def row_json(self, env: PpEnvironment) -> dict[str, Any]:
        details = env.details
        return {
            "id": env.id,
            "name": env.name,
            "backend": BACKEND,
            "kind": env.kind,
            "kind_label": env.kind_label,
            "type": env.type,
            "state": env.state,
            "admin_mode": env.admin_mode,
            "region": env.region,
            "geo": env.geo,
            "dataverse_url": env.url,
            "finops_url": env.finops_url,
            "version": env.version,
            "application_version": details.application_version if details else None,
            "platform_version": details.platform_version if details else None,
            "linked": env.is_linked,
            "lcs_environment_id": env.lcs_environment_id,
            "managed": env.managed,
            "busy": (env.id in self.busy) if self.with_quota else None,
        }

    def row(self, env: PpEnvironment) -> list[str | None]:
        details = env.details
        state = env.state
        if env.admin_mode:
            state = f"{state or '-'} (admin mode)"
        row: list[str | None] = [
            env.name,
            env.kind_label,
            env.type,
            state,
            env.region,
            # The F&O version where Dataverse said it (the Dataverse version is in --json).
            details.application_version if details else None,
            env.lcs_environment_id,
            env.id,
        ]
        if self.with_quota:
            row.append("busy" if env.id in self.busy else None)
        return row


def pp_envs_headers(with_quota: bool) -> list[str]:
    headers = ["NAME", "KIND", "TYPE", "STATE", "REGION", "VERSION", "LCS ENVIRONMENT", "ID"]
    return [*headers, "BUSY"] if with_quota else headers


async def read_pp_envs(ctx: Context) -> PpEnvsRead:
    service = ctx.ppac
    envs = await service.load_environments(
        include_all=bool(getattr(ctx.args, "all_environments", False))
    )
    if ctx.args.quota:
        # One operation list per environment that can be a target (unified ones).
        for env in envs:
            if env.is_unified:
                await service.load_history(env.id)
    for note in service.notes:
        err(f"note: {note}")
    return PpEnvsRead(
        profile=ctx.workspace.profile.name,
        environments=envs,
        with_quota=bool(ctx.args.quota),
        busy=service.busy_environment_ids(),
        notes=list(service.notes),
    )


async def pp_envs(ctx: Context) -> int:
    found = await read_pp_envs(ctx)
    if ctx.json:
        emit_json(
            {
                "schema": schema_id("pp-envs"),
                "exit_code": exit_codes.OK,
                "error": None,
                "profile": found.profile,
                "backend": BACKEND,
                "notes": found.notes,
                "environments": [found.row_json(e) for e in found.environments],
            }
        )
        return exit_codes.OK
    print_table(pp_envs_headers(found.with_quota), [found.row(e) for e in found.environments])
    if not found.environments:
        err(
            "the tenant has no environments with finance and operations apps "
            "(--all-environments lists every one)"
        )
    return exit_codes.OK


# -- history -------------------------------------------------------------------------------


@dataclass
class PpHistoryRead:
    profile: str
    environments: list[PpEnvironment]
    environment: PpEnvironment | None = None
    entries: list[PpOperation] | None = None
    pages_read: int = 0
    has_more: bool = False
    backend: str = BACKEND
    project_id: int | None = None


async def read_pp_history(ctx: Context, *, strict: bool) -> PpHistoryRead:
    service = ctx.ppac
    envs = await service.load_environments(include_all=True, details=False)
    found = PpHistoryRead(ctx.workspace.profile.name, envs)
    wanted: str = ctx.args.env
    env = (find_pp_environment if strict else lookup_pp_environment)(service, wanted)
    if env is None:
        return found
    from lcs_tui.ppac.errors import PpNotFound

    entries: list[PpOperation] = []
    token: str | None = None
    pages = 0
    try:
        while pages < ctx.args.pages:
            pages += 1
            page = await service.client.history_page(env.id, continuation=token)
            entries.extend(page.operations)
            token = page.continuation
            if not token or not page.operations:
                token = None
                break
    except PpNotFound as exc:
        if exc.environment_missing:  # the environment itself is gone
            raise
        # No operation list on the Power Platform API here: BAP's lifecycle operations.
        entries, token, pages = list((await service.client.bap_history(env.id)).operations), None, 1
    found.environment, found.entries = env, entries
    found.pages_read, found.has_more = pages, token is not None
    return found


def pp_history_headers() -> list[str]:
    return ["STARTED (UTC)", "ENDED (UTC)", "STATUS", "OPERATION", "STAGE", "REQUESTED BY", "ID"]


def pp_history_row(entry: PpOperation) -> list[str | None]:
    stage = entry.current_stage
    return [
        shown(entry.started),
        shown(entry.ended),
        entry.status.word,
        entry.name,
        f"{stage.name} {stage.status}" if stage else None,
        entry.requested_by,
        entry.operation_id,
    ]


def pp_history_json(entry: PpOperation) -> dict[str, Any]:
    stage = entry.current_stage
    return {
        "operation_id": entry.operation_id,
        "name": entry.name,
        "status": entry.status.word,
        "outcome": entry.status.outcome.value,
        "started": iso(entry.started),
        "ended": iso(entry.ended),
        "requested_by": entry.requested_by,
        "stage": stage.name if stage else None,
        "stages": [
            {
                "name": s.name,
                "status": s.status,
                "started": iso(s.started),
                "ended": iso(s.ended),
                "error": s.error,
            }
            for s in entry.stages
        ],
        "error": entry.error,
    }


async def pp_history(ctx: Context) -> int:
    found = await read_pp_history(ctx, strict=True)
    env = found.environment
    assert env is not None
    entries = found.entries or []
    if ctx.json:
        emit_json(
            {
                "schema": schema_id("pp-history"),
                "exit_code": exit_codes.OK,
                "error": None,
                "profile": found.profile,
                "backend": BACKEND,
                "environment": environment_ref(env),
                "pages_read": found.pages_read,
                "has_more": found.has_more,
                "entries": [pp_history_json(e) for e in entries],
            }
        )
    else:
        print_table(pp_history_headers(), [pp_history_row(e) for e in entries])
        if found.has_more:
            err(f"(more history: --pages {found.pages_read + 1})")
        if not entries:
            err(f"{env.name} has no operations in its history")
    return exit_codes.OK


# -- status ---------------------------------------------------------------------------------


@dataclass
class PpStatusRead:
    found: bool
    environments: list[PpEnvironment]
    has_env: bool = True
    view: PpOperationView | None = None
    failure: Failure | None = None

    @property
    def code(self) -> int:
        return self.failure.code if self.failure is not None else exit_codes.OK


async def pp_status(ctx: Context) -> int:
    located = await _locate(ctx, strict=True)
    if located is None:
        raise CommandFailure(_not_located(ctx))
    view, failure = await _status_of(ctx, *located)
    return finish_pp(ctx, view, failure)


async def read_pp_status(ctx: Context) -> PpStatusRead:
    located = await _locate(ctx, strict=False)
    envs = list(ctx.ppac.environments.values())
    if located is None:
        if ctx.args.env is not None and lookup_pp_environment(ctx.ppac, ctx.args.env) is None:
            return PpStatusRead(False, envs, has_env=False)
        err(f"note: no operation {ctx.args.activity_id} in this tenant")
        return PpStatusRead(False, envs)
    view, failure = await _status_of(ctx, *located)
    if failure is not None and failure.message.startswith("not found"):
        err(f"note: {failure.message}")
        return PpStatusRead(False, envs)
    return PpStatusRead(True, envs, view=view, failure=settle_pp(view, failure))


Located = tuple["PpEnvironment", "TrackedOperation | None", "PpOperation | None"]


async def _locate(ctx: Context, *, strict: bool) -> Located | None:
    service = ctx.ppac
    await service.load_environments(include_all=True, details=False)
    wanted = ctx.args.activity_id.lower()
    journalled = [
        op for op in service.operations.values() if (op.activity_id or "").lower() == wanted
    ]
    if ctx.args.env is not None:
        finder = find_pp_environment if strict else lookup_pp_environment
        env = finder(service, ctx.args.env)
        if env is None:
            return None
        tracked = next((op for op in journalled if op.poll_environment_id == env.id), None)
        return env, tracked, None
    for op in journalled:
        env = service.environment(op.poll_environment_id)
        if env is not None:
            return env, op, None
    targets = [e for e in service.environments.values() if e.is_unified]
    err(
        f"looking for {ctx.args.activity_id} in the operation history of {len(targets)} "
        "unified environments (--env ENV asks Power Platform directly)"
    )
    for env in targets:
        entries = await service.load_history(env.id)
        entry = next((e for e in entries if (e.operation_id or "").lower() == wanted), None)
        if entry is not None:
            return env, None, entry
    return None


def _not_located(ctx: Context) -> Failure:
    return Failure(
        exit_codes.REJECTED,
        f"not found: no operation {ctx.args.activity_id} in the journal or the operation "
        "histories of the tenant's unified environments",
        "check the id; --env ENV (the copy's or restore's target) asks Power Platform directly",
    )


async def _status_of(
    ctx: Context,
    env: PpEnvironment,
    tracked: TrackedOperation | None,
    entry: PpOperation | None,
) -> tuple[PpOperationView, Failure | None]:
    service = ctx.ppac
    operation_id: str = ctx.args.activity_id
    view = PpOperationView("status", None, ctx.profile_name, env, operation_id=operation_id)
    looked_up = tracked is None
    if tracked is None:
        # Followed like a watched operation, but only for this run: `status`
        # leaves no entry in the journal (the app adopts running ones itself).
        kind = _kind_of(entry.name if entry else None)
        started = entry.started if entry else None
        tracked = service.watch(operation_id, env.id, kind=kind, started_at=started)
    else:
        view.source = service.environment(tracked.source_environment_id or "")
    view.kind = tracked.kind if tracked.kind in ("copy", "restore") else None
    view.take(tracked)
    try:
        return await _poll_status(ctx, view, tracked.key, env)
    finally:
        if looked_up:
            service.forget(tracked.key)


async def _poll_status(
    ctx: Context, view: PpOperationView, key: str, env: PpEnvironment
) -> tuple[PpOperationView, Failure | None]:
    service = ctx.ppac
    if ctx.args.wait:
        return view, await watch_pp(ctx, view, key, poll_first=True)
    try:
        await service.poll(service.operations[key])
    except Exception as exc:
        found = ctx.failure(exc)
        if found is None:
            raise
        return view, found
    latest = service.operations[key]
    view.take(latest)
    operation_id = view.operation_id
    if latest.status == "NotFound":
        return view, Failure(
            exit_codes.REJECTED,
            f"not found: Power Platform knows no operation {operation_id} on {env.name}",
            "check the id, and that --env names the copy's or restore's target; "
            f"lcs-tui history {env.name} lists its operations",
        )
    return view, None


def _kind_of(name: str | None) -> str:
    lowered = (name or "").lower()
    if "copy" in lowered:
        return "copy"
    if "restore" in lowered:
        return "restore"
    return "operation"


def pp_operation_json(read: PpStatusRead) -> dict[str, Any] | None:
    if read.view is None:
        return None
    return read.view.to_json(read.code, read.failure)
