"""Entra ID's error answers: the JSON shape, the AADSTS codes and their texts.

The texts follow Entra's own wording closely enough that a client showing
them (or matching on the AADSTS code, which is the reliable part) behaves
as it would against the real service.
"""

from __future__ import annotations

from lcs_tui.simulator.exchange import Reply, Request, json_reply
from lcs_tui.simulator.world import World


def entra_error(
    world: World,
    request: Request,
    status: int,
    error: str,
    code: int,
    description: str,
    *,
    suberror: str | None = None,
    claims: str | None = None,
) -> Reply:
    now = world.now()
    stamp = f"{now:%Y-%m-%d %H:%M:%S}Z"
    trace_id = world.new_guid()
    correlation_id = request.header("client-request-id") or world.new_guid()
    body: dict[str, object] = {
        "error": error,
        "error_description": (
            f"AADSTS{code}: {description} Trace ID: {trace_id} "
            f"Correlation ID: {correlation_id} Timestamp: {stamp}"
        ),
        "error_codes": [code],
        "timestamp": stamp,
        "trace_id": trace_id,
        "correlation_id": correlation_id,
        "error_uri": f"{request.origin}/error?code={code}",
    }
    if suberror:
        body["suberror"] = suberror
    if claims:
        body["claims"] = claims
    return json_reply(body, status=status)


def unknown_tenant(world: World, request: Request, tenant: str) -> Reply:
    return entra_error(
        world,
        request,
        400,
        "invalid_tenant",
        90002,
        f"Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID and are "
        "signing into the correct cloud. Check with your subscription administrator, this may "
        "happen if there are no active subscriptions for the tenant.",
    )


def unknown_client(world: World, request: Request, client_id: str, tenant: str) -> Reply:
    return entra_error(
        world,
        request,
        400,
        "unauthorized_client",
        700016,
        f"Application with identifier '{client_id}' was not found in the directory '{tenant}'. "
        "This can happen if the application has not been installed by the administrator of the "
        "tenant or consented to by any user in the tenant. You may have sent your authentication "
        "request to the wrong tenant.",
    )


def secret_required(world: World, request: Request) -> Reply:
    return entra_error(
        world,
        request,
        401,
        "invalid_client",
        7000218,
        "The request body must contain the following parameter: "
        "'client_assertion' or 'client_secret'.",
    )


def wrong_secret(world: World, request: Request, client_id: str) -> Reply:
    return entra_error(
        world,
        request,
        401,
        "invalid_client",
        7000215,
        "Invalid client secret provided. Ensure the secret being sent in the request is the client "
        f"secret value, not the client secret ID, for a secret added to app '{client_id}'.",
    )


def public_client_with_secret(world: World, request: Request) -> Reply:
    return entra_error(
        world,
        request,
        401,
        "invalid_client",
        700025,
        "Client is public so neither 'client_assertion' nor 'client_secret' should be presented.",
    )


def unknown_user(world: World, request: Request, tenant: str) -> Reply:
    return entra_error(
        world,
        request,
        400,
        "invalid_grant",
        50034,
        f"The user account {{EUII Hidden}} does not exist in the {tenant} directory. To sign into "
        "this application, the account must be added to the directory.",
    )


def wrong_password(world: World, request: Request) -> Reply:
    return entra_error(
        world,
        request,
        400,
        "invalid_grant",
        50126,
        "Error validating credentials due to invalid username or password.",
    )


def mfa_required(world: World, request: Request, resource_app: str) -> Reply:
    return entra_error(
        world,
        request,
        400,
        "invalid_grant",
        50076,
        "Due to a configuration change made by your administrator, or because you moved to a new "
        f"location, you must use multi-factor authentication to access '{resource_app}'.",
        suberror="basic_action",
        claims='{"access_token":{"capolids":{"essential":true,"values":["00000000-d365-4000-a000-000000000001"]}}}',
    )


def consent_required(world: World, request: Request, client_id: str, app_name: str) -> Reply:
    return entra_error(
        world,
        request,
        400,
        "invalid_grant",
        65001,
        "The user or administrator has not consented to use the application with ID "
        f"'{client_id}' named '{app_name}'. Send an interactive authorization request for "
        "this user and resource.",
        suberror="consent_required",
    )


def invalid_grant(world: World, request: Request, code: int, description: str) -> Reply:
    return entra_error(world, request, 400, "invalid_grant", code, description)


def device_pending(world: World, request: Request) -> Reply:
    return entra_error(
        world,
        request,
        400,
        "authorization_pending",
        70016,
        "OAuth 2.0 device flow error. Authorization is pending. Continue polling.",
    )


def device_expired(world: World, request: Request) -> Reply:
    return entra_error(
        world,
        request,
        400,
        "expired_token",
        70020,
        "The provided value for the input parameter 'device_code' is not valid. "
        "This device code has expired.",
    )


def device_declined(world: World, request: Request) -> Reply:
    return entra_error(
        world,
        request,
        400,
        "authorization_declined",
        70000,
        "The user has declined the authorization request.",
    )


def unsupported_grant(world: World, request: Request, grant_type: str) -> Reply:
    return entra_error(
        world,
        request,
        400,
        "unsupported_grant_type",
        70003,
        f"The app requested an unsupported grant type '{grant_type}'.",
    )


def missing_parameter(world: World, request: Request, name: str) -> Reply:
    return entra_error(
        world,
        request,
        400,
        "invalid_request",
        900144,
        f"The request body must contain the following parameter: '{name}'.",
    )


def invalid_scope(world: World, request: Request, scope: str) -> Reply:
    return entra_error(
        world,
        request,
        400,
        "invalid_scope",
        1002012,
        f"The provided value for scope {scope} is not valid. Client credential flows must have a "
        "scope value with /.default suffixed to the resource identifier (application ID URI).",
    )
