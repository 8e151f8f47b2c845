"""The tenant's Power Platform records: environments, manual backups, operations.

Mutable records owned by `PowerPlatform` (state.py); what leaves the
simulator towards tests is a record documented as read-only or a frozen
snapshot (`PpOperationInfo`, `PpBackupInfo`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal

from lcs_tui.simulator.faults import PollStyle
from lcs_tui.simulator.powerplatform.stages import OperationState, StagePlan, state_at

PRODUCTION = "Production"
SANDBOX = "Sandbox"
DEVELOPER = "Developer"
TRIAL = "Trial"
DEFAULT = "Default"
ENVIRONMENT_TYPES = (PRODUCTION, SANDBOX, DEVELOPER, TRIAL, DEFAULT)

#: What an environment is for F&O, from its type and `linkedAppMetadata`
#: (the classification of d365bap.tools, PPAC-API.md §2.2 and §2.3).
Kind = Literal["UPE", "USE", "UDE", "LcsProduction", "LcsSandbox", "LcsDevbox", "Dataverse"]
UNIFIED_KINDS = ("UPE", "USE", "UDE")
LCS_KINDS = ("LcsProduction", "LcsSandbox", "LcsDevbox")

OperationName = Literal["Copy", "Restore", "Backup", "Provision"]
Origin = Literal["api", "portal"]


@dataclass
class FinOps:
    """The F&O side of an environment (`linkedAppMetadata` / `finOpsMetadata`)."""

    #: "Internal": unified (hosted in the Power Platform environment);
    #: "Linked": an LCS environment linked through the Power Platform integration.
    link_type: Literal["Internal", "Linked"]
    #: The LCS environment id for a linked one; a GUID of its own for a unified one.
    finops_id: str
    url: str
    #: A UDE: a sandbox with developer tooling (`applicationdeploymenttype` OnlineDev).
    developer_tools: bool = False
    application_version: str = "10.0.2177.52"
    platform_version: str = "7.0.7606.107"


@dataclass(frozen=True)
class Requester:
    """Who started an operation or created a backup (`requestedBy` / `createdBy`)."""

    display_name: str
    #: "User", "ServicePrincipal" or "System".
    type: str
    user_id: str


@dataclass
class PpEnvironment:
    """One Power Platform environment of the tenant."""

    environment_id: str
    display_name: str
    environment_type: str
    created: datetime
    created_by: Requester
    geo: str = "europe"
    azure_region: str = "westeurope"
    #: Dataverse organisation name (the URL's first label); None: no Dataverse
    #: (an LCS environment's initial Power Platform environment, PPAC-API.md §9).
    domain_name: str | None = None
    dataverse_id: str | None = None
    dataverse_version: str | None = "9.2.26103.00185"
    finops: FinOps | None = None
    #: A Managed Environment (`protectionLevel` "Standard") or not ("Basic").
    managed: bool = False
    admin_mode: bool = False
    background_operations: bool = True
    #: Backup retention in days (7 or 28); 0: not backed up (trial).
    retention_days: int = 7
    security_group_id: str | None = None
    #: Database capacity used, in MB (BAP `capacity[]`).
    database_mb: float = 2048.0
    file_mb: float = 512.0
    #: Lower-cased usernames who see it without being admins (the Default
    #: environment is seen by everyone).
    makers: set[str] = field(default_factory=set)

    @property
    def kind(self) -> Kind:
        finops = self.finops
        if finops is None:
            return "Dataverse"
        if finops.link_type == "Linked":
            url = finops.url.lower()
            if "cloudax" in url or "axcloud" in url:
                return "LcsDevbox"
            return "LcsProduction" if self.environment_type == PRODUCTION else "LcsSandbox"
        if self.environment_type == PRODUCTION:
            return "UPE"
        return "UDE" if finops.developer_tools else "USE"

    @property
    def has_dataverse(self) -> bool:
        return self.domain_name is not None


@dataclass
class PpBackup:
    """A manual backup: "just a label and a time stamp" (PPAC-API.md §4.3)."""

    backup_id: str
    environment_id: str
    label: str
    point: datetime
    expires: datetime
    created_by: Requester


@dataclass(frozen=True)
class PpBackupInfo:
    """A backup as listed now: manual ones and the generated daily system ones."""

    backup_id: str
    environment_id: str
    #: None for a system backup.
    label: str | None
    point: datetime
    expires: datetime
    created_by: Requester
    system: bool


@dataclass
class PpOperation:
    """A copy, restore, backup or provisioning: one entry of the operation history."""

    sequence: int
    operation_id: str
    name: OperationName
    #: The environment it changes (the copy or restore target).
    environment_id: str
    started_at: datetime
    plan: StagePlan
    requested_by: Requester
    origin: Origin
    source_environment_id: str | None = None
    copy_type: str | None = None
    transactionless: bool = False
    skip_audit_data: bool = False
    restore_point: datetime | None = None
    new_display_name: str | None = None
    new_security_group_id: str | None = None
    poll_style: PollStyle = "status"
    #: A validate-only run answered 202 (`Faults.validate_only_accepted`): it
    #: can be polled but changes nothing, blocks nothing and is not in history.
    validate_only: bool = False
    #: Its effects on the target (versions, admin mode, name) were applied.
    applied: bool = False

    def state(self, now: datetime) -> OperationState:
        return state_at(self.plan, self.started_at, now)

    def finished(self, now: datetime) -> bool:
        return self.state(now).ended_at is not None


@dataclass(frozen=True)
class PpOperationInfo:
    """A snapshot of one operation (`Simulator.pp_operations()`)."""

    operation_id: str
    name: OperationName
    environment_id: str
    source_environment_id: str | None
    started_at: datetime
    #: The OperationStatus word: Queued, InProgress, Succeeded, Failed, ValidationPassed.
    status: str
    #: (stage name, StepExecutionStatus) in order: Validate, Prepare, Run, Finalize.
    stages: tuple[tuple[str, str], ...]
    ended_at: datetime | None
    origin: Origin
    poll_style: PollStyle
    planned_length: timedelta

    @staticmethod
    def of(op: PpOperation, now: datetime) -> PpOperationInfo:
        state = op.state(now)
        return PpOperationInfo(
            operation_id=op.operation_id,
            name=op.name,
            environment_id=op.environment_id,
            source_environment_id=op.source_environment_id,
            started_at=op.started_at,
            status=state.status,
            stages=tuple((s.name, s.status) for s in state.stages),
            ended_at=state.ended_at,
            origin=op.origin,
            poll_style=op.poll_style,
            planned_length=op.plan.length,
        )


@dataclass(frozen=True)
class Principal:
    """Who a Power Platform call is made by: a user, or a service principal (app-only)."""

    kind: Literal["User", "ServicePrincipal"]
    #: The username (lower-cased) of a user; the client id of a service principal.
    name: str
    display_name: str
    object_id: str
    client_id: str

    @property
    def requester(self) -> Requester:
        return Requester(self.display_name, self.kind, self.object_id)
