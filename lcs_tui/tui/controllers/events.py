"""What a workspace's controllers report, for whoever draws it.

The workspace screen draws them; the App turns some into notifications
(an operation finished, in any workspace, shown or not). Each is a small
immutable record; the data itself stays in the workspace's service.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Literal

from lcs_tui.api import LcsError, RequestEvent
from lcs_tui.service.operations import TrackedOperation


@dataclass(frozen=True, slots=True)
class SignedIn:
    """Signed in (silently or with the user) as `username`."""

    username: str


@dataclass(frozen=True, slots=True)
class SignInNeeded:
    """No silent sign-in was possible: only the user can sign in now."""

    error: str | None = None


@dataclass(frozen=True, slots=True)
class DeviceCodeShown:
    """A device-code sign-in waits for the user in a browser."""

    user_code: str
    url: str
    text: str
    #: Set to stop waiting (the user cancelled).
    cancel: threading.Event


@dataclass(frozen=True, slots=True)
class SignInFailed:
    """Signing in failed; `hint` says what the user can do."""

    message: str
    hint: str | None
    #: The device-code wait ended (successfully or not): its dialog closes.
    device_flow_over: bool = False


@dataclass(frozen=True, slots=True)
class ConnectionChanged:
    """The status bar's connection words ("online", "throttled until …")."""

    text: str


@dataclass(frozen=True, slots=True)
class EnvironmentsArrived:
    """The environments (or one more history) are in: redraw them."""


@dataclass(frozen=True, slots=True)
class BackupsArrived:
    """The backups are in: redraw them."""


@dataclass(frozen=True, slots=True)
class Loaded:
    """A full load is in: environments, backups, the sandboxes' histories."""

    generation: int
    #: Running operations found in the history and now watched.
    adopted: int = 0


@dataclass(frozen=True, slots=True)
class LoadFailed:
    """A load did not finish; `message` is for a notification (None: the
    connection words say it all)."""

    message: str | None
    retry_in: float


@dataclass(frozen=True, slots=True)
class Waiting:
    """The first load waits (pacing, throttling): which pane, and why."""

    pane: Literal["environments", "backups", "history"]
    note: str


@dataclass(frozen=True, slots=True)
class OperationsChanged:
    """Operations were added, removed or changed: redraw them and what depends on them."""


@dataclass(frozen=True, slots=True)
class OperationFinished:
    """A watched operation reached its end (succeeded, failed, rolled back)."""

    operation: TrackedOperation


@dataclass(frozen=True, slots=True)
class PollProblem:
    """Asking about one operation failed (shown once per operation and problem)."""

    operation: TrackedOperation
    error: LcsError


@dataclass(frozen=True, slots=True)
class RequestLogged:
    """One call to LCS, for the request log."""

    event: RequestEvent


@dataclass(frozen=True, slots=True)
class Notice:
    """Something to tell the user in a notification."""

    title: str
    message: str
    severity: Literal["information", "warning", "error"] = "information"
    timeout: float | None = None


WorkspaceEvent = (
    SignedIn
    | SignInNeeded
    | DeviceCodeShown
    | SignInFailed
    | ConnectionChanged
    | EnvironmentsArrived
    | BackupsArrived
    | Loaded
    | LoadFailed
    | Waiting
    | OperationsChanged
    | OperationFinished
    | PollProblem
    | RequestLogged
    | Notice
)

__all__ = ["WorkspaceEvent"]
