"""What `copy`, `restore` and `status` (Power Platform profiles) know, and how it is printed.

One `PpOperationView` per run becomes the JSON document (docs/scripting.md,
`lcs-tui/copy|restore|pp-status/v1`) or the `key  value` lines on stdout;
progress and failures go to stderr. `--wait` follows the operation through
the service (journal kept current, `Retry-After` honoured, stages said as
they change) until it ends, for at most `--timeout` (24 hours by default:
a copy may take that long; the operation goes on when the wait ends).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from lcs_tui.commands import exit_codes
from lcs_tui.commands.failures import CommandFailure, Failure, usage
from lcs_tui.commands.output import command_line, emit_json, err, iso, print_fields, schema_id
from lcs_tui.commands.runtime import Context
from lcs_tui.commands.suggest import close_names

if TYPE_CHECKING:
    from lcs_tui.commands.waiting import StatusSeen
    from lcs_tui.ppac.models import PpEnvironment
    from lcs_tui.ppac.requests import CopyOptions, RestorePoint
    from lcs_tui.ppac.service import PowerPlatformService, ValidationResult
    from lcs_tui.service.operations import TrackedOperation

#: --wait's default --timeout for Power Platform operations: copies and
#: restores take up to 24 hours (D8); pac's 60 minutes is the complaint.
DEFAULT_PP_TIMEOUT = 24 * 3600.0
SERVICE = "Power Platform"


@dataclass
class StageSeen:
    at: datetime
    stage: str
    status: str


@dataclass
class PpOperationView:
    command: str  # "copy" | "restore" | "status"
    kind: str | None
    profile: str
    environment: PpEnvironment
    source: PpEnvironment | None = None
    options: CopyOptions | None = None
    point: RestorePoint | None = None
    skip_audit_data: bool | None = None
    validate_only: bool = False
    validation: ValidationResult | None = None
    operation_id: str | None = None
    status: str | None = None
    message: str | None = None
    stages: list[dict[str, Any]] = field(default_factory=list)
    started_at: datetime | None = None
    completed_at: datetime | None = None
    waited: bool = False
    changes: list[StatusSeen] = field(default_factory=list)
    stage_changes: list[StageSeen] = field(default_factory=list)

    @property
    def label(self) -> str:
        if self.kind in ("copy", "restore") and self.source is not None:
            return f"{self.kind} {self.source.name}→{self.environment.name}"
        if self.kind in ("copy", "restore"):
            return f"{self.kind} into {self.environment.name}"
        return f"operation {self.operation_id} on {self.environment.name}"

    @property
    def stage(self) -> str | None:
        running = [s for s in self.stages if s.get("status") == "InProgress"]
        done = [s for s in self.stages if s.get("status") not in ("NotStarted", "Postponed")]
        chosen = running[0] if running else (done[-1] if done else None)
        return str(chosen["name"]) if chosen else None

    @property
    def finished(self) -> bool:
        from lcs_tui.ppac.models import PpStatus

        return self.status is not None and PpStatus(self.status).finished

    def outcome(self, failure: Failure | None) -> str:
        from lcs_tui.ppac.models import PpStatus

        if self.status is not None:
            return PpStatus(self.status).outcome.value
        if self.validate_only and self.validation is not None and self.validation.passed:
            return "validated"
        nothing_sent = self.command != "status" and self.operation_id is None
        if nothing_sent and (failure is None or failure.code != exit_codes.OUTCOME_UNKNOWN):
            return "not_started"
        return "unknown"

    def take(self, op: TrackedOperation) -> None:
        """What the service's tracked operation says now."""
        from lcs_tui.service.operations import EXTRA_STAGES

        self.operation_id = op.activity_id or self.operation_id
        self.status = op.status if op.activity_id else self.status
        self.message = op.message
        self.started_at = op.started_at or self.started_at
        self.completed_at = op.finished_at if op.finished else None
        stages = op.extra.get(EXTRA_STAGES)
        if isinstance(stages, list):
            self.stages = [s for s in stages if isinstance(s, dict)]

    def to_json(self, code: int, failure: Failure | None) -> dict[str, Any]:
        validation = self.validation
        return {
            "schema": schema_id("pp-status" if self.command == "status" else self.command),
            "exit_code": code,
            "error": failure.to_json() if failure else None,
            "profile": self.profile,
            "backend": "powerplatform",
            "kind": self.kind,
            "operation_id": self.operation_id,
            "source": environment_ref(self.source),
            "environment": environment_ref(self.environment),
            "copy_type": self.options.copy_type if self.options else None,
            "skip_audit_data": self.skip_audit_data,
            "restore_point": self.point.wire if self.point else None,
            "backup": (
                {"id": self.point.backup_id, "label": self.point.backup_label}
                if self.point is not None and self.point.backup_id
                else None
            ),
            "validate_only": self.validate_only,
            "validation": None
            if validation is None
            else {
                "passed": validation.passed,
                "problems": list(validation.problems),
                "notes": list(validation.notes),
            },
            "status": self.status,
            "outcome": self.outcome(failure),
            "finished": self.finished,
            "message": self.message,
            "stage": self.stage,
            "stages": [_stage_json(s) for s in self.stages],
            "started_at": iso(self.started_at),
            "completed_at": iso(self.completed_at),
            "waited": self.waited,
            "status_changes": [{"at": iso(c.at), "status": c.status} for c in self.changes],
            "stage_changes": [
                {"at": iso(c.at), "stage": c.stage, "status": c.status} for c in self.stage_changes
            ],
        }


