"""The child of the SIGKILL tests: `lcs-tui run`, stopping where the parent will kill it.

Arguments: the stop plan `KIND:STEP` (or `none`), then the arguments of
`lcs-tui` itself. KIND says where the child stops and waits to be killed —
it prints `! KIND:STEP` on stdout and sleeps — so that the kill lands at the
same point on a fast machine and a loaded one:

- `intent`: the job's state records the step's intent (its operation key),
  the service has not been asked yet;
- `sent`: LCS answered the step's POST and the operation journal has its
  activity id, the job's state does not yet;
- `done`: the job's state records the step as done, the next step has not begun.

Kills in the middle of a POST need no stop here: the parent holds the POST's
answer at the simulator (faults.hold) and kills the child while it waits.
"""

from __future__ import annotations

import sys
import time
from typing import Any

from lcs_tui.jobs import state as state_module
from lcs_tui.service import journal as journal_module


def say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def stop(plan: str) -> None:
    say(f"! {plan}")
    time.sleep(3600)


def install(plan: str) -> None:
    if plan == "none":
        return
    kind, number = plan.split(":")
    index = int(number)
    real_update = state_module.JobStateStore.update

    def update(self: Any, job: str, change: Any) -> Any:
        result = real_update(self, job, change)
        run = result.run
        if run is not None and index < len(run.steps):
            status = run.steps[index].status
            if (kind, status) in (("intent", "starting"), ("done", "done")):
                stop(plan)
        return result

    state_module.JobStateStore.update = update  # type: ignore[method-assign]
    if kind != "sent":
        return
    real_upsert = journal_module.Journal.upsert
    wanted = "refresh" if index == 0 else "export"

    def upsert(self: Any, op: Any) -> None:
        real_upsert(self, op)
        if op.kind == wanted and op.activity_id and op.status == "NotStarted":
            stop(plan)

    journal_module.Journal.upsert = upsert  # type: ignore[method-assign]


if __name__ == "__main__":
    install(sys.argv[1])
    say("ready")
    from lcs_tui.cli import main

    sys.exit(main(sys.argv[2:]))
