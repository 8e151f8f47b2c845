"""How a Power Platform operation moves through its stages over simulated time.

Like the LCS side (lifecycle.py), no background task drives an operation:
its state is a pure function of "now" and a plan drawn when it starts. The
operation is `Queued`, then `InProgress` through the stages Validate,
Prepare, Run and Finalize (each `NotStarted` → `InProgress` → `Succeeded`),
then `Succeeded`; a failing one stops in a stage (`Failed`, the later stages
`Skipped`) and ends `Failed` with an error. A validate-only run has the
Validate stage alone and ends `ValidationPassed`.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

STAGE_NAMES = ("Validate", "Prepare", "Run", "Finalize")

QUEUED = "Queued"
IN_PROGRESS = "InProgress"
SUCCEEDED = "Succeeded"
FAILED = "Failed"
VALIDATION_PASSED = "ValidationPassed"
NOT_STARTED = "NotStarted"
SKIPPED = "Skipped"

PlanKind = Literal["copy-full", "copy-minimal", "restore", "provision", "validate", "instant"]

# Total lengths in hours, drawn uniformly. PPAC-API.md §3.4: "up to 8 hours
# unless a lot of data ... up to 24 hours"; a customizations-only copy moves
# less data (a guess), provisioning is about an hour or two.
_TOTAL_HOURS: dict[PlanKind, tuple[float, float]] = {
    "copy-full": (2.0, 8.0),
    "copy-minimal": (1.0, 3.0),
    "restore": (2.0, 6.0),
    "provision": (1.0, 2.0),
}
_QUEUED_MINUTES = (1.0, 3.0)
_VALIDATE_MINUTES = (2.0, 6.0)
_PREPARE_MINUTES = (10.0, 30.0)
_FINALIZE_MINUTES = (10.0, 30.0)

#: What a failure says, by the stage it happens in (the service's words are
#: undocumented; these read like its other messages).
FAILURES: dict[str, tuple[str, str]] = {
    "Prepare": (
        "TargetPreparationFailed",
        "The target environment could not be prepared for the copy: its database could not be "
        "taken offline. Retry the operation; if it fails again, contact Microsoft support with "
        "the operation id.",
    ),
    "Run": (
        "DatabaseCopyFailed",
        "The finance and operations database could not be copied: the source database export "
        "did not complete. Retry the operation; if it fails again, contact Microsoft support "
        "with the operation id.",
    ),
}


@dataclass(frozen=True)
class StagePlan:
    """The whole future of one operation, fixed when it starts.

    `stages` lists the stages it goes through and how long each takes (a
    failing one: until it fails). After the last, the operation ends with
    `final_status`; `skipped` are the stages a failure left out.
    """

    queued: timedelta
    stages: tuple[tuple[str, timedelta], ...]
    final_status: str = SUCCEEDED
    skipped: tuple[str, ...] = ()
    error_code: str | None = None
    error_message: str | None = None

    @property
    def length(self) -> timedelta:
        return self.queued + sum((d for _, d in self.stages), timedelta(0))


@dataclass(frozen=True)
class StageState:
    name: str
    status: str
    start: datetime | None
    end: datetime | None


@dataclass(frozen=True)
class OperationState:
    status: str
    stages: tuple[StageState, ...]
    #: When it ended; None while it runs.
    ended_at: datetime | None
    #: The stage that failed, if it failed.
    failed_stage: str | None = None


def instant_plan() -> StagePlan:
    """An operation that is over the moment it starts (a manual backup)."""
    return StagePlan(queued=timedelta(0), stages=())


def draw_plan(
    kind: PlanKind,
    rng: random.Random,
    failure_rate: float = 0.0,
    *,
    fail: bool | None = None,
    duration: timedelta | None = None,
) -> StagePlan:
    """Draw a plan. Every draw happens whatever the outcome, so the same seed
    gives the same stage lengths with and without a forced outcome. `fail`
    forces the outcome; `duration` fixes the total length (the stages keep
    their drawn proportions)."""
    if kind == "instant":
        return instant_plan()
    queued = rng.uniform(*_QUEUED_MINUTES)
    validate = rng.uniform(*_VALIDATE_MINUTES)
    prepare = rng.uniform(*_PREPARE_MINUTES)
    finalize = rng.uniform(*_FINALIZE_MINUTES)
    low, high = _TOTAL_HOURS.get(kind, (1.0, 2.0))
    total = rng.uniform(low, high) * 60
    fails = rng.random() < failure_rate
    in_prepare = rng.random() < 0.25
    failure_point = rng.uniform(0.2, 0.8)
    if kind == "validate":
        minutes = [queued / 2, validate]
        if duration is not None:
            minutes = _scaled(minutes, duration)
        return StagePlan(
            queued=timedelta(minutes=minutes[0]),
            stages=(("Validate", timedelta(minutes=minutes[1])),),
            final_status=VALIDATION_PASSED,
        )
    run = max(total - queued - validate - prepare - finalize, 10.0)
    minutes = [queued, validate, prepare, run, finalize]
    if duration is not None:
        minutes = _scaled(minutes, duration)
    lengths = [timedelta(minutes=m) for m in minutes]
    stages = list(zip(STAGE_NAMES, lengths[1:], strict=True))
    if not (fails if fail is None else fail):
        return StagePlan(queued=lengths[0], stages=tuple(stages))
    failing = 1 if in_prepare else 2
    name, length = stages[failing]
    code, message = FAILURES[name]
    return StagePlan(
        queued=lengths[0],
        stages=(*stages[:failing], (name, length * failure_point)),
        final_status=FAILED,
        skipped=STAGE_NAMES[failing + 1 :],
        error_code=code,
        error_message=message,
    )


def _scaled(minutes: list[float], duration: timedelta) -> list[float]:
    wanted = max(duration.total_seconds() / 60, 0.01)
    total = sum(minutes)
    return [m * wanted / total for m in minutes]


def state_at(plan: StagePlan, started_at: datetime, now: datetime) -> OperationState:
    """The operation's status and its stages' at `now`."""
    cursor = started_at + plan.queued
    if now < cursor:
        names = [name for name, _ in plan.stages] + list(plan.skipped)
        return OperationState(
            QUEUED, tuple(StageState(n, NOT_STARTED, None, None) for n in names), None
        )
    stages: list[StageState] = []
    running = False
    last = len(plan.stages) - 1
    for index, (name, length) in enumerate(plan.stages):
        end = cursor + length
        if running or now < cursor:
            stages.append(StageState(name, NOT_STARTED, None, None))
        elif now < end:
            stages.append(StageState(name, IN_PROGRESS, cursor, None))
            running = True
        else:
            failed = index == last and plan.final_status == FAILED
            stages.append(StageState(name, FAILED if failed else SUCCEEDED, cursor, end))
        cursor = end
    if running:
        stages += [StageState(n, NOT_STARTED, None, None) for n in plan.skipped]
        return OperationState(IN_PROGRESS, tuple(stages), None)
    stages += [StageState(n, SKIPPED, None, None) for n in plan.skipped]
    failed_stage = plan.stages[last][0] if plan.final_status == FAILED and plan.stages else None
    return OperationState(plan.final_status, tuple(stages), cursor, failed_stage)
