"""The Entra ID endpoints MSAL uses: discovery, user realm, token, device code.

Grants: `password` (ROPC; public client, or confidential with its secret),
the device code grant, `refresh_token`, and `client_credentials` (a
confidential app's own, app-only token: a service principal), on the v2 endpoint
(`/{tenant}/oauth2/v2.0/token`, scopes) and the older v1 endpoint
(`/{tenant}/oauth2/token`, `resource=`) of the Postman walkthrough.

The resource a token is for comes from the scope: `https://HOST//.default`
(the real double slash) and `https://HOST/.default` both mean `https://HOST`.
"""

from __future__ import annotations

import base64
import hashlib
from datetime import timedelta
from typing import Any
from urllib.parse import unquote_plus, urlsplit

from lcs_tui.simulator import demo, entra_errors
from lcs_tui.simulator.directory import App, Tenant, User
from lcs_tui.simulator.exchange import Reply, Request, json_reply, origin_of
from lcs_tui.simulator.tokens import DeviceCode, b64url_json, epoch_seconds, unsigned_jwt
from lcs_tui.simulator.world import World

DEVICE_CODE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
GRAPH_RESOURCE = "https://graph.microsoft.com"
_RESERVED_SCOPES = {"openid", "profile", "offline_access", "email"}


# --- discovery -------------------------------------------------------------------------


