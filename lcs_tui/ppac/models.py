"""Typed, immutable models of what the Power Platform API (and BAP) returns.

Names follow the wire (PPAC-API.md §10.3). Readers are tolerant in the way
the LCS models are (lcs_tui/api/parsing.py): keys without regard to case,
dates that cannot be read kept as unknown, status words the documentation
does not list kept as they came and watched further. An item without its
identity (no id) is skipped by the list readers, never the whole list.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from lcs_tui.api.models import Outcome
from lcs_tui.api.parsing import Fields
from lcs_tui.ppac.fields import flag, last_segment, object_at

# -- status words -----------------------------------------------------------------

#: `OperationStatus` (P7) and the words BAP and Microsoft's samples use
#: (`state.id`: Running, Succeeded, Failed; PowerDataOps: Completed).
_SUCCESS = frozenset({"Succeeded", "ValidationPassed", "NoOperation", "Completed"})
_FAILURE = frozenset({"Failed", "ValidationFailed", "Canceled", "Cancelled"})
_RUNNING = frozenset({"Queued", "InProgress", "Running", "NotStarted", "Accepted", "Postponed"})
KNOWN_STATUS_WORDS = _SUCCESS | _FAILURE | _RUNNING
#: `StepExecutionStatus` of a stage (P7).
STAGE_WORDS = frozenset({"Succeeded", "Failed", "Skipped", "Postponed", "InProgress", "NotStarted"})
#: The stages Microsoft's lifecycle operations go through, in order (§5.1).
STAGE_NAMES = ("Validate", "Prepare", "Run", "Finalize")


@dataclass(frozen=True, slots=True)
class PpStatus:
    """A Power Platform operation status word; unknown words are kept, never an error.

    The same interface as the LCS `OperationStatus`, so the journal's entries
    and the views treat both alike.
    """

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
        return self.outcome in (Outcome.SUCCEEDED, Outcome.FAILED)

    def __str__(self) -> str:
        return self.word


# -- environments -----------------------------------------------------------------

#: What kind of F&O environment a Power Platform environment is (§2.2, §2.3).
KIND_UPE = "upe"
KIND_USE = "use"
KIND_UDE = "ude"
#: Unified sandbox whose flavour (UDE or USE) could not be read from Dataverse.
KIND_UNIFIED_SANDBOX = "unified-sandbox"
KIND_UNIFIED_OTHER = "unified"
KIND_LCS_PRODUCTION = "lcs-production"
KIND_LCS_SANDBOX = "lcs-sandbox"
KIND_LCS_DEVBOX = "lcs-devbox"
#: Has F&O, but the metadata does not say how (an undocumented `type`).
KIND_FINOPS = "finops"
#: A plain Dataverse environment: no finance and operations apps.
KIND_DATAVERSE = "dataverse"

KIND_LABELS: dict[str, str] = {
    KIND_UPE: "unified production (UPE)",
    KIND_USE: "unified sandbox (USE)",
    KIND_UDE: "unified developer (UDE)",
    KIND_UNIFIED_SANDBOX: "unified sandbox (USE or UDE)",
    KIND_UNIFIED_OTHER: "unified",
    KIND_LCS_PRODUCTION: "LCS production (linked)",
    KIND_LCS_SANDBOX: "LCS sandbox (linked)",
    KIND_LCS_DEVBOX: "LCS cloud-hosted (linked)",
    KIND_FINOPS: "finance and operations",
    KIND_DATAVERSE: "Dataverse only",
}
UNIFIED_KINDS = frozenset({KIND_UPE, KIND_USE, KIND_UDE, KIND_UNIFIED_SANDBOX, KIND_UNIFIED_OTHER})
LCS_KINDS = frozenset({KIND_LCS_PRODUCTION, KIND_LCS_SANDBOX, KIND_LCS_DEVBOX})
#: Power Platform SKUs that can never be copied from or to (§3.4 D8, docs issue #2141).
UNCOPYABLE_TYPES = frozenset({"default", "trial", "developer", "teams", "subscriptionbasedtrial"})


@dataclass(frozen=True, slots=True)
class FinOpsDetails:
    """What Dataverse's `msprov_getfinopsapplicationdetails` says (UDE vs USE, versions)."""

    deployment_type: str | None  # "OnlineDev" → UDE, "Sandbox" → USE
    application_version: str | None
    platform_version: str | None
    state: str | None

    @classmethod
    def parse(cls, f: Fields) -> FinOpsDetails:
        return cls(
            deployment_type=f.opt_str("applicationdeploymenttype"),
            application_version=f.opt_str("applicationversion"),
            platform_version=f.opt_str("platformversion"),
            state=f.opt_str("finopsenvironmentstate"),
        )


