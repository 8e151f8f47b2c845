"""Which copies and restores the service allows (PPAC-API.md §3.4, §4.3, §10.5 item 7).

Each broken rule is a `Violation` naming the request field it is about; the
Power Platform API answers them all at once as `fieldErrors` of a 400
`ValidationResponse`, BAP with the first one's code and message.

The direction matrix of unified F&O (§3.4), with the gaps decided here:
LCS sandbox or production → UDE or USE; USE → UDE or USE; UPE → UDE or USE.
Never into production (UPE, an LCS production), never from a UDE (a dead
end, except restoring a UDE into itself), never from an LCS cloud-hosted
environment, never into an LCS-linked environment (Lifecycle Services
refreshes those). Both sides: not Default, Trial or Developer; the same
geo; both managed or both unmanaged; Dataverse on both; F&O on both or on
neither.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from lcs_tui.simulator.powerplatform.records import (
    DEFAULT,
    DEVELOPER,
    LCS_KINDS,
    PRODUCTION,
    SANDBOX,
    TRIAL,
    PpEnvironment,
)

SOURCE = "sourceEnvironmentId"
TARGET = "targetEnvironmentId"
MIN_CAPACITY_GB = 1.0
#: F&O's limit on an environment's name (PPAC-API.md §3.4).
FINOPS_NAME_LIMIT = 20


@dataclass(frozen=True)
class Violation:
    field: str
    code: str
    message: str


def _managed(env: PpEnvironment) -> str:
    return "a managed environment" if env.managed else "not a managed environment"


def _kind_word(env: PpEnvironment) -> str:
    return {
        "UPE": "a unified production environment",
        "USE": "a unified sandbox environment",
        "UDE": "a unified developer environment",
        "LcsProduction": "a Lifecycle Services production environment",
        "LcsSandbox": "a Lifecycle Services sandbox environment",
        "LcsDevbox": "a Lifecycle Services cloud-hosted environment",
        "Dataverse": "an environment without finance and operations apps",
    }[env.kind]


def _common(
    source: PpEnvironment, target: PpEnvironment, verb: Literal["copy", "restore"]
) -> list[Violation]:
    found: list[Violation] = []
    for env, field in ((source, SOURCE), (target, TARGET)):
        if env.environment_type in (DEFAULT, TRIAL, DEVELOPER):
            found.append(
                Violation(
                    field,
                    "UnsupportedEnvironmentType",
                    f"Environment '{env.display_name}' is a {env.environment_type} environment. "
                    f"You can't {verb} from or to a default, trial or developer environment.",
                )
            )
    if found:
        # Nothing else about such an environment is worth saying.
        return found
    if target.environment_type == PRODUCTION:
        if verb == "copy":
            message = (
                f"Environment '{target.display_name}' is a production environment. A copy can't "
                "overwrite a production environment: only sandbox environments can be copy targets."
            )
        else:
            message = (
                f"Environment '{target.display_name}' is a production environment. Only sandbox "
                "environments can be restored to: switch it to a sandbox first, which reduces its "
                "backup retention to 7 days."
            )
        found.append(Violation(TARGET, "TargetIsProduction", message))
    for env, field in ((source, SOURCE), (target, TARGET)):
        if not env.has_dataverse:
            hint = (
                " Enable the Power Platform integration for it in Lifecycle Services first."
                if env.kind in LCS_KINDS
                else ""
            )
            found.append(
                Violation(
                    field,
                    "EnvironmentWithoutDataverse",
                    f"Environment '{env.display_name}' has no Dataverse database.{hint}",
                )
            )
    if source.geo != target.geo:
        found.append(
            Violation(
                SOURCE,
                "RegionMismatch",
                f"Environment '{source.display_name}' is in {source.geo} and "
                f"'{target.display_name}' in {target.geo}. Source and target must be in the "
                "same region.",
            )
        )
    if source.managed != target.managed:
        found.append(
            Violation(
                SOURCE,
                "ManagedStateMismatch",
                f"Environment '{source.display_name}' is {_managed(source)} and "
                f"'{target.display_name}' is {_managed(target)}. Source and target must both be "
                "managed or both unmanaged.",
            )
        )
    found += _direction(source, target, verb)
    return found


def _direction(
    source: PpEnvironment, target: PpEnvironment, verb: Literal["copy", "restore"]
) -> list[Violation]:
    s, t = source.kind, target.kind
    if s == "Dataverse" and t == "Dataverse":
        return []
    if s == "Dataverse":
        return [
            Violation(
                SOURCE,
                "SourceWithoutFinanceAndOperations",
                f"Environment '{source.display_name}' has no finance and operations apps, so it "
                f"can't be copied into finance and operations environment '{target.display_name}'.",
            )
        ]
    if t == "Dataverse":
        return [
            Violation(
                TARGET,
                "TargetWithoutFinanceAndOperations",
                f"Environment '{target.display_name}' has no finance and operations apps, so it "
                f"can't receive finance and operations environment '{source.display_name}'.",
            )
        ]
    found: list[Violation] = []
    if t in LCS_KINDS:
        found.append(
            Violation(
                TARGET,
                "TargetManagedInLifecycleServices",
                f"Environment '{target.display_name}' is {_kind_word(target)}: a {verb} from the "
                "Power Platform would only reach its Dataverse data. Refresh its database in "
                "Lifecycle Services instead.",
            )
        )
    if s == "LcsDevbox":
        found.append(
            Violation(
                SOURCE,
                "SourceIsCloudHosted",
                f"Environment '{source.display_name}' is {_kind_word(source)}, which can't be the "
                f"source of a {verb} to a unified environment.",
            )
        )
    if s == "UDE" and source is not target:
        found.append(
            Violation(
                SOURCE,
                "SourceIsDeveloperEnvironment",
                f"Environment '{source.display_name}' is a unified developer environment, which "
                f"can't be the source of a {verb} to another environment.",
            )
        )
    return found


def copy_violations(
    source: PpEnvironment,
    target: PpEnvironment,
    *,
    copy_type: str = "Full",
    transactionless: bool = False,
    new_name: str | None = None,
) -> list[Violation]:
    """Everything wrong with copying `source` over `target` (empty: allowed)."""
    if source is target:
        return [
            Violation(
                TARGET,
                "SourceEqualsTarget",
                "The source and target environments must be different.",
            )
        ]
    found = _common(source, target, "copy")
    if transactionless and copy_type != "Full":
        found.append(
            Violation(
                "copyOptions.executeAdvancedCopyForFinanceAndOperations",
                "TransactionlessNeedsFullCopy",
                "A transactionless copy (executeAdvancedCopyForFinanceAndOperations) needs "
                "copyType Full.",
            )
        )
    if transactionless and source.finops is None:
        found.append(
            Violation(
                "copyOptions.executeAdvancedCopyForFinanceAndOperations",
                "TransactionlessNeedsFinanceAndOperations",
                "A transactionless copy is only for finance and operations environments.",
            )
        )
    found += _name_violations(target, new_name, "copyOptions.environmentNameToOverride")
    return found


def restore_violations(
    source: PpEnvironment, target: PpEnvironment, *, new_name: str | None = None
) -> list[Violation]:
    """Everything wrong with restoring `source`'s backup into `target` (it may be itself)."""
    found = _common(source, target, "restore")
    if target.environment_type != SANDBOX and target.environment_type not in (
        PRODUCTION,
        DEFAULT,
        TRIAL,
        DEVELOPER,
    ):
        found.append(
            Violation(
                TARGET,
                "UnsupportedEnvironmentType",
                "Only sandbox environments can be restored to.",
            )
        )
    found += _name_violations(target, new_name, "restoreOptions.environmentNameToOverride")
    return found


def _name_violations(target: PpEnvironment, name: str | None, field: str) -> list[Violation]:
    if name is None:
        return []
    if not name.strip():
        return [Violation(field, "InvalidEnvironmentName", "The new environment name is empty.")]
    if target.finops is not None and len(name) > FINOPS_NAME_LIMIT:
        return [
            Violation(
                field,
                "EnvironmentNameTooLong",
                f"The environment name can't exceed {FINOPS_NAME_LIMIT} characters (a limitation "
                "of the finance and operations runtime).",
            )
        ]
    return []


def capacity_violation(free_gb: float) -> Violation | None:
    if free_gb >= MIN_CAPACITY_GB:
        return None
    return Violation(
        TARGET,
        "InsufficientCapacity_StorageDriven",
        f"The tenant has {free_gb:g} GB of database capacity available; this operation needs "
        "at least 1 GB of database capacity.",
    )
