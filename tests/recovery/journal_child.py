"""The child of the SIGKILL test: writes the journal in a loop until killed.

Protocol on stdout, one line each, flushed: `ready`, then for every change an
intent line before the call (`?+ KEY`, `?~ KEY`, `?- KEY`) and a confirmation
after the call returned (`+ KEY` added, `~ KEY` updated, `- KEY` removed).
A confirmed change must survive the kill; an unconfirmed one may or may not.

The third argument, `N:POINT`, says where the parent will kill it, so that
the kill lands where it should whatever the machine's speed: at write N the
child stops `tmp` (the new journal written and fsynced, not yet renamed) or
`renamed` (renamed, the directory not yet fsynced), prints `! POINT` and
waits to be killed; with `between` it never stops (the parent kills it after
its N-th confirmation, between two changes or in the next one).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from lcs_tui import atomic as atomic_module
from lcs_tui.service.journal import Journal
from lcs_tui.service.operations import TrackedOperation

#: Entries kept before the oldest is removed: the file stays small, and
#: removals get killed too.
KEEP = 12


def say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def stop_at(plan: str) -> None:
    """Make the N-th journal write wait at POINT until the parent kills us."""
    number, point = plan.split(":")
    if point == "between":
        return
    wanted = int(number)
    writes = 0
    # The journal writes through lcs_tui/atomic.py, and nothing else writes here.
    name = {"tmp": "_replace", "renamed": "fsync_directory"}[point]
    real: Callable[..., Any] = getattr(atomic_module, name)

    def counted(*args: Any) -> Any:
        nonlocal writes
        writes += 1  # each journal write renames once and fsyncs its folder once
        if writes == wanted:
            say(f"! {point}")
            time.sleep(3600)
        return real(*args)

    setattr(atomic_module, name, counted)


def main(path: Path, child: int, plan: str) -> None:
    stop_at(plan)
    journal = Journal(path)
    live = [op.key for op in journal.load()]
    say("ready")
    number = 0
    while True:
        number += 1
        op = TrackedOperation.new(
            kind="export",
            project_id=1,
            poll_environment_id="uat",
            environment_name="UAT",
            backup_name=f"child{child}-{number}",
            requested_at=datetime(2026, 11, 29, 12, 0),
        )
        say(f"?+ {op.key}")
        journal.upsert(op)
        say(f"+ {op.key}")
        live.append(op.key)
        say(f"?~ {op.key}")
        journal.upsert(op.with_changes(activity_id=f"activity-{op.key}", status="InProgress"))
        say(f"~ {op.key}")
        while len(live) > KEEP:
            gone = live.pop(0)
            say(f"?- {gone}")
            journal.remove(gone)
            say(f"- {gone}")


if __name__ == "__main__":
    main(Path(sys.argv[1]), int(sys.argv[2]), sys.argv[3])
