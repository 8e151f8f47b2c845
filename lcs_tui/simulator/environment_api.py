"""The environment API (LCS-API.md section 3): details, history, start and stop.

These endpoints are rate limited (429 + `Retry-After`); the limits are
checked after authentication and before anything else.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from lcs_tui.simulator.directory import User
from lcs_tui.simulator.exchange import Reply, Request
from lcs_tui.simulator.formats import same_id, ticks, us_display
from lcs_tui.simulator.lcs_access import failed, project_for, succeeded, too_many_requests
from lcs_tui.simulator.lifecycle import COMPLETED, IN_PROGRESS
from lcs_tui.simulator.movement import unknown_environment_message
from lcs_tui.simulator.ratelimits import Limit
from lcs_tui.simulator.records import HISTORY_TYPE, Environment, PowerAction
from lcs_tui.simulator.world import World

DETAIL_LIMITS_PER_PROJECT = (6, 60.0)
HISTORY_LIMITS_PER_ENVIRONMENT = (6, 30.0)
HISTORY_LIMITS_PER_PROJECT = (6, 60.0)
POWER_LIMITS_PER_ENVIRONMENT = (1, 300.0)
POWER_LIMITS_PER_USER = (30, 1800.0)


def rate_check(world: World, request: Request, limits: list[Limit]) -> Reply | None:
    """The 429 to answer, from an armed `throttle` fault or an exhausted limit."""
    forced = world.faults.take_throttle(request.path)
    if forced is not None:
        return too_many_requests(forced)
    if not world.faults.limits_enabled:
        return None
    wait = world.limiter.try_acquire(limits)
    return None if wait is None else too_many_requests(wait)


def _page_number(request: Request) -> int | None:
    text = request.query_params().get("page", "1") or "1"
    try:
        page = int(text)
    except ValueError:
        return None
    return page if page >= 1 else None


def _paged(world: World, request: Request, items: list[dict[str, Any]], page_size: int) -> Reply:
    page = _page_number(request)
    if page is None:
        return failed(world, "The page number must be a whole number, 1 or greater.")
    start = (page - 1) * page_size
    data = items[start : start + page_size]
    return succeeded(
        world,
        ResultPageCurrent=page,
        ResultHasMorePages=start + page_size < len(items),
        Data=data,
    )


def _detail(env: Environment, now: datetime) -> dict[str, Any]:
    state, display = env.power_state(now)
    idle = state in ("Finished", "Stopped")
    return {
        "EnvironmentId": env.environment_id,
        "EnvironmentName": env.name,
        "ProjectId": env.project_id,
        "EnvironmentInfrastructure": env.infrastructure,
        "EnvironmentType": env.environment_type,
        "EnvironmentGroup": env.group,
        "EnvironmentProduct": env.product,
        "EnvironmentEndpointBaseUrl": env.endpoint_base_url,
        "DeploymentState": state,
        "TopologyDisplayName": env.topology,
        "CurrentApplicationBuildVersion": env.application_build_version,
        "CurrentApplicationReleaseName": env.application_release_name,
        "CurrentPlatformReleaseName": env.platform_release_name,
        "CurrentPlatformVersion": env.platform_version,
        "DeployedOnUTC": None if env.deployed_on is None else us_display(env.deployed_on),
        "CloudStorageLocation": env.cloud_storage_location,
        "DisasterRecoveryLocation": env.disaster_recovery_location,
        "DeploymentStatusDisplay": display,
        "CanStart": env.customer_managed and idle and state == "Stopped",
        "CanStop": env.customer_managed and idle and state == "Finished",
    }


def environment_details(world: World, user: User, project_id: int, request: Request) -> Reply:
    throttled = rate_check(
        world, request, [Limit(("detail", project_id), *DETAIL_LIMITS_PER_PROJECT)]
    )
    if throttled is not None:
        return throttled
    project = project_for(world, project_id, user)
    if isinstance(project, Reply):
        return project
    params = request.query_params()
    by_id = params.get("environmentId")
    by_name = params.get("environmentName")
    if by_id and by_name:
        return failed(world, "Filter by environmentId or by environmentName, not both.")
    envs = world.project_environments(project_id)
    if by_id:
        envs = [env for env in envs if same_id(env.environment_id, by_id)]
    elif by_name:
        envs = [env for env in envs if env.name.lower() == by_name.strip().lower()]
    now = world.now()
    return _paged(world, request, [_detail(env, now) for env in envs], world.settings.env_page_size)


def _history_lines(
    world: World, env: Environment, now: datetime
) -> list[tuple[datetime, dict[str, Any]]]:
    lines: list[tuple[datetime, dict[str, Any]]] = []

    def add(
        name: str,
        type_: str,
        display: str,
        start: datetime,
        end: datetime | None,
        status: str,
        activity: str,
    ) -> None:
        lines.append(
            (
                start,
                {
                    "Name": name,
                    "Type": type_,
                    "TypeDisplay": display,
                    # The casing quirk of the documented example, on purpose.
                    "StartDateTimeUTC": ticks(start),
                    "EndDateTimeUTC": None if end is None else ticks(end),
                    "Status": status,
                    "ActivityId": activity,
                    "EnvironmentId": env.environment_id,
                    "ProjectId": env.project_id,
                },
            )
        )

    for op in world.operations_charged_to(env.environment_id):
        if op.started_at > now:
            continue
        status, end = op.status(now)
        type_, display = HISTORY_TYPE[op.kind]
        if op.kind == "refresh":
            source = world.environment_by_id(op.source_environment_id)
            name = f"Refresh database from {source.name if source else op.source_environment_id}"
        else:
            name = f"Export database to {op.backup_name}"
        add(name, type_, display, op.started_at, end, status, op.activity_id)
    for entry in world.history:
        if same_id(entry.environment_id, env.environment_id) and entry.started_at <= now:
            add(
                entry.name,
                entry.type,
                entry.type_display,
                entry.started_at,
                entry.ended_at,
                entry.status,
                entry.activity_id,
            )
    for action in env.power_actions:
        if action.started_at > now:
            continue
        done = now >= action.ends_at
        add(
            f"{action.action.capitalize()} environment",
            action.action.capitalize(),
            f"{action.action.capitalize()} environment",
            action.started_at,
            action.ends_at if done else None,
            COMPLETED if done else IN_PROGRESS,
            action.activity_id,
        )
    lines.sort(key=lambda line: line[0], reverse=True)
    return lines


def environment_history(
    world: World, user: User, project_id: int, environment_id: str, request: Request
) -> Reply:
    env_key = environment_id.replace("-", "").lower()
    throttled = rate_check(
        world,
        request,
        [
            Limit(("history-environment", env_key), *HISTORY_LIMITS_PER_ENVIRONMENT),
            Limit(("history-project", project_id), *HISTORY_LIMITS_PER_PROJECT),
        ],
    )
    if throttled is not None:
        return throttled
    project = project_for(world, project_id, user)
    if isinstance(project, Reply):
        return project
    env = world.environment(project_id, environment_id)
    if env is None:
        return failed(world, unknown_environment_message(environment_id, project_id))
    now = world.now()
    items = [line for _, line in _history_lines(world, env, now)]
    return _paged(world, request, items, world.settings.history_page_size)


def not_customer_managed_message(name: str) -> str:
    return (
        f"Environment {name} is not a customer-managed environment. "
        "Start and stop are only available for customer-managed environments."
    )


def already_message(name: str, action: str) -> str:
    state = "running" if action == "start" else "stopped"
    return f"Environment {name} is already {state}."


def transitioning_message(name: str, state: str) -> str:
    return f"Environment {name} is {state.lower()}. Try again when it has finished."


def power(
    world: World, user: User, project_id: int, environment_id: str, action: str, request: Request
) -> Reply:
    env_key = environment_id.replace("-", "").lower()
    throttled = rate_check(
        world,
        request,
        [
            Limit(("power-environment", env_key), *POWER_LIMITS_PER_ENVIRONMENT),
            Limit(("power-user", user.username.lower()), *POWER_LIMITS_PER_USER),
        ],
    )
    if throttled is not None:
        return throttled
    project = project_for(world, project_id, user)
    if isinstance(project, Reply):
        return project
    env = world.environment(project_id, environment_id)
    if env is None:
        return failed(world, unknown_environment_message(environment_id, project_id))
    if not env.customer_managed:
        return failed(world, not_customer_managed_message(env.name))
    now = world.now()
    state, _ = env.power_state(now)
    if state in ("Starting", "Stopping"):
        return failed(world, transitioning_message(env.name, state))
    if (action == "start" and state == "Finished") or (action == "stop" and state == "Stopped"):
        return failed(world, already_message(env.name, action))
    length = world.settings.start_duration if action == "start" else world.settings.stop_duration
    activity_id = world.new_guid()
    env.power_actions.append(
        PowerAction(activity_id, "start" if action == "start" else "stop", now, length)
    )
    return succeeded(world, activity_id=activity_id)
