"""What the environment's history tells the commands about one operation.

After a lost start answer: whether the operation shows up there (three
looks within a minute, then the service's reconciliation matches it — nothing
is sent again). For `status` of an operation started elsewhere: its kind
and start, which fetchstatus does not say.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lcs_tui.commands.output import err
from lcs_tui.commands.runtime import Context

if TYPE_CHECKING:
    from lcs_tui.api import Environment, HistoryEntry
    from lcs_tui.commands.operation_view import OperationView
    from lcs_tui.service.operations import TrackedOperation

#: After LCS's answer to a start was lost: when (seconds after) to read the
#: environment's history for the operation. LCS lists a started operation at
#: once as far as is known; three looks within a minute settle most lost
#: answers. Each look reads the recent history (one to three pages; the
#: client paces them to LCS's 6 calls per project per minute).
LOOK_FOR_LOST_AT = (0.0, 15.0, 45.0)
#: No look starts later than this (seconds), however long pacing made the
#: earlier ones: the command says "outcome unknown" within about a minute.
LOOK_FOR_LOST_LIMIT = 60.0


async def look_for_lost(
    ctx: Context, view: OperationView, known: set[str]
) -> TrackedOperation | None:
    """The operation whose start answer was lost, once the history shows it.

    A few history reads over about a minute (on the runtime's clock), each
    followed by the service's reconciliation, which matches the journal
    entry to a history entry (kind, environment, time) — nothing is sent
    again. None when it did not show up.
    """
    from lcs_tui.api import LcsError

    service = ctx.service
    env = view.environment
    lost = [
        op
        for key, op in service.operations.items()
        if key not in known and op.needs_reconciling and op.poll_environment_id == env.id
    ]
    if not lost:
        return None
    key = lost[-1].key
    err(
        f"LCS's answer was lost; looking for the {view.kind} in the history of {env.name} "
        f"(up to {LOOK_FOR_LOST_LIMIT:g} s)"
    )
    runtime = ctx.runtime
    began = runtime.monotonic()
    for at in LOOK_FOR_LOST_AT:
        delay = began + at - runtime.monotonic()
        if delay > 0:
            await runtime.sleep(delay)
        if runtime.monotonic() - began > LOOK_FOR_LOST_LIMIT:
            break
        try:
            await service.load_recent_history(env.id)
            await service.reconcile()
        except LcsError as exc:
            err(f"note: could not read the history of {env.name}: {exc.message}")
            continue
        op = service.operations.get(key)
        if op is not None and op.activity_id is not None:
            return op
    return None


async def history_entry(ctx: Context, env: Environment, activity: str) -> HistoryEntry | None:
    """The environment's recent history entry with this activity id, if any.

    Only to describe the operation (kind, start): when the history cannot be
    read, the status is still asked for.
    """
    from lcs_tui.api import LcsError

    try:
        entries = await ctx.service.load_recent_history(env.id)
    except LcsError as exc:
        err(f"note: could not read the history of {env.name}: {exc.message}")
        return None
    wanted = activity.lower()
    return next((h for h in entries if (h.activity_id or "").lower() == wanted), None)


def kind_of(entry: HistoryEntry) -> str | None:
    from lcs_tui.api.models import HISTORY_TYPE_EXPORT, HISTORY_TYPE_REFRESH

    return {HISTORY_TYPE_REFRESH: "refresh", HISTORY_TYPE_EXPORT: "export"}.get(entry.type or "")
