"""`lcs-tui login` and `lcs-tui logout`.

`login` runs the profile's sign-in method. Secrets come from, in order: the
command line's stdin (--password-stdin), the environment (LCS_TUI_PASSWORD,
LCS_TUI_CLIENT_SECRET), a no-echo prompt in a terminal. A client secret is an
app credential, so a stored one is re-used; a password is always asked for
(or given), because `login` means "sign in now".
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import TYPE_CHECKING, Any

from lcs_tui.commands.output import out
from lcs_tui.commands.profile import (
    EXIT_OK,
    EXIT_SIGN_IN,
    UsageError,
    add_profile_option,
    err,
    run_reporting_errors,
)
from lcs_tui.untrusted import inert

if TYPE_CHECKING:
    from lcs_tui.auth import Account, Session
    from lcs_tui.config import Profile

PASSWORD_ENV = "LCS_TUI_PASSWORD"
CLIENT_SECRET_ENV = "LCS_TUI_CLIENT_SECRET"


def register(subparsers: Any) -> None:
    login = subparsers.add_parser(
        "login",
        help="sign in with the profile's method and keep the sign-in",
        description="Sign in with the profile's method (password, password+secret, "
        f"device-code or browser). Scripts: {PASSWORD_ENV}, {CLIENT_SECRET_ENV}, "
        "or --password-stdin.",
    )
    add_profile_option(login)
    login.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password from the first line of standard input",
    )
    login.add_argument(
        "--no-remember",
        dest="remember",
        action="store_false",
        help="do not store the password or client secret (tokens are still kept)",
    )
    login.set_defaults(func=lambda args: run_reporting_errors(lambda: _login(args)))

    logout = subparsers.add_parser(
        "logout",
        help="forget the profile's tokens (and with --forget-secrets its password/secret)",
        description="Forget the profile's sign-in: the tokens lcs-tui keeps in the profile's "
        "secret store, so the next command or the app signs in again. With --forget-secrets "
        "also the stored password and client secret. The profile itself stays.",
    )
    add_profile_option(logout)
    logout.add_argument(
        "--forget-secrets",
        action="store_true",
        help="also remove the stored password and client secret",
    )
    logout.set_defaults(func=lambda args: run_reporting_errors(lambda: _logout(args)))


def _session(args: argparse.Namespace) -> Session:
    from lcs_tui.auth import Session
    from lcs_tui.config import load_config
    from lcs_tui.secrets import open_secret_store

    profile = load_config().get(getattr(args, "profile", None))
    return Session(profile, open_secret_store(profile.secret_store))


def _login(args: argparse.Namespace) -> int:
    session = _session(args)
    profile = session.profile
    try:
        account = _sign_in(session, args)
    except KeyboardInterrupt:
        err("\nsign-in cancelled")
        return EXIT_SIGN_IN
    finally:
        for warning in session.warnings:
            err(f"warning: {warning}")
        session.close()
    if (
        profile.username
        and not profile.uses_service_principal
        and account.username.lower() != profile.username.lower()
    ):
        err(
            f"note: profile {profile.name} names {profile.username}, but you signed in as "
            f"{account.username}"
        )
    where = (
        f"Power Platform {profile.cloud}"
        if profile.is_powerplatform
        else f"project {profile.project_id}"
    )
    out(f"signed in as {account.username} (profile {profile.name}, {where}, {profile.api_host})")
    if profile.is_powerplatform:
        code = _check_powerplatform(profile)
        if code != EXIT_OK:
            return code
    if profile.secret_store == "session":
        # Said as it is: nothing outlives this command, so login only proved
        # that the sign-in works.
        variables = "LCS_TUI_PASSWORD" if profile.uses_password else None
        if profile.uses_service_principal:
            variables = "LCS_TUI_CLIENT_SECRET"
        scripts = (
            f"scripting commands sign in with {variables}"
            if variables
            else "scripting commands cannot sign in with this profile"
        )
        err(
            f"note: profile {profile.name} keeps nothing once a command ends (secret store "
            "session), so this only checked that signing in works. lcs-tui signs you in again "
            f"when it opens; {scripts}. To stay signed in: lcs-tui profile set {profile.name} "
            "--secret-store keyring (or file), then lcs-tui login again"
        )
    return EXIT_OK


def _check_powerplatform(profile: Profile) -> int:
    """After a Power Platform sign-in: does each API answer? (profile_pp's checklist)."""
    from lcs_tui.commands.profile_pp import report_checks, run_checks
    from lcs_tui.workspace import open_profile

    workspace = open_profile(profile)
    try:
        return report_checks(run_checks(workspace))
    finally:
        workspace.session.close()


def _sign_in(session: Session, args: argparse.Namespace) -> Account:
    profile = session.profile
    method = profile.sign_in_method
    if profile.uses_service_principal:
        return session.sign_in_with_client_secret(_client_secret(session), remember=args.remember)
    if method in ("password", "password+secret"):
        password = _password(args, profile)
        secret = _client_secret(session) if method == "password+secret" else None
        return session.sign_in_with_password(password, secret, remember=args.remember)
    if method == "device-code":
        flow = session.start_device_flow()
        err(
            flow.message
            or f"To sign in, open {flow.verification_uri} and enter the code {flow.user_code}"
        )
        err("waiting for the sign-in to finish (Ctrl+C to cancel)...")
        return session.finish_device_flow(flow)
    err("opening the sign-in page in your web browser...")
    return session.sign_in_with_browser()


def _password(args: argparse.Namespace, profile: Profile) -> str:
    if args.password_stdin:
        line = sys.stdin.readline().rstrip("\r\n")
        if not line:
            raise UsageError("--password-stdin: standard input held no password")
        return line
    from_env = os.environ.get(PASSWORD_ENV)
    if from_env:
        return from_env
    if sys.stdin.isatty():
        import getpass

        entered = getpass.getpass(inert(f"Password for {profile.username}: "))
        if entered:
            return entered
    raise UsageError(
        f"no password: type it in a terminal, set {PASSWORD_ENV}, or use --password-stdin"
    )


def _client_secret(session: Session) -> str | None:
    """The secret to use, or None to let the session use the stored one."""
    from_env = os.environ.get(CLIENT_SECRET_ENV)
    if from_env:
        return from_env
    profile = session.profile
    from lcs_tui.secrets import open_secret_store

    if open_secret_store(profile.secret_store).get(profile.name, "client-secret"):
        return None
    if sys.stdin.isatty():
        import getpass

        entered = getpass.getpass(inert(f"Client secret of app {profile.client_id}: "))
        if entered:
            return entered
    raise UsageError(f"no client secret: type it in a terminal or set {CLIENT_SECRET_ENV}")


def _logout(args: argparse.Namespace) -> int:
    session = _session(args)
    session.sign_out(forget_secrets=args.forget_secrets)
    done = "tokens forgotten"
    if args.forget_secrets:
        done += ", stored password and client secret removed"
    out(f"signed out of profile {session.profile.name} ({done})")
    return EXIT_OK
