"""The LCS side of the simulated world: projects, environments, backups, operations.

Mutable records owned by the `World`; what leaves the simulator towards
tests is either one of these (documented as read-only) or a frozen snapshot
(`OperationInfo`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal

from lcs_tui.simulator.lifecycle import (
    TERMINAL_STATUSES,
    Interlude,
    OperationKind,
    Plan,
    status_at,
)

PRODUCTION = "Production"
SANDBOX = "Sandbox"
CUSTOMER_MANAGED = "CustomerManaged"
MICROSOFT_MANAGED = "MicrosoftManaged"

#: History `Type` of each database operation, and its display text.
HISTORY_TYPE: dict[OperationKind, tuple[str, str]] = {
    "refresh": ("SFSourceDbToSandbox", "Sandbox database refresh"),
    "export": ("SFExportSandboxDb", "Export sandbox database"),
}

Origin = Literal["api", "portal"]


@dataclass
class Project:
    """A simulated LCS project."""

    project_id: int
    name: str
    organization_id: str
    #: Lower-cased usernames of the project's owners / environment admins.
    members: set[str] = field(default_factory=set)


@dataclass
class PowerAction:
    """A start or stop of a customer-managed environment."""

    activity_id: str
    action: Literal["start", "stop"]
    started_at: datetime
    length: timedelta

    @property
    def ends_at(self) -> datetime:
        return self.started_at + self.length


@dataclass
class Environment:
    """One environment of a project, with the fields the detail API shows."""

    environment_id: str
    name: str
    project_id: int
    environment_type: str = SANDBOX
    infrastructure: str = MICROSOFT_MANAGED
    group: str | None = "Primary"
    product: str | None = "Finance and Operations"
    endpoint_base_url: str | None = None
    topology: str | None = "Finance and Operations - Standard Acceptance Test"
    application_build_version: str | None = "10.0.2177.52"
    application_release_name: str | None = "10.0.45"
    platform_release_name: str | None = "Update69"
    platform_version: str | None = "7.0.7606.107"
    deployed_on: datetime | None = None
    cloud_storage_location: str | None = "West Europe"
    disaster_recovery_location: str | None = "North Europe"
    #: Whether the environment was stopped before any simulated start/stop.
    initially_stopped: bool = False
    power_actions: list[PowerAction] = field(default_factory=list)

    def power_state(self, now: datetime) -> tuple[str, str]:
        """(DeploymentState, DeploymentStatusDisplay) at `now`."""
        latest = None
        for action in self.power_actions:
            if action.started_at <= now:
                latest = action
        if latest is None:
            return ("Stopped", "Stopped") if self.initially_stopped else ("Finished", "Deployed")
        if now < latest.ends_at:
            word = "Starting" if latest.action == "start" else "Stopping"
            return word, word
        return ("Finished", "Deployed") if latest.action == "start" else ("Stopped", "Stopped")

    @property
    def customer_managed(self) -> bool:
        return self.infrastructure == CUSTOMER_MANAGED


@dataclass
class Backup:
    """A database backup (bacpac) in the project's asset library."""

    backup_id: str
    project_id: int
    name: str
    file_name: str
    size: int
    created: datetime
    modified: datetime
    created_by: str
    modified_by: str
    description: str | None = None
    #: True/False forces the Content-MD5 header on or off; None: by size.
    content_md5: bool | None = None
    #: Scheme and host of its `FileLocation` instead of the blob host (an odd
    #: link: "http://…", "ftp://…", another host), for the client's checks.
    link_origin: str | None = None


@dataclass
class Operation:
    """A refresh or export, started through the API or (seeded) in the portal."""

    sequence: int
    activity_id: str
    kind: OperationKind
    project_id: int
    source_environment_id: str
    #: The refresh's target; None for an export.
    target_environment_id: str | None
    backup_name: str | None
    started_at: datetime
    plan: Plan
    created_by: str
    origin: Origin
    interludes: list[Interlude] = field(default_factory=list)
    backup_id: str | None = None  # set once a finished export's backup exists

    @property
    def environment_id(self) -> str:
        """The environment the operation is charged to, polled with and listed under:
        a refresh's target, an export's source."""
        if self.kind == "refresh":
            assert self.target_environment_id is not None
            return self.target_environment_id
        return self.source_environment_id

    def status(self, now: datetime) -> tuple[str, datetime | None]:
        return status_at(self.plan, self.started_at, self.interludes, now)

    def finished(self, now: datetime) -> bool:
        return self.status(now)[0] in TERMINAL_STATUSES


@dataclass(frozen=True)
class OperationInfo:
    """A snapshot of one operation, for tests and the demo (`Simulator.operations()`)."""

    activity_id: str
    kind: OperationKind
    project_id: int
    source_environment_id: str
    target_environment_id: str | None
    backup_name: str | None
    started_at: datetime
    status: str
    completed_at: datetime | None
    origin: Origin

    @property
    def environment_id(self) -> str:
        """The environment to poll it with: a refresh's target, an export's source."""
        if self.kind == "refresh":
            assert self.target_environment_id is not None
            return self.target_environment_id
        return self.source_environment_id

    @staticmethod
    def of(operation: Operation, now: datetime) -> OperationInfo:
        status, completed = operation.status(now)
        return OperationInfo(
            activity_id=operation.activity_id,
            kind=operation.kind,
            project_id=operation.project_id,
            source_environment_id=operation.source_environment_id,
            target_environment_id=operation.target_environment_id,
            backup_name=operation.backup_name,
            started_at=operation.started_at,
            status=status,
            completed_at=completed,
            origin=operation.origin,
        )


@dataclass
class HistoryEntry:
    """A fixed history line that is not a database operation (servicing, deployment)."""

    name: str
    type: str
    type_display: str
    started_at: datetime
    ended_at: datetime | None
    status: str
    activity_id: str
    environment_id: str
    project_id: int
