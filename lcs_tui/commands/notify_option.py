"""`--notify` on `refresh`, `export` and `status --wait`: say it outside the terminal when done.

`--notify` alone uses the profile's defaults from jobs.toml (desktop when
there are none); `--notify desktop,ops-teams` names the targets. Sent once
the wait ends — finished well, failed, or given up — saying what, how it
ended, how long it took and the activity id (jobs/notify).
"""

from __future__ import annotations

import argparse
from datetime import timedelta
from typing import TYPE_CHECKING

from lcs_tui.commands.output import err

if TYPE_CHECKING:
    from lcs_tui.commands.failures import Failure
    from lcs_tui.commands.operation_view import OperationView
    from lcs_tui.commands.runtime import Context


def add_notify_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--notify",
        metavar="TARGETS",
        nargs="?",
        const="",
        default=None,
        help="with --wait: a notification when it ends (desktop, terminal, a webhook; "
        "alone: the profile's defaults, see docs/jobs.md)",
    )


async def notify_after_wait(ctx: Context, view: OperationView, failure: Failure | None) -> None:
    given = getattr(ctx.args, "notify", None)
    if given is None:
        return
    from lcs_tui.jobs.notify import FAILURE, FINISH, Notification, NotificationCenter
    from lcs_tui.jobs.store import JobStore

    store = JobStore()
    targets = tuple(t for t in given.split(",") if t)
    if not targets:
        try:
            targets = store.load().defaults_for(ctx.profile_name).notify
        except Exception as exc:
            err(f"warning: jobs file: {exc}; notifying the desktop")
            targets = ("desktop",)
    took = None
    end = view.completed_at or ctx.now()
    if view.started_at is not None and end >= view.started_at:
        took = timedelta(seconds=(end - view.started_at).total_seconds())
    good = failure is None and view.outcome(None) == "succeeded"
    outcome = view.status or "unknown"
    if failure is not None and not view.finished:
        outcome = f"not followed to the end: {failure.message}"
    note = Notification.about(
        FINISH if good else FAILURE,
        view.label,
        outcome,
        profile=ctx.profile_name,
        duration=took,
        activity_id=view.activity_id,
    )
    center = NotificationCenter.from_store(store)
    try:
        for problem in await center.send(note, targets):
            err(f"warning: {problem}")
    finally:
        await center.aclose()
