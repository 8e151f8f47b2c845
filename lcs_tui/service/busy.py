"""Which environments are busy, and with what: one answer for the app and the CLI.

An environment is busy when LCS would refuse a new operation on it: an
operation of its own is running (started here, watched, or seen running in
its history, whatever the status word), or its deployment state says it is
being serviced or deployed. Being the *source* of a running refresh is not
being busy — LCS allows several refreshes to copy from one environment — so
that is reported apart, as `sources_of_running_refreshes`.

Pure functions over what the service has loaded; nothing here calls LCS.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from lcs_tui.api import Environment, HistoryEntry, Outcome
from lcs_tui.service.operations import OUTCOME_UNKNOWN, TrackedOperation
from lcs_tui.units import human_duration

#: History entries older than this are not taken as running, whatever their
#: status says (LCS leaves the odd entry without an end).
RUNNING_WINDOW = timedelta(hours=24)

#: Deployment states (and status displays) in which LCS is working on an
#: environment. LCS documents only a few words ("Finished", "Stopped",
#: "Deployed", "Failed"); these are the ones that mean "in the middle of
#: something", matched as word parts so "Servicing", "PreServicing" and
#: "ServicingInProgress" all count.
_BUSY_STATE = re.compile(
    r"servic|deploying|preparing|starting|stopping|updating|inprogress|in progress|rollback",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class Busy:
    """Why an environment cannot take a new operation now."""

    environment_id: str
    #: What it is busy with, for a person: "export 2b21c3d4… (1h12m)".
    reason: str
    activity_id: str | None = None


def busy_state(env: Environment) -> str | None:
    """The deployment state word that makes `env` busy, or None."""
    for word in (env.deployment_state, env.deployment_status):
        if word and _BUSY_STATE.search(word):
            return word
    return None


def entry_is_running(entry: HistoryEntry, now: datetime) -> bool:
    """A history entry that has not ended — unknown status words included.

    A documented running word is running; an undocumented word is running
    until the entry has an end time (or a documented final word).
    """
    if entry.started is None or entry.started < now - RUNNING_WINDOW:
        return False
    outcome = entry.status.outcome
    if outcome is Outcome.RUNNING:
        return True
    return outcome is Outcome.UNKNOWN and entry.ended is None


def _short(activity_id: str | None) -> str:
    if not activity_id:
        return ""
    return activity_id if len(activity_id) <= 9 else activity_id[:8] + "…"


def _elapsed(since: datetime | None, now: datetime) -> str:
    if since is None:
        return ""
    return human_duration(max(0, int((now - since).total_seconds())))


def _describe(what: str, activity_id: str | None, since: datetime | None, now: datetime) -> str:
    details = ", ".join(part for part in (_short(activity_id), _elapsed(since, now)) if part)
    return f"{what} ({details})" if details else what


def busy_environments(
    environments: Mapping[str, Environment],
    operations: Iterable[TrackedOperation],
    history: Mapping[str, list[HistoryEntry]],
    now: datetime,
) -> dict[str, Busy]:
    """Every busy environment with the first reason found (ours before LCS's)."""
    busy: dict[str, Busy] = {}

    def note(env_id: str, reason: str, activity_id: str | None = None) -> None:
        busy.setdefault(env_id, Busy(env_id, reason, activity_id))

    for op in operations:
        # Started here: busy at once. Watched by id: only once LCS says it
        # runs (a mistyped id must not block anything).
        if op.finished or op.status == OUTCOME_UNKNOWN:
            continue
        if op.discovered and op.status != "InProgress":
            continue
        what = op.kind if op.kind != "operation" else "an operation"
        note(
            op.poll_environment_id,
            _describe(what, op.activity_id, op.started_at or op.requested_at, now),
            op.activity_id,
        )
    for env_id, entries in history.items():
        for entry in entries:
            if entry_is_running(entry, now):
                what = entry.type_display or entry.type or entry.name or "an operation"
                what = f"{what} ({entry.status.word})" if not entry.status.known else what
                reason = _describe(what, entry.activity_id, entry.started, now)
                note(env_id, reason, entry.activity_id)
                break
    for env_id, env in environments.items():
        state = busy_state(env)
        if state is not None:
            note(env_id, f"LCS reports it as {state}")
    return busy


def sources_of_running_refreshes(
    operations: Iterable[TrackedOperation],
) -> dict[str, list[TrackedOperation]]:
    """Environments being copied from, with the refreshes copying them.

    Not busy: said where it matters (the summary, the refresh dialog), so a
    production environment is never shown as if it were down.
    """
    sources: dict[str, list[TrackedOperation]] = {}
    for op in operations:
        if op.kind == "refresh" and not op.finished and op.source_environment_id:
            sources.setdefault(op.source_environment_id, []).append(op)
    return sources
