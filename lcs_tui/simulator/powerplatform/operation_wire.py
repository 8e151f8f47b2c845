"""How the Power Platform API and BAP write an operation (PPAC-API.md §5).

The Power Platform API's `OperationExecutionResult` says `status` (or, in a
variant, `state`) and lists `stageStatuses`; BAP's `LifecycleDto` says
`state.id` with its own words (`Running` while it runs) and lists `stages`.
"""

from __future__ import annotations

from typing import Any

from lcs_tui.simulator.exchange import Request
from lcs_tui.simulator.powerplatform.records import PpEnvironment, PpOperation
from lcs_tui.simulator.powerplatform.stages import (
    FAILED,
    IN_PROGRESS,
    NOT_STARTED,
    QUEUED,
    VALIDATION_PASSED,
    OperationState,
)
from lcs_tui.simulator.powerplatform.wire import (
    BAP_PROVIDER,
    bap_principal_json,
    dataverse_url,
    dotnet_z,
    principal_json,
)


def _error_detail(op: PpOperation, state: OperationState) -> dict[str, Any] | None:
    if state.status != FAILED or op.plan.error_code is None:
        return None
    return {
        "code": op.plan.error_code,
        "fieldErrors": {
            state.failed_stage or "operation": {"errorMessages": [op.plan.error_message]}
        },
    }


def pp_operation(
    op: PpOperation,
    state: OperationState,
    target: PpEnvironment | None,
    request: Request,
    *,
    spelling: str = "status",
    word: str | None = None,
) -> dict[str, Any]:
    """An `OperationExecutionResult` (PPAC-API.md §5.2). `spelling` "state"
    writes the status as `state` (what Microsoft's sample reads) instead of
    `status`; `word` replaces the status word (a fault)."""
    error = _error_detail(op, state)
    stages = []
    for stage in state.stages:
        stages.append(
            {
                "name": stage.name,
                "status": stage.status,
                "startTime": None if stage.start is None else dotnet_z(stage.start),
                "endTime": None if stage.end is None else dotnet_z(stage.end),
                "errorDetail": error if stage.status == FAILED else None,
            }
        )
    body: dict[str, Any] = {
        "operationId": op.operation_id,
        "name": op.name,
        spelling: word or state.status,
        "startTime": dotnet_z(op.started_at),
        "endTime": None if state.ended_at is None else dotnet_z(state.ended_at),
        "requestedBy": principal_json(op.requested_by),
        "stageStatuses": stages,
        "errorDetail": error,
        "updatedEnvironment": {
            "environmentId": op.environment_id,
            "displayName": None if target is None else target.display_name,
            "dataverseOrganizationUrl": None if target is None else dataverse_url(target, request),
        },
    }
    return body


#: BAP's words for the states (LifecycleDto `state.id`).
_BAP_STATE = {
    QUEUED: "NotStarted",
    IN_PROGRESS: "Running",
    VALIDATION_PASSED: "Succeeded",
    NOT_STARTED: "NotStarted",
}


def bap_state(word: str) -> str:
    return _BAP_STATE.get(word, word)


def lifecycle(op: PpOperation, state: OperationState, *, word: str | None = None) -> dict[str, Any]:
    """A BAP `LifecycleDto` (PPAC-API.md §5.1): `state.id`, `Running` while it runs."""
    last_action = state.ended_at or max(
        [s.start for s in state.stages if s.start is not None], default=op.started_at
    )
    body: dict[str, Any] = {
        "id": op.operation_id,
        "links": {
            "self": {"path": f"{BAP_PROVIDER}/lifecycleOperations/{op.operation_id}"},
            "environment": {"path": f"{BAP_PROVIDER}/environments/{op.environment_id}"},
        },
        "type": {"id": op.name},
        "typeDisplayName": op.name,
        "state": {"id": word or bap_state(state.status)},
        "createdDateTime": dotnet_z(op.started_at),
        "lastActionDateTime": dotnet_z(last_action),
        "requestedBy": bap_principal_json(op.requested_by),
        "stages": [
            {
                "id": stage.name,
                "name": stage.name,
                "state": {"id": bap_state(stage.status)},
                "firstActionDateTime": None if stage.start is None else dotnet_z(stage.start),
                "lastActionDateTime": None if stage.end is None else dotnet_z(stage.end),
            }
            for stage in state.stages
        ],
    }
    if state.status == FAILED and op.plan.error_code is not None:
        body["error"] = {"code": op.plan.error_code, "message": op.plan.error_message}
    return body
