"""The ETA line of `lcs-tui status`: how long this kind of operation takes on this environment.

"ETA 15:40 UTC (typical 2h10m, from 6 past refreshes)", on stderr (stdout
and the JSON document keep their documented shape), from the environment's
own history (jobs/eta.py) — read once if the command has not read it yet.
Nothing when the operation has finished, its kind or start is unknown, or
the environment has no such history; never a failure of the command.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lcs_tui.commands.output import err

if TYPE_CHECKING:
    from lcs_tui.commands.operation_view import OperationView
    from lcs_tui.commands.runtime import Context


async def say_eta(ctx: Context, view: OperationView) -> None:
    if view.finished or view.kind not in ("refresh", "export") or view.started_at is None:
        return
    from lcs_tui.api import LcsError
    from lcs_tui.jobs.eta import estimate

    service = ctx.service
    env_id = view.environment.id
    if env_id not in service.history:
        try:
            await service.load_recent_history(env_id)
        except LcsError:
            return
    eta = estimate(
        service.history.get(env_id, []), view.kind, started_at=view.started_at, now=ctx.now()
    )
    if eta is not None:
        err(f"{view.label}: {eta.describe()}")
