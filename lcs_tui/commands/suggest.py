"""Suggestions ("did you mean …?") for an environment name that matches none.

A typo in `--target` should cost the user one glance, not a scan of the
whole list: the closest names come first, then the full list.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Protocol, cast

from lcs_tui.commands import exit_codes
from lcs_tui.commands.failures import CommandFailure, Failure, usage
from lcs_tui.service.ordering import display_order

if TYPE_CHECKING:
    from lcs_tui.api import Environment

class Named(Protocol):
    """An environment of either backend, as far as suggesting its name goes."""

    @property
    def name(self) -> str: ...


#: How many close names to offer.
MAX_SUGGESTIONS = 3
#: difflib's similarity (0..1) a name needs to be offered.
CUTOFF = 0.6
#: How far below the closest name another may be and still be offered.
NEAR_BEST = 0.1


def close_names(wanted: str, names: Sequence[str]) -> list[str]:
    """The names a user most likely meant by `wanted`, best first.

    Names that contain what was typed (`uat` → `CONTOSO-UAT`) come first,
    then the ones difflib finds most similar (`contoso-ua`, `CONTSO-UAT`);
    letter case never matters.
    """
    typed = wanted.strip().lower()
    if not typed:
        return []
    by_lower: dict[str, str] = {}
    for name in names:
        by_lower.setdefault(name.lower(), name)
    containing = [name for lower, name in by_lower.items() if typed in lower]
    # Names in one project often share most letters (CONTOSO-…): offer only
    # the ones about as close as the closest, not every name past the cutoff.
    ratios = {lower: difflib.SequenceMatcher(None, typed, lower).ratio() for lower in by_lower}
    best = max(ratios.values(), default=0.0)
    similar = [
        by_lower[lower]
        for lower, ratio in sorted(ratios.items(), key=lambda item: -item[1])
        if ratio >= CUTOFF and ratio >= best - NEAR_BEST
    ]
    picked = list(dict.fromkeys([*containing, *similar]))
    return picked[:MAX_SUGGESTIONS]


def unknown_environment(
    wanted: str, environments: Sequence[Environment], project_id: int
) -> CommandFailure:
    """The usage failure for an ENV that names no environment of the project."""
    names = [e.name for e in display_order(environments)]
    message = f"no environment {wanted!r} in project {project_id}"
    suggestions = close_names(wanted, names)
    if suggestions:
        message += "; did you mean " + " or ".join(suggestions) + "?"
    known = ", ".join(names) or "none"
    return usage(message, f"use a name or an id; the project's environments: {known}")


def _ordered(envs: Sequence[Named]) -> list[Named]:
    # LCS's display order (a Power Platform list keeps the service's order).
    return cast("list[Named]", display_order(cast("Iterable[Environment]", envs)))


def unknown_in_profiles(
    wanted: str, read: Sequence[tuple[str, Sequence[Named]]], unread: Sequence[str]
) -> Failure:
    """The usage failure for an ENV that is in none of several profiles.

    `read`: each profile read, with its environments; `unread`: the profiles
    that could not be read (so were not searched).
    """
    owners: dict[str, str] = {}
    for profile, envs in read:
        for env in _ordered(envs):
            owners.setdefault(env.name, profile)
    message = f"no environment {wanted!r} in profiles " + ", ".join(name for name, _ in read)
    suggestions = close_names(wanted, list(owners))
    if suggestions:
        message += "; did you mean " + " or ".join(f"{s} ({owners[s]})" for s in suggestions) + "?"
    known = "; ".join(
        f"{profile}: {', '.join(e.name for e in _ordered(envs)) or 'none'}"
        for profile, envs in read
    )
    hint = f"use a name or an id; the environments — {known}"
    if unread:
        hint += f" (not searched, as they could not be read: {', '.join(unread)})"
    return Failure(exit_codes.USAGE, message, hint)
