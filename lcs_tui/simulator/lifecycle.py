"""How a database operation moves through its statuses over simulated time.

No background task drives an operation: its status is a pure function of
"now" and a plan drawn when it starts (how long it queues, how long it runs,
how it ends). Anything that asks (fetchstatus, history, quota, busy checks,
`Simulator.operations()`) computes the same answer for the same moment.

An *interlude* inserts an undocumented status word (e.g. a servicing state)
for a while; the rest of the timeline shifts later by its length.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

OperationKind = Literal["refresh", "export"]
Outcome = Literal["success", "failure", "rollback"]

NOT_STARTED = "NotStarted"
IN_PROGRESS = "InProgress"
COMPLETED = "Completed"
FAILED = "Failed"
ROLLBACK_IN_PROGRESS = "RollbackInProgress"
ROLLBACK_COMPLETED = "RollbackCompleted"

#: Statuses after which nothing changes any more (the documented ones).
TERMINAL_STATUSES = frozenset(
    {COMPLETED, FAILED, ROLLBACK_COMPLETED, "SignedOff", "Aborted", "RollbackFailed"}
)

# Durations in minutes, drawn uniformly (the brief of LCS-API.md: a refresh
# "can run up to 24 h"; typical ones take one to three hours).
_QUEUED_MINUTES = (1.0, 3.0)
_RUNNING_MINUTES: dict[OperationKind, tuple[float, float]] = {
    "refresh": (45.0, 180.0),
    "export": (20.0, 60.0),
}
_ROLLBACK_MINUTES = (10.0, 30.0)


@dataclass(frozen=True)
class Plan:
    """The whole future of one operation, fixed when it starts.

    `running` is how long it stays InProgress before completing, failing, or
    starting to roll back; `rollback` is how long RollbackInProgress lasts.
    """

    queued: timedelta
    running: timedelta
    outcome: Outcome
    rollback: timedelta = timedelta(0)

    @property
    def length(self) -> timedelta:
        return (
            self.queued
            + self.running
            + (self.rollback if self.outcome == "rollback" else timedelta(0))
        )


@dataclass(frozen=True)
class Interlude:
    """A stretch of an operation spent under another status word."""

    start: datetime
    length: timedelta
    word: str

    @property
    def end(self) -> datetime:
        return self.start + self.length


def draw_plan(
    kind: OperationKind,
    rng: random.Random,
    failure_rate: float,
    forced_outcome: Outcome | None = None,
    duration: timedelta | None = None,
) -> Plan:
    """Draw a plan. Every draw happens whatever the outcome, so that the same
    seed gives the same durations with and without a forced outcome."""
    queued = timedelta(minutes=rng.uniform(*_QUEUED_MINUTES))
    running = timedelta(minutes=rng.uniform(*_RUNNING_MINUTES[kind]))
    rollback = timedelta(minutes=rng.uniform(*_ROLLBACK_MINUTES))
    fails = rng.random() < failure_rate
    rolls_back = rng.random() < 0.5
    # A failure happens part-way through the run, not at its planned end.
    failure_point = rng.uniform(0.2, 0.8)
    if forced_outcome is not None:
        outcome: Outcome = forced_outcome
    elif fails:
        outcome = "rollback" if rolls_back else "failure"
    else:
        outcome = "success"
    if duration is not None:
        running = max(duration - queued, timedelta(seconds=1))
    if outcome != "success":
        running = running * failure_point
    return Plan(queued=queued, running=running, outcome=outcome, rollback=rollback)


def status_at(
    plan: Plan, started_at: datetime, interludes: list[Interlude], now: datetime
) -> tuple[str, datetime | None]:
    """The status word at `now`, and when the operation ended (None while it runs)."""
    if now < started_at:
        return NOT_STARTED, None
    # Walk the interludes in time order; each one shifts what follows it.
    shift = timedelta(0)
    for interlude in sorted(interludes, key=lambda i: i.start):
        if interlude.start > now:
            break
        if now < interlude.end:
            return interlude.word, None
        shift += interlude.length
    elapsed = now - started_at - shift
    total_shift = sum((i.length for i in interludes), timedelta(0))
    end = started_at + plan.length + total_shift
    if elapsed < plan.queued:
        return NOT_STARTED, None
    if elapsed < plan.queued + plan.running:
        return IN_PROGRESS, None
    if plan.outcome == "success":
        return COMPLETED, end
    if plan.outcome == "failure":
        return FAILED, end
    if elapsed < plan.length:
        return ROLLBACK_IN_PROGRESS, None
    return ROLLBACK_COMPLETED, end
