"""The child of the SIGKILL test: writes the journal in a loop until killed.

Protocol on stdout, one line each, flushed: `ready`, then for every change an
intent line before the call (`?+ KEY`, `?~ KEY`, `?- KEY`) and a confirmation
after the call returned (`+ KEY` added, `~ KEY` updated, `- KEY` removed).
A confirmed change must survive the kill; an unconfirmed one may or may not.
"""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

from lcs_tui.service.journal import Journal
from lcs_tui.service.operations import TrackedOperation

#: Entries kept before the oldest is removed: the file stays small, and
#: removals get killed too.
KEEP = 12


def say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def main(path: Path, child: int) -> None:
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
    main(Path(sys.argv[1]), int(sys.argv[2]))
