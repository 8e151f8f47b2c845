"""LCS geographies: where a project lives decides the API host, the token
scope and (for national clouds) the sign-in authority.

Source: ../shared/LCS-API.md section 1. A project only answers on the host of
its own geography; a token for another geography's host is refused with 401.
"""

from __future__ import annotations

from dataclasses import dataclass

COMMERCIAL_AUTHORITY_HOST = "login.microsoftonline.com"

# A profile whose API host is not one of the table below (the simulator, a
# host Microsoft added after this release) uses this geography key.
CUSTOM = "custom"


@dataclass(frozen=True)
class Geography:
    """An LCS geography: its API host and its sign-in authority."""

    key: str
    label: str
    api_host: str
    authority_host: str = COMMERCIAL_AUTHORITY_HOST
    verified: bool = True  # False: informed guess, see LCS-API.md

    def authority_for(self, tenant: str) -> str:
        return f"https://{self.authority_host}/{tenant}"


GEOGRAPHIES: dict[str, Geography] = {
    g.key: g
    for g in (
        Geography("global", "Global / United States", "https://lcsapi.lcs.dynamics.com"),
        Geography("eu", "Europe", "https://lcsapi.eu.lcs.dynamics.com"),
        Geography("fr", "France", "https://lcsapi.fr.lcs.dynamics.com"),
        Geography("no", "Norway", "https://lcsapi.no.lcs.dynamics.com"),
        Geography("sa", "South Africa", "https://lcsapi.sa.lcs.dynamics.com"),
        Geography("ch", "Switzerland", "https://lcsapi.ch.lcs.dynamics.com"),
        Geography("uae", "United Arab Emirates", "https://lcsapi.uae.lcs.dynamics.com"),
        Geography(
            "cn",
            "China (21Vianet)",
            "https://lcsapi.lcs.dynamics.cn",
            authority_host="login.partner.microsoftonline.cn",
            verified=False,
        ),
        Geography(
            "usgov",
            "US Government",
            "https://lcsapi.gov.lcs.microsoftdynamics.us",
            authority_host="login.microsoftonline.us",
            verified=False,
        ),
    )
}


def geography_for_host(api_host: str) -> str:
    """The geography key whose API host is `api_host`, else CUSTOM."""
    wanted = api_host.rstrip("/").lower()
    for geo in GEOGRAPHIES.values():
        if geo.api_host == wanted:
            return geo.key
    return CUSTOM
