"""Which commands are for which kind of profile, and what to use instead.

`refresh`, `export`, `backups`, `start` and `stop` are LCS's; `copy`,
`backup` and `restore` are Power Platform's; `envs`, `history` and
`status` work for both. A command given the other kind of profile ends
before any sign-in with exit code 2 and the command that does the job
there (for an export: why unified environments have none).
"""

from __future__ import annotations

from lcs_tui.commands import exit_codes
from lcs_tui.commands.failures import Failure

LCS = "lcs"
POWERPLATFORM = "powerplatform"
KIND_OF_PROFILE = {LCS: "an LCS profile", POWERPLATFORM: "a Power Platform profile"}
PROFILES_OF_KIND = {LCS: "LCS profiles", POWERPLATFORM: "Power Platform profiles"}

_NO_BACPAC = (
    "unified environments have no bacpac export or download: a backup there is a label and "
    "a point in time kept in the cloud — lcs-tui backup create / list, and lcs-tui restore"
)

_INSTEAD: dict[tuple[str, str], str] = {
    ("refresh", POWERPLATFORM): "a unified environment gets another's data by a copy: "
    "lcs-tui copy --source ENV --target ENV",
    ("export", POWERPLATFORM): _NO_BACPAC,
    ("backups", POWERPLATFORM): f"its backups: lcs-tui backup list --env ENV; {_NO_BACPAC}",
    ("start", POWERPLATFORM): "unified environments are not started or stopped by lcs-tui",
    ("stop", POWERPLATFORM): "unified environments are not started or stopped by lcs-tui",
    ("copy", LCS): "an LCS project copies a database with lcs-tui refresh --source ENV "
    "--target ENV; to copy an LCS environment into a unified one, use a Power Platform "
    "profile of the tenant (the LCS environment is listed there as linked)",
    ("backup", LCS): "an LCS project's backups: lcs-tui backups; a new one: lcs-tui export",
    ("restore", LCS): "an LCS project restores a sandbox with lcs-tui refresh (a bacpac: the "
    "LCS portal's import)",
}


def wrong_backend(command: str, have: str, want: str | None, profile: str) -> Failure | None:
    """The failure of running `command` (for `want` profiles) with a `have` profile, or None."""
    if want is None or have == want:
        return None
    verb = command.split()[0]
    instead = _INSTEAD.get((verb, have))
    return Failure(
        exit_codes.USAGE,
        f"lcs-tui {command} is for {PROFILES_OF_KIND.get(want, want)}; profile {profile} is "
        f"{KIND_OF_PROFILE.get(have, have)}",
        instead or "pick another profile with --profile NAME",
    )
