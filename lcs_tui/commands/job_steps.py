"""`lcs-tui job add`'s step options, read into job steps in the order given.

    --refresh SOURCE:TARGET        --export ENV:TEMPLATE      --download BACKUP:FOLDER
    --copy SOURCE:TARGET:TYPE      --restore SOURCE:TARGET:POINT
    --wait-until TIME  --wait-quota ENV  --wait-idle ENV  --notify-step TEXT

A copy's TYPE is what `lcs-tui copy --type` takes (full, transactionless,
minimal); a restore's POINT is a backup's label or id, or a point in time
with its offset (`2026-11-19T07:30:00Z`) — everything after the second
colon, so the time's own colons need no quoting. `--keep-audit-data`
applies to every copy and restore of the job, as it does for the verbs.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from lcs_tui.jobs.model import Step

#: The step options, their metavars and help, in the order `job add --help` lists them.
STEP_OPTIONS = (
    ("--refresh", "SOURCE:TARGET", "refresh TARGET (a sandbox) from SOURCE (LCS)"),
    ("--export", "ENV:TEMPLATE", "export ENV as TEMPLATE ({date} {time} {env} {yyyy}…) (LCS)"),
    ("--download", "BACKUP:FOLDER", "download previous|latest|NAME into FOLDER (LCS)"),
    (
        "--copy",
        "SOURCE:TARGET:TYPE",
        "copy SOURCE over the unified TARGET; TYPE full, transactionless or minimal "
        "(Power Platform)",
    ),
    (
        "--restore",
        "SOURCE:TARGET:POINT",
        "restore the unified sandbox TARGET to SOURCE's backup POINT (label or id) or to a "
        "time with its offset, e.g. 2026-11-19T07:30:00Z (Power Platform)",
    ),
    ("--wait-until", "TIME", "wait until TIME ('2026-11-22 22:00', in --zone)"),
    ("--wait-quota", "ENV", "wait until ENV has an operation left (LCS)"),
    ("--wait-idle", "ENV", "wait until ENV is not busy"),
    ("--notify-step", "TEXT", "send a notification saying TEXT"),
)


def steps_from_args(args: argparse.Namespace, zone: str) -> list[Step]:
    """The steps of `args.steps` ((dest, value) in command-line order); JobError if not."""
    from lcs_tui.jobs import Download, Export, JobError, Notify, Refresh, Wait
    from lcs_tui.jobs.model import Copy
    from lcs_tui.jobs.schedule import parse_moment

    skip_audit = not getattr(args, "keep_audit_data", False)
    steps: list[Step] = []
    for dest, value in args.steps:
        option = f"--{dest.replace('_', '-')}"
        if dest == "refresh":
            steps.append(Refresh(*_parts(option, value, 2)))
        elif dest == "export":
            steps.append(Export(*_parts(option, value, 2)))
        elif dest == "download":
            backup, folder = _parts(option, value, 2)
            steps.append(Download(backup, folder))
        elif dest == "copy":
            source, target, copy_type = _parts(option, value, 3)
            steps.append(Copy(source, target, copy_type.lower(), skip_audit))
        elif dest == "restore":
            steps.append(_restore(option, value, skip_audit))
        elif dest == "wait_until":
            steps.append(Wait(until=parse_moment(value), zone=zone))
        elif dest == "wait_quota":
            steps.append(Wait(quota=value))
        elif dest == "wait_idle":
            steps.append(Wait(idle=value))
        elif dest == "notify_step":
            steps.append(Notify(value))
        else:  # pragma: no cover - every option is listed above
            raise JobError(f"unknown step option {option}")
    return steps


def _parts(option: str, value: str, count: int) -> list[str]:
    """`A:B` (or `A:B:REST`, the rest kept whole) split into `count` non-empty parts."""
    from lcs_tui.jobs import JobError

    parts = value.split(":", count - 1)
    if len(parts) != count or not all(parts):
        shape = {2: "A:B", 3: "A:B:C"}[count]
        raise JobError(f"{option} {value!r}: write it as {shape}")
    return parts


def _restore(option: str, value: str, skip_audit: bool) -> Step:
    from lcs_tui.jobs import JobError
    from lcs_tui.jobs.model import Restore
    from lcs_tui.ppac.requests import parse_point

    source, target, point = _parts(option, value, 3)
    moment = parse_point(point)
    if moment is not None:
        return Restore(source, target, at=moment, skip_audit_data=skip_audit)
    if point[:4].isdigit() and "T" in point.upper():
        raise JobError(
            f"{option} {value!r}: {point!r} looks like a time but has no offset",
            "give it with its offset, e.g. 2026-11-19T07:30:00Z or 2026-11-19T08:30:00+01:00",
        )
    return Restore(source, target, backup=point, skip_audit_data=skip_audit)
