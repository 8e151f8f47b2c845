"""What a job is: an ordered list of steps over one profile, a schedule, notifications.

    Job(
        name="golden-copy",
        profile="contoso",
        steps=(
            Refresh(source="CONTOSO-PROD", target="CONTOSO-UAT", confirmed="CONTOSO-UAT"),
            Export(environment="CONTOSO-UAT", name="uat-golden-{date}"),
            Download(backup=PREVIOUS, folder="~/backups"),
        ),
        schedule=Schedule.once(datetime(2026, 11, 21, 22, 0), "Europe/Amsterdam"),
        notify=("desktop", "ops-teams"),
    )

Environments are named as the user named them (an environment's name or
id); they are looked up in the project when a step runs, so a renamed or
removed environment stops the job with a message instead of hitting another.
A refresh step carries `confirmed`: the target's name as the user typed it
when the job was created. A step whose `confirmed` does not match its target
(a hand edit of jobs.toml) does not run: the job waits for the user.

A job runs over the workspace of its profile, so its steps are of that
profile's backend: refresh, export, download and wait-for-quota are LCS
steps; copy and restore (unified environments) are Power Platform steps;
wait-until, wait-idle and notify go with either. A job never mixes the two
(`Job.backend`): one for each profile, as the CLI's own verbs are.

Immutable values, no I/O: the store (store.py) reads and writes them, the
runner (runner.py) executes them.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from lcs_tui.jobs.schedule import Schedule

#: Job names: used in file names, command lines and TOML keys.
JOB_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
#: `Download.backup`: the backup the previous export of this run produced.
PREVIOUS = "previous"
#: `Download.backup`: the newest backup in the project's asset library.
LATEST = "latest"
#: When a job notifies: finished well, failed, waiting for the user.
NOTIFY_EVENTS = ("finish", "failure", "waiting")
#: Built-in notification targets (webhooks are named in jobs.toml).
BUILTIN_TARGETS = ("desktop", "terminal")
#: Backends a job's steps may need (`Job.backend`); the profile's `backend` names them.
LCS = "lcs"
POWERPLATFORM = "powerplatform"
#: A copy step's types, as `lcs-tui copy --type` names them, and how a job says them.
COPY_TYPE_WORDS = {
    "full": "everything",
    "transactionless": "everything, transactionless",
    "minimal": "customizations and schemas only",
}


class JobError(ValueError):
    """A job that cannot be created or run as given: what and what to do."""

    def __init__(self, message: str, hint: str | None = None, *, problems: tuple[str, ...] = ()):
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.problems = problems


@dataclass(frozen=True)
class Refresh:
    """Refresh `target` from `source` (a step that starts an operation in LCS)."""

    source: str
    target: str
    #: The target's name as typed when the job was created ("" : not confirmed).
    confirmed: str = ""
    kind: str = field(default="refresh", init=False)
    changes_lcs: bool = field(default=True, init=False)

    def describe(self) -> str:
        return f"refresh {self.source} → {self.target}"


@dataclass(frozen=True)
class Export:
    """Export `environment`'s database as a backup named from `name`."""

    environment: str
    #: A name template (names.py): "uat-golden-{date}".
    name: str
    kind: str = field(default="export", init=False)
    changes_lcs: bool = field(default=True, init=False)

    def describe(self) -> str:
        return f"export {self.environment} as {self.name}"


@dataclass(frozen=True)
class Download:
    """Download a backup (the one an earlier step made, the latest, or a named one)."""

    #: PREVIOUS, LATEST, or a backup's name or id.
    backup: str
    folder: str
    #: None: chosen by measuring, as every default download (docs/downloads.md).
    connections: int | None = None
    kind: str = field(default="download", init=False)
    changes_lcs: bool = field(default=False, init=False)

    def describe(self) -> str:
        what = {
            PREVIOUS: "the backup the export made",
            LATEST: "the latest backup",
        }.get(self.backup, f"backup {self.backup}")
        return f"download {what} to {self.folder}"


