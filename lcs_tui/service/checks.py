"""Client-side checks run before anything is sent to LCS.

LCS would refuse most of these itself, but only after a round trip, and a
refused call can still count against the 3-per-24h quota; checking first
also lets the UI explain the rule in plain words.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime

from lcs_tui.api import Environment
from lcs_tui.service.busy import Busy

#: Busy environments: with what they are busy (`busy_environments`), or only their ids.
BusyEnvironments = Mapping[str, Busy] | Collection[str]

#: Export names: LCS documents no rules; letters, digits, `-` and `_` are safe
#: in a URL path segment and as a file name on every platform.
BACKUP_NAME_PATTERN = re.compile(r"^[A-Za-z0-9_-]+$")
BACKUP_NAME_MAX = 100


def backup_name_problem(name: str) -> str | None:
    """Why `name` cannot be an export's backup name, or None when it can."""
    if not name:
        return "type a name for the backup"
    if name.lower().endswith(".bacpac"):
        return "leave out the .bacpac extension; LCS adds it"
    if len(name) > BACKUP_NAME_MAX:
        return f"use at most {BACKUP_NAME_MAX} characters"
    bad = sorted({c for c in name if not BACKUP_NAME_PATTERN.match(c)})
    if bad:
        shown = " ".join(repr(c) for c in bad[:5])
        return f"use only letters, digits, '-' and '_' (not {shown})"
    return None


@dataclass(frozen=True, slots=True)
class Problem:
    """A reason an action cannot go ahead, phrased for the user."""

    message: str
    #: It passes by itself (no quota left yet, busy for now): a job can wait for it.
    transient: bool = False


def _no_quota(env: Environment, frees_at: datetime | None) -> Problem:
    when = (
        f"the next one frees at {frees_at:%Y-%m-%d %H:%M} UTC"
        if frees_at
        else "try again once the oldest of them is 24 hours old"
    )
    return Problem(
        f"{env.name} has no operations left in the last 24 hours; {when}", transient=True
    )


def _busy(env: Environment, busy: BusyEnvironments) -> Problem:
    known = busy.get(env.id) if isinstance(busy, Mapping) else None
    if known is not None:
        return Problem(
            f"{env.name} is busy with {known.reason}; wait until it finishes", transient=True
        )
    return Problem(
        f"{env.name} is busy with another operation; wait until it finishes "
        "(its history in LCS shows which)",
        transient=True,
    )


def refresh_problems(
    source: Environment,
    target: Environment,
    *,
    target_quota_left: int | None,
    busy: BusyEnvironments,
    target_quota_frees_at: datetime | None = None,
) -> list[Problem]:
    problems: list[Problem] = []
    if source.id == target.id:
        problems.append(Problem("source and target are the same environment"))
    if target.is_production:
        problems.append(
            Problem(
                f"{target.name} is a production environment; LCS only refreshes into "
                "sandboxes (to copy into production, use the LCS portal's import)"
            )
        )
    elif not target.is_sandbox:
        problems.append(
            Problem(
                f"{target.name} is a {target.type or 'non-sandbox'} environment; "
                "the target of a refresh must be a sandbox"
            )
        )
    if target_quota_left is not None and target_quota_left <= 0:
        problems.append(_no_quota(target, target_quota_frees_at))
    # Being copied from is not being busy (several refreshes may share a
    # source); a source busy with its own operation or servicing is.
    for env in {source.id: source, target.id: target}.values():
        if env.id in busy:
            problems.append(_busy(env, busy))
    return problems


def export_problems(
    environment: Environment,
    backup_name: str,
    *,
    quota_left: int | None,
    busy: BusyEnvironments,
    existing_names: set[str],
    quota_frees_at: datetime | None = None,
) -> list[Problem]:
    problems: list[Problem] = []
    if not environment.is_sandbox:
        problems.append(
            Problem(
                f"{environment.name} is a {environment.type or 'non-sandbox'} environment; "
                "LCS exports only from sandboxes"
            )
        )
    name_problem = backup_name_problem(backup_name)
    if name_problem:
        problems.append(Problem(f"backup name: {name_problem}"))
    elif backup_name.lower() in existing_names:
        problems.append(Problem(f"a backup named {backup_name} already exists"))
    if quota_left is not None and quota_left <= 0:
        problems.append(_no_quota(environment, quota_frees_at))
    if environment.id in busy:
        problems.append(_busy(environment, busy))
    return problems
