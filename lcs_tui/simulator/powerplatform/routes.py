"""The Power Platform side's routes, and the order every call goes through.

`dispatch` answers any request below one of the Power Platform mounts
(access.mount_of) and returns None for everything else, which the LCS and
sign-in routing then answers. Order: route (404/405), authentication (401),
BAP's admin-application check (403), rate limit (429), api-version (400),
then the endpoint. Every answer carries `x-ms-correlation-id`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from lcs_tui.simulator.exchange import Reply, Request, json_reply
from lcs_tui.simulator.powerplatform import (
    admin_apps,
    backups,
    copying,
    dataverse,
    environments,
    operations,
)
from lcs_tui.simulator.powerplatform.access import (
    Api,
    Call,
    Mount,
    api_version_error,
    authenticate,
    correlation_id,
    forbidden_bap_path,
    mount_of,
    rate_check,
)
from lcs_tui.simulator.powerplatform.wire import bap_error
from lcs_tui.simulator.world import World

Handler = Callable[[Call], Reply]


@dataclass(frozen=True)
class Route:
    method: str
    pattern: tuple[str, ...]
    handler: Handler


def _route(method: str, pattern: str, handler: Handler) -> Route:
    return Route(method, tuple(pattern.strip("/").split("/")), handler)


_ENVS = "environmentmanagement/environments"
PP_ROUTES = (
    _route("GET", _ENVS, environments.pp_list),
    _route("GET", f"{_ENVS}/{{env}}/copyCandidates", copying.candidates),
    _route("POST", f"{_ENVS}/{{env}}/copy", copying.pp_copy),
    _route("GET", f"{_ENVS}/{{env}}/backups", backups.list_backups),
    _route("POST", f"{_ENVS}/{{env}}/backups", backups.create_backup),
    _route("DELETE", f"{_ENVS}/{{env}}/backups/{{backup}}", backups.delete_backup),
    _route("GET", f"{_ENVS}/{{env}}/restoreCandidates", backups.restore_candidates),
    _route("POST", f"{_ENVS}/{{env}}/restore", backups.restore),
    _route("GET", f"{_ENVS}/{{env}}/operations", operations.history),
    _route("GET", f"{_ENVS}/{{env}}/operations/{{operation}}", operations.pp_poll),
    _route("GET", "environmentmanagement/operations/{operation}", operations.pp_poll),
)
_BAP = "providers/Microsoft.BusinessAppPlatform"
BAP_ROUTES = (
    _route("GET", f"{_BAP}/scopes/admin/environments", environments.bap_list),
    _route("GET", f"{_BAP}/scopes/admin/environments/{{env}}", environments.bap_get),
    _route("GET", f"{_BAP}/environments", environments.bap_list),
    _route("GET", f"{_BAP}/environments/{{env}}", environments.bap_get),
    _route("POST", f"{_BAP}/environments/{{env}}/copyTo", copying.bap_copy),
    _route("GET", f"{_BAP}/lifecycleOperations", operations.bap_list),
    _route("GET", f"{_BAP}/lifecycleOperations/{{operation}}", operations.bap_poll),
    _route("GET", f"{_BAP}/adminApplications", admin_apps.list_apps),
    _route("PUT", f"{_BAP}/adminApplications/{{client}}", admin_apps.register),
    _route("DELETE", f"{_BAP}/adminApplications/{{client}}", admin_apps.unregister),
)
_TABLES: dict[Api, tuple[Route, ...]] = {"powerplatform": PP_ROUTES, "bap": BAP_ROUTES}


def _match(pattern: tuple[str, ...], segments: tuple[str, ...]) -> dict[str, str] | None:
    if len(pattern) != len(segments):
        return None
    params: dict[str, str] = {}
    for expected, actual in zip(pattern, segments, strict=True):
        if expected.startswith("{"):
            if not actual:
                return None
            params[expected.strip("{}")] = actual
        elif expected.lower() != actual.lower():
            return None
    return params


def _plain_error(mount: Mount, status: int, code: str, message: str) -> Reply:
    if mount.api == "bap":
        return bap_error(status, code, message)
    return json_reply({"error": {"code": code, "message": message}}, status=status)


def _find(mount: Mount, request: Request) -> tuple[Handler, dict[str, str]] | Reply:
    if mount.api == "dataverse":
        return dataverse.dispatch, {}
    wrong_method = False
    for route in _TABLES[mount.api]:
        params = _match(route.pattern, mount.segments)
        if params is None:
            continue
        if route.method != request.method:
            wrong_method = True
            continue
        return route.handler, params
    if wrong_method:
        return _plain_error(
            mount,
            405,
            "MethodNotAllowed",
            f"The requested resource does not support http method '{request.method}'.",
        )
    return _plain_error(
        mount, 404, "NotFound", f"The requested resource '{request.path}' does not exist."
    )


def api_of(request: Request) -> Api | None:
    """Which Power Platform API a request is for (for the request log)."""
    mount = mount_of(request)
    return None if mount is None else mount.api


def dispatch(world: World, request: Request) -> Reply | None:
    """The answer of the Power Platform side, or None if the request is not for it.
    The caller holds the world lock."""
    mount = mount_of(request)
    if mount is None:
        return None
    reply = _answer(world, request, mount)
    reply.set_header("x-ms-correlation-id", correlation_id(world.powerplatform, request))
    return reply


def _answer(world: World, request: Request, mount: Mount) -> Reply:
    found = _find(mount, request)
    if isinstance(found, Reply):
        return found
    handler, params = found
    principal = authenticate(world, request, mount)
    if isinstance(principal, Reply):
        return principal
    if mount.api == "bap" and not world.powerplatform.bap_allowed(principal):
        return forbidden_bap_path(request, principal)
    throttled = rate_check(world, request, mount, principal)
    if throttled is not None:
        return throttled
    if mount.api != "dataverse":
        wrong = api_version_error(mount, request)
        if wrong is not None:
            return wrong
    return handler(Call(world, request, mount, principal, params))
