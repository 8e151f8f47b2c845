"""`lcs-tui profile add|remove|default` (`list`/`show`: profile_show.py, `set`: profile_set.py).

Interactive in a terminal (prompts on stderr, so stdout stays clean for
scripts), fully driven by flags otherwise. Nothing here prints a secret.

Exit codes shared by the sign-in commands: 0 ok, 2 usage, 3 sign-in failed,
4 configuration or secret-store problem.
"""

from __future__ import annotations

import argparse
import sys
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

# `err` is imported from here by the other sign-in commands: re-exported.
from lcs_tui.commands import output
from lcs_tui.commands.output import err as err
from lcs_tui.commands.output import out

if TYPE_CHECKING:
    from lcs_tui.config import Config, Profile

EXIT_OK = 0
EXIT_USAGE = 2
EXIT_SIGN_IN = 3
EXIT_CONFIG = 4


class UsageError(Exception):
    """The command line lacks something a non-interactive run must be given."""


# ------------------------------------------------------------------ plumbing


def register(subparsers: Any) -> None:
    from lcs_tui.commands.profile_show import list_profiles, show_profile
    from lcs_tui.config.clouds import CLOUDS, CUSTOM_CLOUD
    from lcs_tui.config.geographies import CUSTOM, GEOGRAPHIES
    from lcs_tui.config.profile import BACKENDS, PP_SIGN_IN_METHODS, SECRET_STORES, SIGN_IN_METHODS

    parser = subparsers.add_parser(
        "profile",
        help="create, list, show, remove profiles and pick the default",
        description="Profiles say which LCS project to open and how to sign in. "
        "They hold no secrets.",
    )
    sub = parser.add_subparsers(dest="profile_command", metavar="ACTION", required=True)

    add = sub.add_parser(
        "add",
        help="create a profile (asks for what is missing when run in a terminal)",
        description="Create a profile. In a terminal, asks for anything not given as a flag; "
        "with --no-input (or without a terminal) every required value must be a flag.",
    )
    add.add_argument("name", nargs="?", help="profile name (letters, digits, - and _)")
    add.add_argument(
        "--backend",
        choices=list(BACKENDS),
        default="lcs",
        help="what the profile opens: " + "; ".join(f"{k}: {v}" for k, v in BACKENDS.items()),
    )
    add.add_argument(
        "--cloud",
        choices=[*CLOUDS, CUSTOM_CLOUD],
        help="Power Platform profiles: the tenant's cloud (default public)",
    )
    add.add_argument("--bap-host", help="Power Platform profiles: a custom BAP admin API host")
    add.add_argument(
        "--no-check",
        action="store_true",
        help="Power Platform service principals: do not sign in and check the set-up now",
    )
    add.add_argument("--tenant", help="Entra tenant: domain (contoso.onmicrosoft.com) or GUID")
    add.add_argument("--client-id", help="application (client) id of your app registration")
    add.add_argument("--username", help="user name (UPN), e.g. ana@contoso.com")
    add.add_argument("--project-id", type=int, help="LCS project id (a number)")
    add.add_argument(
        "--geography",
        choices=[*GEOGRAPHIES, CUSTOM],
        help="where the LCS project lives (decides the API host and sign-in cloud)",
    )
    add.add_argument("--api-host", help="custom API host, e.g. https://127.0.0.1:8443")
    add.add_argument("--authority", help="sign-in authority (default: from the geography)")
    add.add_argument(
        "--method",
        "--sign-in-method",
        dest="method",
        choices=list(dict.fromkeys([*SIGN_IN_METHODS, *PP_SIGN_IN_METHODS])),
        help="sign-in method: " + "; ".join(f"{k}: {v}" for k, v in SIGN_IN_METHODS.items())
        + "; Power Platform profiles: "
        + "; ".join(f"{k}: {v}" for k, v in PP_SIGN_IN_METHODS.items()),
    )
    add.add_argument("--proxy", help="HTTPS proxy URL (default: HTTPS_PROXY from the environment)")
    add.add_argument("--ca-bundle", help="PEM file of CA certificates to trust")
    add.add_argument(
        "--secret-store",
        choices=list(SECRET_STORES),
        help="where passwords and tokens go: "
        + "; ".join(f"{k}: {v}" for k, v in SECRET_STORES.items()),
    )
    add.add_argument("--default", action="store_true", help="make it the default profile")
    add.add_argument("--replace", action="store_true", help="overwrite a profile of that name")
    add.add_argument("--no-input", action="store_true", help="never prompt")
    add.set_defaults(func=_run(_add))

    lst = sub.add_parser(
        "list",
        help="list profiles (the default is marked *)",
        description="List the profiles; * marks the default. Never shows a secret.",
    )
    lst.add_argument("--json", action="store_true", help="machine-readable output")
    lst.set_defaults(func=_run(list_profiles))

    show = sub.add_parser(
        "show",
        help="show one profile (never its secrets)",
        description="Show one profile's settings, and whether a password, client secret "
        "and sign-in are stored (yes/no, never the values).",
    )
    show.add_argument("name", nargs="?", help="profile name (default: --profile or the default)")
    show.add_argument("--json", action="store_true", help="machine-readable output")
    add_profile_option(show)
    show.set_defaults(func=_run(show_profile))

    remove = sub.add_parser(
        "remove",
        help="remove a profile and its stored secrets",
        description="Remove a profile from profiles.toml, and its password, client secret "
        "and tokens from its secret store.",
    )
    remove.add_argument("name")
    remove.set_defaults(func=_run(_remove))

    default = sub.add_parser(
        "default",
        help="show or set the default profile",
        description="Without NAME, print the default profile; with NAME, make it the default "
        "(the profile used when --profile is not given).",
    )
    default.add_argument("name", nargs="?")
    default.set_defaults(func=_run(_default))

    from lcs_tui.commands.profile_set import add_set_parser

    add_set_parser(sub)


