"""Is a Power Platform sign-in set up right? Checked on the spot, explained when not.

A service principal needs set-up in three places (PPAC-API.md §10.2): the
Entra app, its registration with Power Platform (or a Power Platform role),
and an application user in each environment's Dataverse. Each failure has
its own answer from the service — a token for the wrong API (401), an
unregistered admin application (403 from BAP), a missing role (403 from the
Power Platform API), no application user (Dataverse) — and each gets its
own line here with what to do. A user sign-in is checked the same way.
"""

from __future__ import annotations

from dataclasses import dataclass

from lcs_tui.api.errors import LcsError
from lcs_tui.ppac.client import PowerPlatformClient
from lcs_tui.ppac.errors import PpAuthError, PpForbidden

#: The app Power Platform API permissions are granted on (D9).
POWER_PLATFORM_API_APP_ID = "8578e004-a5c6-46e7-913e-12f58912df43"


def service_principal_setup(client_id: str) -> list[str]:
    """What a service principal needs before lcs-tui can use it, step by step (§10.2)."""
    return [
        "A service principal needs, once:",
        f"  1. Entra ID > App registrations > {client_id} > Certificates & secrets: a client "
        "secret (copy its Value, not its ID).",
        "  2. API permissions: the 'Power Platform API' (app id "
        f"{POWER_PLATFORM_API_APP_ID}); if your tenant lacks it, create its service principal "
        f"first (az ad sp create --id {POWER_PLATFORM_API_APP_ID}).",
        "  3. Registration with Power Platform, done by a Power Platform administrator signed "
        "in as a user (a service principal cannot register itself): PUT "
        "https://api.bap.microsoft.com/providers/Microsoft.BusinessAppPlatform/"
        f"adminApplications/{client_id}?api-version=2020-10-01 — or, instead, the Power "
        "Platform Contributor role at tenant scope (Power Platform role-based access control).",
        "  4. In the source and the target environment: an application user for the app with "
        "the System Administrator role (admin center > environment > Settings > Users + "
        "permissions > Application users).",
    ]


@dataclass(frozen=True, slots=True)
class Check:
    """One part of the set-up: working (True), not (False), or not checked (None)."""

    name: str
    ok: bool | None
    message: str
    hint: str | None = None

    def line(self) -> str:
        mark = {True: "ok", False: "FAILED", None: "not checked"}[self.ok]
        return f"  {self.name}: {mark} — {self.message}"


async def check_setup(client: PowerPlatformClient) -> list[Check]:
    """Ask each API once, as the signed-in identity; say what works and what does not."""
    checks: list[Check] = []
    envs = []
    try:
        envs = list((await client.list_environments()).items)
        with_fno = sum(1 for e in envs if e.has_finops)
        checks.append(
            Check(
                "Power Platform API",
                True,
                f"lists {len(envs)} environments, {with_fno} with finance and operations apps",
            )
        )
    except (PpAuthError, PpForbidden) as exc:
        checks.append(Check("Power Platform API", False, exc.message, exc.hint))
    except LcsError as exc:
        checks.append(Check("Power Platform API", False, exc.message, exc.hint))
    try:
        listed = len((await client.list_bap_environments()).items)
        checks.append(Check("BAP admin API", True, f"answers ({listed} environments)"))
    except LcsError as exc:
        checks.append(Check("BAP admin API", False, exc.message, exc.hint))
    unified = next((e for e in envs if e.is_unified and e.url), None)
    if unified is None:
        checks.append(Check("Dataverse", None, "no unified environment to ask (none listed yet)"))
        return checks
    try:
        await client.finops_details(unified)
        checks.append(Check("Dataverse", True, f"{unified.name} answers"))
    except LcsError as exc:
        checks.append(
            Check(
                "Dataverse",
                False,
                f"{unified.name}: {exc.message}",
                "add an application user for the app, with System Administrator, in each "
                "environment you copy from or to (a user needs a Dataverse role there); "
                "without it lcs-tui cannot tell a UDE from a USE",
            )
        )
    return checks


def essential_failure(checks: list[Check]) -> Check | None:
    """The failure that keeps lcs-tui from working at all (the Power Platform API), if any."""
    return next((c for c in checks if c.name == "Power Platform API" and c.ok is False), None)
