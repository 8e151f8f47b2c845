"""The rules of copy and restore between unified environments, checked before sending.

Power Platform would refuse most of these itself (the validate-only call
asks it), but checking first lets the app and the CLI say the rule in plain
words, and keeps requests that cannot succeed from being sent at all.
Sources: PPAC-API.md §3.4 (the direction table), §4.3 (restore), §10.5.

The direction table (D1), "copy or restore":

    source \\ target     UDE   USE   UPE
    LCS sandbox          yes   yes   no (production)
    LCS production       yes   yes*  no
    LCS cloud-hosted     no    no    no
    UDE                  no    no    no   (a UDE is a dead end as a source)
    USE                  yes   yes*  no
    UPE                  yes   yes   no

    * not in Microsoft's table, in use (D3) or undocumented: allowed with a
      note; the validate-only call decides.

Also: no copy into production, nothing into a UPE, no Default or Trial (or
Power Platform "Developer") environment either way, same region, managed
to managed only, a target that is not a unified environment gets only its
Dataverse data (refused here: this is an F&O tool), and a target that is
busy with a lifecycle operation is refused (§6: 409 OperationNotStartable).

Pure functions over models; nothing here calls anything.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from lcs_tui.ppac.models import (
    KIND_DATAVERSE,
    KIND_LCS_DEVBOX,
    KIND_LCS_PRODUCTION,
    KIND_UDE,
    KIND_UNIFIED_SANDBOX,
    KIND_USE,
    LCS_KINDS,
    UNIFIED_KINDS,
    PpEnvironment,
)
from lcs_tui.service.busy import Busy
from lcs_tui.service.checks import Problem

#: A backup label: the API documents none; these keep it one line, and short.
LABEL_MAX = 100
#: "nothing is copied into production", "restored".
_DONE = {"copy": "copied", "restore": "restored"}


@dataclass(frozen=True, slots=True)
class Verdict:
    """The client-side checks' answer: reasons not to send, and things to know."""

    problems: list[Problem]
    notes: list[str]

    @property
    def allowed(self) -> bool:
        return not self.problems


def _name(env: PpEnvironment) -> str:
    return env.name


def _common(
    source: PpEnvironment, target: PpEnvironment, verb: str, busy: Mapping[str, Busy]
) -> list[Problem]:
    """What copy and restore share: production, UPE, default/trial, region, managed, busy."""
    problems: list[Problem] = []
    for env in (source, target):
        if env.uncopyable_type:
            problems.append(
                Problem(
                    f"{env.name} is a {env.type or 'default'} environment; Power Platform does "
                    f"not {verb} from or to Default, Trial or Developer environments"
                )
            )
    if target.is_production:
        problems.append(
            Problem(
                f"{target.name} is a production environment; nothing is "
                f"{_DONE.get(verb, verb)} into "
                "production (to use it as a target, switch it to a sandbox in the Power "
                "Platform admin center first — that also cuts its backup retention to 7 days)"
            )
        )
    elif not target.is_unified:
        if target.kind in LCS_KINDS:
            problems.append(
                Problem(
                    f"{target.name} is an LCS environment (linked); a {verb} into an "
                    "environment not managed in the Power Platform admin center copies only "
                    "Dataverse data, not finance and operations data — refresh it with its "
                    "LCS profile instead"
                )
            )
        else:
            problems.append(
                Problem(
                    f"{target.name} has no unified finance and operations apps; the target of "
                    f"a {verb} must be a unified sandbox or developer environment"
                )
            )
    if source.kind == KIND_DATAVERSE:
        problems.append(
            Problem(f"{source.name} has no finance and operations apps; nothing to {verb}")
        )
    # Power Platform's region is the geo (europe); Azure regions (westeurope,
    # northeurope) within one geo are one region for it. The Azure region only
    # decides where no geo is known.
    here, there = (
        (source.geo, target.geo)
        if source.geo and target.geo
        else (
            source.region,
            target.region,
        )
    )
    if here and there and here.lower() != there.lower():
        problems.append(
            Problem(
                f"{source.name} is in {here} and {target.name} in {there}; "
                f"Power Platform {verb}s only within one region"
            )
        )
    if (
        source.managed is not None
        and target.managed is not None
        and source.managed != target.managed
    ):
        which = f"{source.name} is managed, {target.name} is not"
        if target.managed:
            which = f"{target.name} is managed, {source.name} is not"
        problems.append(
            Problem(
                f"{which}; Power Platform {verb}s only managed to managed and unmanaged "
                "to unmanaged"
            )
        )
    known = busy.get(target.id)
    if known is not None:
        problems.append(
            Problem(
                f"{target.name} is busy with {known.reason}; one lifecycle operation runs on "
                "an environment at a time — wait until it finishes"
            )
        )
    return problems


