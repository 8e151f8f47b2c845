"""Typed, immutable models of what LCS returns.

Ids are kept exactly as the service sent them (with or without dashes);
status words the documentation does not list are kept and marked unknown.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from typing import Generic, TypeVar

from lcs_tui.api.parsing import Fields, parse_display_datetime

T = TypeVar("T")

#: `VersionEOL` when the API version is not being retired.
NO_END_OF_LIFE_YEAR = 9999

_SUCCESS = frozenset({"Completed", "SignedOff"})
_FAILURE = frozenset({"Failed", "Aborted", "RollbackFailed", "RollbackCompleted"})
_RUNNING = frozenset({"NotStarted", "InProgress", "RollbackInProgress"})
KNOWN_STATUS_WORDS = _SUCCESS | _FAILURE | _RUNNING


class Outcome(Enum):
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    UNKNOWN = "unknown"  # an undocumented word: shown as is, watched further


@dataclass(frozen=True, slots=True)
class OperationStatus:
    """An `OperationStatus` word; unknown words are preserved, never an error."""

    word: str

    @property
    def known(self) -> bool:
        return self.word in KNOWN_STATUS_WORDS

    @property
    def outcome(self) -> Outcome:
        if self.word in _SUCCESS:
            return Outcome.SUCCEEDED
        if self.word in _FAILURE:
            return Outcome.FAILED
        if self.word in _RUNNING:
            return Outcome.RUNNING
        return Outcome.UNKNOWN

    @property
    def finished(self) -> bool:
        """True when the operation will not change any more."""
        return self.outcome in (Outcome.SUCCEEDED, Outcome.FAILED)

    def __str__(self) -> str:
        return self.word


@dataclass(frozen=True, slots=True)
class Envelope:
    """The fields every LCS answer carries."""

    is_success: bool
    activity_id: str | None
    error_message: str | None
    version_eol: datetime | None

    @property
    def retirement_date(self) -> datetime | None:
        """The date the API version is retired, when LCS announced one."""
        if self.version_eol is None or self.version_eol.year >= NO_END_OF_LIFE_YEAR:
            return None
        return self.version_eol

    @classmethod
    def parse(cls, f: Fields) -> Envelope:
        return cls(
            is_success=bool(f.opt_bool("IsSuccess")),
            activity_id=f.opt_str("OperationActivityId"),
            error_message=f.opt_str("ErrorMessage"),
            version_eol=f.opt_datetime("VersionEOL"),
        )


@dataclass(frozen=True, slots=True)
class DatabaseBackup:
    """One database backup (a .bacpac) in the project's asset library."""

    id: str
    name: str
    project_id: int | None = None
    organization_id: str | None = None
    file_name: str | None = None
    description: str | None = None
    #: Read-only SAS download URL; a credential: never log it whole.
    file_location: str | None = field(default=None, repr=False)
    created: datetime | None = None
    modified: datetime | None = None
    created_by: str | None = None
    modified_by: str | None = None

    @classmethod
    def parse(cls, f: Fields) -> DatabaseBackup:
        return cls(
            id=f.req_str("Id"),
            name=f.opt_str("Name") or f.opt_str("FileName") or f.req_str("Id"),
            project_id=f.opt_int("ProjectId"),
            organization_id=f.opt_str("OrganizationId"),
            file_name=f.opt_str("FileName"),
            description=f.opt_str("FileDescription"),
            file_location=f.opt_str("FileLocation"),
            created=f.opt_datetime("CreatedDateTime"),
            modified=f.opt_datetime("ModifiedDateTime"),
            created_by=f.opt_str("CreatedByName"),
            modified_by=f.opt_str("ModifiedByName"),
        )


