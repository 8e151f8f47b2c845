"""What each job is doing: its current run, step by step, and who runs it (the lease).

One file per job in the state directory (`jobs/<name>.json` beside the
operation journals; LCS_TUI_STATE_DIR overrides it), changed only through
`JobStateStore.update` — a locked, atomic read-modify-write (statefile.py) —
so the TUI, a headless runner and the CLI never lose each other's changes.

Exactly once, in one paragraph: before a step asks the service to start an
operation it records its *intent* here, with the operation key it will use
(`StepState.intent_key`); the service then journals that key before its POST
(service/journal.py). After a crash the step's key is looked up in the
operation journal: present — the operation is watched and reconciled like
any other, never sent again; absent — the service never got as far as the
POST, and the step may start (with a new key). The lease (holder, expiry on
the wall clock, renewed on every tick) makes sure only one process drives a
job at a time; a crashed holder's lease expires, at once when the holder was
a process on this machine that no longer exists.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from lcs_tui.jobs.statefile import StateFile, StateFileError

SCHEMA = 1
#: How long a lease lasts without renewal (the holder renews it every tick).
LEASE_SECONDS = 120.0
#: Finished runs remembered per job (for `job show` and the history view).
KEEP_RUNS = 20

#: Run states. Active ones are driven by the runner.
RUNNING = "running"
WAITING = "waiting"
NEEDS_YOU = "needs_you"
COMPLETED = "completed"
FAILED = "failed"
CANCELLED = "cancelled"
MISSED = "missed"
ACTIVE = frozenset({RUNNING, WAITING, NEEDS_YOU})

#: Step states.
PENDING = "pending"
STARTING = "starting"  # intent recorded: the operation key is chosen, maybe journalled
DONE = "done"
SKIPPED = "skipped"


class JobStateError(Exception):
    """A job's state file cannot be read or written."""


class LeaseLost(Exception):
    """Another process holds the job's lease now: this one must stop driving it."""


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def _list(raw: Any) -> list[Any]:
    return raw if isinstance(raw, list) else []


def _moment(raw: Any) -> datetime | None:
    if not isinstance(raw, str):
        return None
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        return None
    return value.replace(tzinfo=None) if value.tzinfo is None else None


@dataclass(frozen=True)
class StepState:
    status: str = PENDING
    #: The operation key chosen before the service was asked (see module doc).
    intent_key: str | None = None
    #: When the intent was recorded: service clock (naive UTC) and wall clock.
    intent_at: datetime | None = None
    intent_wall: float | None = None
    intent_holder: str | None = None
    #: The operation journal's key of the step's operation, once it was asked for.
    operation_key: str | None = None
    activity_id: str | None = None
    #: Export: the rendered backup name. Download: the backup's name.
    backup_name: str | None = None
    backup_id: str | None = None
    #: Download: the file.
    path: str | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    #: The last words about the step: why it waits, how it ended.
    message: str | None = None
    #: Service clock: do not look again (no LCS calls for it) before this.
    look_again_at: datetime | None = None
    attempts: int = 0

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        for key in ("intent_at", "started_at", "finished_at", "look_again_at"):
            data[key] = _iso(data[key])
        return data

    @classmethod
    def from_json(cls, data: Any) -> StepState:
        if not isinstance(data, dict):
            return cls(status="unreadable")
        values: dict[str, Any] = {}
        for f in fields(cls):
            raw = data.get(f.name)
            if f.name in ("intent_at", "started_at", "finished_at", "look_again_at"):
                values[f.name] = _moment(raw)
            elif f.name == "intent_wall":
                values[f.name] = float(raw) if isinstance(raw, (int, float)) else None
            elif f.name == "attempts":
                values[f.name] = raw if isinstance(raw, int) else 0
            elif f.name == "status":
                values[f.name] = raw if isinstance(raw, str) else "unreadable"
            else:
                values[f.name] = raw if isinstance(raw, str) else None
        return cls(**values)


@dataclass(frozen=True)
class RunState:
    run_id: str
    #: "schedule", "asap" or "manual" (job run).
    trigger: str
    #: The moment it was due (naive UTC, service clock).
    due_at: datetime | None
    started_at: datetime | None
    status: str = RUNNING
    step: int = 0
    steps: tuple[StepState, ...] = ()
    #: The job's steps as they were when the run began (model.step_to_json):
    #: editing jobs.toml during a run changes the next run, not this one.
    definition: tuple[dict[str, Any], ...] = ()
    finished_at: datetime | None = None
    message: str | None = None

    @property
    def active(self) -> bool:
        return self.status in ACTIVE

    def with_step(self, index: int, step: StepState) -> RunState:
        steps = list(self.steps)
        steps[index] = step
        return replace(self, steps=tuple(steps))

    def to_json(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "trigger": self.trigger,
            "due_at": _iso(self.due_at),
            "started_at": _iso(self.started_at),
            "finished_at": _iso(self.finished_at),
            "status": self.status,
            "step": self.step,
            "steps": [s.to_json() for s in self.steps],
            "definition": list(self.definition),
            "message": self.message,
        }

    @classmethod
    def from_json(cls, data: Any) -> RunState | None:
        if not isinstance(data, dict) or not isinstance(data.get("run_id"), str):
            return None
        steps = _list(data.get("steps"))
        definition = _list(data.get("definition"))
        step = data.get("step")
        return cls(
            run_id=data["run_id"],
            trigger=str(data.get("trigger") or "schedule"),
            due_at=_moment(data.get("due_at")),
            started_at=_moment(data.get("started_at")),
            finished_at=_moment(data.get("finished_at")),
            status=str(data.get("status") or FAILED),
            step=step if isinstance(step, int) and step >= 0 else 0,
            steps=tuple(StepState.from_json(s) for s in steps),
            definition=tuple(d for d in definition if isinstance(d, dict)),
            message=data.get("message") if isinstance(data.get("message"), str) else None,
        )