def _stage_json(stage: dict[str, Any]) -> dict[str, Any]:
    from lcs_tui.api.parsing import parse_datetime

    def moment(key: str) -> str | None:
        raw = stage.get(key)
        return iso(parse_datetime(raw)) if isinstance(raw, str) else None

    error = stage.get("error")
    return {
        "name": str(stage.get("name")),
        "status": str(stage.get("status")),
        "started": moment("started"),
        "ended": moment("ended"),
        "error": error if isinstance(error, str) else None,
    }


def environment_ref(env: PpEnvironment | None) -> dict[str, str] | None:
    return None if env is None else {"id": env.id, "name": env.name}


# -- finding environments ----------------------------------------------------------


def find_pp_environment(service: PowerPlatformService, wanted: str) -> PpEnvironment:
    """ENV: a name (any case) or an id of the tenant's environments; a usage error otherwise."""
    env = lookup_pp_environment(service, wanted)
    if env is not None:
        return env
    names = [e.name for e in service.environments.values()]
    message = f"no environment {wanted!r} in the tenant"
    suggestions = close_names(wanted, [e.name for e in service.all_environments.values()])
    if suggestions:
        message += "; did you mean " + " or ".join(suggestions) + "?"
    raise usage(
        message,
        "use a name or an id; the environments with finance and operations apps: "
        + (", ".join(names) or "none"),
    )


def lookup_pp_environment(service: PowerPlatformService, wanted: str) -> PpEnvironment | None:
    envs = list((service.all_environments or service.environments).values())
    exact = [e for e in envs if e.id == wanted or e.name == wanted]
    if len(exact) == 1:
        return exact[0]
    by_name = [e for e in envs if e.name.lower() == wanted.lower()]
    if len(by_name) > 1:
        raise usage(
            f"{wanted!r} matches several environments: "
            + ", ".join(f"{e.name} ({e.id})" for e in by_name),
            "give the environment's id or its exact name",
        )
    if by_name:
        return by_name[0]
    undashed = wanted.replace("-", "").lower()
    by_id = [e for e in envs if e.id.replace("-", "").lower() == undashed]
    return by_id[0] if by_id else None


# -- printing ---------------------------------------------------------------------------


def settle_pp(view: PpOperationView, failure: Failure | None) -> Failure | None:
    if failure is None and view.finished and view.outcome(None) != "succeeded":
        failure = Failure(
            exit_codes.OPERATION_FAILED,
            f"{view.label} ended with {view.status}"
            + (f": {view.message}" if view.message else ""),
            "see the operation history: "
            + command_line("lcs-tui", "history", view.environment.name),
            view.operation_id,
        )
    if failure is not None:
        failure.print()
    elif view.finished:
        err(f"{view.label}: {view.status}")
    return failure