def add_profile_option(parser: argparse.ArgumentParser) -> None:
    """`--profile` after the subcommand too; SUPPRESS keeps a value given
    before the subcommand (argparse would otherwise reset it to None)."""
    parser.add_argument(
        "--profile", metavar="NAME", default=argparse.SUPPRESS, help="profile to use"
    )


def _run(action: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    def func(args: argparse.Namespace) -> int:
        return run_reporting_errors(lambda: action(args))

    return func


def run_reporting_errors(action: Callable[[], int]) -> int:
    """Turn the known failures into a message, a hint and an exit code."""
    from lcs_tui.auth.errors import SignInError
    from lcs_tui.config import ConfigError
    from lcs_tui.secrets import SecretStoreError

    try:
        return action()
    except UsageError as exc:
        err(f"error: {exc}")
        return EXIT_USAGE
    except ConfigError as exc:
        err(f"error: {exc}")
        if exc.hint:
            err(exc.hint)
        return EXIT_CONFIG
    except SecretStoreError as exc:
        err(f"error: {exc.message}")
        if exc.hint:
            err(exc.hint)
        return EXIT_CONFIG
    except SignInError as exc:
        err(f"error: {exc.as_text()}")
        return EXIT_SIGN_IN


def interactive(args: argparse.Namespace) -> bool:
    return not getattr(args, "no_input", False) and sys.stdin.isatty()


def ask(prompt: str, default: str | None = None) -> str:
    shown = f"{prompt} [{default}]: " if default else f"{prompt}: "
    output.prompt(shown)
    line = sys.stdin.readline()
    if not line:
        raise UsageError("input ended before the question was answered")
    answer = line.strip()
    return answer or (default or "")


def choose(prompt: str, options: list[tuple[str, str]], default: str | None = None) -> str:
    for i, (key, text) in enumerate(options, start=1):
        err(f"  {i}. {key:<16} {text}")
    keys = [key for key, _ in options]
    while True:
        answer = ask(prompt, default)
        if answer in keys:
            return answer
        if answer.isdigit() and 1 <= int(answer) <= len(options):
            return keys[int(answer) - 1]
        err(f"  please answer with a number 1-{len(options)} or a name")


def selected_profile_name(args: argparse.Namespace) -> str | None:
    name = getattr(args, "name", None) or getattr(args, "profile", None)
    return name if isinstance(name, str) else None


# ------------------------------------------------------------------- actions


def _add(args: argparse.Namespace) -> int:
    from lcs_tui.config import ProfileError, load_config, make_profile, save_config

    if args.backend == "powerplatform":
        from lcs_tui.commands.profile_pp import add_powerplatform

        return add_powerplatform(args)
    if args.cloud is not None or args.bap_host is not None:
        raise UsageError("--cloud and --bap-host are for --backend powerplatform")
    config = load_config()
    asking = interactive(args)
    values = _collect(args, config, asking)
    try:
        profile = make_profile(**values)
    except ProfileError as exc:
        raise UsageError(f"{exc.key}: {exc.message}") from None
    config = config.with_profile(profile, make_default=args.default)
    save_config(config)
    out(f"profile {profile.name} saved in {config.path}")
    if config.default == profile.name:
        out(f"{profile.name} is the default profile")
    _explain_store(profile)
    out(next_step(profile))
    return EXIT_OK


def next_step(profile: Profile) -> str:
    """What to do after `profile add`, as it really is for this secret store."""
    name = profile.name
    if profile.secret_store != "session":
        return (
            f"next: lcs-tui login --profile {name} (signs in once; the app and the "
            "scripting commands then use the kept sign-in)"
        )
    if profile.uses_service_principal:
        return (
            f"next: every run signs in with the client secret in LCS_TUI_CLIENT_SECRET "
            f"(secret store session keeps nothing); lcs-tui login --profile {name} checks it"
        )
    if profile.uses_password:
        variables = "LCS_TUI_PASSWORD" + (
            " and LCS_TUI_CLIENT_SECRET" if profile.needs_client_secret else ""
        )
        return (
            f"next: lcs-tui --profile {name} - the app asks for the password when it opens, "
            f"every time (secret store session keeps nothing); scripting commands sign in "
            f"with {variables}"
        )
    return (
        f"next: lcs-tui --profile {name} - the app signs you in ({profile.sign_in_method}) "
        "when it opens, every time (secret store session keeps nothing); scripting commands "
        f"cannot sign in with this profile: keep the sign-in with "
        f"lcs-tui profile set {name} --secret-store keyring (or file)"
    )


def _collect(args: argparse.Namespace, config: Config, asking: bool) -> dict[str, Any]:
    from lcs_tui.config.geographies import CUSTOM, GEOGRAPHIES
    from lcs_tui.config.profile import PASSWORD_METHODS, SIGN_IN_METHODS

    missing: list[str] = []
    # Optional settings are asked only in a session that asks anything: a
    # command line that gives every required value runs without a question.
    asked: list[str] = []

    def need(
        value: str | None,
        flag: str,
        prompt: str,
        default: str | None = None,
        check: Callable[[str], str | None] | None = None,
    ) -> str:
        if value:
            return value
        if asking:
            asked.append(flag)
            # Each answer is checked as it is given: a typo should not cost
            # the user every answer after it.
            while True:
                answer = ask(prompt, default)
                problem = check(answer) if answer and check else None
                if answer and not problem:
                    return answer
                if problem:
                    err(f"  {problem}")
        missing.append(flag)
        return ""

    name = need(args.name, "NAME", "Profile name", None if config.profiles else "default")
    if name in config.profiles and not args.replace:
        raise UsageError(f"a profile named {name!r} exists; add --replace to overwrite it")
    tenant = need(args.tenant, "--tenant", "Tenant (domain like contoso.onmicrosoft.com, or GUID)")
    client_id = need(
        args.client_id, "--client-id", "Application (client) id of your app", check=_guid_problem
    )
    project = need(
        str(args.project_id) if args.project_id is not None else None,
        "--project-id",
        "LCS project id",
        check=_project_problem,
    )

    geography = args.geography
    api_host = args.api_host
    if api_host is None and geography in (None, CUSTOM):
        if asking:
            options = [
                (g.key, g.label + ("" if g.verified else " (unverified)"))
                for g in GEOGRAPHIES.values()
            ]
            options.append((CUSTOM, "another API host (e.g. the local simulator)"))
            asked.append("--geography")
            err("Where does the LCS project live?")
            geography = choose("Geography", options, "global")
            if geography == CUSTOM:
                api_host = need(None, "--api-host", "API host (https://...)", check=_host_problem)
        else:
            missing.append("--geography or --api-host")

    authority = args.authority
    if asking and asked and authority is None and api_host:
        # A custom host signs in somewhere too: the simulator serves sign-in on
        # its own address; anything else most likely on the commercial cloud.
        loopback = urlsplit(api_host).hostname in ("127.0.0.1", "localhost", "::1")
        default = (
            f"{api_host.rstrip('/')}/{tenant}"
            if loopback
            else (f"https://login.microsoftonline.com/{tenant}")
        )
        authority = need(None, "--authority", "Sign-in authority", default, check=_host_problem)

    method = args.method
    if method is None:
        if asking:
            asked.append("--method")
            err("How do you sign in?")
            method = choose("Sign-in method", list(SIGN_IN_METHODS.items()), "password")
        else:
            missing.append("--method")
    username = args.username
    if not username and method in PASSWORD_METHODS:
        username = need(None, "--username", "User name (e.g. ana@contoso.com)")
    elif not username and asking and asked:
        username = ask("User name (optional, helps pick the account)") or None

    proxy, ca_bundle = args.proxy, args.ca_bundle
    if asking and asked and args.proxy is None:
        proxy = ask("HTTPS proxy (empty: none, or HTTPS_PROXY)") or None
    if asking and asked and args.ca_bundle is None:
        ca_bundle = ask("CA bundle file (empty: the system's)") or None
    if ca_bundle:
        path = Path(ca_bundle).expanduser()
        if not path.is_file():
            raise UsageError(f"--ca-bundle: no such file: {path}")
        ca_bundle = str(path.resolve())

    if missing:
        raise UsageError(
            "missing " + ", ".join(missing) + " (run in a terminal to be asked, "
            "or see: lcs-tui profile add --help)"
        )
    if not project.isdigit() or int(project) <= 0:
        raise UsageError(f"project id must be a positive number, not {project!r}")
    return {
        "name": name,
        "tenant": tenant,
        "client_id": client_id,
        "project_id": int(project),
        "sign_in_method": method,
        "username": username,
        "geography": None if geography == CUSTOM else geography,
        "api_host": api_host,
        "authority": authority,
        "proxy": proxy,
        "ca_bundle": ca_bundle,
        "secret_store": _secret_store(args.secret_store, asking),
    }


def _project_problem(answer: str) -> str | None:
    if answer.isdigit() and int(answer) > 0:
        return None
    return "the project id is the number in the LCS project's address, e.g. 1234567"


def _guid_problem(answer: str) -> str | None:
    try:
        uuid.UUID(answer)
    except ValueError:
        return "an application (client) id looks like 00000000-0000-0000-0000-000000000000"
    return None


def _host_problem(answer: str) -> str | None:
    return None if answer.startswith("https://") else "give a full https:// address"


def _secret_store(chosen: str | None, asking: bool) -> str:
    from lcs_tui.secrets import default_secrets_file, detect_keyring

    if chosen in ("session", "file"):
        return chosen
    status = detect_keyring()
    if status.usable:
        return "keyring"
    if chosen == "keyring":
        from lcs_tui.secrets import SecretStoreError

        raise SecretStoreError("no usable system keyring", hint=status.message)
    err(f"No usable system keyring: {status.message}")
    if not asking:
        raise UsageError("choose --secret-store session or --secret-store file")
    return choose(
        "Keep secrets",
        [
            ("session", "only while lcs-tui runs (sign in each time)"),
            ("file", f"in {default_secrets_file()} - UNENCRYPTED, readable only by you"),
        ],
        "session",
    )


def _explain_store(profile: Profile) -> None:
    from lcs_tui.secrets import default_secrets_file

    if profile.secret_store == "session":
        err("secrets of this profile are kept only while lcs-tui runs")
    elif profile.secret_store == "file":
        err(f"warning: secrets of this profile go UNENCRYPTED into {default_secrets_file()}")


def _remove(args: argparse.Namespace) -> int:
    from lcs_tui.config import load_config, save_config
    from lcs_tui.secrets import SECRET_KINDS, SecretStoreError, open_secret_store

    config = load_config()
    profile = config.get(args.name)
    config = config.without_profile(profile.name)
    save_config(config)
    out(f"profile {profile.name} removed")
    try:
        store = open_secret_store(profile.secret_store)
        for kind in SECRET_KINDS:
            store.delete(profile.name, kind)
        if profile.secret_store != "session":  # nothing outlived the session anyway
            out(f"its stored password, client secret and tokens were removed from {store.label}")
    except SecretStoreError as exc:
        err(f"warning: its secrets could not be removed: {exc.message}")
    if config.default:
        out(f"default profile: {config.default}")
    elif config.profiles:
        err("no default profile now; pick one with: lcs-tui profile default NAME")
    return EXIT_OK


def _default(args: argparse.Namespace) -> int:
    from lcs_tui.config import load_config, save_config

    config = load_config()
    if args.name is None:
        if config.default is None:
            err("no default profile; pick one with: lcs-tui profile default NAME")
            return EXIT_CONFIG
        out(config.default)
        return EXIT_OK
    config = config.with_default(args.name)
    save_config(config)
    out(f"default profile: {args.name}")
    return EXIT_OK
