"""Operations this app started or watches, as the journal stores them.

One journal, two backends: an LCS refresh or export, or a Power Platform
copy or restore (`backend = "powerplatform"`). A Power Platform operation
keeps its operation id as `activity_id`, its target as
`poll_environment_id`, `project_id` 0, and in `extra` what following it
needs (`poll_url`, the copy options or restore point, the stages last seen).
"""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from lcs_tui.api import OperationStatus, Outcome

if TYPE_CHECKING:
    from lcs_tui.ppac.models import PpStatus

#: Local states before or instead of an LCS status word.
STARTING = "Starting"  # written before the POST; no activity id yet
OUTCOME_UNKNOWN = "OutcomeUnknown"  # the POST may or may not have started it
NOT_STARTED_LOCALLY = "NotSent"  # the POST failed before reaching LCS, or LCS refused

NOT_FOUND = "NotFound"  # watched by id, but LCS knows no such operation there

LOCAL_STATES = frozenset({STARTING, OUTCOME_UNKNOWN, NOT_STARTED_LOCALLY, NOT_FOUND})

#: `backend` of a Power Platform operation (copy, restore).
POWERPLATFORM = "powerplatform"
#: `extra` keys of a Power Platform operation.
EXTRA_POLL_URL = "poll_url"
EXTRA_STAGES = "stages"
EXTRA_OPTIONS = "options"
EXTRA_RESTORE_POINT = "restore_point"


def activity_key(activity_id: str) -> str:
    """An activity id for comparing: LCS writes GUIDs with and without dashes,
    in either case, sometimes in braces; the same operation is the same key."""
    return activity_id.strip().strip("{}").replace("-", "").lower()


@dataclass(frozen=True, slots=True)
class TrackedOperation:
    """A refresh or export: what the user asked for and what LCS last said."""

    key: str
    kind: str  # "refresh" | "export"
    project_id: int
    #: The environment whose id the status is polled with (target of a
    #: refresh, source of an export).
    poll_environment_id: str
    environment_name: str
    source_name: str | None = None
    source_environment_id: str | None = None
    backup_name: str | None = None
    activity_id: str | None = None
    status: str = STARTING
    requested_at: datetime | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    message: str | None = None
    #: Found in the environment history rather than started here.
    discovered: bool = False
    profile: str = "default"
    extra: dict[str, Any] = field(default_factory=dict)
    #: "lcs" (refresh, export) or "powerplatform" (copy, restore).
    backend: str = "lcs"

    @classmethod
    def new(cls, key: str | None = None, **values: Any) -> TrackedOperation:
        """A new operation; `key` when the caller chose it beforehand (a job
        step records the key it will use before asking the service)."""
        return cls(key=key or uuid.uuid4().hex, **values)

    @property
    def lcs_status(self) -> OperationStatus | PpStatus:
        """The status word read with its backend's vocabulary (one interface for both)."""
        if self.backend == POWERPLATFORM:
            # Imported here: an LCS workspace (and its start-up) never needs it.
            from lcs_tui.ppac.models import PpStatus

            return PpStatus(self.status)
        return OperationStatus(self.status)

    @property
    def poll_url(self) -> str | None:
        """A Power Platform operation's status URL (`Operation-Location`), if it has one."""
        value = self.extra.get(EXTRA_POLL_URL)
        return value if isinstance(value, str) and value else None

    @property
    def finished(self) -> bool:
        if self.status in (NOT_STARTED_LOCALLY, NOT_FOUND):
            return True
        return self.status not in LOCAL_STATES and self.lcs_status.finished

    @property
    def needs_watching(self) -> bool:
        """True while polling LCS can still tell something new."""
        return self.activity_id is not None and not self.finished

    @property
    def needs_reconciling(self) -> bool:
        """True while only LCS's environment history can tell whether it started.

        A "Starting" entry (the app stopped during the POST) or an "outcome
        unknown" one (the answer to the POST was lost) has no activity id to
        poll with; it is matched against the history instead — never re-sent.
        """
        return self.activity_id is None and self.status in (STARTING, OUTCOME_UNKNOWN)

    @property
    def outcome(self) -> Outcome:
        if self.status in LOCAL_STATES:
            failed = self.status in (NOT_STARTED_LOCALLY, NOT_FOUND)
            return Outcome.FAILED if failed else Outcome.UNKNOWN
        return self.lcs_status.outcome

    def title(self) -> str:
        if self.kind == "refresh":
            if self.source_name is None:  # unknown for refreshes found in history
                return f"refresh into {self.environment_name}"
            return f"refresh {self.source_name}→{self.environment_name}"
        if self.kind == "export":
            return f"export {self.environment_name}" + (
                f" → {self.backup_name}" if self.backup_name else ""
            )
        if self.kind == "copy":
            if self.source_name is None:  # found in the operation history
                return f"copy into {self.environment_name}"
            return f"copy {self.source_name}→{self.environment_name}"
        if self.kind == "restore":
            point = self.extra.get(EXTRA_RESTORE_POINT)
            at = f" @{_minute(point)}" if isinstance(point, str) and point else ""
            if self.source_name is None:
                return f"restore into {self.environment_name}"
            return f"restore {self.source_name}{at}→{self.environment_name}"
        # Watched by id: LCS's status answer does not say what kind it is.
        return f"operation on {self.environment_name}"

    def with_changes(self, **changes: Any) -> TrackedOperation:
        return replace(self, **changes)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        for key in ("requested_at", "started_at", "finished_at"):
            value = data[key]
            data[key] = value.isoformat() if value else None
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> TrackedOperation:
        known = {f for f in cls.__dataclass_fields__}
        values = {k: v for k, v in data.items() if k in known}
        for key in ("requested_at", "started_at", "finished_at"):
            raw = values.get(key)
            values[key] = datetime.fromisoformat(raw) if raw else None
        if not isinstance(values.get("key"), str) or not isinstance(values.get("kind"), str):
            raise ValueError("operation without key or kind")
        # The fields the service filters and polls with must have their types:
        # a wrongly typed entry would otherwise be silently never watched.
        project_id = values.get("project_id")
        if not isinstance(project_id, int) or isinstance(project_id, bool):
            raise ValueError("operation without a numeric project_id")
        if not isinstance(values.get("poll_environment_id"), str):
            raise ValueError("operation without an environment id")
        if not isinstance(values.get("status", STARTING), str):
            raise ValueError("operation status is not a string")
        if not isinstance(values.get("extra", {}), dict):
            raise ValueError("operation extra is not an object")
        if not isinstance(values.get("backend", "lcs"), str):
            raise ValueError("operation backend is not a string")
        return cls(**values)


def _minute(point: str) -> str:
    """A restore point as a title shows it: "2026-12-02 12:11 UTC", not the wire's
    "2026-12-02T12:11:33.261+00:00" (kept as it is when it does not read)."""
    try:
        moment = datetime.fromisoformat(point.replace("Z", "+00:00"))
    except ValueError:
        return point
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc)
    return f"{moment:%Y-%m-%d %H:%M} UTC"
