"""A profile: everything needed to sign in to one LCS project, or to one
tenant's Power Platform (unified F&O environments). No secrets.

Passwords, client secrets and tokens live in the secret store the profile
names (see lcs_tui/secrets.py), never in the profile or its file.

Two backends (DESIGN.md "Two backends"): `backend = "lcs"` (the default)
opens an LCS project by its id and geography; `backend = "powerplatform"`
opens a tenant through the Power Platform API, by cloud. A Power Platform
profile has no project (`project_id` 0) and no geography ("").
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from lcs_tui.config.clouds import CLOUDS, CUSTOM_CLOUD, cloud_for_host, scope_of_host
from lcs_tui.config.geographies import CUSTOM, GEOGRAPHIES, geography_for_host

if TYPE_CHECKING:
    from lcs_tui.http import HttpSettings

SIGN_IN_METHODS: dict[str, str] = {
    "password": "username + password (the documented LCS flow; no MFA)",
    "password+secret": "username + password + client secret (confidential app)",
    "device-code": "device code: sign in on any browser, works with MFA",
    "browser": "interactive browser sign-in on this machine (needs a browser)",
}
PASSWORD_METHODS = frozenset({"password", "password+secret"})

BACKEND_LCS = "lcs"
BACKEND_POWERPLATFORM = "powerplatform"
BACKENDS: dict[str, str] = {
    BACKEND_LCS: "an LCS project (Lifecycle Services API)",
    BACKEND_POWERPLATFORM: "a tenant's unified environments (Power Platform API)",
}
SERVICE_PRINCIPAL = "service-principal"
#: The sign-in methods of a Power Platform profile (device code first: the default).
PP_SIGN_IN_METHODS: dict[str, str] = {
    "device-code": "device code: sign in on any browser, works with MFA (the default)",
    "password": "username + password (no MFA; the app must allow public client flows)",
    SERVICE_PRINCIPAL: "service principal: the app's client secret, no user (pipelines)",
    "browser": "interactive browser sign-in on this machine (needs a browser)",
}

SECRET_STORES: dict[str, str] = {
    "keyring": "the system keyring (encrypted by the OS)",
    "session": "this session only: forgotten when lcs-tui exits",
    "file": "a plain file readable only by you (mode 0600) - UNENCRYPTED",
}

# Profile names become TOML bare keys and keyring entry names: keep them plain.
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
#: A host name, or "*." and a domain of at least two labels.
_HOST_PATTERN = re.compile(
    r"^(?:\*\.(?=[^.]+\.[^.]+))?(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)*"
    r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$"
)


class ProfileError(ValueError):
    """A profile field has an unusable value; `key` names the field."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(message)
        self.key = key
        self.message = message


@dataclass(frozen=True)
class Profile:
    """Which project, geography, tenant, app and sign-in method (never a secret)."""

    name: str
    tenant: str
    client_id: str
    username: str | None
    project_id: int
    geography: str
    api_host: str
    authority: str
    sign_in_method: str
    proxy: str | None = None
    ca_bundle: str | None = None
    secret_store: str = "keyring"
    #: Hosts besides the cloud's Azure Storage that backup download links may
    #: point at (host names, or "*.domain"); see docs/downloads.md.
    download_hosts: tuple[str, ...] = ()
    #: "lcs" or "powerplatform" (BACKENDS).
    backend: str = BACKEND_LCS
    #: Power Platform only: a CLOUDS key, or "custom" (hosts outside the table).
    cloud: str | None = None
    #: Power Platform only: the BAP admin API host (api.bap.microsoft.com).
    bap_host: str | None = None

    def __post_init__(self) -> None:
        _validate(self)

    @property
    def is_powerplatform(self) -> bool:
        return self.backend == BACKEND_POWERPLATFORM

    @property
    def scope(self) -> str:
        """The token scope of the profile's API (the one signed in for)."""
        if self.is_powerplatform:
            known = CLOUDS.get(self.cloud or "")
            if known is not None and known.api_host == self.api_host:
                return known.api_scope
            return scope_of_host(self.api_host)
        # The LCS resource id ends in "/", and MSAL appends "/.default": the
        # double slash is what Entra expects (LCS-API.md section 4).
        return f"{self.api_host}//.default"

    @property
    def bap_scope(self) -> str | None:
        """Power Platform only: the token scope of the BAP admin API (another audience)."""
        if not self.is_powerplatform:
            return None
        known = CLOUDS.get(self.cloud or "")
        bap = self.bap_host or self.api_host
        if known is not None and known.bap_host == bap:
            return known.bap_scope
        return scope_of_host(bap)

    @property
    def uses_password(self) -> bool:
        return self.sign_in_method in PASSWORD_METHODS

    @property
    def uses_service_principal(self) -> bool:
        """Signs in as the app itself (client credentials), no user."""
        return self.sign_in_method == SERVICE_PRINCIPAL

    @property
    def needs_client_secret(self) -> bool:
        return self.sign_in_method == "password+secret" or self.uses_service_principal

    def http_settings(self) -> HttpSettings:
        import os.path

        from lcs_tui.http import HttpSettings

        ca_bundle = os.path.expanduser(self.ca_bundle) if self.ca_bundle else None
        return HttpSettings(proxy=self.proxy, ca_bundle=ca_bundle)


