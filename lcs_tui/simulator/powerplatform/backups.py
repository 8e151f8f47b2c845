"""Backups and restore (PPAC-API.md §4): list, create (201), delete (204), restore (202).

A manual backup is "just a label and a time stamp"; system backups are
listed once a day for the retention period (7 days, 28 for production).
A restore goes to any point within the source's retention (a labelled
backup's point is one of them) and only into a sandbox.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

from lcs_tui.simulator.exchange import Reply, json_reply
from lcs_tui.simulator.formats import same_id
from lcs_tui.simulator.powerplatform.access import Call
from lcs_tui.simulator.powerplatform.copying import flag
from lcs_tui.simulator.powerplatform.paging import collection
from lcs_tui.simulator.powerplatform.records import PpBackup, PpEnvironment, PpOperation
from lcs_tui.simulator.powerplatform.rules import (
    SOURCE,
    capacity_violation,
    restore_violations,
)
from lcs_tui.simulator.powerplatform.stages import instant_plan
from lcs_tui.simulator.powerplatform.starts import busy, refused, start, validate_only
from lcs_tui.simulator.powerplatform.wire import backup as backup_json
from lcs_tui.simulator.powerplatform.wire import candidate, validation_error, with_offset

#: The longest label accepted (the service's limit is undocumented).
LABEL_LIMIT = 100
POINT = "restorePointDateTime"
_RFC3339 = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?"
    r"(?:([Zz])|([+-])(\d{2}):?(\d{2}))?$"
)


def parse_point(text: str) -> datetime | str:
    """An RFC 3339 date-time with an offset → naive UTC, or what is wrong with it."""
    match = _RFC3339.match(text.strip())
    if match is None:
        return f"'{text}' is not an RFC 3339 date-time such as 2026-11-20T08:00:00+01:00."
    year, month, day, hour, minute, second, fraction, zulu, sign, oh, om = match.groups()
    if zulu is None and sign is None:
        return f"'{text}' has no UTC offset: add Z or +hh:mm (RFC 3339)."
    try:
        moment = datetime(
            int(year),
            int(month),
            int(day),
            int(hour),
            int(minute),
            int(second or 0),
            int((fraction or "0")[:6].ljust(6, "0")),
        )
    except ValueError:
        return f"'{text}' is not a valid date-time."
    if sign is not None:
        offset = timedelta(hours=int(oh), minutes=int(om))
        moment = moment - offset if sign == "+" else moment + offset
    return moment.replace(tzinfo=timezone.utc).replace(tzinfo=None)


def _with_dataverse(call: Call, action: str) -> PpEnvironment | Reply:
    refusal = call.require_admin(action)
    if refusal is not None:
        return refusal
    call.pp.settle(call.now)
    return call.environment(call.params["env"])


def list_backups(call: Call) -> Reply:
    """GET …/environments/{id}/backups: system and manual, newest first."""
    env = _with_dataverse(call, "read backups")
    if isinstance(env, Reply):
        return env
    items = [backup_json(b) for b in call.pp.backups_of(env, call.now)]
    return collection(call, items, f"backups/{env.environment_id}", limit=False)


def _not_backed_up(env: PpEnvironment) -> str | None:
    if env.retention_days <= 0:
        return f"Environment '{env.display_name}' is a trial environment, which isn't backed up."
    if not env.has_dataverse:
        return f"Environment '{env.display_name}' has no Dataverse database to back up."
    return None


def create_backup(call: Call) -> Reply:
    """POST …/environments/{id}/backups {"label"}: 201 with the backup (synchronous)."""
    env = _with_dataverse(call, "back up environments")
    if isinstance(env, Reply):
        return env
    body = call.json_body()
    if isinstance(body, Reply):
        return body
    label = body.get("label")
    if not isinstance(label, str) or not label.strip():
        return validation_error("ValidationFailed", {"label": ["The label field is required."]})
    if len(label) > LABEL_LIMIT:
        return validation_error(
            "ValidationFailed", {"label": [f"The label can't exceed {LABEL_LIMIT} characters."]}
        )
    problem = _not_backed_up(env)
    if problem is not None:
        return validation_error("BackupNotSupported", {"environmentId": [problem]})
    conflict = busy(call, env, None)
    if conflict is not None:
        return conflict
    now = call.now
    pp = call.pp
    made = PpBackup(
        backup_id=pp.new_id(),
        environment_id=env.environment_id,
        label=label,
        point=now,
        expires=now + timedelta(days=env.retention_days),
        created_by=call.principal.requester,
    )
    pp.backups.append(made)
    # The history shows it as an operation that is over at once.
    pp.operations.append(
        PpOperation(
            sequence=len(pp.operations),
            operation_id=pp.new_id(),
            name="Backup",
            environment_id=env.environment_id,
            started_at=now,
            plan=instant_plan(),
            requested_by=call.principal.requester,
            origin="api",
        )
    )
    listed = next(b for b in pp.backups_of(env, now) if b.backup_id == made.backup_id)
    return json_reply(backup_json(listed), status=201)


def delete_backup(call: Call) -> Reply:
    """DELETE …/environments/{id}/backups/{backupId}: 204; system backups stay."""
    env = _with_dataverse(call, "delete backups")
    if isinstance(env, Reply):
        return env
    wanted = call.params["backup"]
    pp, now = call.pp, call.now
    for listed in pp.backups_of(env, now):
        if not same_id(listed.backup_id, wanted):
            continue
        if listed.system:
            return validation_error(
                "SystemBackupCannotBeDeleted",
                {"backupId": ["System backups can't be deleted; they expire with retention."]},
            )
        pp.backups = [b for b in pp.backups if b.backup_id != listed.backup_id]
        return Reply(status=204, headers=[("Content-Length", "0")])
    return validation_error(
        "BackupNotFound",
        {"backupId": [f"The backup '{wanted}' was not found for this environment."]},
        status=404,
    )


def restore_candidates(call: Call) -> Reply:
    """GET …/environments/{source}/restoreCandidates (its path is unverified, §4.1)."""
    source = _with_dataverse(call, "list restore candidates")
    if isinstance(source, Reply):
        return source
    pp = call.pp
    targets = [
        env
        for env in pp.environments
        if pp.visible(call.principal, env) and not restore_violations(source, env)
    ]
    items = [candidate(env, call.request) for env in targets]
    return collection(call, items, f"restoreCandidates/{source.environment_id}", limit=False)


def _point_problem(call: Call, source: PpEnvironment, point: datetime) -> tuple[str, str] | None:
    """What is wrong with restoring `source` to `point`, and a point that works."""
    window = call.pp.restore_window(source, call.now)
    if window is None:
        return f"Environment '{source.display_name}' has no backups to restore from.", ""
    start, end = window
    latest = with_offset(end.replace(microsecond=0))
    if point > end:
        return f"The restore point {with_offset(point)} is in the future.", latest
    if point < start:
        return (
            f"The restore point {with_offset(point)} is outside the retention period of "
            f"'{source.display_name}' ({source.retention_days} days): choose a point from "
            f"{with_offset(start)} to {with_offset(end)}.",
            with_offset(start + timedelta(minutes=1)),
        )
    return None


def restore(call: Call) -> Reply:
    """POST …/environments/{target}/restore[?ValidateOnly=true] (`RestoreRequest`)."""
    target = _with_dataverse(call, "restore environments")
    if isinstance(target, Reply):
        return target
    body = call.json_body()
    if isinstance(body, Reply):
        return body
    pp = call.pp
    fields: dict[str, list[str]] = {}
    suggested: dict[str, str] = {}
    source_id = body.get("sourceEnvironmentId")
    source = None
    if not isinstance(source_id, str) or not source_id:
        fields[SOURCE] = ["The sourceEnvironmentId field is required."]
    else:
        found = pp.environment(source_id)
        if found is None or not pp.visible(call.principal, found):
            fields[SOURCE] = [f"The environment '{source_id}' could not be found in the tenant."]
        else:
            source = found
    text = body.get(POINT)
    point = None
    if not isinstance(text, str) or not text.strip():
        fields[POINT] = ["The restorePointDateTime field is required (RFC 3339 with an offset)."]
    else:
        parsed = parse_point(text)
        if isinstance(parsed, str):
            fields[POINT] = [parsed]
        else:
            point = parsed
    options = body.get("restoreOptions") or {}
    if not isinstance(options, dict):
        fields["restoreOptions"] = ["The restoreOptions field must be an object."]
        options = {}
    if source is not None and point is not None:
        problem = _point_problem(call, source, point)
        if problem is not None:
            fields[POINT] = [problem[0]]
            if problem[1]:
                suggested[POINT] = problem[1]
    if fields or source is None or point is None:
        return validation_error("ValidationFailed", fields, suggested=suggested)
    new_name = options.get("environmentNameToOverride") or None
    violations = restore_violations(
        source, target, new_name=new_name if isinstance(new_name, str) else None
    )
    if violations:
        return refused(call, violations)
    short = capacity_violation(pp.free_capacity_gb)
    if short is not None:
        return refused(call, [short])
    conflict = busy(call, target, None if source is target else source)
    if conflict is not None:
        return conflict
    if flag(call.query("ValidateOnly") or False):
        return validate_only(call, "Restore", target, source)
    group = options.get("securityGroupIdToOverride")
    return start(
        call,
        "Restore",
        "restore",
        target,
        source,
        restore_point=point,
        skip_audit_data=flag(options.get("skipAuditData")),
        new_display_name=new_name if isinstance(new_name, str) else None,
        new_security_group_id=group if isinstance(group, str) and group else None,
    )
