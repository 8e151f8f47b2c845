"""An environment's Dataverse: the functions that tell a UDE from a USE (PPAC-API.md §2.3, §5.3).

- `msprov_getfinopsapplicationdetails`: versions, state and deployment type
  (`OnlineDev` → UDE, `Sandbox` → USE, `Production` → UPE) of a unified
  environment; a service principal is refused (d365bap.tools #95);
- `RetrieveFinanceAndOperationsIntegrationDetails`: an LCS-linked
  environment's F&O `Url`, `TenantId`, `Id`;
- `msprov_operationhistories` and a row's `msprov_logs/$value`: the F&O
  operation history inside the environment.

Errors have Dataverse's `{"error": {"code": "0x…", "message"}}` shape.
"""

from __future__ import annotations

import uuid
from typing import Any

from lcs_tui.simulator import demo
from lcs_tui.simulator.exchange import Reply, json_reply, text_reply
from lcs_tui.simulator.powerplatform.access import Call
from lcs_tui.simulator.powerplatform.records import PpEnvironment, PpOperation
from lcs_tui.simulator.powerplatform.stages import IN_PROGRESS, QUEUED, SUCCEEDED
from lcs_tui.simulator.powerplatform.wire import dotnet_z

NOT_INTEGRATED = "0x80048d0b"
_VERSIONS = ("v9.0", "v9.1", "v9.2")


def _error(status: int, code: str, message: str) -> Reply:
    return json_reply({"error": {"code": code, "message": message}}, status=status)


def _organisation(call: Call) -> PpEnvironment | None:
    for env in call.pp.environments:
        if env.domain_name is not None and env.domain_name.lower() == call.mount.org:
            return env
    return None


def dispatch(call: Call) -> Reply:
    """Route a request below `{org}/api/data/` (method and path)."""
    env = _organisation(call)
    if env is None:
        return _error(404, "0x80072560", f"The organization '{call.mount.org}' does not exist.")
    if not call.pp.visible(call.principal, env):
        return _error(403, "0x80072560", "The user is not a member of the organization.")
    segments = [s for s in call.mount.segments[2:]]
    if call.request.method != "GET" or not segments or segments[0].lower() not in _VERSIONS:
        return _error(404, "0x8006088a", "Resource not found for the segment.")
    rest = segments[1:]
    names = [s.lower() for s in rest]
    if names in (["msprov_getfinopsapplicationdetails"], ["msprov_getfinopsapplicationdetails()"]):
        return _finops_details(call, env)
    if names in (
        ["retrievefinanceandoperationsintegrationdetails"],
        ["retrievefinanceandoperationsintegrationdetails()"],
    ):
        return _integration_details(env)
    if names == ["msprov_operationhistories"]:
        return json_reply({"value": _history_rows(call, env)})
    if (
        len(names) == 3
        and names[0].startswith("msprov_operationhistories(")
        and names[1:]
        == [
            "msprov_logs",
            "$value",
        ]
    ):
        wanted = names[0][len("msprov_operationhistories(") :].rstrip(")")
        return _log(call, env, wanted)
    return _error(
        404, "0x8006088a", f"Resource not found for the segment '{rest[0] if rest else ''}'."
    )


def _finops_details(call: Call, env: PpEnvironment) -> Reply:
    if call.principal.kind == "ServicePrincipal":
        # An app registration cannot read what a user can (d365bap.tools #95).
        return _error(
            403,
            "0x80040220",
            f"Principal with id = {call.principal.object_id} is missing the privilege to read "
            "finance and operations application details.",
        )
    finops = env.finops
    if finops is None or finops.link_type != "Internal":
        return _error(
            400, NOT_INTEGRATED, "Dataverse instance isn't integrated with finance and operations."
        )
    kind = {"UDE": "OnlineDev", "USE": "Sandbox", "UPE": "Production"}[env.kind]
    busy = call.pp.running_operation_on(env, call.now)
    return json_reply(
        {
            "@odata.context": f"{call.mount.base}/api/data/v9.2/$metadata#Microsoft.Dynamics.CRM."
            "msprov_getfinopsapplicationdetailsResponse",
            "applicationversion": finops.application_version,
            "platformversion": finops.platform_version,
            "finopsenvironmentstate": "Running" if busy is None else "Servicing",
            "applicationdeploymenttype": kind,
            "finopsurl": finops.url,
        }
    )


def _integration_details(env: PpEnvironment) -> Reply:
    finops = env.finops
    if finops is None or finops.link_type != "Linked":
        return _error(
            400, NOT_INTEGRATED, "Dataverse instance isn't integrated with finance and operations."
        )
    return json_reply({"Url": finops.url, "TenantId": demo.TENANT_ID, "Id": finops.finops_id})


def _row_id(op: PpOperation) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"msprov/{op.operation_id}"))


def _history_rows(call: Call, env: PpEnvironment) -> list[dict[str, Any]]:
    """One row per copy, restore and provisioning the environment went through."""
    now = call.now
    rows = []
    for op in call.pp.history(env, now):
        if op.name == "Backup":
            continue
        state = op.state(now)
        done = state.ended_at is not None
        status_code = {SUCCEEDED: 2, QUEUED: 1, IN_PROGRESS: 1}.get(state.status, 3)
        rows.append(
            {
                "msprov_operationhistoryid": _row_id(op),
                "msprov_name": {"Copy": "DatabaseCopy", "Restore": "DatabaseRestore"}.get(
                    op.name, "EnvironmentProvisioning"
                ),
                "msprov_description": f"{op.name} requested by {op.requested_by.display_name}",
                "msprov_correlationid": op.operation_id,
                "msprov_startedon": dotnet_z(op.started_at),
                "statecode": 1 if done else 0,
                "statuscode": status_code,
                "createdon": dotnet_z(op.started_at),
                "modifiedon": dotnet_z(state.ended_at or now),
                "msprov_operationproperties": (
                    f'{{"UserId":"{op.requested_by.user_id}","Payload":"{op.name}"}}'
                ),
            }
        )
    return rows


def _log(call: Call, env: PpEnvironment, row_id: str) -> Reply:
    now = call.now
    for op in call.pp.history(env, now):
        if _row_id(op) != row_id.strip("'"):
            continue
        state = op.state(now)
        lines = [f"{dotnet_z(op.started_at)} {op.name} queued (operation {op.operation_id})"]
        for stage in state.stages:
            if stage.start is not None:
                lines.append(f"{dotnet_z(stage.start)} {stage.name} started")
            if stage.end is not None:
                lines.append(f"{dotnet_z(stage.end)} {stage.name} {stage.status.lower()}")
        if state.ended_at is not None:
            lines.append(f"{dotnet_z(state.ended_at)} {op.name} {state.status.lower()}")
        return text_reply("\n".join(lines) + "\n", "text/plain; charset=utf-8")
    return _error(404, "0x80040217", f"msprov_operationhistory With Id = {row_id} Does Not Exist")