@dataclass(frozen=True)
class Lease:
    holder: str
    #: Wall-clock seconds (time.time()): the one clock all processes share.
    expires: float
    host: str = ""
    pid: int = 0

    def free_for(self, holder: str, wall: float) -> bool:
        if self.holder == holder or self.expires <= wall:
            return True
        # A process of this machine that is gone holds nothing (killed,
        # crashed): no need to wait for the expiry.
        return self.host == socket.gethostname() and self.pid > 0 and not _alive(self.pid)


@dataclass(frozen=True)
class JobState:
    job: str
    lease: Lease | None = None
    paused: bool = False
    cancel_requested: bool = False
    run_requested: bool = False
    #: The scheduled moment the latest run was started (or missed) for.
    last_due: datetime | None = None
    run: RunState | None = None
    history: tuple[dict[str, Any], ...] = ()
    #: Bumped by every write: a cheap "did anything change?" for views.
    revision: int = 0
    #: Set when the file could not be read: shown, and the job is not driven.
    problem: str | None = field(default=None, compare=False)

    def to_json(self) -> dict[str, Any]:
        return {
            "schema": SCHEMA,
            "job": self.job,
            "lease": asdict(self.lease) if self.lease is not None else None,
            "paused": self.paused,
            "cancel_requested": self.cancel_requested,
            "run_requested": self.run_requested,
            "last_due": _iso(self.last_due),
            "run": self.run.to_json() if self.run is not None else None,
            "history": list(self.history),
            "revision": self.revision,
        }

    @classmethod
    def from_json(cls, job: str, data: dict[str, Any]) -> JobState:
        schema = data.get("schema")
        if schema != SCHEMA:
            return cls(
                job,
                problem=f"the state of job {job} has schema {schema!r}; "
                f"this lcs-tui reads {SCHEMA}",
            )
        lease = None
        raw = data.get("lease")
        if isinstance(raw, dict) and isinstance(raw.get("holder"), str):
            expires = raw.get("expires")
            lease = Lease(
                raw["holder"],
                float(expires) if isinstance(expires, (int, float)) else 0.0,
                str(raw.get("host") or ""),
                pid if isinstance(pid := raw.get("pid"), int) else 0,
            )
        history = _list(data.get("history"))
        revision = data.get("revision")
        return cls(
            job=job,
            lease=lease,
            paused=data.get("paused") is True,
            cancel_requested=data.get("cancel_requested") is True,
            run_requested=data.get("run_requested") is True,
            last_due=_moment(data.get("last_due")),
            run=RunState.from_json(data.get("run")),
            history=tuple(h for h in history if isinstance(h, dict))[-KEEP_RUNS:],
            revision=revision if isinstance(revision, int) else 0,
        )

    def finished_run(self, run: RunState) -> JobState:
        """`run` ended: kept as the latest run and summarised in the history."""
        summary = {
            "run_id": run.run_id,
            "trigger": run.trigger,
            "due_at": _iso(run.due_at),
            "started_at": _iso(run.started_at),
            "finished_at": _iso(run.finished_at),
            "status": run.status,
            "message": run.message,
            "activity_ids": [s.activity_id for s in run.steps if s.activity_id],
        }
        return replace(
            self, run=run, history=(*self.history, summary)[-KEEP_RUNS:], cancel_requested=False
        )


def new_holder() -> str:
    """A lease holder id: this machine, this process, this runner."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def holder_gone(holder: str | None) -> bool:
    """Whether `holder` (see `new_holder`) was a process of this machine that has ended."""
    if not holder:
        return False
    host, _, rest = holder.partition(":")
    pid_text = rest.partition(":")[0]
    return host == socket.gethostname() and pid_text.isdigit() and not _alive(int(pid_text))


def new_lease(holder: str, wall: float) -> Lease:
    return Lease(holder, wall + LEASE_SECONDS, socket.gethostname(), os.getpid())


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True  # exists (someone else's), or cannot tell: assume alive
    return True


def state_directory() -> Path:
    from lcs_tui.config.session_state import state_dir

    return state_dir() / "jobs"


class JobStateStore:
    """The state files of every job (one per job, see module doc)."""

    def __init__(self, directory: Path | None = None) -> None:
        self.directory = directory or state_directory()

    def path(self, job: str) -> Path:
        return self.directory / f"{job}.json"

    def read(self, job: str) -> JobState:
        try:
            data = StateFile(self.path(job)).read()
        except StateFileError as exc:
            return JobState(job, problem=str(exc))
        return JobState(job) if data is None else JobState.from_json(job, data)

    def update(self, job: str, change: Callable[[JobState], JobState | None]) -> JobState:
        """Apply `change` under the job's lock; its None leaves the file unchanged.

        Raises JobStateError when the file cannot be used, and whatever
        `change` raises (LeaseLost) with nothing written.
        """
        result: list[JobState] = []

        def apply(data: dict[str, Any] | None) -> dict[str, Any] | None:
            current = JobState(job) if data is None else JobState.from_json(job, data)
            if current.problem is not None:
                raise JobStateError(current.problem)
            changed = change(current)
            if changed is None:
                result.append(current)
                return None
            changed = replace(changed, revision=current.revision + 1)
            result.append(changed)
            return changed.to_json()

        try:
            StateFile(self.path(job)).update(apply)
        except StateFileError as exc:
            raise JobStateError(str(exc)) from None
        return result[0]

    def remove(self, job: str) -> None:
        try:
            StateFile(self.path(job)).remove()
        except StateFileError as exc:
            raise JobStateError(str(exc)) from None
