"""Reconciliation: what the history says about an operation whose start is unresolved.

A journal entry is unresolved when the app stopped during the POST
("Starting") or LCS's answer was lost ("OutcomeUnknown"): LCS may or may not
have started the operation. These are the pure decisions; ProjectService reads
the histories, applies the results and journals them. Nothing here sends
anything, and nothing is ever sent again.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from datetime import datetime, timedelta

from lcs_tui.api import HistoryEntry, LcsError
from lcs_tui.service.operations import OUTCOME_UNKNOWN, STARTING, TrackedOperation

#: A journal entry matches a history entry that began within this window
#: around its request time (client and server clocks differ a little).
RECONCILE_BEFORE = timedelta(minutes=10)
RECONCILE_AFTER = timedelta(minutes=60)
#: A "Starting" entry younger than this may still be in its POST (here or in
#: another copy of the app; the HTTP timeout is 30 s): its absence from the
#: history proves nothing yet.
RECONCILE_GRACE = timedelta(minutes=2)

#: `extra` key: when (service clock, ISO) the history last proved an entry absent.
CHECKED_ABSENT_AT = "checked_absent_at"


def verdict_when_absent(
    op: TrackedOperation, read_at: datetime, *, covered: bool
) -> TrackedOperation | None:
    """`op` updated after a history read at `read_at` showed no matching operation.

    None when that read cannot tell yet: it does not reach back past the
    request (`covered` is False), or the request is too recent.
    """
    if op.requested_at is not None:
        if not covered:
            return None  # the history read does not reach back far enough to tell
        if read_at < op.requested_at + RECONCILE_GRACE:
            return None  # the POST may still be on its way: too early to tell
    extra = {**op.extra, CHECKED_ABSENT_AT: read_at.isoformat()}
    if op.status == STARTING:
        return op.with_changes(
            status=OUTCOME_UNKNOWN,
            extra=extra,
            message=(
                "lcs-tui stopped while starting this operation, and the history of "
                f"{op.environment_name} in LCS shows no matching operation (checked "
                f"{read_at:%Y-%m-%d %H:%M} UTC). It was probably not started: check the "
                "environment's history in the LCS portal before starting it again."
            ),
        )
    message = op.message
    if op.requested_at is None or read_at >= op.requested_at + RECONCILE_AFTER:
        message = (
            f"LCS's answer to this request was lost, and the history of "
            f"{op.environment_name} still shows no matching operation (checked "
            f"{read_at:%Y-%m-%d %H:%M} UTC): it was most likely not started. Check the "
            "environment's history in the LCS portal before starting it again."
        )
    return op.with_changes(extra=extra, message=message)


def find_match(
    entries: Iterable[HistoryEntry],
    wanted_type: str,
    op: TrackedOperation,
    tracked: set[str],
) -> HistoryEntry | None:
    """The untracked history entry most likely to be `op`, or None.

    Same type, started within the window around the request; the closest in
    time wins, and an entry whose name mentions the backup (export) or source
    (refresh) beats one that does not — the name format is undocumented, so
    it only breaks ties, it never excludes.
    """
    requested_at = op.requested_at
    if requested_at is None:
        return None
    hint = (op.backup_name if op.kind == "export" else op.source_name) or ""
    candidates = [
        h
        for h in entries
        if h.type == wanted_type
        and h.started is not None
        and h.activity_id
        and h.activity_id.lower() not in tracked
        and requested_at - RECONCILE_BEFORE <= h.started <= requested_at + RECONCILE_AFTER
    ]
    if not candidates:
        return None

    def rank(h: HistoryEntry) -> tuple[int, float]:
        named = bool(hint) and hint.lower() in (h.name or "").lower()
        assert h.started is not None
        return (0 if named else 1, abs((h.started - requested_at).total_seconds()))

    return min(candidates, key=rank)


def checked_absent_at(op: TrackedOperation) -> datetime | None:
    raw = op.extra.get(CHECKED_ABSENT_AT)
    if not isinstance(raw, str):
        return None
    try:
        return datetime.fromisoformat(raw)
    except ValueError:
        return None


def lost_answer(op: TrackedOperation, exc: BaseException | None) -> str:
    if isinstance(exc, LcsError):
        what = exc.message
    elif exc is None or isinstance(exc, asyncio.CancelledError):
        what = "lcs-tui was interrupted while LCS was being asked to start it"
    else:
        what = f"the request failed unexpectedly after it may have reached LCS ({exc})"
    return (
        f"Outcome unknown: {what}. LCS may or may not have started it. lcs-tui checks the "
        f"history of {op.environment_name} and watches the operation if it shows up; until "
        "then, check that history in the LCS portal before trying again."
    )
