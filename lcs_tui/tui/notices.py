"""What the app tells the user about any workspace: the words, not the drawing.

Every workspace reports to the app (controllers/events.py); these turn a
report into one notification — what happened, in which project, and what
to do — so the App only shows it (and rings for a finished operation).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from lcs_tui.api.models import Outcome
from lcs_tui.service.operations import NOT_FOUND, TrackedOperation
from lcs_tui.tui.controllers import events as ev


@dataclass(frozen=True)
class Said:
    """A notification to show (and whether the bell rings with it)."""

    message: str
    title: str
    severity: Literal["information", "warning", "error"] = "information"
    timeout: float | None = None
    #: The terminal bell too (an operation that finished).
    ring: bool = False


def workspace_notice(event: ev.WorkspaceEvent, where: str) -> Said | None:
    """The notification for a workspace's report; `where`: "contoso: " or ""."""
    if isinstance(event, ev.OperationFinished):
        return finished(event.operation, where)
    if isinstance(event, ev.Notice):
        return Said(event.message, where + event.title, event.severity, event.timeout)
    if isinstance(event, ev.PollProblem):
        return Said(
            f"{event.operation.title()}: {event.error}", where + "Status check failed", "warning"
        )
    if isinstance(event, ev.LoadFailed) and event.message:
        return Said(event.message, where + "Could not load the project", "error", 10)
    return None


def finished(op: TrackedOperation, where: str) -> Said:
    if op.outcome is Outcome.SUCCEEDED:
        return Said(f"{op.title()} completed.", where + "Operation finished", timeout=15, ring=True)
    if op.status == NOT_FOUND:
        return Said(
            op.message or f"LCS knows no operation {op.activity_id}.",
            where + "Not found",
            "warning",
            15,
            ring=True,
        )
    return Said(
        f"{op.title()} ended with {op.status}. LCS's API does not say why: the "
        f"environment's history in the LCS portal does. Activity id {op.activity_id} "
        "(quote it to Microsoft support).",
        where + "Operation failed",
        "error",
        30,
        ring=True,
    )


def unexpected_worker_error(error: BaseException | None, group: str) -> Said:
    """What no worker expected (a dialog's start, a download, a history page):
    said, with a way on, never a stuck screen."""
    detail = f"{type(error).__name__}: {error}" if error is not None else "unknown error"
    if group == "start":
        what = "Something unexpected happened while starting it"
        todo = (
            "Look at the Operations pane: an operation marked Outcome unknown may have "
            "started — check the environment's history before trying again."
        )
    else:
        what = "Something unexpected went wrong"
        todo = "lcs-tui goes on; Ctrl+R reloads the project."
    return Said(f"{what}: {detail}. {todo}", "Unexpected error", "error", 30)
