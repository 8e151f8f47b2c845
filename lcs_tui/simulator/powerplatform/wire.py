"""How the Power Platform API and BAP write environments, backups and errors.

The two APIs describe the same things differently (PPAC-API.md §10.3, §10.5):
BAP nests everything under `properties`; the Power Platform API is flat
(operations: operation_wire.py). Dates vary on purpose, as the services'
do: BAP and operations use .NET's seven fractional digits and `Z`, backups
an explicit `+00:00` offset, so a client's parser meets both.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from lcs_tui.simulator import demo
from lcs_tui.simulator.exchange import Reply, Request, json_reply
from lcs_tui.simulator.powerplatform.records import (
    DEFAULT,
    PRODUCTION,
    SANDBOX,
    TRIAL,
    PpBackupInfo,
    PpEnvironment,
    Requester,
)

BAP_PROVIDER = "/providers/Microsoft.BusinessAppPlatform"

#: Dataverse's regional host suffix per geo (crm4 is Europe, crm the US...).
_CRM_SUFFIX = {
    "europe": "crm4",
    "unitedstates": "crm",
    "unitedkingdom": "crm11",
    "asia": "crm5",
    "australia": "crm6",
    "japan": "crm7",
    "india": "crm8",
    "canada": "crm3",
    "france": "crm12",
}


# --- dates ---------------------------------------------------------------------------


def dotnet_z(moment: datetime) -> str:
    """2026-11-20T08:00:00.1234560Z: seven fractional digits, as .NET writes them."""
    return f"{moment:%Y-%m-%dT%H:%M:%S}.{moment.microsecond:06d}0Z"


def with_offset(moment: datetime) -> str:
    """2026-11-20T08:00:00.123+00:00: RFC 3339 with an explicit offset."""
    return f"{moment:%Y-%m-%dT%H:%M:%S}.{moment.microsecond // 1000:03d}+00:00"


def iso_duration(days: int) -> str:
    return f"P{days}D"


# --- URLs ----------------------------------------------------------------------------


def dataverse_url(env: PpEnvironment, request: Request) -> str | None:
    """The environment's Dataverse URL, pointing back at the loopback server there."""
    if env.domain_name is None:
        return None
    if request.blob_origin is not None:
        return f"{request.blob_origin}{demo.DATAVERSE_MOUNT}/{env.domain_name}/"
    return f"https://{env.domain_name}.{_CRM_SUFFIX.get(env.geo, 'crm')}.dynamics.com/"


def dataverse_api_url(env: PpEnvironment, request: Request) -> str | None:
    if env.domain_name is None:
        return None
    if request.blob_origin is not None:
        return f"{request.blob_origin}{demo.DATAVERSE_MOUNT}/{env.domain_name}/"
    return f"https://{env.domain_name}.api.{_CRM_SUFFIX.get(env.geo, 'crm')}.dynamics.com/"


# --- people ---------------------------------------------------------------------------


def principal_json(who: Requester) -> dict[str, Any]:
    return {
        "displayName": who.display_name,
        "tenantId": demo.TENANT_ID,
        "type": who.type,
        "userId": who.user_id,
    }


def bap_principal_json(who: Requester) -> dict[str, Any]:
    return {
        "id": who.user_id,
        "displayName": who.display_name,
        "type": who.type,
        "tenantId": demo.TENANT_ID,
    }


# --- environments -------------------------------------------------------------------------


def _allowed_operations(env: PpEnvironment) -> tuple[list[str], list[tuple[str, str]]]:
    if env.kind in ("LcsProduction", "LcsSandbox", "LcsDevbox"):
        # "can't be deleted or reset" (PPAC-API.md §9).
        return ["Backup", "Edit"], [
            ("Delete", "LinkedToFinanceAndOperations"),
            ("Reset", "LinkedToFinanceAndOperations"),
        ]
    if env.environment_type == SANDBOX:
        return ["Backup", "Copy", "Restore", "Reset", "Delete", "Edit"], []
    if env.environment_type == PRODUCTION:
        return ["Backup", "Delete", "Edit"], [("Restore", "EnvironmentIsProduction")]
    if env.environment_type == TRIAL:
        return ["Delete", "Edit"], [("Backup", "TrialEnvironment")]
    return ["Backup", "Edit"], [("Delete", "DefaultEnvironment")]


def _capacity(env: PpEnvironment, now: datetime) -> list[dict[str, Any]]:
    rows = [("Database", env.database_mb), ("File", env.file_mb), ("Log", env.file_mb / 8)]
    if env.finops is not None and env.finops.link_type == "Internal":
        rows += [("FinOpsDatabase", env.database_mb * 3.1), ("FinOpsFile", env.file_mb * 2.4)]
    return [
        {
            "capacityType": kind,
            "actualConsumption": round(mb, 2),
            "ratedConsumption": round(mb, 2),
            "capacityUnit": "MB",
            "updatedOn": dotnet_z(now.replace(minute=0, second=0, microsecond=0)),
        }
        for kind, mb in rows
    ]


