"""`--wait`: poll an operation's status until LCS reports a final one.

Operations run for hours, so the loop is patient: it prints every change of
status (with the time) on stderr, keeps watching through status words the
documentation does not list, rides out network blips and throttling, and
gives up only on --timeout, on a long outage, or on an error that polling
again cannot fix. Tokens are renewed by the client (one silent renewal on
401) and the session (refresh token) on every poll.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from lcs_tui.api import (
    LcsConnectionError,
    LcsHttpError,
    LcsMalformedResponse,
    LcsThrottled,
    OperationStatus,
    TokenUnavailable,
)
from lcs_tui.commands import exit_codes
from lcs_tui.commands.failures import Failure, failure_from
from lcs_tui.commands.output import err
from lcs_tui.commands.runtime import Runtime

#: Polling errors that say nothing about the operation: try again next round.
TRANSIENT = (LcsConnectionError, LcsThrottled, LcsHttpError, LcsMalformedResponse)
#: How long LCS may stay unreachable before the wait gives up (exit 10).
UNREACHABLE_LIMIT = 15 * 60.0

#: One poll: the status word and, once finished, the completion date.
Poll = Callable[[], Awaitable[tuple[str, datetime | None]]]


@dataclass
class StatusSeen:
    at: datetime
    status: str


@dataclass
class Watched:
    status: str | None
    completed_at: datetime | None = None
    changes: list[StatusSeen] = field(default_factory=list)
    #: Set when the wait ended without a final status (timeout, outage).
    failure: Failure | None = None
    #: How a status word is read: LCS's words, or Power Platform's (PpStatus).
    vocabulary: Callable[[str], Any] = OperationStatus

    @property
    def finished(self) -> bool:
        return self.status is not None and bool(self.vocabulary(self.status).finished)


@dataclass
class Watch:
    label: str  # "refresh CONTOSO-PROD→CONTOSO-UAT"
    poll: Poll
    now: Callable[[], datetime]
    runtime: Runtime
    interval: float
    timeout: float | None
    #: Command that picks the wait up again, for the "continues in LCS" hint.
    resume_hint: str
    #: The service the operation runs in, as messages name it.
    service: str = "LCS"
    #: Seconds the service asked to wait before the next poll (its Retry-After).
    asked_wait: Callable[[], float] | None = None

    async def run(self, watched: Watched, *, poll_first: bool) -> Watched:
        """Watch until a final status, updating `watched` as it goes (so what was
        seen survives an exception that ends the wait)."""
        mono = self.runtime.monotonic
        deadline = None if self.timeout is None else mono() + self.timeout
        unreachable_since: float | None = None
        if not poll_first:
            await self._pause(deadline)
        while True:
            #: LCS asked not to be asked again before this many seconds.
            hold_off = 0.0
            try:
                word, completed = await self.poll()
            except (*TRANSIENT, TokenUnavailable) as exc:
                if isinstance(exc, TokenUnavailable) and not _unreachable(exc):
                    raise  # only signing in again can fix it
                unreachable_since = unreachable_since if unreachable_since is not None else mono()
                when = "retrying"
                if isinstance(exc, LcsThrottled):
                    hold_off = _seconds_until(exc.retry_at)
                    if hold_off > self.interval:
                        when = f"retrying after {exc.retry_at:%H:%M:%S} UTC"
                err(f"{self._stamp()}  {self.label}: status check failed ({exc.message}); {when}")
                if mono() - unreachable_since >= UNREACHABLE_LIMIT:
                    watched.failure = Failure(
                        exit_codes.UNAVAILABLE,
                        f"{self.service} could not be reached for "
                        f"{UNREACHABLE_LIMIT / 60:.0f} minutes while waiting ({exc.message}); "
                        f"the operation continues in {self.service}",
                        f"check later: {self.resume_hint}",
                    )
                    return watched
            else:
                unreachable_since = None
                if word != watched.status:
                    self._report(watched, word)
                if watched.finished:
                    watched.completed_at = completed
                    return watched
                if self.asked_wait is not None:
                    hold_off = self.asked_wait()
            if deadline is not None and mono() >= deadline:
                watched.failure = Failure(
                    exit_codes.TIMED_OUT,
                    f"gave up waiting after {self.timeout:g} s; the operation continues in "
                    f"{self.service} (last status {watched.status or 'unknown'})",
                    f"check later: {self.resume_hint}",
                )
                return watched
            await self._pause(deadline, at_least=hold_off)

    async def _pause(self, deadline: float | None, *, at_least: float = 0.0) -> None:
        # A throttled poll waits as long as LCS asked (the client bounds
        # that to an hour); the next poll would only be refused again.
        delay = max(self.interval, at_least)
        if deadline is not None:
            # Wake up at the deadline for one last look instead of oversleeping it.
            delay = max(0.0, min(delay, deadline - self.runtime.monotonic()))
        await self.runtime.sleep(delay)

    def _report(self, watched: Watched, word: str) -> None:
        at = self.now()
        watched.status = word
        watched.changes.append(StatusSeen(at, word))
        known = bool(watched.vocabulary(word).known)
        note = "" if known else " (not a documented status; still watching)"
        err(f"{self._stamp(at)}  {self.label}: {word}{note}")

    def _stamp(self, at: datetime | None = None) -> str:
        return f"{at or self.now():%Y-%m-%d %H:%M:%S}Z"


def _seconds_until(moment: datetime) -> float:
    """Seconds from now until a naive-UTC `moment` (0 when it has passed)."""
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    return max(0.0, (moment - now).total_seconds())


def _unreachable(exc: TokenUnavailable) -> bool:
    """A token renewal that failed because the sign-in service was unreachable."""
    failure = failure_from(exc)
    return failure is not None and failure.code == exit_codes.UNAVAILABLE
