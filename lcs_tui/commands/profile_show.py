"""`lcs-tui profile list` and `lcs-tui profile show`: what a profile says, never a secret.

profiles.toml may be edited by hand or by other programs: everything is
printed through output.py (inert text, JSON with controls escaped).
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from lcs_tui.commands.output import emit_json, err, out
from lcs_tui.commands.profile import EXIT_OK, selected_profile_name

if TYPE_CHECKING:
    from lcs_tui.config import Profile


def list_profiles(args: argparse.Namespace) -> int:
    from lcs_tui.config import load_config

    config = load_config()
    rows = [
        public_fields(p) | {"default": p.name == config.default}
        for p in sorted(config.profiles.values(), key=lambda p: p.name)
    ]
    if args.json:
        emit_json(rows)
        return EXIT_OK
    if not rows:
        err("no profiles yet; create one with: lcs-tui profile add")
        return EXIT_OK
    for entry in rows:
        if entry.get("backend") == "powerplatform":  # a cloud, no project
            entry["geography"] = f"{entry['cloud']} (Power Platform)"
    columns = ("name", "geography", "project_id", "username", "sign_in_method", "secret_store")
    titles = ("NAME", "GEOGRAPHY", "PROJECT", "USER", "METHOD", "SECRETS")
    table = [titles, *[tuple(str(r[c] or "-") for c in columns) for r in rows]]
    widths = [max(len(row[i]) for row in table) for i in range(len(columns))]
    for index, row in enumerate(table):
        mark = "*" if index and rows[index - 1]["default"] else " "
        cells = "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True))
        out(f"{mark} {cells}".rstrip())
    return EXIT_OK


def show_profile(args: argparse.Namespace) -> int:
    from lcs_tui.config import load_config

    config = load_config()
    profile = config.get(selected_profile_name(args))
    fields: dict[str, Any] = public_fields(profile)
    fields["default"] = profile.name == config.default
    fields["scope"] = profile.scope
    fields |= stored_state(profile)
    if args.json:
        emit_json(fields)
        return EXIT_OK
    for key, value in fields.items():
        if isinstance(value, bool):
            value = "yes" if value else "no"
        out(f"{key + ':':<17} {value if value is not None else '-'}")
    return EXIT_OK


def public_fields(p: Profile) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "name": p.name,
        "tenant": p.tenant,
        "client_id": p.client_id,
        "username": p.username,
        "project_id": p.project_id,
        "geography": p.geography,
        "api_host": p.api_host,
        "authority": p.authority,
        "sign_in_method": p.sign_in_method,
        "secret_store": p.secret_store,
        "proxy": p.proxy,
        "ca_bundle": p.ca_bundle,
    }
    if p.is_powerplatform:
        # No project and no geography: a cloud, and the BAP host beside the API's.
        fields.update(
            project_id=None,
            geography=None,
            backend=p.backend,
            cloud=p.cloud,
            bap_host=p.bap_host,
            bap_scope=p.bap_scope,
        )
    return fields


def stored_state(profile: Profile) -> dict[str, Any]:
    """Whether secrets are stored: yes/no only, never the values."""
    from lcs_tui.secrets import SecretStoreError, open_secret_store

    store = open_secret_store(profile.secret_store)
    try:
        state: dict[str, Any] = {}
        if profile.uses_password:
            state["password_stored"] = store.get(profile.name, "password") is not None
        if profile.needs_client_secret:
            state["secret_stored"] = store.get(profile.name, "client-secret") is not None
        state["signed_in"] = store.get(profile.name, "token-cache") is not None
        return state
    except SecretStoreError as exc:
        return {"secrets": f"unknown ({exc.message})"}
