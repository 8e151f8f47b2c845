"""What `refresh`, `export` and `status` know about their operation, and how it is printed.

One `OperationView` per run becomes the JSON document (docs/scripting.md,
`lcs-tui/refresh|export|status/v1`) or the `key  value` lines on stdout;
failures go to stderr. Everything is printed through output.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from lcs_tui.commands import exit_codes
from lcs_tui.commands.failures import Failure
from lcs_tui.commands.output import command_line, emit_json, err, iso, print_fields, schema_id
from lcs_tui.commands.runtime import Context, environment_json

if TYPE_CHECKING:
    from lcs_tui.api import Environment, LcsRejected
    from lcs_tui.commands.waiting import StatusSeen


@dataclass
class OperationView:
    """What a command knows about its operation; becomes the JSON document."""

    command: str
    kind: str | None
    project_id: int
    environment: Environment
    source: Environment | None = None
    backup_name: str | None = None
    activity_id: str | None = None
    status: str | None = None
    started_at: datetime | None = None
    completed_at: datetime | None = None
    waited: bool = False
    changes: list[StatusSeen] = field(default_factory=list)

    @property
    def label(self) -> str:
        if self.kind == "refresh" and self.source is not None:
            return f"refresh {self.source.name}→{self.environment.name}"
        if self.kind == "refresh":  # found in the history: LCS does not name the source
            return f"refresh of {self.environment.name}"
        if self.kind == "export":
            return f"export {self.environment.name}" + (
                f" → {self.backup_name}" if self.backup_name else ""
            )
        return f"operation {self.activity_id} on {self.environment.name}"

    def outcome(self, failure: Failure | None) -> str:
        from lcs_tui.api import OperationStatus

        if self.status is not None:
            return OperationStatus(self.status).outcome.value
        nothing_sent = self.command != "status" and self.activity_id is None
        if nothing_sent and (failure is None or failure.code != exit_codes.OUTCOME_UNKNOWN):
            return "not_started"
        return "unknown"

    @property
    def finished(self) -> bool:
        from lcs_tui.api import OperationStatus

        return self.status is not None and OperationStatus(self.status).finished

    def to_json(self, code: int, failure: Failure | None) -> dict[str, Any]:
        return {
            "schema": schema_id(self.command),
            "exit_code": code,
            "error": failure.to_json() if failure else None,
            "project_id": self.project_id,
            "kind": self.kind,
            "activity_id": self.activity_id,
            "source": environment_json(self.source),
            "environment": environment_json(self.environment),
            "backup_name": self.backup_name,
            "status": self.status,
            "outcome": self.outcome(failure),
            "finished": self.finished,
            "started_at": iso(self.started_at),
            "completed_at": iso(self.completed_at),
            "waited": self.waited,
            "status_changes": [{"at": iso(c.at), "status": c.status} for c in self.changes],
        }


def finish(ctx: Context, view: OperationView, failure: Failure | None) -> int:
    """Print the result (stdout) and any failure (stderr); return the exit code."""
    if failure is None and view.finished and view.outcome(None) != "succeeded":
        failure = Failure(
            exit_codes.OPERATION_FAILED,
            f"{view.label} ended with {view.status}",
            "see the environment's history in the LCS portal for the reason",
            view.activity_id,
        )
    code = failure.code if failure else exit_codes.OK
    if failure is not None:
        failure.print()
    elif view.finished:
        err(f"{view.label}: {view.status}")
    if ctx.json:
        emit_json(view.to_json(code, failure))
    elif view.status is not None or (view.command != "status" and view.activity_id is not None):
        # Only what LCS confirmed goes to stdout; a refusal, or an activity id
        # LCS does not know, is all on stderr.
        print_human(view)
    return code


def print_human(view: OperationView) -> None:
    where = view.environment.name
    if view.kind == "refresh" and view.source is not None:
        where = f"{view.source.name} → {view.environment.name}"
    fields: list[tuple[str, str | None]] = [
        (view.kind or "operation", where),
        ("activity", view.activity_id),
        ("status", view.status or ("not started" if view.activity_id is None else None)),
    ]
    if view.backup_name:
        fields.append(("backup", view.backup_name))
    fields += [("started", human(view.started_at)), ("completed", human(view.completed_at))]
    print_fields(fields)


def human(moment: datetime | None) -> str | None:
    return f"{moment:%Y-%m-%d %H:%M:%S} UTC" if moment else None


def not_found(view: OperationView, said: str | None, exc: LcsRejected | None = None) -> Failure:
    """LCS knows no operation with that id on that environment (exit 5, as LCS refused)."""
    env = view.environment.name
    return Failure(
        exit_codes.REJECTED,
        f"not found: LCS knows no operation with activity id {view.activity_id} on {env}"
        + (f" ({said})" if said else ""),
        f"check the id, and that --env names the refresh's target or the export's "
        f"environment; {command_line('lcs-tui', 'history', env)} lists its operations",
        exc.activity_id if exc is not None else None,
    )
