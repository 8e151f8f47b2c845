"""What every Power Platform call does first: find its API, authenticate, check the caller.

Three APIs share one mechanism:

- the Power Platform API, `/environmentmanagement/…` (in-process at any host,
  on the loopback server also under `/powerplatform`);
- BAP, `/providers/Microsoft.BusinessAppPlatform/…` (also under `/bap`);
- an environment's Dataverse, `/api/data/v9.x/…` at `https://ORG.crmN.dynamics.com`
  (on the loopback server under `/dataverse/ORG`).

A token is accepted when it was issued for the API's *base URL as the
client addressed it* (origin plus mount: `https://127.0.0.1:8443/powerplatform`)
or for the API's real audience of that cloud (`https://api.powerplatform.com`,
`https://service.powerapps.com`, ...). So a client may ask for the real
scope or for `{base}/.default`; a token for LCS, for the other Power
Platform API or for another cloud answers 401 "acquired for the wrong audience".
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal
from urllib.parse import urlsplit

from lcs_tui.simulator import demo
from lcs_tui.simulator.exchange import Reply, Request, json_reply
from lcs_tui.simulator.powerplatform.records import PpEnvironment, Principal
from lcs_tui.simulator.powerplatform.state import PowerPlatform
from lcs_tui.simulator.powerplatform.wire import bap_error, validation_error
from lcs_tui.simulator.ratelimits import Limit
from lcs_tui.simulator.world import World

Api = Literal["powerplatform", "bap", "dataverse"]

#: The api-versions the Power Platform API answers (PPAC-API.md §0, §3.1).
PP_API_VERSIONS = (demo.PP_API_VERSION, demo.PP_PREVIEW_API_VERSION)

#: Each cloud's Power Platform API host and the audiences it accepts
#: (PPAC-API.md §1.5; GCC High's two disagreeing constants both count).
_PP_AUDIENCES: dict[str, tuple[str, ...]] = {
    "api.powerplatform.com": ("https://api.powerplatform.com",),
    "api.gov.powerplatform.microsoft.us": ("https://api.gov.powerplatform.microsoft.us",),
    "api.high.powerplatform.microsoft.us": (
        "https://api.high.powerplatform.microsoft.us",
        "https://api.appsplatform.us",
    ),
    "api.appsplatform.us": ("https://api.appsplatform.us",),
    "api.powerplatform.partner.microsoftonline.cn": (
        "https://api.powerplatform.partner.microsoftonline.cn",
    ),
}
#: Each cloud's BAP host and its audience: the PowerApps service, not the host.
_BAP_AUDIENCES: dict[str, tuple[str, ...]] = {
    "api.bap.microsoft.com": ("https://service.powerapps.com",),
    "gov.api.bap.microsoft.us": ("https://service.powerapps.us",),
    "high.api.bap.microsoft.us": ("https://high.service.apps.appsplatform.us",),
    "api.bap.appsplatform.us": ("https://service.apps.appsplatform.us",),
    "api.bap.partner.microsoftonline.cn": ("https://service.powerapps.cn",),
}
_GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


@dataclass(frozen=True)
class Mount:
    """Which API a request is for, its base URL as addressed, and the path below it."""

    api: Api
    #: Origin plus mount (and `/dataverse/ORG`): what a token's audience may be.
    base: str
    #: The decoded path segments below the base.
    segments: tuple[str, ...]
    #: The Dataverse organisation (the URL's first label); "" for the others.
    org: str = ""


def mount_of(request: Request) -> Mount | None:
    """The Power Platform API a request is for, if any (by path; Dataverse by host too)."""
    segments = request.segments
    low = [s.lower() for s in segments]
    origin = request.origin
    pp_mount, bap_mount = demo.PP_MOUNT.strip("/"), demo.BAP_MOUNT.strip("/")
    if low[:1] == [pp_mount]:
        return Mount("powerplatform", f"{origin}/{segments[0]}", tuple(segments[1:]))
    if low[:1] == ["environmentmanagement"]:
        return Mount("powerplatform", origin, tuple(segments))
    if low[:1] == [bap_mount]:
        return Mount("bap", f"{origin}/{segments[0]}", tuple(segments[1:]))
    if low[:2] == ["providers", "microsoft.businessappplatform"]:
        return Mount("bap", origin, tuple(segments))
    if low[:1] == [demo.DATAVERSE_MOUNT.strip("/")] and len(segments) >= 2:
        base = f"{origin}/{segments[0]}/{segments[1]}"
        return Mount("dataverse", base, tuple(segments[2:]), segments[1].lower())
    host = urlsplit(origin).hostname or ""
    if low[:2] == ["api", "data"] and host.endswith(".dynamics.com"):
        return Mount("dataverse", origin, tuple(segments), host.split(".")[0])
    return None


def _accepted_audiences(mount: Mount, request: Request) -> set[str]:
    host = urlsplit(request.origin).hostname or ""
    accepted = {mount.base.lower()}
    if mount.api == "powerplatform":
        accepted.update(_PP_AUDIENCES.get(host, (demo.PP_API_HOST,)))
    elif mount.api == "bap":
        accepted.update(_BAP_AUDIENCES.get(host, (demo.POWERAPPS_RESOURCE,)))
    elif ".api." in host:
        # The org's API host takes the org URL's tokens.
        accepted.add(f"https://{host.replace('.api.', '.', 1)}")
    return {a.lower() for a in accepted}


def expected_scope(mount: Mount) -> str:
    """The scope to ask for, as the wrong-audience message suggests it."""
    if mount.api == "bap" and not mount.base.lower().endswith(demo.BAP_MOUNT):
        return demo.BAP_SCOPE
    return f"{mount.base}/.default"


def _error(mount: Mount, status: int, code: str, message: str, challenge: str = "") -> Reply:
    headers = [("WWW-Authenticate", challenge)] if challenge else None
    if mount.api == "bap":
        return bap_error(status, code, message, headers)
    return json_reply({"error": {"code": code, "message": message}}, status=status, headers=headers)


def _unauthorized(mount: Mount, code: str, message: str, description: str = "") -> Reply:
    challenge = 'Bearer authorization_uri="https://login.microsoftonline.com/common"'
    if description:
        challenge += f', error="invalid_token", error_description="{description}"'
    return _error(mount, 401, code, message, challenge)


def _header_safe(text: str) -> str:
    return "".join(c for c in text if " " <= c <= "~" and c not in '"\\')[:200]


def authenticate(world: World, request: Request, mount: Mount) -> Principal | Reply:
    """The caller behind the bearer token, or the 401 to answer."""
    header = request.header("Authorization") or ""
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return _unauthorized(
            mount, "AuthenticationFailed", "Authentication failed: the request has no bearer token."
        )
    grant = world.tokens.access(token.strip())
    if grant is None:
        return _unauthorized(mount, "InvalidAuthenticationToken", "The access token is not valid.")
    if world.now() >= grant.expires_at:
        return _unauthorized(
            mount,
            "ExpiredAuthenticationToken",
            "The access token has expired. Acquire a new token and try again.",
            "The token is expired",
        )
    audience = grant.resource.rstrip("/")
    forced = world.faults.take_wrong_audience(request.path)
    if forced or audience.lower() not in _accepted_audiences(mount, request):
        scope = expected_scope(mount)
        return _unauthorized(
            mount,
            "InvalidAuthenticationToken",
            f"The token was acquired for the wrong audience '{audience}'. "
            f"Ensure the scope is '{scope}'.",
            _header_safe(f"The token was acquired for the wrong audience '{audience}'"),
        )
    app = world.directory.app(grant.client_id)
    if grant.app_only:
        return Principal(
            "ServicePrincipal",
            grant.client_id.lower(),
            app.display_name if app else grant.client_id,
            grant.user.object_id,
            grant.client_id,
        )
    user = grant.user
    return Principal(
        "User", user.username.lower(), user.display_name, user.object_id, grant.client_id
    )


# --- checks after authentication ------------------------------------------------------------


def forbidden_bap_path(request: Request, principal: Principal) -> Reply:
    """BAP's 403 for a service principal that is not registered (PPAC-API.md §1.3)."""
    path = request.path + (f"?{request.query}" if request.query else "")
    return bap_error(
        403,
        "Forbidden",
        f"The service principal with id '{principal.object_id}' for application "
        f"'{principal.client_id}' does not have permission to access the path '{path}' "
        f"in tenant '{demo.TENANT_ID}'.",
    )