@dataclass(frozen=True)
class Wait:
    """Wait until a moment (`until`, wall time in `zone`), or until an
    environment has quota left (`quota`) or is idle (`idle`). One of them."""

    until: datetime | None = None
    zone: str = "UTC"
    quota: str | None = None
    idle: str | None = None
    kind: str = field(default="wait", init=False)
    changes_lcs: bool = field(default=False, init=False)

    def describe(self) -> str:
        if self.until is not None:
            return f"wait until {self.until:%Y-%m-%d %H:%M} {self.zone}"
        if self.quota is not None:
            return f"wait until {self.quota} has quota left"
        return f"wait until {self.idle} is idle"


@dataclass(frozen=True)
class Notify:
    """Tell the job's notification targets `message`."""

    message: str
    kind: str = field(default="notify", init=False)
    changes_lcs: bool = field(default=False, init=False)

    def describe(self) -> str:
        return f"notify: {self.message}"


@dataclass(frozen=True)
class Copy:
    """Copy `source` over the unified sandbox or developer environment `target`
    (Power Platform). `copy_type`: a key of COPY_TYPE_WORDS, as `lcs-tui copy --type`."""

    source: str
    target: str
    copy_type: str
    #: Audit data is left out unless asked for (the admin center's default).
    skip_audit_data: bool = True
    #: The target's name as typed when the job was created ("" : not confirmed).
    confirmed: str = ""
    kind: str = field(default="copy", init=False)
    changes_lcs: bool = field(default=True, init=False)

    def describe(self) -> str:
        words = COPY_TYPE_WORDS.get(self.copy_type, self.copy_type)
        audit = "" if self.skip_audit_data else ", with audit data"
        return f"copy {self.source} → {self.target} ({words}{audit})"


@dataclass(frozen=True)
class Restore:
    """Restore `target` (a unified sandbox) to a backup of `source` — by its
    label or id — or to `source` as it was at `at` (naive UTC). One of them."""

    source: str
    target: str
    backup: str | None = None
    at: datetime | None = None
    skip_audit_data: bool = True
    confirmed: str = ""
    kind: str = field(default="restore", init=False)
    changes_lcs: bool = field(default=True, init=False)

    def describe(self) -> str:
        point = f"backup {self.backup}" if self.backup is not None else "the point in time"
        if self.at is not None:
            point = f"as at {self.at:%Y-%m-%d %H:%M} UTC"
        return f"restore {self.source} → {self.target} ({point})"


Step = Refresh | Export | Download | Wait | Notify | Copy | Restore
STEP_KINDS = ("refresh", "export", "download", "wait", "notify", "copy", "restore")
#: Steps that overwrite a target the user must type the name of when the job is created.
OVERWRITES = (Refresh, Copy, Restore)


def step_backend(step: Step) -> str | None:
    """The backend `step` needs (LCS or POWERPLATFORM), or None: either will do."""
    if isinstance(step, (Copy, Restore)):
        return POWERPLATFORM
    if isinstance(step, (Refresh, Export, Download)) or (
        isinstance(step, Wait) and step.quota is not None
    ):
        return LCS
    return None


