"""One entry point for every request: faults, routing, logging.

Routing is by path alone, so one base URL can serve the LCS API, Entra's
sign-in endpoints and the blob downloads without collisions: LCS paths start
with /databasemovement/, /environmentinfo/ or /environment/; blobs with
/lcsdbbackups/; sign-in paths end in Entra's well-known suffixes. The Power
Platform side (powerplatform/routes.py) has its own prefixes:
/environmentmanagement/ (or /powerplatform/…), /providers/Microsoft.
BusinessAppPlatform/ (or /bap/…) and Dataverse's /api/data/ (or /dataverse/ORG/…).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timezone
from email.utils import format_datetime

from lcs_tui.simulator import demo, environment_api, movement, signin
from lcs_tui.simulator.blobs import serve_blob
from lcs_tui.simulator.device_page import device_login
from lcs_tui.simulator.directory import User
from lcs_tui.simulator.exchange import Reply, Request, json_reply
from lcs_tui.simulator.lcs_access import authenticate, method_not_allowed, not_found
from lcs_tui.simulator.malformed import gateway_error, mangle
from lcs_tui.simulator.powerplatform import routes as powerplatform
from lcs_tui.simulator.powerplatform.state import PpLogEntry
from lcs_tui.simulator.world import World

LcsHandler = Callable[[World, User, Request, dict[str, str], int], Reply]
SignInHandler = Callable[[World, Request, dict[str, str]], Reply]


@dataclass(frozen=True)
class LcsRoute:
    """One LCS API endpoint: method, path pattern and handler."""

    method: str
    pattern: tuple[str, ...]
    handler: LcsHandler


def _lcs(method: str, pattern: str, handler: LcsHandler) -> LcsRoute:
    return LcsRoute(method, tuple(pattern.strip("/").split("/")), handler)


LCS_ROUTES = (
    _lcs(
        "GET",
        "databasemovement/v1/databases/project/{project}",
        lambda w, u, r, p, pid: movement.list_backups(w, u, pid, r),
    ),
    _lcs(
        "POST",
        "databasemovement/v1/refresh/project/{project}/source/{source}/target/{target}",
        lambda w, u, r, p, pid: movement.start_refresh(w, u, pid, p["source"], p["target"]),
    ),
    _lcs(
        "POST",
        "databasemovement/v1/export/project/{project}/environment/{environment}/backupName/{name}",
        lambda w, u, r, p, pid: movement.start_export(w, u, pid, p["environment"], p["name"]),
    ),
    _lcs(
        "GET",
        "databasemovement/v1/fetchstatus/project/{project}/environment/{environment}/operationactivity/{activity}",
        lambda w, u, r, p, pid: movement.fetch_status(w, u, pid, p["environment"], p["activity"]),
    ),
    _lcs(
        "GET",
        "environmentinfo/v1/detail/project/{project}",
        lambda w, u, r, p, pid: environment_api.environment_details(w, u, pid, r),
    ),
    _lcs(
        "GET",
        "environmentinfo/v1/history/project/{project}/environment/{environment}",
        lambda w, u, r, p, pid: environment_api.environment_history(w, u, pid, p["environment"], r),
    ),
    _lcs(
        "POST",
        "environment/v1/start/project/{project}/environment/{environment}",
        lambda w, u, r, p, pid: environment_api.power(w, u, pid, p["environment"], "start", r),
    ),
    _lcs(
        "POST",
        "environment/v1/stop/project/{project}/environment/{environment}",
        lambda w, u, r, p, pid: environment_api.power(w, u, pid, p["environment"], "stop", r),
    ),
)


def _match(pattern: tuple[str, ...], segments: list[str]) -> dict[str, str] | None:
    if len(pattern) != len(segments):
        return None
    params: dict[str, str] = {}
    for expected, actual in zip(pattern, segments, strict=True):
        if expected.startswith("{"):
            if not actual:
                return None
            params[expected.strip("{}")] = actual
        elif expected.lower() != actual.lower():  # ASP.NET routes ignore case
            return None
    return params


def _sign_in_route(request: Request, segments: list[str]) -> Callable[[World], Reply] | None:
    """The sign-in handler for this path, if it is one of Entra's."""
    lowered = [s.lower() for s in segments]
    method = request.method
    if lowered == ["devicelogin"] and method in ("GET", "POST"):
        return lambda w: device_login(w, request)
    if lowered[:3] == ["common", "discovery", "instance"] and method == "GET":
        return lambda w: signin.instance_discovery(w, request)
    if len(lowered) == 3 and lowered[:2] == ["common", "userrealm"] and method == "GET":
        return lambda w: signin.user_realm(w, request, segments[2])
    if len(segments) < 2:
        return None
    tenant, rest = segments[0], lowered[1:]
    if rest == ["v2.0", ".well-known", "openid-configuration"] and method == "GET":
        return lambda w: signin.openid_configuration(w, request, tenant, v2=True)
    if rest == [".well-known", "openid-configuration"] and method == "GET":
        return lambda w: signin.openid_configuration(w, request, tenant, v2=False)
    if rest == ["oauth2", "v2.0", "token"] and method == "POST":
        return lambda w: signin.token(w, request, tenant, v1=False)
    if rest == ["oauth2", "token"] and method == "POST":
        return lambda w: signin.token(w, request, tenant, v1=True)
    if rest == ["oauth2", "v2.0", "devicecode"] and method == "POST":
        return lambda w: signin.device_code(w, request, tenant)
    if rest in (["discovery", "v2.0", "keys"], ["discovery", "keys"]) and method == "GET":
        return lambda w: json_reply({"keys": []})
    return None