def forbidden(mount: Mount, principal: Principal, action: str) -> Reply:
    """403 for a caller without the role `action` needs."""
    if principal.kind == "ServicePrincipal":
        message = (
            f"The service principal with id '{principal.object_id}' for application "
            f"'{principal.client_id}' does not have permission to {action}. It needs the Power "
            "Platform Contributor role at tenant scope, or registration as an admin management "
            "application."
        )
    else:
        message = (
            f"The user '{principal.name}' does not have permission to {action}. It needs the "
            "Power Platform administrator or Dynamics 365 administrator role."
        )
    return _error(mount, 403, "Forbidden", message)


def api_version_error(mount: Mount, request: Request) -> Reply | None:
    """400 for a missing or (on the Power Platform API) unknown api-version."""
    params = {k.lower(): v for k, v in request.query_params().items()}
    version = params.get("api-version", "")
    if not version:
        return _error(
            mount,
            400,
            "MissingApiVersionParameter",
            "The api-version query parameter (?api-version=) is required for all requests.",
        )
    if mount.api == "powerplatform" and version not in PP_API_VERSIONS:
        return _error(
            mount,
            400,
            "UnsupportedApiVersion",
            f"The api-version '{version}' is not supported. Supported versions: "
            f"{', '.join(PP_API_VERSIONS)}.",
        )
    return None