def bap_environment(
    env: PpEnvironment, request: Request, now: datetime, window_start: datetime | None
) -> dict[str, Any]:
    """An environment as BAP's `scopes/admin/environments` lists it (PPAC-API.md §2.1)."""
    allowed, disallowed = _allowed_operations(env)
    properties: dict[str, Any] = {
        "tenantId": demo.TENANT_ID,
        "azureRegion": env.azure_region,
        "displayName": env.display_name,
        "description": "",
        "createdTime": dotnet_z(env.created),
        "createdBy": bap_principal_json(env.created_by),
        "lastModifiedTime": dotnet_z(env.created),
        "provisioningState": "Succeeded",
        "creationType": "User",
        "environmentSku": env.environment_type,
        "isDefault": env.environment_type == DEFAULT,
        "clientUris": {
            "admin": "https://admin.powerplatform.microsoft.com/environments/environment/"
            f"{env.environment_id}/hub",
            "maker": f"https://make.powerapps.com/environments/{env.environment_id}/home",
        },
        "databaseType": "CommonDataService" if env.has_dataverse else "None",
        "retentionPeriod": iso_duration(env.retention_days),
        "retentionDetails": {
            "retentionPeriod": iso_duration(env.retention_days),
            "backupsAvailableFromDateTime": None
            if window_start is None
            else dotnet_z(window_start),
        },
        "states": {
            "management": {"id": "Ready"},
            "runtime": {"id": "AdminMode" if env.admin_mode else "Enabled"},
        },
        "governanceConfiguration": {
            "protectionLevel": "Standard" if env.managed else "Basic",
            "settings": {"extendedSettings": {}},
        },
        "capacity": _capacity(env, now),
        "lifecycleOperationsEnforcement": {
            "allowedOperations": [{"type": {"id": t}} for t in allowed],
            "disallowedOperations": [
                {"type": {"id": t}, "reason": {"message": reason}} for t, reason in disallowed
            ],
        },
    }
    if env.has_dataverse:
        properties["linkedEnvironmentMetadata"] = {
            "resourceId": env.dataverse_id,
            "friendlyName": env.display_name,
            "uniqueName": f"unq{(env.dataverse_id or '').replace('-', '')[:24]}",
            "domainName": env.domain_name,
            "version": env.dataverse_version,
            "instanceUrl": dataverse_url(env, request),
            "instanceApiUrl": dataverse_api_url(env, request),
            "baseLanguage": 1033,
            "instanceState": "Ready",
            "createdTime": dotnet_z(env.created),
            "securityGroupId": env.security_group_id,
            "backgroundOperationsState": "Enabled" if env.background_operations else "Disabled",
        }
    if env.finops is not None:
        properties["linkedAppMetadata"] = {
            "id": env.finops.finops_id,
            "type": env.finops.link_type,
            "url": env.finops.url,
        }
    return {
        "id": f"{BAP_PROVIDER}/scopes/admin/environments/{env.environment_id}",
        "type": "Microsoft.BusinessAppPlatform/scopes/environments",
        "location": env.geo,
        "name": env.environment_id,
        "properties": properties,
    }


def pp_environment(
    env: PpEnvironment, request: Request, window_start: datetime | None
) -> dict[str, Any]:
    """An `EnvironmentResponse` of the Power Platform API (PPAC-API.md §2.4)."""
    body: dict[str, Any] = {
        "id": env.environment_id,
        "displayName": env.display_name,
        "type": env.environment_type,
        "state": "Ready",
        "geo": env.geo,
        "azureRegion": env.azure_region,
        "url": dataverse_url(env, request),
        "version": env.dataverse_version if env.has_dataverse else None,
        "domainName": env.domain_name,
        "dataverseId": env.dataverse_id,
        "tenantId": demo.TENANT_ID,
        "adminMode": "Enabled" if env.admin_mode else "Disabled",
        "backgroundOperationsState": "Enabled" if env.background_operations else "Disabled",
        "protectionLevel": "Standard" if env.managed else "Basic",
        "securityGroupId": env.security_group_id,
        "environmentGroupId": None,
        "clusterCategory": "Prod",
        "createdDateTime": dotnet_z(env.created),
        "createdBy": principal_json(env.created_by),
        "deletedDateTime": None,
        "retentionDetails": {
            "availableFromDateTime": None if window_start is None else dotnet_z(window_start),
            "retentionPeriod": iso_duration(env.retention_days),
        },
    }
    if env.finops is not None:
        body["finOpsMetadata"] = {
            "id": env.finops.finops_id,
            "type": env.finops.link_type,
            "url": env.finops.url,
        }
    return body


def candidate(env: PpEnvironment, request: Request) -> dict[str, Any]:
    """One entry of an `EnvironmentPagedCollection` (copy and restore candidates)."""
    return {
        "environmentId": env.environment_id,
        "displayName": env.display_name,
        "dataverseOrganizationUrl": dataverse_url(env, request),
    }


# --- backups ---------------------------------------------------------------------------------


def backup(item: PpBackupInfo) -> dict[str, Any]:
    """An `EnvironmentBackup`; a system backup has no label."""
    return {
        "id": item.backup_id,
        "label": item.label,
        "backupPointDateTime": with_offset(item.point),
        "backupExpiryDateTime": with_offset(item.expires),
        "createdBy": principal_json(item.created_by),
    }


# --- errors -----------------------------------------------------------------------------------

FieldErrors = dict[str, list[str]]


def validation_error(
    code: str,
    field_errors: FieldErrors,
    *,
    status: int = 400,
    suggested: dict[str, str] | None = None,
    headers: list[tuple[str, str]] | None = None,
) -> Reply:
    """The Power Platform API's `ValidationResponse` (PPAC-API.md §7)."""
    fields: dict[str, Any] = {}
    for name, messages in field_errors.items():
        entry: dict[str, Any] = {"errorMessages": messages}
        if suggested and name in suggested:
            entry["suggestedValue"] = suggested[name]
        fields[name] = entry
    return json_reply(
        {"errorDetail": {"code": code, "fieldErrors": fields}}, status=status, headers=headers
    )


def bap_error(
    status: int, code: str, message: str, headers: list[tuple[str, str]] | None = None
) -> Reply:
    """BAP's `{"error": {code, message, detailUrlType}}` (PPAC-API.md §7)."""
    return json_reply(
        {"error": {"code": code, "message": message, "detailUrlType": "NotSpecified"}},
        status=status,
        headers=headers,
    )
