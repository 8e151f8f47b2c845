"""What every LCS endpoint does first: authenticate, check the project, wrap the answer.

LCS answers 200 for everything except authentication failures (401) and
rate limiting (429); success or failure is the envelope's `IsSuccess`.
"""

from __future__ import annotations

from typing import Any

from lcs_tui.simulator.directory import User
from lcs_tui.simulator.exchange import Reply, Request, json_reply
from lcs_tui.simulator.formats import NO_END_OF_LIFE, ticks
from lcs_tui.simulator.records import Project
from lcs_tui.simulator.world import World

UNAUTHORIZED_MESSAGE = "Authorization has been denied for this request."


def authenticate(world: World, request: Request) -> User | Reply:
    """The user behind the bearer token, or the 401 to answer.

    A token is accepted only if the simulated Entra issued it, it has not
    expired on the simulator clock, and it was issued for this very host
    (its resource equals the request's origin): a token for another
    geography's API host, or for the Power Platform, is refused, as the real
    service does. So is an application's own token (client credentials):
    LCS serves users only.
    """
    header = request.header("Authorization") or ""
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return unauthorized()
    grant = world.tokens.access(token.strip())
    if grant is None or world.now() >= grant.expires_at:
        return unauthorized()
    if world.faults.take_wrong_audience(request.path, default=()):
        return unauthorized(wrong_audience=(grant.resource, request.origin))
    if grant.resource.rstrip("/").lower() != request.origin.lower():
        return unauthorized(wrong_audience=(grant.resource, request.origin))
    if grant.app_only:
        return unauthorized()
    return grant.user


def unauthorized(wrong_audience: tuple[str, str] | None = None) -> Reply:
    """LCS's 401. The body is always the same (ASP.NET's); a token for another
    audience is also named in `WWW-Authenticate`, as Azure's services do,
    with the wording of the Power Platform's: "acquired for the wrong audience"."""
    challenge = 'Bearer authorization_uri="https://login.microsoftonline.com/common"'
    if wrong_audience is not None:
        # The audience comes from the client's scope: keep it one quoted-string.
        audience, expected = (_header_safe(text) for text in wrong_audience)
        challenge += (
            ', error="invalid_token", error_description="The token was acquired for the wrong '
            f"audience '{audience}'. Ensure the scope is '{expected}//.default'.\""
        )
    return json_reply(
        {"Message": UNAUTHORIZED_MESSAGE}, status=401, headers=[("WWW-Authenticate", challenge)]
    )


def _header_safe(text: str) -> str:
    return "".join(c for c in text if " " <= c <= "~" and c not in '"\\')[:200]


def too_many_requests(retry_after: int | str) -> Reply:
    # The body is not documented; this is the shape Azure API Management
    # gives its rate-limit answers. A string (a `throttle` fault) is sent as it is.
    return json_reply(
        {
            "statusCode": 429,
            "message": f"Rate limit is exceeded. Try again in {retry_after} seconds.",
        },
        status=429,
        headers=[("Retry-After", str(retry_after))],
    )


def envelope(
    world: World,
    *,
    success: bool,
    error: str | None = None,
    activity_id: str | None = None,
    **fields: Any,
) -> dict[str, Any]:
    """The common envelope around `fields`. `OperationActivityId` is fresh per
    request, except for a started refresh/export, where it is the operation's id."""
    eol = world.faults.current_version_eol
    body: dict[str, Any] = dict(fields)
    body.update(
        {
            "IsSuccess": success,
            "OperationActivityId": activity_id or world.new_guid(),
            "ErrorMessage": error,
            "VersionEOL": NO_END_OF_LIFE if eol is None else ticks(eol),
        }
    )
    return body


def succeeded(world: World, activity_id: str | None = None, **fields: Any) -> Reply:
    return json_reply(envelope(world, success=True, activity_id=activity_id, **fields))


def failed(world: World, message: str, **fields: Any) -> Reply:
    return json_reply(envelope(world, success=False, error=message, **fields))


def no_access_message(project_id: int) -> str:
    return f"Project {project_id} does not exist or you do not have access to it."


def project_for(world: World, project_id: int, user: User) -> Project | Reply:
    """The project, if it exists and the user is one of its members.

    Like the real service, an unknown project and a project the user cannot
    see give the same answer.
    """
    project = world.project(project_id)
    if project is None or user.username.lower() not in project.members:
        return failed(world, no_access_message(project_id))
    return project


def not_found(request: Request) -> Reply:
    """ASP.NET Web API's answer for a path no route matches."""
    return json_reply(
        {
            "Message": "No HTTP resource was found that matches the request URI "
            f"'{request.origin}{request.path}'."
        },
        status=404,
    )


def method_not_allowed(request: Request) -> Reply:
    return json_reply(
        {"Message": f"The requested resource does not support http method '{request.method}'."},
        status=405,
    )