def copy_verdict(
    source: PpEnvironment,
    target: PpEnvironment,
    *,
    busy: Mapping[str, Busy],
    candidates: Collection[str] | None = None,
) -> Verdict:
    """Whether a copy from `source` into `target` may be sent, and why (not).

    `candidates`: the target ids Power Platform listed as copy candidates of
    the source (None while not read): a target outside them is refused.
    """
    notes: list[str] = []
    if source.id == target.id:
        return Verdict([Problem("source and target are the same environment")], notes)
    problems = _common(source, target, "copy", busy)
    problems += _direction(source, target, "copy", notes)
    if candidates is not None and target.id not in candidates and not problems:
        if not candidates and source.is_linked and not source.url:
            # An LCS environment without a Dataverse organisation has no copy
            # candidates at all: its Power Platform integration is off (§2.2).
            why = (
                f"{source.name} has no Dataverse database, so Power Platform copies nothing "
                "from it: enable its Power Platform integration in LCS first"
            )
        else:
            why = (
                f"Power Platform does not list {target.name} as a copy target of "
                f"{source.name} (its copy candidates); reload, or pick one of those it lists"
            )
        problems.append(Problem(why))
    return Verdict(_unique(problems), notes)


def restore_verdict(
    source: PpEnvironment,
    target: PpEnvironment,
    point: datetime,
    *,
    now: datetime,
    busy: Mapping[str, Busy],
) -> Verdict:
    """Whether a restore of `source` at `point` into `target` may be sent (§4.3)."""
    notes: list[str] = []
    problems = _common(source, target, "restore", busy)
    if source.id != target.id:
        problems += _direction(source, target, "restore", notes)
    if target.is_unified and not target.is_sandbox and not target.is_production:
        problems.append(
            Problem(f"{target.name} is not a sandbox; only sandboxes can be restored to")
        )
    if point > now + timedelta(minutes=1):
        problems.append(Problem(f"the restore point {point:%Y-%m-%d %H:%M} UTC is in the future"))
    earliest = source.backups_from
    if earliest is None and source.retention_period:
        days = _days(source.retention_period)
        earliest = now - timedelta(days=days) if days else None
    if earliest is not None and point < earliest:
        problems.append(
            Problem(
                f"the restore point {point:%Y-%m-%d %H:%M} UTC is older than {source.name}'s "
                f"backups reach ({earliest:%Y-%m-%d %H:%M} UTC; retention "
                f"{source.retention_period or 'unknown'})"
            )
        )
    return Verdict(_unique(problems), notes)


def _direction(
    source: PpEnvironment, target: PpEnvironment, verb: str, notes: list[str]
) -> list[Problem]:
    """The direction table of §3.4, for targets that passed `_common`."""
    problems: list[Problem] = []
    if source.kind == KIND_LCS_DEVBOX:
        problems.append(
            Problem(
                f"{source.name} is an LCS cloud-hosted environment; those are not sources "
                "for unified environments (export a bacpac through LCS instead)"
            )
        )
    if source.kind == KIND_UDE:
        problems.append(
            Problem(
                f"{source.name} is a unified developer environment (UDE); a UDE cannot be "
                f"the source of a {verb} — {verb} from a sandbox or production instead"
            )
        )
    if source.kind == KIND_UNIFIED_SANDBOX:
        notes.append(
            f"lcs-tui could not tell whether {source.name} is a UDE (which cannot be a "
            "source) or a USE; the validation decides"
        )
    target_is_use = target.kind == KIND_USE
    if target_is_use and source.kind == KIND_USE:
        notes.append(
            f"USE to USE is not in Microsoft's table of {verb} directions; the validation decides"
        )
    if target_is_use and source.kind == KIND_LCS_PRODUCTION:
        notes.append(
            "LCS production to a unified sandbox is in use but not in Microsoft's table; "
            "the validation decides"
        )
    if target.kind == KIND_UNIFIED_SANDBOX and source.kind not in UNIFIED_KINDS | LCS_KINDS:
        notes.append(f"{source.name}'s kind is unknown; the validation decides")
    return problems


def backup_label_problem(label: str) -> str | None:
    """Why `label` cannot be a backup's label, or None when it can."""
    if not label.strip():
        return "type a label for the backup"
    if len(label) > LABEL_MAX:
        return f"use at most {LABEL_MAX} characters"
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in label):
        return "use one line of printable characters"
    return None


def backup_problems(environment: PpEnvironment, label: str) -> list[Problem]:
    problems: list[Problem] = []
    said = backup_label_problem(label)
    if said:
        problems.append(Problem(f"label: {said}"))
    if (environment.type or "").lower() == "trial":
        problems.append(
            Problem(f"{environment.name} is a trial environment; trials are not backed up")
        )
    if not environment.has_finops:
        problems.append(Problem(f"{environment.name} has no finance and operations apps"))
    return problems


#: Said wherever an LCS user looks for an export (§4.4).
NO_BACPAC = (
    "Unified environments have no bacpac export or download: a backup is a label and a "
    "point in time kept in the cloud (create one with lcs-tui backup create), restored with "
    "lcs-tui restore; it is never downloaded as a .bak or .bacpac file. For SQL access to a "
    "unified developer environment, Visual Studio requests just-in-time credentials."
)


def _unique(problems: list[Problem]) -> list[Problem]:
    seen: set[str] = set()
    kept: list[Problem] = []
    for problem in problems:
        if problem.message not in seen:
            seen.add(problem.message)
            kept.append(problem)
    return kept


def _days(period: str) -> int | None:
    """`P7D` → 7; anything else None."""
    text = period.strip().upper()
    if text.startswith("P") and text.endswith("D") and text[1:-1].isdigit():
        return int(text[1:-1])
    return None
