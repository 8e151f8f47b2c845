"""`lcs-tui profile set NAME --method device-code`: change a profile in place.

The usual change is one field — the sign-in method after Entra answered
"this account needs MFA", a proxy, the secret store — and `profile add
--replace` would ask for every field again. `set` changes only what its
flags name and keeps the rest; the result is checked like a new profile.
"""

from __future__ import annotations

import argparse
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lcs_tui.commands.output import err, out
from lcs_tui.commands.profile import EXIT_OK, UsageError, next_step, selected_profile_name

if TYPE_CHECKING:
    from lcs_tui.config import Profile

#: Flags (their dest) and the profile field each sets.
FIELDS = {
    "tenant": "tenant",
    "client_id": "client_id",
    "username": "username",
    "project_id": "project_id",
    "geography": "geography",
    "api_host": "api_host",
    "authority": "authority",
    "method": "sign_in_method",
    "proxy": "proxy",
    "ca_bundle": "ca_bundle",
    "secret_store": "secret_store",
    "cloud": "cloud",
    "bap_host": "bap_host",
}
#: Fields an empty value clears (back to "none" or to the derived default).
CLEARABLE = frozenset({"username", "authority", "proxy", "ca_bundle"})
#: Changing these means the kept sign-in belongs to another identity or host.
SIGN_IN_FIELDS = frozenset(
    {"tenant", "client_id", "username", "api_host", "authority", "sign_in_method", "cloud"}
)


def add_set_parser(sub: Any) -> None:
    from lcs_tui.config.clouds import CLOUDS, CUSTOM_CLOUD
    from lcs_tui.config.geographies import CUSTOM, GEOGRAPHIES
    from lcs_tui.config.profile import PP_SIGN_IN_METHODS, SECRET_STORES, SIGN_IN_METHODS

    parser = sub.add_parser(
        "set",
        help="change some fields of a profile, keep the rest",
        description="Change only the fields given, e.g. `lcs-tui profile set contoso "
        "--method device-code` after an MFA refusal. An empty value clears an optional "
        "field (--proxy '').",
    )
    parser.add_argument("name", nargs="?", help="profile name (default: --profile or the default)")
    parser.add_argument("--profile", metavar="NAME", default=argparse.SUPPRESS, help="profile")
    parser.add_argument(
        "--method",
        "--sign-in-method",
        dest="method",
        choices=list(dict.fromkeys([*SIGN_IN_METHODS, *PP_SIGN_IN_METHODS])),
        help="sign-in method: " + "; ".join(f"{k}: {v}" for k, v in SIGN_IN_METHODS.items())
        + "; Power Platform profiles: " + ", ".join(PP_SIGN_IN_METHODS),
    )
    parser.add_argument("--username", help="user name (UPN); '' clears it")
    parser.add_argument("--tenant", help="Entra tenant: domain or GUID")
    parser.add_argument("--client-id", help="application (client) id")
    parser.add_argument("--project-id", type=int, help="LCS project id")
    parser.add_argument("--geography", choices=[*GEOGRAPHIES, CUSTOM], help="where LCS lives")
    parser.add_argument("--api-host", help="custom API host")
    parser.add_argument(
        "--cloud", choices=[*CLOUDS, CUSTOM_CLOUD], help="Power Platform profiles: the cloud"
    )
    parser.add_argument("--bap-host", help="Power Platform profiles: a custom BAP host")
    parser.add_argument("--authority", help="sign-in authority; '' derives it again")
    parser.add_argument("--proxy", help="HTTPS proxy URL; '' clears it")
    parser.add_argument("--ca-bundle", help="PEM file of CA certificates; '' clears it")
    parser.add_argument(
        "--secret-store",
        choices=list(SECRET_STORES),
        help="where passwords and tokens go: "
        + "; ".join(f"{k}: {v}" for k, v in SECRET_STORES.items()),
    )
    parser.add_argument("--default", action="store_true", help="also make it the default")

    from lcs_tui.commands.profile import run_reporting_errors

    parser.set_defaults(func=lambda args: run_reporting_errors(lambda: _set(args)))


def _set(args: argparse.Namespace) -> int:
    from lcs_tui.config import ProfileError, load_config, make_profile, save_config

    config = load_config()
    current = config.get(selected_profile_name(args))
    changes = {
        field: getattr(args, dest)
        for dest, field in FIELDS.items()
        if getattr(args, dest) is not None
    }
    if not changes and not args.default:
        raise UsageError(
            "nothing to change: name a field, e.g. --method device-code "
            "(see lcs-tui profile set --help)"
        )
    values = _merged(current, changes)
    try:
        updated = make_profile(**values)
    except ProfileError as exc:
        raise UsageError(f"{exc.key}: {exc.message}") from None
    save_config(config.with_profile(updated, make_default=args.default))
    changed = [
        (key, old, new)
        for key, old in asdict(current).items()
        if (new := asdict(updated)[key]) != old
    ]
    if not changed:
        out(f"profile {updated.name}: nothing changed")
    for key, old, new in changed:
        out(f"profile {updated.name}: {key} {old or '-'} -> {new or '-'}")
    if args.default:
        out(f"{updated.name} is the default profile")
    _after(current, updated, {key for key, _, _ in changed})
    return EXIT_OK


def _merged(current: Profile, changes: dict[str, Any]) -> dict[str, Any]:
    """The profile's fields with `changes` applied, for `make_profile`.

    A new geography brings its own API host, and a new API host makes the
    geography follow it; the authority is derived again when it was the
    derived one and what it depends on changed.
    """
    from lcs_tui.config.profile import default_authority

    values: dict[str, Any] = asdict(current)
    for field, value in changes.items():
        values[field] = (None if field in CLEARABLE else value) if value == "" else value
    if current.is_powerplatform:
        # A new cloud brings its hosts; a new API host makes the cloud follow it.
        for gone in ("project_id", "geography", "download_hosts"):
            values.pop(gone, None)
        if "cloud" in changes and "api_host" not in changes:
            values["api_host"] = None
        if ("cloud" in changes or "api_host" in changes) and "bap_host" not in changes:
            values["bap_host"] = None
        if "api_host" in changes and "cloud" not in changes:
            values["cloud"] = None
    else:
        if "geography" in changes and "api_host" not in changes:
            values["api_host"] = None
        if "api_host" in changes and "geography" not in changes:
            values["geography"] = None
    moved = {"tenant", "geography", "api_host", "cloud"} & changes.keys()
    if moved and "authority" not in changes and current.authority == default_authority(current):
        values["authority"] = None
    if values.get("ca_bundle"):
        path = Path(values["ca_bundle"]).expanduser()
        if not path.is_file():
            raise UsageError(f"--ca-bundle: no such file: {path}")
        values["ca_bundle"] = str(path.resolve())
    return values


def _after(before: Profile, after: Profile, changed: set[str]) -> None:
    """What the change means for the stored secrets and the sign-in."""
    from lcs_tui.secrets import SECRET_KINDS, SecretStoreError, open_secret_store

    if "secret_store" in changed:
        # Nothing stays behind in the old store (profile remove does the same).
        try:
            old = open_secret_store(before.secret_store)
            for kind in SECRET_KINDS:
                old.delete(before.name, kind)
        except SecretStoreError as exc:
            err(f"warning: the secrets in the old store could not be removed: {exc.message}")
    if changed & (SIGN_IN_FIELDS | {"secret_store"}):
        out(next_step(after))
