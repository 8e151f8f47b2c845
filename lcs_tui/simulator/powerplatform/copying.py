"""Copy: candidates, the Power Platform API's `copy` and BAP's `copyTo` (PPAC-API.md §3).

Checked in this order, the first failing step answers: the caller's role
(403), the target (404), the request body (400), the rules (400
`ValidationResponse`), capacity (400 `InsufficientCapacity_StorageDriven`),
an operation already running on the target or the source (409
`OperationNotStartable`); then validate-only answers 200 `ValidationPassed`,
anything else 202 with the operation's URLs.
"""

from __future__ import annotations

from typing import Any

from lcs_tui.simulator.exchange import Reply
from lcs_tui.simulator.powerplatform.access import Call
from lcs_tui.simulator.powerplatform.paging import collection
from lcs_tui.simulator.powerplatform.records import PpEnvironment
from lcs_tui.simulator.powerplatform.rules import (
    SOURCE,
    capacity_violation,
    copy_violations,
)
from lcs_tui.simulator.powerplatform.starts import busy, refused, start, validate_only
from lcs_tui.simulator.powerplatform.wire import bap_error, candidate, validation_error

PP_COPY_TYPES = ("Full", "Minimal")
#: BAP's, pac's and PowerShell's names for the same copy types.
BAP_COPY_TYPES = {"fullcopy": "Full", "minimalcopy": "Minimal"}


def flag(value: Any) -> bool:
    """A JSON boolean, or the string forms query strings and PowerShell send."""
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1", "yes")
    return bool(value)


def copy_targets(call: Call, source: PpEnvironment) -> list[PpEnvironment]:
    """The environments `source` may be copied into (what copyCandidates lists)."""
    pp = call.pp
    return [
        env
        for env in pp.environments
        if env is not source
        and pp.visible(call.principal, env)
        and not copy_violations(source, env)
    ]


def candidates(call: Call) -> Reply:
    """GET …/environments/{source}/copyCandidates: an `EnvironmentPagedCollection`."""
    refusal = call.require_admin("list copy candidates")
    if refusal is not None:
        return refusal
    source = call.environment(call.params["env"])
    if isinstance(source, Reply):
        return source
    items = [candidate(env, call.request) for env in copy_targets(call, source)]
    return collection(call, items, f"copyCandidates/{source.environment_id}", limit=False)


def _check_and_start(
    call: Call,
    target: PpEnvironment,
    source: PpEnvironment,
    copy_type: str,
    options: dict[str, Any],
    validate: bool,
) -> Reply:
    transactionless = flag(options.get("executeAdvancedCopyForFinanceAndOperations"))
    new_name = options.get("environmentNameToOverride") or None
    violations = copy_violations(
        source,
        target,
        copy_type=copy_type,
        transactionless=transactionless,
        new_name=new_name if isinstance(new_name, str) else None,
    )
    only = call.query("ValidateProperties")
    if validate and only:
        fields = {name.strip().lower() for name in only.split(",") if name.strip()}
        violations = [v for v in violations if v.field.split(".")[0].lower() in fields]
    if violations:
        return refused(call, violations)
    short = capacity_violation(call.pp.free_capacity_gb)
    if short is not None:
        return refused(call, [short])
    conflict = busy(call, target, source)
    if conflict is not None:
        return conflict
    if validate:
        return validate_only(call, "Copy", target, source)
    group = options.get("securityGroupIdToOverride")
    return start(
        call,
        "Copy",
        "copy-full" if copy_type == "Full" else "copy-minimal",
        target,
        source,
        copy_type=copy_type,
        transactionless=transactionless,
        skip_audit_data=flag(options.get("skipAuditData")),
        new_display_name=new_name if isinstance(new_name, str) else None,
        new_security_group_id=group if isinstance(group, str) and group else None,
    )


def pp_copy(call: Call) -> Reply:
    """POST /environmentmanagement/environments/{target}/copy[?ValidateOnly=true]."""
    refusal = call.require_admin("copy environments")
    if refusal is not None:
        return refusal
    call.pp.settle(call.now)
    target = call.environment(call.params["env"])
    if isinstance(target, Reply):
        return target
    body = call.json_body()
    if isinstance(body, Reply):
        return body
    fields: dict[str, list[str]] = {}
    suggested: dict[str, str] = {}
    copy_type = body.get("copyType")
    if not copy_type:
        fields["copyType"] = ["The copyType field is required: Full or Minimal."]
        suggested["copyType"] = "Full"
    elif copy_type not in PP_COPY_TYPES:
        fields["copyType"] = [f"The copy type '{copy_type}' is not valid: use Full or Minimal."]
        suggested["copyType"] = "Full"
    source_id = body.get("sourceEnvironmentId")
    source = None
    if not isinstance(source_id, str) or not source_id:
        fields[SOURCE] = ["The sourceEnvironmentId field is required."]
    else:
        found = call.pp.environment(source_id)
        if found is None or not call.pp.visible(call.principal, found):
            fields[SOURCE] = [f"The environment '{source_id}' could not be found in the tenant."]
        else:
            source = found
    options = body.get("copyOptions") or {}
    if not isinstance(options, dict):
        fields["copyOptions"] = ["The copyOptions field must be an object."]
    if fields or source is None or not isinstance(options, dict):
        return validation_error("ValidationFailed", fields, suggested=suggested)
    validate = flag(call.query("ValidateOnly") or False)
    return _check_and_start(call, target, source, str(copy_type), options, validate)


def bap_copy(call: Call) -> Reply:
    """POST …/Microsoft.BusinessAppPlatform/environments/{target}/copyTo (pac, PowerShell)."""
    refusal = call.require_admin("copy environments")
    if refusal is not None:
        return refusal
    call.pp.settle(call.now)
    target = call.environment(call.params["env"])
    if isinstance(target, Reply):
        return target
    body = call.json_body()
    if isinstance(body, Reply):
        return body
    # PowerShell sends the fields capitalised (SourceEnvironmentId, CopyType).
    lowered = {str(k).lower(): v for k, v in body.items()}
    source_id = lowered.get("sourceenvironmentid")
    if not isinstance(source_id, str) or not source_id:
        return bap_error(400, "InvalidRequestContent", "The sourceEnvironmentId is required.")
    source = call.environment(source_id)
    if isinstance(source, Reply):
        return source
    raw_type = str(lowered.get("copytype") or "")
    copy_type = BAP_COPY_TYPES.get(raw_type.lower())
    if copy_type is None:
        return bap_error(
            400,
            "InvalidCopyType",
            f"The copy type '{raw_type}' is not valid. Use FullCopy or MinimalCopy.",
        )
    options = {
        "executeAdvancedCopyForFinanceAndOperations": lowered.get(
            "executeadvancedcopyforfinanceandoperations"
        ),
        "skipAuditData": lowered.get("skipauditdata"),
        "environmentNameToOverride": lowered.get("targetenvironmentname"),
        "securityGroupIdToOverride": lowered.get("targetsecuritygroupid"),
    }
    return _check_and_start(call, target, source, copy_type, options, validate=False)