@dataclass(frozen=True)
class Job:
    """A named routine of one profile: its steps, when it runs, whom it tells."""

    name: str
    profile: str
    steps: tuple[Step, ...]
    schedule: Schedule = field(default_factory=Schedule.asap)
    #: Notification target names: "desktop", "terminal", or a [notify.NAME] of jobs.toml.
    notify: tuple[str, ...] = ()
    notify_on: tuple[str, ...] = NOTIFY_EVENTS
    #: Naive UTC; the first run of a cron job is the first match after it.
    created_at: datetime | None = None
    description: str = ""

    @property
    def changes_lcs(self) -> bool:
        """Whether a run can change anything in LCS or Power Platform (--read-only
        runs none of these)."""
        return any(step.changes_lcs for step in self.steps)

    @property
    def backend(self) -> str | None:
        """The backend its steps need (the first that needs one), None: any."""
        return next((b for b in map(step_backend, self.steps) if b is not None), None)

    def check_shape(self) -> None:
        """The rules that need no project: name, steps, order, notifications."""
        if not JOB_NAME.match(self.name):
            raise JobError(
                f"job name {self.name!r}: use letters, digits, '-' and '_' (at most 64, "
                "starting with a letter or digit)"
            )
        if not self.steps:
            raise JobError(f"job {self.name} has no steps", "add --refresh, --export, ...")
        exported = False
        for index, step in enumerate(self.steps, 1):
            if isinstance(step, Export):
                exported = True
            if isinstance(step, Download) and step.backup == PREVIOUS and not exported:
                raise JobError(
                    f"step {index} downloads the backup the previous export made, "
                    "but no export comes before it",
                    "put an export step before it, or name the backup (or 'latest')",
                )
            if (
                isinstance(step, Download)
                and step.connections is not None
                and not 1 <= step.connections <= 32
            ):
                raise JobError(f"step {index}: connections must be 1-32 (or left out: chosen)")
            if isinstance(step, Wait):
                given = [w for w in (step.until, step.quota, step.idle) if w is not None]
                if len(given) != 1:
                    raise JobError(
                        f"step {index}: a wait step waits for one thing: a time, "
                        "quota on an environment, or an idle environment"
                    )
            if isinstance(step, Copy) and step.copy_type not in COPY_TYPE_WORDS:
                raise JobError(
                    f"step {index}: copy type {step.copy_type!r}: one of "
                    f"{', '.join(COPY_TYPE_WORDS)}",
                )
            if isinstance(step, Restore) and (step.backup is None) == (step.at is None):
                raise JobError(
                    f"step {index}: a restore step restores one thing: a backup (its label "
                    "or id) or a point in time"
                )
        needed = {b for b in map(step_backend, self.steps) if b is not None}
        if len(needed) > 1:
            raise JobError(
                f"job {self.name} mixes LCS steps (refresh, export, download, wait for quota) "
                "with Power Platform steps (copy, restore); a job runs over one profile",
                "make one job for each profile",
            )
        for event in self.notify_on:
            if event not in NOTIFY_EVENTS:
                raise JobError(
                    f"notify_on {event!r}: one of {', '.join(NOTIFY_EVENTS)}",
                )
        self.schedule.validate()

    def describe_steps(self) -> list[str]:
        return [f"{index}. {step.describe()}" for index, step in enumerate(self.steps, 1)]


_STEP_CLASSES: dict[str, type[Step]] = {
    "refresh": Refresh,
    "export": Export,
    "download": Download,
    "wait": Wait,
    "notify": Notify,
    "copy": Copy,
    "restore": Restore,
}
#: Fields that hold a moment (naive UTC or wall time), kept as ISO text in a run.
_MOMENTS = ("until", "at")


def step_to_json(step: Step) -> dict[str, Any]:
    """A step as a run remembers it (state.RunState.definition)."""
    data = {k: v for k, v in asdict(step).items() if k not in ("kind", "changes_lcs")}
    for key in _MOMENTS:
        if isinstance(data.get(key), datetime):
            data[key] = data[key].isoformat()
    return {"kind": step.kind, **data}


def step_from_json(data: dict[str, Any]) -> Step:
    """The inverse of `step_to_json`; JobError for anything else."""
    cls = _STEP_CLASSES.get(str(data.get("kind")))
    if cls is None:
        raise JobError(f"a step of unknown kind {data.get('kind')!r}")
    values = {k: v for k, v in data.items() if k != "kind"}
    try:
        for key in _MOMENTS:
            if isinstance(values.get(key), str):
                values[key] = datetime.fromisoformat(values[key])
        return cls(**values)
    except (TypeError, ValueError) as exc:
        raise JobError(f"an unreadable {data.get('kind')} step: {exc}") from None
