"""`lcs-tui profile add --backend powerplatform`: a profile for a tenant's unified environments.

Asks (in a terminal) for what flags leave out: name, tenant, app, cloud,
sign-in method (device code by default), user name. For a service
principal it explains the set-up the app needs (three places: Entra,
Power Platform's registration or role, Dataverse application users),
takes its client secret (no echo, or LCS_TUI_CLIENT_SECRET), keeps it in
the keyring — never in a file — and checks the set-up on the spot: each
known failure (wrong audience, unregistered admin application, missing
role, no application user) is said with what to do.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from typing import TYPE_CHECKING, Any

from lcs_tui.commands.output import err, out
from lcs_tui.commands.profile import (
    EXIT_OK,
    EXIT_SIGN_IN,
    UsageError,
    ask,
    choose,
    interactive,
)
from lcs_tui.untrusted import inert

if TYPE_CHECKING:
    from lcs_tui.config import Config, Profile
    from lcs_tui.ppac.setup import Check

CLIENT_SECRET_ENV = "LCS_TUI_CLIENT_SECRET"


def add_powerplatform(args: argparse.Namespace) -> int:
    from lcs_tui.config import ProfileError, load_config, make_profile, save_config

    config = load_config()
    asking = interactive(args)
    values = _collect(args, config, asking)
    try:
        profile = make_profile(**values)
    except ProfileError as exc:
        raise UsageError(f"{exc.key}: {exc.message}") from None
    secret: str | None = None
    if profile.uses_service_principal:
        for line in _setup_lines(profile):
            err(line)
        secret = _client_secret(profile, asking)
    config = config.with_profile(profile, make_default=args.default)
    save_config(config)
    out(f"profile {profile.name} saved in {config.path} (Power Platform, {_cloud_text(profile)})")
    if config.default == profile.name:
        out(f"{profile.name} is the default profile")
    if profile.uses_service_principal and secret and not args.no_check:
        return check_service_principal(profile, secret)
    out(_next_step(profile))
    return EXIT_OK


def _setup_lines(profile: Profile) -> list[str]:
    from lcs_tui.ppac.setup import service_principal_setup

    return service_principal_setup(profile.client_id)


def _cloud_text(profile: Profile) -> str:
    from lcs_tui.config.clouds import CLOUDS

    cloud = CLOUDS.get(profile.cloud or "")
    return cloud.label if cloud else f"custom host {profile.api_host}"


def _next_step(profile: Profile) -> str:
    name = profile.name
    if profile.uses_service_principal:
        return (
            f"next: lcs-tui login --profile {name} (with the client secret in "
            f"{CLIENT_SECRET_ENV}, or typed when asked) signs in and checks the set-up"
        )
    return (
        f"next: lcs-tui login --profile {name} signs in ({profile.sign_in_method}) and checks "
        "that Power Platform answers"
    )


def _collect(args: argparse.Namespace, config: Config, asking: bool) -> dict[str, Any]:
    from lcs_tui.commands.profile import _guid_problem, _host_problem, _secret_store
    from lcs_tui.config.clouds import CLOUDS, CUSTOM_CLOUD
    from lcs_tui.config.profile import PP_SIGN_IN_METHODS

    missing: list[str] = []

    def need(
        value: str | None, flag: str, prompt: str, default: str | None = None, check: Any = None
    ) -> str:
        if value:
            return value
        if asking:
            while True:
                answer = ask(prompt, default)
                problem = check(answer) if answer and check else None
                if answer and not problem:
                    return answer
                if problem:
                    err(f"  {problem}")
        missing.append(flag)
        return ""

    name = need(args.name, "NAME", "Profile name", None if config.profiles else "unified")
    if name in config.profiles and not args.replace:
        raise UsageError(f"a profile named {name!r} exists; add --replace to overwrite it")
    tenant = need(args.tenant, "--tenant", "Tenant (domain like contoso.onmicrosoft.com, or GUID)")
    client_id = need(
        args.client_id, "--client-id", "Application (client) id of your app", check=_guid_problem
    )
    cloud = args.cloud
    api_host = args.api_host
    if cloud is None and api_host is None:
        if asking:
            err("Which Power Platform cloud is the tenant in?")
            options = [
                (c.key, c.label + ("" if c.verified else f" (unverified: {c.note})"))
                for c in CLOUDS.values()
            ]
            options.append((CUSTOM_CLOUD, "another API host (e.g. the local simulator)"))
            cloud = choose("Cloud", options, "public")
            if cloud == CUSTOM_CLOUD:
                api_host = need(None, "--api-host", "API host (https://...)", check=_host_problem)
        else:
            cloud = "public"
    if cloud == "gcchigh":
        err(f"note: {CLOUDS['gcchigh'].note}")
    method = args.method
    if method is None:
        if asking:
            err("How do you sign in?")
            method = choose("Sign-in method", list(PP_SIGN_IN_METHODS.items()), "device-code")
        else:
            method = "device-code"
    if method not in PP_SIGN_IN_METHODS:
        raise UsageError(
            f"--method {method}: a Power Platform profile signs in with one of "
            + ", ".join(PP_SIGN_IN_METHODS)
        )
    username = args.username
    if not username and method == "password":
        username = need(None, "--username", "User name (e.g. ana@contoso.com)")
    authority = args.authority
    if asking and authority is None and api_host:
        from urllib.parse import urlsplit

        loopback = urlsplit(api_host).hostname in ("127.0.0.1", "localhost", "::1")
        default = (
            f"{api_host.rstrip('/')}/{tenant}"
            if loopback
            else f"https://login.microsoftonline.com/{tenant}"
        )
        authority = need(None, "--authority", "Sign-in authority", default, check=_host_problem)
    if missing:
        raise UsageError(
            "missing " + ", ".join(missing) + " (run in a terminal to be asked, "
            "or see: lcs-tui profile add --help)"
        )
    store = args.secret_store
    if method == "service-principal" and store == "file":
        raise UsageError(
            "--secret-store file: a service principal's client secret is kept in the keyring "
            f"(or given each run in {CLIENT_SECRET_ENV} with --secret-store session), never "
            "in a file"
        )
    return {
        "name": name,
        "backend": "powerplatform",
        "tenant": tenant,
        "client_id": client_id,
        "sign_in_method": method,
        "username": username,
        "cloud": None if cloud == CUSTOM_CLOUD else cloud,
        "api_host": api_host,
        "bap_host": args.bap_host,
        "authority": authority,
        "proxy": args.proxy,
        "ca_bundle": args.ca_bundle,
        "secret_store": store if store == "session" else _secret_store(store, asking),
    }


def _client_secret(profile: Profile, asking: bool) -> str | None:
    given = os.environ.get(CLIENT_SECRET_ENV)
    if given:
        return given
    if asking and sys.stdin.isatty():
        import getpass

        entered = getpass.getpass(inert(f"Client secret (its Value) of app {profile.client_id}: "))
        return entered or None
    err(f"no client secret given ({CLIENT_SECRET_ENV}); the set-up is checked at lcs-tui login")
    return None


def check_service_principal(profile: Profile, secret: str) -> int:
    """Sign in with `secret` (kept where the profile says) and check the set-up."""
    from lcs_tui.workspace import open_profile

    workspace = open_profile(profile)
    try:
        workspace.session.sign_in_with_client_secret(
            secret, remember=profile.secret_store != "session"
        )
        if profile.secret_store == "keyring":
            out("the client secret is kept in the keyring")
        return report_checks(run_checks(workspace))
    finally:
        for warning in workspace.session.warnings:
            err(f"warning: {warning}")
        workspace.session.close()


def run_checks(workspace: Any) -> list[Check]:
    """The set-up checks of a signed-in Power Platform workspace (blocking)."""
    from lcs_tui.ppac.setup import check_setup

    async def run() -> list[Check]:
        try:
            return await check_setup(workspace.ppac.client)
        finally:
            await workspace.aclose()

    return asyncio.run(run())


def report_checks(checks: list[Check]) -> int:
    """Print the checklist; exit 3 when the Power Platform API itself refuses."""
    from lcs_tui.ppac.setup import essential_failure

    out("set-up check:")
    for check in checks:
        out(check.line())
        if check.ok is False and check.hint:
            out(f"      next: {check.hint}")
    failed = essential_failure(checks)
    if failed is not None:
        err(f"error: {failed.message}")
        return EXIT_SIGN_IN
    return EXIT_OK