def is_blob_path(path: str) -> bool:
    return path.startswith(f"/{demo.BLOB_CONTAINER}/")


class Service:
    """Answers requests for a `World`; transports and the server call `handle`."""

    def __init__(self, world: World) -> None:
        self.world = world

    def handle(self, request: Request) -> Reply:
        world = self.world
        faults = world.faults
        path = request.path
        if faults.offline or faults.take_drop_before(path):
            return Reply(connect_error=True)
        delay = faults.take_delay(path)
        gate = faults.take_gate(path)
        error_status = faults.take_server_error(path)
        if error_status is not None:
            reply = gateway_error(error_status)
        elif is_blob_path(path):
            reply = serve_blob(world, request)
        else:
            with world.lock:
                reply = self._dispatch(request)
            kind = faults.take_malformed(path)
            if kind is not None:
                reply = mangle(reply, kind)
        if faults.take_drop_after(path):
            reply.drop = True
        # As every web server does; the client reads LCS's clock from it.
        reply.set_header("Date", format_datetime(world.now().replace(tzinfo=timezone.utc), True))
        reply.delay = delay
        reply.gate = gate
        status = 0 if reply.drop else reply.status
        world.log(request.method, path, status)
        api = powerplatform.api_of(request)
        if api is not None:
            with world.lock:
                world.powerplatform.log(
                    PpLogEntry(
                        request.method,
                        api,
                        path,
                        status,
                        reply.header("x-ms-correlation-id") or "",
                    )
                )
        return reply

    def _dispatch(self, request: Request) -> Reply:
        world = self.world
        answer = powerplatform.dispatch(world, request)
        if answer is not None:
            return answer
        segments = request.segments
        wrong_method = False
        for route in LCS_ROUTES:
            params = _match(route.pattern, segments)
            if params is None:
                continue
            if route.method != request.method:
                wrong_method = True
                continue
            try:
                project_id = int(params["project"])
            except ValueError:
                return not_found(request)
            user = authenticate(world, request)
            if isinstance(user, Reply):
                return user
            return route.handler(world, user, request, params, project_id)
        if wrong_method:
            return method_not_allowed(request)
        sign_in = _sign_in_route(request, segments)
        if sign_in is not None:
            return sign_in(world)
        return not_found(request)
