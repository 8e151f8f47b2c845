"""Every way a scripting command can fail, as an exit code and words.

The command boundary turns exceptions from the service, client, sign-in and
configuration layers into a `Failure`: what happened, what to do next, the
OperationActivityId when LCS gave one, and when the quota frees up. It is
printed on stderr and, with --json, carried as the `error` object.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from lcs_tui.commands import exit_codes
from lcs_tui.commands.output import err, iso

if TYPE_CHECKING:
    from lcs_tui.config import Profile

# The sign-in layer words a failure to reach the sign-in service like this
# (auth/errors.py error_from_network) without a type of its own; such a
# failure is "service unavailable" (10), not "sign-in refused" (3).
_SIGN_IN_UNREACHABLE = (
    "Could not reach the sign-in service",
    "The sign-in service at ",
    "The proxy refused the connection",
)


@dataclass(frozen=True)
class Failure:
    code: int
    message: str
    hint: str | None = None
    activity_id: str | None = None
    frees_at: datetime | None = None
    problems: tuple[str, ...] = field(default_factory=tuple)

    @property
    def kind(self) -> str:
        return exit_codes.KINDS[self.code]

    def with_hint(self, hint: str) -> Failure:
        joined = f"{self.hint}; {hint}" if self.hint else hint
        return Failure(
            self.code, self.message, joined, self.activity_id, self.frees_at, self.problems
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "message": self.message,
            "hint": self.hint,
            "activity_id": self.activity_id,
            "frees_at": iso(self.frees_at),
            "problems": list(self.problems),
        }

    def print(self) -> None:
        """For people (and pipeline logs): on stderr, whatever the output format."""
        err(f"error: {self.message}")  # problems, if any, are part of the message
        if self.activity_id:
            err(f"OperationActivityId: {self.activity_id}")
        when = f"{self.frees_at:%Y-%m-%d %H:%M}" if self.frees_at else None
        if when and when not in self.message:  # the checks' message says it already
            err(f"the quota frees up at {when} UTC")
        if self.hint:
            err(f"next: {self.hint}")


class CommandFailure(Exception):
    """Raised inside a command to end it with this failure."""

    def __init__(self, failure: Failure) -> None:
        super().__init__(failure.message)
        self.failure = failure


def usage(message: str, hint: str | None = None) -> CommandFailure:
    return CommandFailure(Failure(exit_codes.USAGE, message, hint))


def failure_from(exc: BaseException, profile: Profile | None = None) -> Failure | None:
    """The failure an exception stands for, or None for one that is not ours to explain."""
    from lcs_tui.api import (
        LcsAuthError,
        LcsConnectionError,
        LcsError,
        LcsRejected,
        LcsThrottled,
        OutcomeUnknown,
        QuotaExceeded,
        TokenUnavailable,
    )
    from lcs_tui.auth import SignInError
    from lcs_tui.config import ConfigError
    from lcs_tui.ppac.errors import PpCapacity, PpRejected
    from lcs_tui.secrets import SecretStoreError
    from lcs_tui.workspace import NotThisBackend

    if isinstance(exc, CommandFailure):
        return exc.failure
    if isinstance(exc, NotThisBackend):
        # A command of one backend given a profile of the other (backends.py
        # refuses most before this; any left say so, never a traceback).
        kind = "a Power Platform" if profile is not None and profile.is_powerplatform else "an"
        return Failure(
            exit_codes.USAGE,
            f"this command is not for {kind} profile"
            + (f" ({profile.name})" if profile is not None else ""),
            "pick another profile with --profile NAME; see docs/scripting.md",
        )
    if isinstance(exc, PpCapacity):
        # Capacity is Power Platform's quota: a pipeline reacts as to LCS's.
        return Failure(
            exit_codes.QUOTA, exc.message, exc.hint, exc.activity_id, problems=exc.problems
        )
    if isinstance(exc, PpRejected):
        return Failure(
            exit_codes.REJECTED, exc.message, exc.hint, exc.activity_id, problems=exc.problems
        )
    if isinstance(exc, QuotaExceeded):
        return Failure(
            exit_codes.QUOTA,
            exc.message,
            "wait until the quota frees up, or use another environment",
            exc.activity_id,
            exc.frees_at,
        )
    if isinstance(exc, LcsRejected):
        return Failure(exit_codes.REJECTED, exc.message, exc.hint, exc.activity_id)
    if isinstance(exc, OutcomeUnknown):
        return Failure(
            exit_codes.OUTCOME_UNKNOWN,
            exc.message,
            "do NOT simply run the command again: check the environment's history "
            "(lcs-tui history ENV) or the LCS portal to see whether the operation started",
            exc.activity_id,
        )
    if isinstance(exc, TokenUnavailable):
        # The client wraps the sign-in layer's failure; explain that one.
        cause = exc.__cause__
        if cause is not None and not isinstance(cause, TokenUnavailable):
            explained = failure_from(cause, profile)
            if explained is not None:
                return explained
        return Failure(exit_codes.SIGN_IN, exc.message, exc.hint or "sign in: lcs-tui login")
    if isinstance(exc, LcsAuthError):
        # 401 even after a renewal: signed in, but the token does not fit the project.
        # Power Platform's errors (401, 403) already say what to fix.
        if profile is not None and not profile.is_powerplatform:
            from lcs_tui.auth import explain_api_401

            refused = explain_api_401(profile)
            return Failure(exit_codes.SIGN_IN, refused.message, refused.hint)
        return Failure(exit_codes.SIGN_IN, exc.message, exc.hint)
    if isinstance(exc, LcsThrottled):
        return Failure(
            exit_codes.UNAVAILABLE,
            exc.message,
            f"try again after {exc.retry_at:%H:%M:%S} UTC",
            exc.activity_id,
        )
    if isinstance(exc, (LcsConnectionError, LcsError)):
        # Connection failures, 5xx, unreadable answers: LCS is not usable right now.
        return Failure(exit_codes.UNAVAILABLE, exc.message, exc.hint, exc.activity_id)
    if isinstance(exc, SignInError):
        message = f"{exc.message} ({exc.code})" if exc.code else exc.message
        code = (
            exit_codes.UNAVAILABLE
            if exc.code is None and exc.message.startswith(_SIGN_IN_UNREACHABLE)
            else exit_codes.SIGN_IN
        )
        hint = exc.hint
        if code == exit_codes.SIGN_IN and hint and "lcs-tui login" not in hint:
            hint += "; then sign in: lcs-tui login"
        return Failure(code, message, hint or "sign in: lcs-tui login")
    if isinstance(exc, ConfigError):
        return Failure(exit_codes.CONFIG, str(exc), exc.hint)
    if isinstance(exc, SecretStoreError):
        return Failure(exit_codes.CONFIG, exc.message, exc.hint)
    if isinstance(exc, OSError):
        # The operation journal or the config directory could not be written.
        return Failure(
            exit_codes.CONFIG,
            f"a local file could not be used: {exc}",
            "check the permissions of lcs-tui's config and state directories "
            "(LCS_TUI_CONFIG_DIR, LCS_TUI_STATE_DIR)",
        )
    return None


#: The commands of Power Platform profiles (their messages name Power Platform).
POWERPLATFORM_COMMANDS = frozenset({"copy", "restore", "backup"})
#: Commands that may have sent a request that starts something in LCS (or Power Platform).
STARTING_COMMANDS = frozenset(
    {"refresh", "export", "start", "stop", "copy", "restore", "backup create", "backup delete"}
)


def unexpected_failure(exc: BaseException, command: str) -> Failure:
    """A failure for an exception no layer explained: still an exit code, never a traceback.

    For a command that starts something, the request may already have gone
    out, so it is "outcome unknown" (8) — a pipeline must not retry it
    blindly. Any other command read something it could not handle: LCS is
    not usable right now (10), as for an unreadable answer.
    """
    from lcs_tui.api.redact import redact_text
    from lcs_tui.untrusted import inert

    detail = inert(redact_text(str(exc)), limit=200)
    what = f"{type(exc).__name__}: {detail}" if detail else type(exc).__name__
    report = "if it happens again, please report it with the command that was run"
    if command in STARTING_COMMANDS:
        service, portal = (
            ("Power Platform", "the Power Platform admin center")
            if command.split()[0] in POWERPLATFORM_COMMANDS
            else ("LCS", "the LCS portal")
        )
        return Failure(
            exit_codes.OUTCOME_UNKNOWN,
            f"lcs-tui stopped on an unexpected error ({what}); whether {service} started "
            "the operation is unknown",
            "do NOT simply run the command again: check the environment's history "
            f"(lcs-tui history ENV) or {portal} first; {report}",
        )
    return Failure(
        exit_codes.UNAVAILABLE,
        f"lcs-tui stopped on an unexpected error ({what}); nothing was changed in LCS",
        f"try again later; {report}",
    )