def make_profile(
    *,
    name: str,
    tenant: str,
    client_id: str,
    sign_in_method: str,
    project_id: int = 0,
    username: str | None = None,
    geography: str | None = None,
    api_host: str | None = None,
    authority: str | None = None,
    proxy: str | None = None,
    ca_bundle: str | None = None,
    secret_store: str = "keyring",
    download_hosts: tuple[str, ...] = (),
    backend: str = BACKEND_LCS,
    cloud: str | None = None,
    bap_host: str | None = None,
) -> Profile:
    """Build a profile, deriving the API host and authority from the geography.

    Either `geography` (a GEOGRAPHIES key) or `api_host` must be given; an API
    host outside the table makes the geography "custom", whose authority
    defaults to the commercial cloud's. A Power Platform profile
    (`backend="powerplatform"`) takes a `cloud` (CLOUDS key) or an `api_host`
    instead, and no project.
    """
    if backend == BACKEND_POWERPLATFORM:
        return _make_powerplatform(
            name=name,
            tenant=tenant,
            client_id=client_id,
            sign_in_method=sign_in_method,
            username=username,
            cloud=cloud,
            api_host=api_host,
            bap_host=bap_host,
            authority=authority,
            proxy=proxy,
            ca_bundle=ca_bundle,
            secret_store=secret_store,
        )
    if backend != BACKEND_LCS:
        raise ProfileError("backend", f"unknown backend {backend!r}; one of: {', '.join(BACKENDS)}")
    if api_host is not None:
        api_host = api_host.rstrip("/")
    if geography is None or geography == CUSTOM:
        if api_host is None:
            raise ProfileError("geography", "give a geography or a custom API host")
        geography = geography_for_host(api_host)
    geo = GEOGRAPHIES.get(geography)
    if geo is None and geography != CUSTOM:
        raise ProfileError(
            "geography",
            f"unknown geography {geography!r}; known: {', '.join(GEOGRAPHIES)} "
            "(or give a custom API host)",
        )
    if api_host is None:
        assert geo is not None  # a custom geography always comes with its host
        api_host = geo.api_host
    if authority is None:
        # A custom host (a simulator, a new region) signs in at the commercial
        # cloud unless told otherwise.
        authority = (geo or GEOGRAPHIES["global"]).authority_for(tenant.strip())
    return Profile(
        name=name,
        tenant=tenant.strip(),
        client_id=client_id.strip(),
        username=username.strip() if username else None,
        project_id=project_id,
        geography=geography,
        api_host=api_host,
        authority=authority.rstrip("/"),
        sign_in_method=sign_in_method,
        proxy=proxy or None,
        ca_bundle=ca_bundle or None,
        secret_store=secret_store,
        download_hosts=download_hosts,
    )


