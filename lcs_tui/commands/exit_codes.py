"""Exit codes of the scripting commands: one table, documented in docs/scripting.md.

A pipeline acts on these, so they never change meaning. 0, 2, 3 and 4 are
the same codes the sign-in and profile commands use (see profile.py).
"""

from __future__ import annotations

from typing import Final

OK: Final = 0
#: LCS ran the operation and reported a failure (Failed, RollbackCompleted, ...).
OPERATION_FAILED: Final = 1
#: The command line is wrong or incomplete, or confirmation was impossible or
#: declined. Nothing was sent to LCS.
USAGE: Final = 2
#: Not signed in, or the sign-in / token was refused.
SIGN_IN: Final = 3
#: The profile, configuration or secret store is unusable.
CONFIG: Final = 4
#: LCS refused the request (IsSuccess false) for a reason other than the quota.
REJECTED: Final = 5
#: The 3-operations-per-24-hours quota is used up (seen by LCS or by the checks).
QUOTA: Final = 6
#: --timeout passed while waiting; the operation continues in LCS.
TIMED_OUT: Final = 7
#: An operation-starting request may or may not have reached LCS. Never retry
#: blindly: check the environment history first.
OUTCOME_UNKNOWN: Final = 8
#: The client-side checks refused to send the request (production target,
#: busy environment, same source and target, ...). Nothing was sent.
REFUSED: Final = 9
#: LCS or the network could not be reached, or LCS kept failing or throttling.
UNAVAILABLE: Final = 10
#: Ctrl+C (the conventional 128 + SIGINT). A started operation continues in LCS.
INTERRUPTED: Final = 130

#: Stable names of the codes, used as `error.kind` in the JSON documents.
KINDS: Final[dict[int, str]] = {
    OK: "ok",
    OPERATION_FAILED: "operation_failed",
    USAGE: "usage",
    SIGN_IN: "sign_in",
    CONFIG: "config",
    REJECTED: "rejected",
    QUOTA: "quota",
    TIMED_OUT: "timed_out",
    OUTCOME_UNKNOWN: "outcome_unknown",
    REFUSED: "refused",
    UNAVAILABLE: "unavailable",
    INTERRUPTED: "interrupted",
}