def too_many_requests(mount: Mount, retry_after: str) -> Reply:
    """429: the body is undocumented; this is the Azure gateways' shape."""
    reply = _error(
        mount,
        429,
        "TooManyRequests",
        f"Rate limit is exceeded. Try again in {retry_after} seconds.",
    )
    reply.set_header("Retry-After", retry_after)
    return reply


def rate_check(world: World, request: Request, mount: Mount, principal: Principal) -> Reply | None:
    """429 from an armed `throttle` fault or above the documented-by-us limit:
    `PpSettings.rate_limit` calls per caller and API in a sliding window."""
    forced = world.faults.take_throttle(request.path)
    if forced is not None:
        return too_many_requests(mount, forced)
    if not world.faults.limits_enabled:
        return None
    count, window = world.powerplatform.settings.rate_limit
    wait = world.limiter.try_acquire(
        [Limit(("powerplatform", mount.api, principal.name), count, window)]
    )
    return None if wait is None else too_many_requests(mount, str(wait))


def retry_after(world: World) -> str:
    """An operation's `Retry-After`: simulated seconds told in real ones at the
    clock's rate, as token lifetimes are (30 on a manual clock); at least 2, so
    that a fast demo is not polled every second (2 at x120: 4 simulated minutes)."""
    seconds = world.powerplatform.settings.retry_after
    return str(max(2, math.ceil(seconds / world.clock.rate)))


def correlation_id(pp: PowerPlatform, request: Request) -> str:
    """The client's correlation id if it sent a GUID, else a fresh one."""
    for name in ("x-ms-correlation-id", "x-ms-client-request-id", "client-request-id"):
        value = (request.header(name) or "").strip()
        if _GUID.match(value):
            return value.lower()
    return pp.correlation_id()


# --- the call being answered -----------------------------------------------------------------


@dataclass
class Call:
    """One authenticated Power Platform request and what the handlers need of it."""

    world: World
    request: Request
    mount: Mount
    principal: Principal
    params: dict[str, str]

    @property
    def pp(self) -> PowerPlatform:
        return self.world.powerplatform

    @property
    def now(self) -> datetime:
        return self.world.now()

    def query(self, name: str) -> str | None:
        """A query parameter, its name matched case-insensitively (ValidateOnly...)."""
        wanted = name.lower()
        for key, value in self.request.query_params().items():
            if key.lower() == wanted:
                return value
        return None

    @property
    def api_version(self) -> str:
        return self.query("api-version") or demo.PP_API_VERSION

    def forbidden(self, action: str) -> Reply:
        return forbidden(self.mount, self.principal, action)

    def require_admin(self, action: str) -> Reply | None:
        return None if self.pp.is_admin(self.principal) else self.forbidden(action)

    def not_found(self, environment_id: str) -> Reply:
        message = f"The environment '{environment_id}' could not be found in the tenant."
        if self.mount.api == "bap":
            return bap_error(404, "EnvironmentNotFound", message)
        return validation_error("EnvironmentNotFound", {"environmentId": [message]}, status=404)

    def environment(self, environment_id: str) -> PpEnvironment | Reply:
        """The environment if the caller may see it, else 404 (the same answer
        for one that does not exist)."""
        env = self.pp.environment(environment_id)
        if env is None or not self.pp.visible(self.principal, env):
            return self.not_found(environment_id)
        return env

    def json_body(self) -> dict[str, Any] | Reply:
        try:
            body = json.loads(self.request.body or b"{}")
        except ValueError:
            body = None
        if isinstance(body, dict):
            return body
        message = "The request body is not a JSON object."
        if self.mount.api == "bap":
            return bap_error(400, "InvalidRequestContent", message)
        return validation_error("InvalidRequestBody", {"body": [message]})