def finish_pp(ctx: Context, view: PpOperationView, failure: Failure | None) -> int:
    failure = settle_pp(view, failure)
    code = failure.code if failure else exit_codes.OK
    if ctx.json:
        emit_json(view.to_json(code, failure))
    elif (
        view.status is not None
        or view.operation_id is not None
        or (view.validate_only and failure is None)
    ):
        print_pp_human(view)
    return code


def print_pp_human(view: PpOperationView, *, profile: str | None = None) -> None:
    where = view.environment.name
    if view.source is not None:
        where = f"{view.source.name} → {view.environment.name}"
    fields: list[tuple[str, str | None]] = [("profile", profile)] if profile else []
    fields.append((view.kind or "operation", where))
    if view.options is not None:
        fields.append(("copy type", view.options.copy_type))
    if view.point is not None:
        fields.append(("restore point", view.point.wire))
    if view.validate_only:
        fields.append(("validation", _validation_text(view)))
    else:
        fields += [
            ("operation", view.operation_id),
            ("status", view.status or ("not started" if view.operation_id is None else None)),
            ("stage", view.stage),
            ("started", human(view.started_at)),
            ("completed", human(view.completed_at)),
        ]
    print_fields(fields)


def _validation_text(view: PpOperationView) -> str:
    validation = view.validation
    if validation is None:
        return "not done"
    return "passed" if validation.passed else "failed: " + "; ".join(validation.problems)


def human(moment: datetime | None) -> str | None:
    return f"{moment:%Y-%m-%d %H:%M:%S} UTC" if moment else None


def resume_pp_command(view: PpOperationView) -> str:
    return command_line(
        "lcs-tui", "status", view.operation_id or "", "--env", view.environment.name, "--wait"
    )


# -- waiting ----------------------------------------------------------------------------------


async def watch_pp(
    ctx: Context, view: PpOperationView, key: str, *, poll_first: bool
) -> Failure | None:
    """--wait: follow the tracked operation `key` until it ends (or --timeout)."""
    from lcs_tui.commands.waiting import Watch, Watched
    from lcs_tui.ppac.models import PpStatus

    service = ctx.ppac
    view.waited = True
    given = ctx.args.interval
    if given is not None and given < ctx.interval:
        err(f"note: polling every {ctx.interval:g} s, the shortest interval used against {SERVICE}")

    async def poll() -> tuple[str, datetime | None]:
        current = service.operations.get(key)
        if current is None:
            raise CommandFailure(Failure(exit_codes.REJECTED, f"{view.label}: no longer tracked"))
        await service.poll(current)
        latest = service.operations[key]
        before = view.stage
        view.take(latest)
        if view.stage is not None and view.stage != before:
            status = next(
                (str(s.get("status")) for s in view.stages if s.get("name") == view.stage), ""
            )
            at = ctx.now()
            view.stage_changes.append(StageSeen(at, view.stage, status))
            err(f"{at:%Y-%m-%d %H:%M:%S}Z  {view.label}: stage {view.stage} {status}".rstrip())
        if latest.status == "NotFound":
            raise CommandFailure(
                Failure(
                    exit_codes.REJECTED,
                    f"not found: {latest.message or 'no such operation'}",
                    "check the operation id and --env (the copy's or restore's target)",
                )
            )
        return latest.status, latest.finished_at

    timeout = ctx.args.timeout if ctx.args.timeout is not None else DEFAULT_PP_TIMEOUT
    op = service.operations[key]
    watch = Watch(
        label=view.label,
        poll=poll,
        now=ctx.now,
        runtime=ctx.runtime,
        interval=ctx.interval,
        timeout=timeout,
        resume_hint=resume_pp_command(view),
        service=SERVICE,
        asked_wait=lambda: service.next_poll_in(op, 0.0),
    )
    watched = Watched(view.status, vocabulary=PpStatus)
    try:
        await watch.run(watched, poll_first=poll_first)
    except CommandFailure as exc:
        failure: Failure | None = exc.failure
    except Exception as exc:
        found = ctx.failure(exc)
        if found is None:
            raise
        failure = found.with_hint(
            f"the operation continues in {SERVICE}; check later: {resume_pp_command(view)}"
        )
    else:
        failure = watched.failure
    view.status, view.changes = watched.status or view.status, watched.changes
    view.completed_at = watched.completed_at or view.completed_at
    return failure