def _make_powerplatform(
    *,
    name: str,
    tenant: str,
    client_id: str,
    sign_in_method: str,
    username: str | None,
    cloud: str | None,
    api_host: str | None,
    bap_host: str | None,
    authority: str | None,
    proxy: str | None,
    ca_bundle: str | None,
    secret_store: str,
) -> Profile:
    if api_host is not None:
        api_host = api_host.rstrip("/")
        if cloud is None or cloud == CUSTOM_CLOUD:
            cloud = cloud_for_host(api_host)
    cloud = cloud or "public"
    known = CLOUDS.get(cloud)
    if known is None and cloud != CUSTOM_CLOUD:
        raise ProfileError(
            "cloud",
            f"unknown cloud {cloud!r}; known: {', '.join(CLOUDS)} (or give a custom API host)",
        )
    if api_host is None:
        if known is None:
            raise ProfileError("cloud", "a custom cloud needs its API host (--api-host)")
        api_host = known.api_host
    if bap_host is None:
        # Outside the table (a simulator) one host usually serves both APIs.
        bap_host = known.bap_host if known is not None and known.api_host == api_host else api_host
    if authority is None:
        authority = (known or CLOUDS["public"]).authority_for(tenant.strip())
    return Profile(
        name=name,
        tenant=tenant.strip(),
        client_id=client_id.strip(),
        username=username.strip() if username else None,
        project_id=0,
        geography="",
        api_host=api_host,
        authority=authority.rstrip("/"),
        sign_in_method=sign_in_method,
        proxy=proxy or None,
        ca_bundle=ca_bundle or None,
        secret_store=secret_store,
        backend=BACKEND_POWERPLATFORM,
        cloud=cloud,
        bap_host=bap_host.rstrip("/"),
    )


def default_authority(profile: Profile) -> str:
    if profile.is_powerplatform:
        cloud = CLOUDS.get(profile.cloud or "") or CLOUDS["public"]
        return cloud.authority_for(profile.tenant)
    geo = GEOGRAPHIES.get(profile.geography)
    return (geo or GEOGRAPHIES["global"]).authority_for(profile.tenant)


def _validate_powerplatform(p: Profile) -> None:
    _validate_identity(p)
    if p.project_id != 0 or isinstance(p.project_id, bool):
        raise ProfileError(
            "project_id", "a Power Platform profile has no LCS project; leave project_id out"
        )
    if p.geography:
        raise ProfileError(
            "geography", "a Power Platform profile has a cloud, not a geography; use cloud"
        )
    if p.cloud != CUSTOM_CLOUD and p.cloud not in CLOUDS:
        raise ProfileError(
            "cloud", f"unknown cloud {p.cloud!r}; known: {', '.join(CLOUDS)} or {CUSTOM_CLOUD}"
        )
    # A base URL may carry a path: the simulator mounts the APIs under one
    # loopback origin (/powerplatform, /bap).
    _check_url("api_host", p.api_host, want_path=None, http_loopback_ok=True)
    _check_url("bap_host", p.bap_host or "", want_path=None, http_loopback_ok=True)
    _check_url("authority", p.authority, want_path=True, http_loopback_ok=False)
    if p.sign_in_method not in PP_SIGN_IN_METHODS:
        raise ProfileError(
            "sign_in_method",
            f"sign-in method {p.sign_in_method!r} is not for Power Platform profiles; "
            f"one of: {', '.join(PP_SIGN_IN_METHODS)}",
        )
    _validate_secrets(p)
    if p.uses_service_principal and p.secret_store == "file":
        raise ProfileError(
            "secret_store",
            "a service principal's client secret is kept in the keyring (or, for a "
            "pipeline, given each run in LCS_TUI_CLIENT_SECRET with secret store "
            "session), never in a file",
        )
    if p.download_hosts:
        raise ProfileError(
            "download_hosts",
            "download_hosts is for LCS profiles: unified environments have no bacpac download",
        )
    _validate_proxy(p)


