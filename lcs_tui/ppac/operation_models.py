"""Typed models of backups and operations (PPAC-API.md §4, §5, §10.3).

Operations come in two spellings — the Power Platform API's
`OperationExecutionResult` (`status`, `stageStatuses`) and BAP's
`LifecycleDto` (`state.id`, `stages`), and Microsoft's sample reads a plain
`state` — and one reader takes all three; status words the documentation
does not list are kept as they came.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from lcs_tui.api.parsing import Fields, ShapeError
from lcs_tui.ppac.fields import iso, last_segment, object_at
from lcs_tui.ppac.models import PpStatus

# -- backups ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PpBackup:
    """A backup (`EnvironmentBackup`, P4/P5): a label and a point in time, kept in the cloud."""

    id: str
    label: str | None
    #: The point it restores to (naive UTC), and the text as the service sent it
    #: (a restore passes that on unchanged: no fraction of a second is lost).
    point: datetime | None
    point_text: str | None
    expires: datetime | None
    created_by: str | None
    created_by_type: str | None

    @property
    def is_manual(self) -> bool:
        """Made on request (they carry a label); system backups have none (inference)."""
        return bool(self.label)

    @property
    def shown_name(self) -> str:
        if self.label:
            return self.label
        if self.point is not None:
            return f"system backup {self.point:%Y-%m-%d %H:%M}"
        return self.id

    @classmethod
    def parse(cls, f: Fields) -> PpBackup:
        by = object_at(f, "createdBy")
        return cls(
            id=f.req_str("id"),
            label=f.opt_str("label") or None,
            point=f.opt_datetime("backupPointDateTime"),
            point_text=f.opt_str("backupPointDateTime"),
            expires=f.opt_datetime("backupExpiryDateTime"),
            created_by=by.opt_str("displayName") if by else None,
            created_by_type=by.opt_str("type") if by else None,
        )


# -- operations ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Stage:
    """One stage of an operation (Validate, Prepare, Run, Finalize)."""

    name: str
    status: str
    started: datetime | None = None
    ended: datetime | None = None
    error: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "status": self.status,
            "started": self.started.isoformat() if self.started else None,
            "ended": self.ended.isoformat() if self.ended else None,
            "error": self.error,
        }

    @classmethod
    def from_json(cls, data: Any) -> Stage | None:
        if not isinstance(data, dict) or not isinstance(data.get("name"), str):
            return None
        status = data.get("status")
        error = data.get("error")
        return cls(
            name=data["name"],
            status=status if isinstance(status, str) else "Unknown",
            started=iso(data.get("started")),
            ended=iso(data.get("ended")),
            error=error if isinstance(error, str) else None,
        )


@dataclass(frozen=True, slots=True)
class PpOperation:
    """One operation as the service describes it: a poll answer or a history line.

    Reads the Power Platform API's `OperationExecutionResult` (`status`,
    `stageStatuses`) and BAP's `LifecycleDto` (`state.id`, `stages`), and
    Microsoft's sample's plain `state` (§5.2).
    """

    operation_id: str | None
    name: str | None
    status: PpStatus
    started: datetime | None = None
    ended: datetime | None = None
    requested_by: str | None = None
    stages: tuple[Stage, ...] = ()
    error: str | None = None
    environment_id: str | None = None
    #: Which spelling carried the status ("status", "state", "state.id").
    status_field: str | None = None

    @property
    def current_stage(self) -> Stage | None:
        """The stage running now (or the last one that ran)."""
        running = [s for s in self.stages if s.status == "InProgress"]
        if running:
            return running[0]
        done = [s for s in self.stages if s.status not in ("NotStarted", "Postponed")]
        return done[-1] if done else None

    @classmethod
    def parse(cls, f: Fields) -> PpOperation:
        word, where = _status_word(f)
        type_field = f.raw("type")
        type_name = None
        if isinstance(type_field, dict):
            type_name = Fields(type_field, "type").opt_str("id")
        elif isinstance(type_field, str):
            type_name = type_field
        by = object_at(f, "requestedBy")
        updated = object_at(f, "updatedEnvironment")
        return cls(
            operation_id=f.opt_str("operationId") or _lifecycle_id(f),
            name=f.opt_str("name") or f.opt_str("typeDisplayName") or type_name,
            status=PpStatus(word),
            started=f.opt_datetime("startTime") or f.opt_datetime("createdDateTime"),
            ended=f.opt_datetime("endTime")
            or (f.opt_datetime("lastActionDateTime") if PpStatus(word).finished else None),
            requested_by=by.opt_str("displayName") if by else None,
            stages=_stages(f),
            error=error_text(f.raw("errorDetail")) or error_text(f.raw("error")),
            environment_id=(updated.opt_str("environmentId") if updated else None)
            or _environment_of_links(f),
            status_field=where,
        )


@dataclass(frozen=True, slots=True)
class Listing:
    """One list read over all its pages, and what was left out."""

    items: Sequence[Any]
    #: Items dropped because they lacked their identity (no id).
    skipped: int = 0
    #: The service said more follow but the client stopped (page limit).
    cut_short: bool = False
    #: Where the list came from: "ppapi" or "bap".
    source: str = "ppapi"
    notes: tuple[str, ...] = field(default_factory=tuple)


@dataclass(frozen=True, slots=True)
class HistoryPage:
    """One page of an environment's operation history, and the token of the next."""

    operations: Sequence[PpOperation]
    continuation: str | None
    skipped: int = 0
    source: str = "ppapi"