@dataclass(frozen=True, slots=True)
class Environment:
    """One environment of the project, as the environment-details API describes it."""

    id: str
    name: str
    project_id: int | None = None
    infrastructure: str | None = None  # MicrosoftManaged, SelfService, CustomerManaged
    type: str | None = None  # Production, Sandbox, DevTestDev, ...
    group: str | None = None
    product: str | None = None
    endpoint_url: str | None = None
    deployment_state: str | None = None  # Finished, Stopped, ...
    deployment_status: str | None = None  # DeploymentStatusDisplay: Deployed, Failed, ...
    topology: str | None = None
    app_build_version: str | None = None
    app_release: str | None = None
    platform_release: str | None = None
    platform_version: str | None = None
    deployed_on_text: str | None = None
    deployed_on: datetime | None = None
    region: str | None = None  # CloudStorageLocation
    dr_region: str | None = None
    can_start: bool = False
    can_stop: bool = False

    @property
    def is_production(self) -> bool:
        return (self.type or "").lower() == "production"

    @property
    def is_sandbox(self) -> bool:
        return (self.type or "").lower() == "sandbox"

    @property
    def is_customer_managed(self) -> bool:
        return (self.infrastructure or "").lower() == "customermanaged"

    @classmethod
    def parse(cls, f: Fields) -> Environment:
        deployed = f.opt_str("DeployedOnUTC")
        return cls(
            id=f.req_str("EnvironmentId"),
            name=f.opt_str("EnvironmentName") or f.req_str("EnvironmentId"),
            project_id=f.opt_int("ProjectId"),
            infrastructure=f.opt_str("EnvironmentInfrastructure"),
            type=f.opt_str("EnvironmentType"),
            group=f.opt_str("EnvironmentGroup"),
            product=f.opt_str("EnvironmentProduct"),
            endpoint_url=f.opt_str("EnvironmentEndpointBaseUrl"),
            deployment_state=f.opt_str("DeploymentState"),
            deployment_status=f.opt_str("DeploymentStatusDisplay"),
            topology=f.opt_str("TopologyDisplayName"),
            app_build_version=f.opt_str("CurrentApplicationBuildVersion"),
            app_release=f.opt_str("CurrentApplicationReleaseName"),
            platform_release=f.opt_str("CurrentPlatformReleaseName"),
            platform_version=f.opt_str("CurrentPlatformVersion"),
            deployed_on_text=deployed,
            deployed_on=parse_display_datetime(deployed),
            region=f.opt_str("CloudStorageLocation"),
            dr_region=f.opt_str("DisasterRecoveryLocation"),
            can_start=bool(f.opt_bool("CanStart")),
            can_stop=bool(f.opt_bool("CanStop")),
        )


#: History `Type` values of the two database operations.
HISTORY_TYPE_REFRESH = "SFSourceDbToSandbox"
HISTORY_TYPE_EXPORT = "SFExportSandboxDb"


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    """One line of an environment's operation history (newest first in practice)."""

    name: str | None
    type: str | None
    type_display: str | None
    started: datetime | None
    ended: datetime | None
    status: OperationStatus
    activity_id: str | None
    environment_id: str | None
    project_id: int | None

    @property
    def is_database_operation(self) -> bool:
        return self.type in (HISTORY_TYPE_REFRESH, HISTORY_TYPE_EXPORT)

    @classmethod
    def parse(cls, f: Fields) -> HistoryEntry:
        return cls(
            name=f.opt_str("Name"),
            type=f.opt_str("Type"),
            type_display=f.opt_str("TypeDisplay"),
            started=f.opt_datetime("StartDateTimeUTC"),
            ended=f.opt_datetime("EndDateTimeUTC"),
            status=OperationStatus(f.opt_str("Status") or "Unknown"),
            activity_id=f.opt_str("ActivityId"),
            environment_id=f.opt_str("EnvironmentId"),
            project_id=f.opt_int("ProjectId"),
        )


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of a paged list, and whether another follows."""

    items: Sequence[T]
    page: int
    has_more: bool
    #: Items dropped because they lacked their identity (e.g. no id).
    skipped: int = 0


@dataclass(frozen=True, slots=True)
class BackupList:
    """The project's database backups, and how many malformed ones were skipped."""

    backups: Sequence[DatabaseBackup]
    activity_id: str | None
    skipped: int = 0


@dataclass(frozen=True, slots=True)
class OperationStarted:
    """A refresh or export LCS accepted. `activity_id` identifies the operation."""

    kind: str  # "refresh" | "export"
    activity_id: str
    project_id: int
    #: The environment to poll the status with: the target of a refresh,
    #: the source of an export (LCS-API.md section 2).
    poll_environment_id: str


@dataclass(frozen=True, slots=True)
class OperationReport:
    """One answer of the fetch-status endpoint."""

    activity_id: str
    environment_id: str | None
    project_id: int | None
    status: OperationStatus
    completion_date: datetime | None
    request_activity_id: str | None

    @classmethod
    def parse(cls, f: Fields, *, asked_activity_id: str, envelope: Envelope) -> OperationReport:
        return cls(
            activity_id=f.opt_str("ActivityId") or asked_activity_id,
            environment_id=f.opt_str("EnvironmentId"),
            project_id=f.opt_int("ProjectId"),
            status=OperationStatus(f.opt_str("OperationStatus") or "Unknown"),
            completion_date=f.opt_datetime("CompletionDate"),
            request_activity_id=envelope.activity_id,
        )


@dataclass(frozen=True, slots=True)
class ActionAccepted:
    """Start/stop of an environment accepted by LCS."""

    activity_id: str | None