@dataclass(frozen=True, slots=True)
class PpEnvironment:
    """One Power Platform environment (PP API `EnvironmentResponse`, or BAP's)."""

    id: str
    name: str
    #: The SKU: Production, Sandbox, Developer, Trial, Default, Teams, ...
    type: str | None = None
    state: str | None = None
    admin_mode: bool | None = None
    #: `azureRegion` (westeurope); `geo` is the broader one (europe).
    region: str | None = None
    geo: str | None = None
    #: The Dataverse organisation URL.
    url: str | None = None
    #: The Dataverse version (the F&O version comes from `details`).
    version: str | None = None
    domain_name: str | None = None
    #: "Basic" or "Standard"; a managed environment is "Standard" (inference).
    protection_level: str | None = None
    finops_id: str | None = None
    #: `finOpsMetadata.type` / `linkedAppMetadata.type`: "Internal" or "Linked".
    finops_type: str | None = None
    finops_url: str | None = None
    is_default: bool = False
    created: datetime | None = None
    retention_period: str | None = None
    backups_from: datetime | None = None
    details: FinOpsDetails | None = None
    #: Where the entry came from: "ppapi" or "bap".
    source: str = "ppapi"

    # -- what kind of environment -------------------------------------------------

    @property
    def has_finops(self) -> bool:
        return self.finops_type is not None or self.finops_id is not None or bool(self.finops_url)

    @property
    def is_unified(self) -> bool:
        return (self.finops_type or "").lower() == "internal"

    @property
    def is_linked(self) -> bool:
        """An LCS environment linked through Power Platform integration (§2.2, §9)."""
        return (self.finops_type or "").lower() == "linked"

    @property
    def lcs_environment_id(self) -> str | None:
        """For a linked environment, the LCS environment id (`linkedAppMetadata.id`)."""
        return self.finops_id if self.is_linked else None

    @property
    def is_production(self) -> bool:
        return (self.type or "").lower() == "production"

    @property
    def is_sandbox(self) -> bool:
        return (self.type or "").lower() == "sandbox"

    @property
    def managed(self) -> bool | None:
        level = (self.protection_level or "").lower()
        if level == "standard":
            return True
        if level == "basic":
            return False
        return None

    @property
    def kind(self) -> str:
        if not self.has_finops:
            return KIND_DATAVERSE
        if self.is_linked:
            url = (self.finops_url or "").lower()
            if "cloudax" in url or "axcloud" in url:
                return KIND_LCS_DEVBOX
            if "sandbox" in url:
                return KIND_LCS_SANDBOX
            return KIND_LCS_PRODUCTION
        if self.is_unified:
            if self.is_production:
                return KIND_UPE
            if self.is_sandbox:
                details = self.details
                deployment = ((details.deployment_type if details else None) or "").lower()
                if deployment == "onlinedev":
                    return KIND_UDE
                if deployment == "sandbox":
                    return KIND_USE
                return KIND_UNIFIED_SANDBOX
            return KIND_UNIFIED_OTHER
        return KIND_FINOPS

    @property
    def kind_label(self) -> str:
        return KIND_LABELS[self.kind]

    @property
    def uncopyable_type(self) -> bool:
        return (self.type or "").lower() in UNCOPYABLE_TYPES or self.is_default

    def with_details(self, details: FinOpsDetails | None) -> PpEnvironment:
        return replace(self, details=details)

    # -- readers ----------------------------------------------------------------------

    @classmethod
    def parse(cls, f: Fields) -> PpEnvironment:
        """A Power Platform API `EnvironmentResponse` (P10)."""
        finops = object_at(f, "finOpsMetadata")
        retention = object_at(f, "retentionDetails")
        return cls(
            id=f.req_str("id"),
            name=f.opt_str("displayName") or f.req_str("id"),
            type=f.opt_str("type"),
            state=f.opt_str("state"),
            admin_mode=flag(f.raw("adminMode")),
            region=f.opt_str("azureRegion"),
            geo=f.opt_str("geo"),
            url=f.opt_str("url"),
            version=f.opt_str("version"),
            domain_name=f.opt_str("domainName"),
            protection_level=f.opt_str("protectionLevel"),
            finops_id=finops.opt_str("id") if finops else None,
            finops_type=finops.opt_str("type") if finops else None,
            finops_url=finops.opt_str("url") if finops else None,
            is_default=(f.opt_str("type") or "").lower() == "default",
            created=f.opt_datetime("createdDateTime"),
            retention_period=retention.opt_str("retentionPeriod") if retention else None,
            backups_from=retention.opt_datetime("availableFromDateTime") if retention else None,
            source="ppapi",
        )

    @classmethod
    def parse_bap(cls, f: Fields) -> PpEnvironment:
        """A BAP admin environment (`properties.linkedAppMetadata`, ...) (§2.1)."""
        props = object_at(f, "properties") or Fields({}, "properties")
        linked = object_at(props, "linkedAppMetadata")
        dataverse = object_at(props, "linkedEnvironmentMetadata")
        states = object_at(props, "states")
        runtime = object_at(states, "runtime") if states else None
        management = object_at(states, "management") if states else None
        governance = object_at(props, "governanceConfiguration")
        retention = object_at(props, "retentionDetails")
        runtime_state = runtime.opt_str("id") if runtime else None
        return cls(
            id=f.opt_str("name") or last_segment(f.req_str("id")),
            name=props.opt_str("displayName") or f.opt_str("name") or f.req_str("id"),
            type=props.opt_str("environmentSku"),
            state=management.opt_str("id") if management else props.opt_str("provisioningState"),
            admin_mode=None if runtime_state is None else runtime_state.lower() == "adminmode",
            region=props.opt_str("azureRegion"),
            geo=f.opt_str("location"),
            url=dataverse.opt_str("instanceUrl") if dataverse else None,
            version=dataverse.opt_str("version") if dataverse else None,
            domain_name=dataverse.opt_str("domainName") if dataverse else None,
            protection_level=governance.opt_str("protectionLevel") if governance else None,
            finops_id=linked.opt_str("id") if linked else None,
            finops_type=linked.opt_str("type") if linked else None,
            finops_url=linked.opt_str("url") if linked else None,
            is_default=bool(props.opt_bool("isDefault"))
            or (props.opt_str("environmentSku") or "").lower() == "default",
            created=props.opt_datetime("createdTime"),
            retention_period=(retention.opt_str("retentionPeriod") if retention else None)
            or props.opt_str("retentionPeriod"),
            backups_from=retention.opt_datetime("backupsAvailableFromDateTime")
            if retention
            else None,
            source="bap",
        )

    def enriched_by(self, bap: PpEnvironment) -> PpEnvironment:
        """This (Power Platform API) entry with what only BAP said filled in."""
        return replace(
            self,
            type=self.type or bap.type,
            state=self.state or bap.state,
            admin_mode=self.admin_mode if self.admin_mode is not None else bap.admin_mode,
            region=self.region or bap.region,
            geo=self.geo or bap.geo,
            url=self.url or bap.url,
            version=self.version or bap.version,
            protection_level=self.protection_level or bap.protection_level,
            finops_id=self.finops_id or bap.finops_id,
            finops_type=self.finops_type or bap.finops_type,
            finops_url=self.finops_url or bap.finops_url,
            is_default=self.is_default or bap.is_default,
            retention_period=self.retention_period or bap.retention_period,
            backups_from=self.backups_from or bap.backups_from,
        )


@dataclass(frozen=True, slots=True)
class CopyCandidate:
    """An environment the source may be copied into (P2)."""

    environment_id: str
    name: str | None
    url: str | None

    @classmethod
    def parse(cls, f: Fields) -> CopyCandidate:
        return cls(
            environment_id=f.opt_str("environmentId") or f.req_str("id"),
            name=f.opt_str("displayName"),
            url=f.opt_str("dataverseOrganizationUrl"),
        )