def _status_word(f: Fields) -> tuple[str, str | None]:
    status = f.raw("status")
    if isinstance(status, str) and status:
        return status, "status"
    state = f.raw("state")
    if isinstance(state, str) and state:
        return state, "state"
    if isinstance(state, dict):
        inner = state.get("id")
        if isinstance(inner, str) and inner:
            return inner, "state.id"
    return "Unknown", None


def _stages(f: Fields) -> tuple[Stage, ...]:
    raw = f.raw("stageStatuses")
    if raw is None:
        raw = f.raw("stages")
    if not isinstance(raw, list):
        return ()
    stages: list[Stage] = []
    for item in raw[:32]:  # four are documented; a thousand would only clutter
        if not isinstance(item, dict):
            continue
        try:
            s = Fields(item, "stage")
            name = s.opt_str("name") or s.opt_str("id")
            if not name:
                continue
            word, _ = _status_word(s)
            stages.append(
                Stage(
                    name=name,
                    status=word,
                    started=s.opt_datetime("startTime") or s.opt_datetime("firstActionDateTime"),
                    ended=s.opt_datetime("endTime") or s.opt_datetime("lastActionDateTime"),
                    error=error_text(s.raw("errorDetail")),
                )
            )
        except ShapeError:
            continue
    return tuple(stages)


def error_text(raw: Any) -> str | None:
    """An `errorDetail` / `error` object as one line: code, message, field errors."""
    if isinstance(raw, str):
        return raw[:500] or None
    if not isinstance(raw, dict):
        return None
    parts: list[str] = []
    code, message = raw.get("code"), raw.get("message")
    if isinstance(code, str) and code:
        parts.append(code)
    if isinstance(message, str) and message:
        parts.append(message)
    fields = raw.get("fieldErrors")
    if isinstance(fields, dict):
        for name, detail in list(fields.items())[:10]:
            messages = detail.get("errorMessages") if isinstance(detail, dict) else None
            if isinstance(messages, list):
                said = "; ".join(m for m in messages[:5] if isinstance(m, str))
                parts.append(f"{name}: {said}" if said else str(name))
    text = " — ".join(parts)
    return text[:1000] or None


def _lifecycle_id(f: Fields) -> str | None:
    """BAP's `LifecycleDto.id` (a GUID, or the path of the operation)."""
    raw = f.raw("id")
    if isinstance(raw, str) and raw:
        return last_segment(raw)
    return None


def _environment_of_links(f: Fields) -> str | None:
    links = f.raw("links")
    if not isinstance(links, dict):
        return None
    env = links.get("environment")
    path = env.get("path") if isinstance(env, dict) else None
    return last_segment(path) if isinstance(path, str) and path else None
