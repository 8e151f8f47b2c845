"""What the operation history says about a copy or restore whose start is unresolved.

The same situation as LCS (lcs_tui/service/reconcile.py): the app stopped
during the POST ("Starting"), or the answer was lost ("OutcomeUnknown"), or
the service accepted it without naming the operation. Power Platform's
history of the target lists every lifecycle operation with its id, name
and start time; a match gives the entry its operation id and it is watched
like any other. Nothing is ever sent again. Pure functions; the service
reads the history and journals the result.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from lcs_tui.ppac.operation_models import PpOperation
from lcs_tui.service.operations import OUTCOME_UNKNOWN, STARTING, TrackedOperation
from lcs_tui.service.reconcile import (
    CHECKED_ABSENT_AT,
    RECONCILE_AFTER,
    RECONCILE_BEFORE,
    RECONCILE_GRACE,
)

#: Local status of a start Power Platform accepted (202) without saying where
#: to follow it: only the history can give it its operation id.
ACCEPTED = "Accepted"


def kind_matches(op_kind: str, entry: PpOperation) -> bool:
    """A history entry that may be a copy (or restore): its name says so, or says nothing.

    The API documents `name` without its words; "Copy"/"Restore" are what
    BAP's `typeDisplayName` and the portal use (inference), so a name that
    is missing only loosens the match, never excludes it.
    """
    name = (entry.name or "").lower()
    if not name:
        return True
    return op_kind in name


def find_match(
    entries: Iterable[PpOperation], op: TrackedOperation, tracked: set[str]
) -> PpOperation | None:
    """The untracked history entry most likely to be `op`: same kind, started
    within the window around the request; the closest in time wins."""
    requested = op.requested_at
    if requested is None:
        return None
    candidates = [
        e
        for e in entries
        if e.operation_id
        and e.operation_id.lower() not in tracked
        and e.started is not None
        and requested - RECONCILE_BEFORE <= e.started <= requested + RECONCILE_AFTER
        and kind_matches(op.kind, e)
    ]
    if not candidates:
        return None

    def distance(e: PpOperation) -> float:
        assert e.started is not None
        named = bool(e.name) and op.kind in (e.name or "").lower()
        return (0 if named else 1) * 1e9 + abs((e.started - requested).total_seconds())

    return min(candidates, key=distance)


def verdict_when_absent(
    op: TrackedOperation, read_at: datetime, *, covered: bool
) -> TrackedOperation | None:
    """`op` after a history read at `read_at` showed no matching operation, or None
    when that read cannot tell yet (too early, or not reaching back far enough)."""
    if op.requested_at is not None and (not covered or read_at < op.requested_at + RECONCILE_GRACE):
        return None
    extra = {**op.extra, CHECKED_ABSENT_AT: read_at.isoformat()}
    where = f"the operation history of {op.environment_name} in Power Platform"
    if op.status == STARTING:
        return op.with_changes(
            status=OUTCOME_UNKNOWN,
            extra=extra,
            message=(
                f"lcs-tui stopped while starting this {op.kind}, and {where} shows no matching "
                f"operation (checked {read_at:%Y-%m-%d %H:%M} UTC). It was probably not "
                "started: check the environment in the Power Platform admin center before "
                "starting it again."
            ),
        )
    message = op.message
    late = op.requested_at is None or read_at >= op.requested_at + RECONCILE_AFTER
    if op.status == ACCEPTED:
        if late:
            message = (
                f"Power Platform accepted this {op.kind} without naming it, and {where} does "
                f"not list it (checked {read_at:%Y-%m-%d %H:%M} UTC): check the environment in "
                "the Power Platform admin center."
            )
        return op.with_changes(extra=extra, message=message)
    if late:
        message = (
            f"The answer to this {op.kind} was lost, and {where} still shows no matching "
            f"operation (checked {read_at:%Y-%m-%d %H:%M} UTC): it was most likely not "
            "started. Check the environment in the Power Platform admin center before "
            "starting it again."
        )
    return op.with_changes(extra=extra, message=message)


def needs_history(op: TrackedOperation) -> bool:
    """Only the history can tell what became of `op` (no id to poll with)."""
    return op.activity_id is None and op.status in (STARTING, OUTCOME_UNKNOWN, ACCEPTED)


def lost_answer(op: TrackedOperation, what: str) -> str:
    return (
        f"Outcome unknown: {what}. Power Platform may or may not have started the {op.kind}. "
        f"lcs-tui looks for it in the operation history of {op.environment_name} and watches "
        "it if it shows up; until then, check the environment in the Power Platform admin "
        "center before trying again."
    )
