"""What `refresh`, `export` and `status` know about their operation, and how it is printed.

One `OperationView` per run becomes the JSON document (docs/scripting.md,
`lcs-tui/refresh|export|status/v1`) or the `key  value` lines on stdout;
failures go to stderr. Everything is printed through output.py. `--wait`
(watch_operation) is shared by the three.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from lcs_tui.commands import exit_codes
from lcs_tui.commands.failures import CommandFailure, Failure
from lcs_tui.commands.output import command_line, emit_json, err, iso, print_fields, schema_id
from lcs_tui.commands.runtime import Context, environment_json

if TYPE_CHECKING:
    from lcs_tui.api import Environment, LcsRejected
    from lcs_tui.commands.waiting import Poll, StatusSeen


@dataclass
class OperationView:
    """What a command knows about its operation; becomes the JSON document."""

    command: str
    kind: str | None
    #: The profile it was read with ("demo" for --demo).
    profile: str
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
            "profile": self.profile,
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


def settle(view: OperationView, failure: Failure | None) -> Failure | None:
    """The run's failure: the one given, or the operation's own when it ended badly.

    Says it on stderr, with an operation that ended well.
    """
    if failure is None and view.finished and view.outcome(None) != "succeeded":
        failure = Failure(
            exit_codes.OPERATION_FAILED,
            f"{view.label} ended with {view.status}",
            "see the environment's history in the LCS portal for the reason",
            view.activity_id,
        )
    if failure is not None:
        failure.print()
    elif view.finished:
        err(f"{view.label}: {view.status}")
    return failure


def finish(ctx: Context, view: OperationView, failure: Failure | None) -> int:
    """Print the result (stdout) and any failure (stderr); return the exit code."""
    failure = settle(view, failure)
    code = failure.code if failure else exit_codes.OK
    if ctx.json:
        emit_json(view.to_json(code, failure))
    elif confirmed(view):
        print_human(view)
    return code


def confirmed(view: OperationView) -> bool:
    """Whether LCS confirmed something to print on stdout.

    A refusal, or an activity id LCS does not know, is all on stderr.
    """
    return view.status is not None or (view.command != "status" and view.activity_id is not None)


def print_human(view: OperationView, *, profile: str | None = None) -> None:
    where = view.environment.name
    if view.kind == "refresh" and view.source is not None:
        where = f"{view.source.name} → {view.environment.name}"
    fields: list[tuple[str, str | None]] = [("profile", profile)] if profile else []
    fields += [
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
    demo = (
        "; --demo starts a new simulated project at every run, so an id from an "
        "earlier --demo run is unknown to this one"
        if view.profile == "demo"
        else ""
    )
    return Failure(
        exit_codes.REJECTED,
        f"not found: LCS knows no operation with activity id {view.activity_id} on {env}"
        + (f" ({said})" if said else ""),
        f"check the id, and that --env names the refresh's target or the export's "
        f"environment; {command_line('lcs-tui', 'history', env)} lists its operations{demo}",
        exc.activity_id if exc is not None else None,
    )


def resume_command(view: OperationView) -> str:
    """The command that picks the wait up again (the id and name came from LCS:
    inert and quoted for a shell)."""
    return command_line(
        "lcs-tui", "status", view.activity_id or "", "--env", view.environment.name, "--wait"
    )


async def watch_operation(
    ctx: Context, view: OperationView, poll: Poll, *, poll_first: bool
) -> Failure | None:
    """--wait: follow the operation until a final status; fills `view`, returns the failure."""
    from lcs_tui.commands.waiting import Watch, Watched

    view.waited = True
    given = ctx.args.interval
    if given is not None and given < ctx.interval:
        err(f"note: polling every {ctx.interval:g} s, the shortest interval used against LCS")
    watch = Watch(
        label=view.label,
        poll=poll,
        now=ctx.now,
        runtime=ctx.runtime,
        interval=ctx.interval,
        timeout=ctx.args.timeout,
        resume_hint=resume_command(view),
    )
    watched = Watched(view.status)
    try:
        await watch.run(watched, poll_first=poll_first)
    except CommandFailure as exc:
        failure: Failure | None = exc.failure  # already says what to do (e.g. not found)
    except Exception as exc:
        found = ctx.failure(exc)
        if found is None:
            raise
        failure = found.with_hint(
            f"the operation continues in LCS; check later: {resume_command(view)}"
        )
    else:
        failure = watched.failure
    view.status, view.changes = watched.status, watched.changes
    view.completed_at = watched.completed_at
    from lcs_tui.commands.notify_option import notify_after_wait

    await notify_after_wait(ctx, view, failure)
    return failure