def _validate(p: Profile) -> None:
    if p.backend not in BACKENDS:
        raise ProfileError(
            "backend", f"unknown backend {p.backend!r}; one of: {', '.join(BACKENDS)}"
        )
    if p.backend == BACKEND_POWERPLATFORM:
        _validate_powerplatform(p)
        return
    if p.cloud is not None or p.bap_host is not None:
        key = "cloud" if p.cloud is not None else "bap_host"
        raise ProfileError(key, f'{key} is for Power Platform profiles (backend = "powerplatform")')
    _validate_lcs(p)


def _validate_identity(p: Profile) -> None:
    if not _NAME.match(p.name):
        raise ProfileError(
            "name",
            f"profile name {p.name!r} must be 1-64 letters, digits, '-' or '_', "
            "starting with a letter or digit",
        )
    for key, value in (("tenant", p.tenant), ("client_id", p.client_id)):
        if not value or any(c.isspace() or c == "/" for c in value):
            raise ProfileError(key, f"{key} must be a non-empty id without spaces or '/'")


def _validate_secrets(p: Profile) -> None:
    if p.sign_in_method in PASSWORD_METHODS and not p.username:
        raise ProfileError("username", f"sign-in method {p.sign_in_method!r} needs a username")
    if p.secret_store not in SECRET_STORES:
        raise ProfileError(
            "secret_store",
            f"unknown secret store {p.secret_store!r}; one of: {', '.join(SECRET_STORES)}",
        )


def _validate_proxy(p: Profile) -> None:
    if p.proxy is not None:
        parts = urlsplit(p.proxy)
        if parts.scheme not in ("http", "https", "socks5", "socks5h") or not parts.hostname:
            raise ProfileError("proxy", "proxy must be a URL like http://proxy.example:8080")


def _validate_lcs(p: Profile) -> None:
    # The order of the checks is the order of the messages a user meets first.
    _validate_identity(p)
    if isinstance(p.project_id, bool) or not isinstance(p.project_id, int) or p.project_id <= 0:
        raise ProfileError("project_id", "project_id must be a positive whole number")
    if p.geography != CUSTOM and p.geography not in GEOGRAPHIES:
        raise ProfileError(
            "geography", f"unknown geography {p.geography!r}; known: {', '.join(GEOGRAPHIES)}"
        )
    _check_url("api_host", p.api_host, want_path=False, http_loopback_ok=True)
    # MSAL itself accepts only https authorities.
    _check_url("authority", p.authority, want_path=True, http_loopback_ok=False)
    if p.sign_in_method not in SIGN_IN_METHODS:
        raise ProfileError(
            "sign_in_method",
            f"unknown sign-in method {p.sign_in_method!r}; one of: {', '.join(SIGN_IN_METHODS)}",
        )
    _validate_secrets(p)
    for host in p.download_hosts:
        if not isinstance(host, str) or not _HOST_PATTERN.match(host):
            raise ProfileError(
                "download_hosts",
                f"download_hosts: {host!r} is not a host name (e.g. backups.example.net "
                "or *.example.net)",
            )
    _validate_proxy(p)


def _check_url(key: str, value: str, *, want_path: bool | None, http_loopback_ok: bool) -> None:
    """`want_path`: True a path is required, False none is allowed, None either."""
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises ValueError on a malformed port
    except ValueError as exc:
        raise ProfileError(key, f"{key} is not a valid URL: {exc}") from None
    if not parts.hostname:
        raise ProfileError(key, f"{key} must be a URL like https://host")
    # Tokens travel to the API host and passwords to the authority: only over
    # TLS, except to this machine (a local simulator or test server).
    plain_ok = http_loopback_ok and parts.scheme == "http" and _is_loopback(parts.hostname)
    if parts.scheme != "https" and not plain_ok:
        raise ProfileError(key, f"{key} must start with https://")
    path = parts.path.strip("/")
    if want_path and not path:
        raise ProfileError(key, f"{key} must end with the tenant, e.g. https://host/<tenant>")
    if want_path is False and path:
        raise ProfileError(key, f"{key} must be only scheme and host, e.g. https://host")


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