def openid_configuration(world: World, request: Request, tenant_segment: str, v2: bool) -> Reply:
    tenant = world.directory.resolve_tenant(tenant_segment)
    if tenant is None:
        return entra_errors.unknown_tenant(world, request, tenant_segment)
    # Multi-tenant aliases keep their name in the endpoints; a domain is
    # replaced by the tenant GUID, as Entra does.
    alias = tenant_segment.lower() in ("organizations", "common")
    path_tenant = tenant_segment if alias else tenant.tenant_id
    issuer_tenant = "{tenantid}" if alias else tenant.tenant_id
    base = f"{request.origin}/{path_tenant}/oauth2"
    version = "/v2.0" if v2 else ""
    body = {
        "token_endpoint": f"{base}{version}/token",
        "token_endpoint_auth_methods_supported": [
            "client_secret_post",
            "private_key_jwt",
            "client_secret_basic",
        ],
        "jwks_uri": f"{request.origin}/{path_tenant}/discovery{version}/keys",
        "response_modes_supported": ["query", "fragment", "form_post"],
        "subject_types_supported": ["pairwise"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
        "scopes_supported": ["openid", "profile", "email", "offline_access"],
        "issuer": f"{request.origin}/{issuer_tenant}/v2.0"
        if v2
        else f"https://sts.windows.net/{issuer_tenant}/",
        "request_uri_parameter_supported": False,
        "userinfo_endpoint": "https://graph.microsoft.com/oidc/userinfo",
        "authorization_endpoint": f"{base}{version}/authorize",
        "device_authorization_endpoint": f"{base}{version}/devicecode",
        "http_logout_supported": True,
        "frontchannel_logout_supported": True,
        "end_session_endpoint": f"{base}{version}/logout",
        "claims_supported": [
            "sub",
            "iss",
            "aud",
            "exp",
            "iat",
            "auth_time",
            "nonce",
            "preferred_username",
            "name",
            "tid",
            "ver",
            "oid",
        ],
        "tenant_region_scope": "EU",
        "cloud_instance_name": "microsoftonline.com",
        "cloud_graph_host_name": "graph.windows.net",
        "msgraph_host": "graph.microsoft.com",
        "rbac_url": "https://pas.windows.net",
    }
    return json_reply(body)


def instance_discovery(world: World, request: Request) -> Reply:
    params = request.query_params()
    endpoint = params.get("authorization_endpoint", f"{request.origin}/common/oauth2/authorize")
    parts = urlsplit(endpoint)
    tenant = (parts.path.strip("/").split("/") or ["common"])[0] or "common"
    here = urlsplit(request.origin).netloc
    aliases = [
        "login.microsoftonline.com",
        "login.windows.net",
        "login.microsoft.com",
        "sts.windows.net",
    ]
    if here not in aliases:
        aliases.insert(0, here)
    discovery = f"{request.origin}/{tenant}/v2.0/.well-known/openid-configuration"
    return json_reply(
        {
            "tenant_discovery_endpoint": discovery,
            "api-version": "1.1",
            "metadata": [{"preferred_network": here, "preferred_cache": here, "aliases": aliases}],
        }
    )


def user_realm(world: World, request: Request, username: str) -> Reply:
    user = world.directory.user(username)
    domain = username.rpartition("@")[2]
    return json_reply(
        {
            "ver": "1.0",
            "account_type": "Managed" if user is not None else "Unknown",
            "domain_name": domain,
            "cloud_instance_name": "microsoftonline.com",
            "cloud_audience_urn": "urn:federation:MicrosoftOnline",
        }
    )


# --- helpers ---------------------------------------------------------------------------


def resource_of_scope(scope: str) -> str:
    """The resource named by an OAuth scope list (Graph when none is named)."""
    for item in scope.split():
        if item.lower() in _RESERVED_SCOPES:
            continue
        resource, slash, _permission = item.rpartition("/")
        if not slash:
            continue
        return normalise_resource(resource)
    return GRAPH_RESOURCE


def normalise_resource(resource: str) -> str:
    resource = resource.rstrip("/")
    parts = urlsplit(resource)
    if parts.scheme and parts.hostname:
        return origin_of(parts.scheme, parts.hostname, parts.port) + parts.path.rstrip("/")
    return resource


def _client_secret(request: Request, form: dict[str, str]) -> str | None:
    if form.get("client_secret"):
        return form["client_secret"]
    header = request.header("Authorization") or ""
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "basic" and value:
        try:
            decoded = base64.b64decode(value).decode("utf-8")
        except (ValueError, UnicodeDecodeError):
            return None
        return unquote_plus(decoded.partition(":")[2])
    return None


def _authenticate_client(
    world: World, request: Request, app: App, form: dict[str, str]
) -> Reply | None:
    secret = _client_secret(request, form)
    if app.is_confidential:
        if not secret:
            return entra_errors.secret_required(world, request)
        if secret != app.client_secret:
            return entra_errors.wrong_secret(world, request, app.client_id)
        return None
    if secret:
        return entra_errors.public_client_with_secret(world, request)
    if not app.public_client_flows:
        # What Entra says when a public flow is used with an app whose
        # "Allow public client flows" is off.
        return entra_errors.secret_required(world, request)
    return None


def _consent(world: World, request: Request, app: App, resource: str) -> Reply | None:
    if resource != GRAPH_RESOURCE and not app.lcs_permission_consented:
        return entra_errors.consent_required(world, request, app.client_id, app.display_name)
    return None


def _resource_app(resource: str) -> str:
    """The app id of the API a resource names, as Entra's MFA error quotes it."""
    if "powerplatform" in resource.lower():
        return demo.PP_API_APP_ID
    return demo.LCS_APP_ID


def _expires_in(world: World) -> int:
    """The token lifetime in real seconds at the clock's current rate."""
    return max(1, int(world.settings.token_lifetime.total_seconds() / world.clock.rate))


def _tokens(
    world: World,
    request: Request,
    user: User,
    app: App,
    tenant: Tenant,
    resource: str,
    scopes: set[str],
    form: dict[str, str],
    v1: bool,
) -> Reply:
    now = world.now()
    lifetime = world.settings.token_lifetime
    grant = world.tokens.issue_access(user, app, tenant.tenant_id, resource, now, lifetime)
    expires_in = _expires_in(world)
    epoch = epoch_seconds(now)
    id_claims = {
        "aud": app.client_id,
        "iss": f"{request.origin}/{tenant.tenant_id}/v2.0",
        "iat": epoch,
        "nbf": epoch,
        "exp": epoch + int(lifetime.total_seconds()),
        "name": user.display_name,
        "oid": user.object_id,
        "preferred_username": user.username,
        "sub": hashlib.sha256(f"{user.object_id}/{app.client_id}".encode()).hexdigest()[:43],
        "tid": tenant.tenant_id,
        "ver": "2.0",
    }
    body: dict[str, Any] = {"token_type": "Bearer"}
    if v1:
        body.update(
            {
                "scope": "user_impersonation",
                "expires_in": str(expires_in),
                "ext_expires_in": str(expires_in),
                "expires_on": str(epoch + int(lifetime.total_seconds())),
                "not_before": str(epoch),
                "resource": form.get("resource", resource),
                "access_token": grant.token,
            }
        )
    else:
        granted = (
            f"{resource}//user_impersonation {resource}//.default"
            if resource != GRAPH_RESOURCE
            else "User.Read"
        )
        body.update(
            {
                "scope": granted,
                "expires_in": expires_in,
                "ext_expires_in": expires_in,
                "access_token": grant.token,
            }
        )
    if v1 or "offline_access" in scopes:
        body["refresh_token"] = world.tokens.issue_refresh(user, app, tenant.tenant_id).token
    if v1 or "openid" in scopes:
        body["id_token"] = unsigned_jwt(id_claims)
    if form.get("client_info") == "1":
        body["client_info"] = b64url_json({"uid": user.object_id, "utid": tenant.tenant_id})
    return json_reply(
        body, headers=[("Cache-Control", "no-store, no-cache"), ("Pragma", "no-cache")]
    )


# --- the token endpoint ------------------------------------------------------------------


def token(world: World, request: Request, tenant_segment: str, v1: bool) -> Reply:
    form = request.form()
    tenant = world.directory.resolve_tenant(tenant_segment)
    if tenant is None:
        return entra_errors.unknown_tenant(world, request, tenant_segment)
    client_id = form.get("client_id", "")
    if not client_id:
        return entra_errors.missing_parameter(world, request, "client_id")
    app = world.directory.app(client_id)
    if app is None:
        return entra_errors.unknown_client(world, request, client_id, tenant_segment)
    grant_type = form.get("grant_type", "")
    if v1:
        resource = normalise_resource(form.get("resource", GRAPH_RESOURCE))
        scopes = {"openid", "offline_access"}
    else:
        resource = resource_of_scope(form.get("scope", ""))
        scopes = set(form.get("scope", "").split())
    if grant_type == "password":
        return _password_grant(world, request, app, tenant, resource, scopes, form, v1)
    if grant_type == DEVICE_CODE_GRANT:
        return _device_grant(world, request, app, tenant, form)
    if grant_type == "refresh_token":
        return _refresh_grant(world, request, app, tenant, resource, scopes, form, v1)
    if grant_type == "client_credentials":
        return _client_credentials_grant(world, request, app, tenant, resource, form, v1)
    return entra_errors.unsupported_grant(world, request, grant_type)


def _client_credentials_grant(
    world: World,
    request: Request,
    app: App,
    tenant: Tenant,
    resource: str,
    form: dict[str, str],
    v1: bool,
) -> Reply:
    """A service principal's own token. Entra issues it for any resource; whether
    the API accepts an app-only token is the API's business (LCS does not)."""
    if not app.is_confidential:
        return entra_errors.secret_required(world, request)
    refusal = _authenticate_client(world, request, app, form)
    if refusal is not None:
        return refusal
    scope = form.get("scope", "")
    if not v1 and (len(scope.split()) != 1 or not scope.endswith("/.default")):
        return entra_errors.invalid_scope(world, request, scope)
    now = world.now()
    lifetime = world.settings.token_lifetime
    principal = world.directory.service_principal(app)
    grant = world.tokens.issue_access(
        principal, app, tenant.tenant_id, resource, now, lifetime, app_only=True
    )
    expires_in = _expires_in(world)
    body: dict[str, Any] = {"token_type": "Bearer", "access_token": grant.token}
    if v1:
        epoch = epoch_seconds(now)
        body.update(
            {
                "expires_in": str(expires_in),
                "ext_expires_in": str(expires_in),
                "expires_on": str(epoch + int(lifetime.total_seconds())),
                "not_before": str(epoch),
                "resource": form.get("resource", resource),
            }
        )
    else:
        body.update({"expires_in": expires_in, "ext_expires_in": expires_in})
    return json_reply(
        body, headers=[("Cache-Control", "no-store, no-cache"), ("Pragma", "no-cache")]
    )


def _password_grant(
    world: World,
    request: Request,
    app: App,
    tenant: Tenant,
    resource: str,
    scopes: set[str],
    form: dict[str, str],
    v1: bool,
) -> Reply:
    refusal = _authenticate_client(world, request, app, form)
    if refusal is not None:
        return refusal
    username = form.get("username", "")
    if not username:
        return entra_errors.missing_parameter(world, request, "username")
    user = world.directory.user(username)
    if user is None:
        return entra_errors.unknown_user(world, request, tenant.domain)
    if form.get("password", "") != user.password:
        return entra_errors.wrong_password(world, request)
    if user.requires_mfa:
        # ROPC cannot satisfy conditional access; the device code flow can.
        return entra_errors.mfa_required(world, request, _resource_app(resource))
    refusal = _consent(world, request, app, resource)
    if refusal is not None:
        return refusal
    return _tokens(world, request, user, app, tenant, resource, scopes, form, v1)


def _device_grant(
    world: World, request: Request, app: App, tenant: Tenant, form: dict[str, str]
) -> Reply:
    entry = world.tokens.device_by_device_code(form.get("device_code", ""))
    if entry is None or entry.app.client_id != app.client_id:
        return entra_errors.invalid_grant(
            world,
            request,
            70000,
            "The provided value for the input parameter 'device_code' is not valid.",
        )
    refusal = _authenticate_client(world, request, app, form)
    if refusal is not None:
        return refusal
    now = world.now()
    if (
        entry.approved_by is None
        and entry.auto_approve_at is not None
        and now >= entry.auto_approve_at
    ):
        entry.approved_by = world.directory.user(demo.USERNAME)
    if entry.redeemed:
        return entra_errors.invalid_grant(
            world,
            request,
            70000,
            "The provided value for the input parameter 'device_code' has already been redeemed.",
        )
    if entry.declined:
        return entra_errors.device_declined(world, request)
    if entry.approved_by is None:
        if now >= entry.expires_at:
            return entra_errors.device_expired(world, request)
        return entra_errors.device_pending(world, request)
    resource = resource_of_scope(entry.scope)
    refusal = _consent(world, request, app, resource)
    if refusal is not None:
        return refusal
    entry.redeemed = True
    scopes = set(entry.scope.split())
    return _tokens(world, request, entry.approved_by, app, tenant, resource, scopes, form, v1=False)


def _refresh_grant(
    world: World,
    request: Request,
    app: App,
    tenant: Tenant,
    resource: str,
    scopes: set[str],
    form: dict[str, str],
    v1: bool,
) -> Reply:
    grant = world.tokens.refresh(form.get("refresh_token", ""))
    if grant is None:
        return entra_errors.invalid_grant(
            world, request, 9002313, "Invalid request. Request is malformed or invalid."
        )
    if grant.revoked:
        return entra_errors.invalid_grant(
            world,
            request,
            50173,
            "The provided grant has expired due to it being revoked, a fresh auth token is needed. "
            "The user might have changed or reset their password.",
        )
    if grant.client_id != app.client_id:
        return entra_errors.invalid_grant(
            world, request, 70000, "The refresh token was issued to a different client."
        )
    if not app.is_confidential and _client_secret(request, form):
        return entra_errors.public_client_with_secret(world, request)
    if app.is_confidential:
        refusal = _authenticate_client(world, request, app, form)
        if refusal is not None:
            return refusal
    refusal = _consent(world, request, app, resource)
    if refusal is not None:
        return refusal
    return _tokens(world, request, grant.user, app, tenant, resource, scopes, form, v1)


# --- device code flow ---------------------------------------------------------------------


def device_code(world: World, request: Request, tenant_segment: str) -> Reply:
    form = request.form()
    tenant = world.directory.resolve_tenant(tenant_segment)
    if tenant is None:
        return entra_errors.unknown_tenant(world, request, tenant_segment)
    client_id = form.get("client_id", "")
    app = world.directory.app(client_id)
    if app is None:
        return entra_errors.unknown_client(world, request, client_id, tenant_segment)
    settings = world.settings
    rate = world.clock.rate
    # A person types the code in real time: the lifetime and the auto-approval
    # delay are real durations, converted to simulator time here.
    auto = settings.device_code_auto_approve_after
    entry = world.tokens.issue_device_code(
        app,
        tenant.tenant_id,
        form.get("scope", ""),
        world.now(),
        settings.device_code_lifetime * rate,
        None if auto is None else timedelta(seconds=auto * rate),
    )
    uri = request.device_login_url or demo.DEVICE_LOGIN_URL
    return json_reply(
        {
            "user_code": entry.user_code,
            "device_code": entry.device_code,
            "verification_uri": uri,
            "expires_in": int(settings.device_code_lifetime.total_seconds()),
            "interval": settings.device_code_interval,
            "message": f"To sign in, use a web browser to open the page {uri} and enter the code "
            f"{entry.user_code} to authenticate.",
        }
    )


def approve(world: World, user_code: str, username: str) -> DeviceCode:
    """Approve a pending device code as `username` (what the person does in the browser)."""
    entry = world.tokens.device_by_user_code(user_code)
    if entry is None:
        raise KeyError(f"no device code {user_code!r}")
    user = world.directory.user(username)
    if user is None:
        raise KeyError(f"no user {username!r} in the simulated directory")
    if world.now() >= entry.expires_at:
        raise ValueError(f"device code {user_code!r} has expired")
    entry.approved_by = user
    return entry
