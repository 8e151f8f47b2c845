"""The database movement API (LCS-API.md section 2): backups, refresh, export, status.

The rules the real service enforces are checked in this order, and the
first one broken is the answer (200, `IsSuccess: false`): project access,
unknown environment, source == target, environment types (no refresh into
production, no export from production, sandboxes only), backup name,
duplicate backup name, an environment busy with another operation, and the
3-per-24-hours quota.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from lcs_tui.simulator.blobs import sas_url
from lcs_tui.simulator.directory import User
from lcs_tui.simulator.exchange import Reply, Request
from lcs_tui.simulator.formats import millis, seconds, ticks
from lcs_tui.simulator.lcs_access import failed, project_for, succeeded
from lcs_tui.simulator.lifecycle import FAILED, ROLLBACK_COMPLETED
from lcs_tui.simulator.records import PRODUCTION, SANDBOX, Environment, Operation
from lcs_tui.simulator.world import World

QUOTA_OPERATIONS = 3
QUOTA_WINDOW = timedelta(hours=24)
BACKUP_NAME = re.compile(r"^[A-Za-z0-9_-]+$")


# --- error texts (the client shows them; docs/simulator.md lists them) -----------------


def unknown_environment_message(environment_id: str, project_id: int) -> str:
    return f"Environment {environment_id} was not found in project {project_id}."


def same_environment_message() -> str:
    return "The source and target environments must be different."


def refresh_into_production_message(name: str) -> str:
    return (
        f"Environment {name} is a production environment. "
        "A database refresh can only target a sandbox environment."
    )


def refresh_target_not_sandbox_message(name: str, environment_type: str) -> str:
    return (
        f"Environment {name} is a {environment_type} environment. "
        "A database refresh can only target a sandbox environment."
    )


def refresh_source_not_supported_message(name: str, environment_type: str) -> str:
    return (
        f"Environment {name} is a {environment_type} environment. "
        "The source of a database refresh must be a production or sandbox environment."
    )


def export_from_production_message(name: str) -> str:
    return (
        f"Environment {name} is a production environment. "
        "Database export is only supported from a sandbox environment."
    )


def export_not_sandbox_message(name: str, environment_type: str) -> str:
    return (
        f"Environment {name} is a {environment_type} environment. "
        "Database export is only supported from a sandbox environment."
    )


def invalid_backup_name_message(name: str) -> str:
    return (
        f"The backup name '{name}' is not valid. "
        "Use only letters, digits, '-' and '_', without a file extension."
    )


def duplicate_backup_name_message(name: str) -> str:
    return f"A database backup named '{name}' already exists in the project asset library."


def busy_message(name: str, activity_id: str) -> str:
    return (
        f"Environment {name} has another operation in progress (activity {activity_id}). "
        "Try again after it has finished."
    )


def quota_message(frees_at: datetime) -> str:
    # The documented form, verbatim; the timestamp is when the quota frees.
    return f"Maximum allowed API operations are {QUOTA_OPERATIONS} from {ticks(frees_at)}"


def unknown_activity_message(activity_id: str, environment_id: str) -> str:
    return (
        f"No operation with activity id {activity_id} was found for environment {environment_id}."
    )


# --- rules ----------------------------------------------------------------------------


def quota_frees_at(world: World, environment_id: str, now: datetime) -> datetime | None:
    """When the environment may start an operation again; None if it may now.

    Every operation started in the last 24 h counts (through the API or
    seeded as started in the portal, whatever its outcome). The quota frees
    when enough of them have left the window: with exactly three, when the
    oldest is 24 h old.
    """
    starts = sorted(
        op.started_at
        for op in world.operations_charged_to(environment_id)
        if now - QUOTA_WINDOW < op.started_at <= now
    )
    if len(starts) < QUOTA_OPERATIONS:
        return None
    return starts[-QUOTA_OPERATIONS] + QUOTA_WINDOW


def _busy_or_quota(world: World, env: Environment, now: datetime, *, reads_too: bool) -> str | None:
    running = world.running_operation_on(env.environment_id, reads_too=reads_too)
    if running is not None:
        return busy_message(env.name, running.activity_id)
    frees_at = quota_frees_at(world, env.environment_id, now)
    if frees_at is not None:
        return quota_message(frees_at)
    return None


def _name_taken(world: World, project_id: int, name: str) -> bool:
    wanted = name.lower()
    if any(b.name.lower() == wanted for b in world.project_backups(project_id)):
        return True
    now = world.now()
    # An export still running has reserved its name; a failed one has not.
    for op in world.operations:
        if (
            op.kind == "export"
            and op.project_id == project_id
            and (op.backup_name or "").lower() == wanted
        ):
            status, _ = op.status(now)
            if status not in (FAILED, ROLLBACK_COMPLETED):
                return True
    return False


# --- endpoints ---------------------------------------------------------------------


def list_backups(world: World, user: User, project_id: int, request: Request) -> Reply:
    project = project_for(world, project_id, user)
    if isinstance(project, Reply):
        return project
    now = world.now()
    expires = now + world.settings.sas_lifetime
    assets = []
    for backup in sorted(world.project_backups(project_id), key=lambda b: b.created, reverse=True):
        assets.append(
            {
                "Id": backup.backup_id,
                "ProjectId": backup.project_id,
                "OrganizationId": project.organization_id,
                "Name": backup.name,
                "FileName": backup.file_name,
                "FileDescription": backup.description,
                "FileLocation": sas_url(
                    world, backup, backup.link_origin or request.blob_origin, expires
                ),
                "ModifiedDateTime": ticks(backup.modified),
                "CreatedDateTime": seconds(backup.created),
                "CreatedByName": backup.created_by,
                "ModifiedByName": backup.modified_by,
            }
        )
    return succeeded(world, DatabaseAssets=assets)


def start_refresh(
    world: World, user: User, project_id: int, source_id: str, target_id: str
) -> Reply:
    project = project_for(world, project_id, user)
    if isinstance(project, Reply):
        return project
    source = world.environment(project_id, source_id)
    if source is None:
        return failed(world, unknown_environment_message(source_id, project_id))
    target = world.environment(project_id, target_id)
    if target is None:
        return failed(world, unknown_environment_message(target_id, project_id))
    if source is target:
        return failed(world, same_environment_message())
    if target.environment_type == PRODUCTION:
        return failed(world, refresh_into_production_message(target.name))
    if target.environment_type != SANDBOX:
        return failed(
            world, refresh_target_not_sandbox_message(target.name, target.environment_type)
        )
    if source.environment_type not in (PRODUCTION, SANDBOX):
        return failed(
            world, refresh_source_not_supported_message(source.name, source.environment_type)
        )
    now = world.now()
    # The source must not be in the middle of being overwritten; the target
    # must be idle and not being copied from. Only the target is charged
    # against the quota.
    running = world.running_operation_on(source.environment_id)
    if running is not None:
        return failed(world, busy_message(source.name, running.activity_id))
    refusal = _busy_or_quota(world, target, now, reads_too=True)
    if refusal is not None:
        return failed(world, refusal)
    op = world.start_operation(
        "refresh",
        project_id=project_id,
        source_environment_id=source.environment_id,
        target_environment_id=target.environment_id,
        backup_name=None,
        started_at=now,
        created_by=user.display_name,
        origin="api",
    )
    return succeeded(world, activity_id=op.activity_id)


def start_export(
    world: World, user: User, project_id: int, environment_id: str, backup_name: str
) -> Reply:
    project = project_for(world, project_id, user)
    if isinstance(project, Reply):
        return project
    env = world.environment(project_id, environment_id)
    if env is None:
        return failed(world, unknown_environment_message(environment_id, project_id))
    if env.environment_type == PRODUCTION:
        return failed(world, export_from_production_message(env.name))
    if env.environment_type != SANDBOX:
        return failed(world, export_not_sandbox_message(env.name, env.environment_type))
    if not BACKUP_NAME.match(backup_name):
        return failed(world, invalid_backup_name_message(backup_name))
    if _name_taken(world, project_id, backup_name):
        return failed(world, duplicate_backup_name_message(backup_name))
    now = world.now()
    refusal = _busy_or_quota(world, env, now, reads_too=False)
    if refusal is not None:
        return failed(world, refusal)
    op = world.start_operation(
        "export",
        project_id=project_id,
        source_environment_id=env.environment_id,
        target_environment_id=None,
        backup_name=backup_name,
        started_at=now,
        created_by=user.display_name,
        origin="api",
    )
    return succeeded(world, activity_id=op.activity_id)


def fetch_status(
    world: World, user: User, project_id: int, environment_id: str, activity_id: str
) -> Reply:
    project = project_for(world, project_id, user)
    if isinstance(project, Reply):
        return project
    env = world.environment(project_id, environment_id)
    if env is None:
        return failed(world, unknown_environment_message(environment_id, project_id))
    op = _find_operation(world, project_id, env, activity_id)
    if op is None:
        # Polling a refresh with its source (or an export with anything but
        # its environment) finds nothing, as LCS-API.md warns.
        return failed(world, unknown_activity_message(activity_id, environment_id))
    status, completed = op.status(world.now())
    return succeeded(
        world,
        ProjectId=project_id,
        EnvironmentId=env.environment_id,
        ActivityId=op.activity_id,
        CompletionDate=None if completed is None else millis(completed),
        OperationStatus=status,
    )


def _find_operation(
    world: World, project_id: int, env: Environment, activity_id: str
) -> Operation | None:
    wanted = activity_id.strip().lower()
    for op in world.operations_charged_to(env.environment_id):
        if op.project_id == project_id and op.activity_id.lower() == wanted:
            return op
    return None
