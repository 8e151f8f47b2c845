"""Starting a copy or restore: refusals (400, 409), validate-only, and the 202.

Shared by the Power Platform API's `copy`/`restore` and BAP's `copyTo`. The
202 carries `Location` (the environment's operation URL), `Operation-Location`
(the operation URL) and `Retry-After`, and no body (none is documented).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from lcs_tui.simulator.exchange import Reply, json_reply
from lcs_tui.simulator.powerplatform.access import Call, retry_after
from lcs_tui.simulator.powerplatform.operation_wire import pp_operation
from lcs_tui.simulator.powerplatform.records import OperationName, PpEnvironment, PpOperation
from lcs_tui.simulator.powerplatform.rules import SOURCE, TARGET, Violation
from lcs_tui.simulator.powerplatform.stages import VALIDATION_PASSED, PlanKind, StagePlan
from lcs_tui.simulator.powerplatform.wire import BAP_PROVIDER, bap_error, validation_error


def refused(call: Call, violations: list[Violation]) -> Reply:
    """400: every violation as `fieldErrors` (PP API), or the first (BAP)."""
    if call.mount.api == "bap":
        first = violations[0]
        return bap_error(400, first.code, first.message)
    fields: dict[str, list[str]] = {}
    for violation in violations:
        fields.setdefault(violation.field, []).append(violation.message)
    codes = {v.code for v in violations}
    code = codes.pop() if len(codes) == 1 else "ValidationFailed"
    return validation_error(code, fields)


def busy(call: Call, target: PpEnvironment, source: PpEnvironment | None) -> Reply | None:
    """409 `OperationNotStartable` when an operation is changing the target, or
    the source (which cannot be copied from while it is being overwritten)."""
    pp, now = call.pp, call.now
    for env, field in ((target, TARGET), (source, SOURCE)):
        if env is None:
            continue
        running = pp.running_operation_on(env, now)
        if running is None:
            continue
        if call.world.faults.take_empty_conflict():
            return Reply(status=409, headers=[("Content-Length", "0")])
        message = (
            "This operation cannot be performed because there is an active lifecycle operation "
            f"on the environment '{env.environment_id}' (operation {running.operation_id}, "
            f"{running.name}). Try again when it has finished."
        )
        if call.mount.api == "bap":
            return bap_error(409, "OperationNotStartable", message)
        return validation_error("OperationNotStartable", {field: [message]}, status=409)
    return None


def accepted(call: Call, op: PpOperation) -> Reply:
    """202 with the operation's poll URLs."""
    base, version = call.mount.base, call.api_version
    if call.mount.api == "bap":
        url = f"{base}{BAP_PROVIDER}/lifecycleOperations/{op.operation_id}?api-version={version}"
        location = operation_location = url
    else:
        location = (
            f"{base}/environmentmanagement/environments/{op.environment_id}/operations/"
            f"{op.operation_id}?api-version={version}"
        )
        operation_location = (
            f"{base}/environmentmanagement/operations/{op.operation_id}?api-version={version}"
        )
    return Reply(
        status=202,
        headers=[
            ("Content-Length", "0"),
            ("Location", location),
            ("Operation-Location", operation_location),
            ("Retry-After", retry_after(call.world)),
        ],
    )


def _new_operation(
    call: Call,
    name: OperationName,
    target: PpEnvironment,
    source: PpEnvironment | None,
    plan: StagePlan,
    sequence: int,
    **fields: Any,
) -> PpOperation:
    style = call.world.faults.take_poll_style()
    if style is None:
        # Microsoft's sample, on the preview version, reads `state` (PPAC-API.md §5.2).
        style = "state" if call.api_version.endswith("-preview") else "status"
    return PpOperation(
        sequence=sequence,
        operation_id=call.pp.new_id(),
        name=name,
        environment_id=target.environment_id,
        started_at=call.now,
        plan=plan,
        requested_by=call.principal.requester,
        origin="api",
        source_environment_id=None if source is None else source.environment_id,
        poll_style=style,
        **fields,
    )


def validate_only(
    call: Call, name: OperationName, target: PpEnvironment, source: PpEnvironment
) -> Reply:
    """A request that passed validation: 200 `ValidationPassed`, or (a fault)
    202 with an operation that ends so."""
    pp = call.pp
    if call.world.faults.take_validate_only_accepted():
        sequence, plan = pp.draw("validate")
        op = _new_operation(call, name, target, source, plan, sequence, validate_only=True)
        pp.operations.append(op)
        return accepted(call, op)
    plan = StagePlan(
        queued=timedelta(0),
        stages=(("Validate", timedelta(0)),),
        final_status=VALIDATION_PASSED,
    )
    op = _new_operation(call, name, target, source, plan, -1, validate_only=True)
    body = pp_operation(op, op.state(call.now), target, call.request)
    return json_reply(body)


def start(
    call: Call,
    name: OperationName,
    kind: PlanKind,
    target: PpEnvironment,
    source: PpEnvironment,
    **fields: Any,
) -> Reply:
    """Start the operation and answer 202. An armed `fail_next_operations`
    makes it fail part-way (there is no rollback here)."""
    pp = call.pp
    forced = call.world.faults.take_forced_failure()
    sequence, plan = pp.draw(kind, fail=True if forced is not None else None)
    op = _new_operation(call, name, target, source, plan, sequence, **fields)
    pp.operations.append(op)
    return accepted(call, op)
