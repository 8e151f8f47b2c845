"""Power Platform clouds: which hosts, token scopes and sign-in authority a
Power Platform profile uses.

Source: ../shared/PPAC-API.md section 1.5 (the Terraform provider's constants).
A token is only accepted by the API it was asked for (its audience): the
Power Platform API (`api_scope`) and the older BAP admin API (`bap_scope`)
are two audiences, asked for separately with one sign-in.
"""

from __future__ import annotations

from dataclasses import dataclass

#: A profile whose Power Platform API host is not one of the table below (the
#: simulator, a cloud added later) uses this cloud key; its scopes are then
#: derived from its hosts (`https://HOST/.default`).
CUSTOM_CLOUD = "custom"


@dataclass(frozen=True)
class Cloud:
    """A Power Platform cloud: its two API hosts, their token scopes, where to sign in."""

    key: str
    label: str
    api_host: str
    bap_host: str
    api_scope: str
    bap_scope: str
    authority_host: str
    #: False: the sources disagree or are thin; `note` says how.
    verified: bool = True
    note: str | None = None

    def authority_for(self, tenant: str) -> str:
        return f"https://{self.authority_host}/{tenant}"


CLOUDS: dict[str, Cloud] = {
    c.key: c
    for c in (
        Cloud(
            "public",
            "Public (commercial)",
            "https://api.powerplatform.com",
            "https://api.bap.microsoft.com",
            "https://api.powerplatform.com/.default",
            "https://service.powerapps.com/.default",
            "login.microsoftonline.com",
        ),
        Cloud(
            "gcc",
            "US Government Community Cloud (GCC)",
            "https://api.gov.powerplatform.microsoft.us",
            "https://gov.api.bap.microsoft.us",
            "https://api.gov.powerplatform.microsoft.us/.default",
            "https://service.powerapps.us/.default",
            "login.microsoftonline.com",
        ),
        Cloud(
            "gcchigh",
            "US Government Community Cloud High (GCC High)",
            # The provider's constant says api.appsplatform.us (DoD's host, most
            # likely a copy slip); the host table in the same file, like the
            # pattern of the other clouds, says this one. Unverified: a wrong
            # host fails at once with a clear error, and `api_host` overrides it.
            "https://api.high.powerplatform.microsoft.us",
            "https://high.api.bap.microsoft.us",
            "https://api.high.powerplatform.microsoft.us/.default",
            "https://high.service.apps.appsplatform.us/.default",
            "login.microsoftonline.us",
            verified=False,
            note=(
                "sources disagree on the API host (api.high.powerplatform.microsoft.us or "
                "api.appsplatform.us); if calls fail, set api_host in the profile"
            ),
        ),
        Cloud(
            "dod",
            "US Department of Defense (DoD)",
            "https://api.appsplatform.us",
            "https://api.bap.appsplatform.us",
            "https://api.appsplatform.us/.default",
            "https://service.apps.appsplatform.us/.default",
            "login.microsoftonline.us",
        ),
        Cloud(
            "china",
            "China (operated by 21Vianet)",
            "https://api.powerplatform.partner.microsoftonline.cn",
            "https://api.bap.partner.microsoftonline.cn",
            "https://api.powerplatform.partner.microsoftonline.cn/.default",
            "https://service.powerapps.cn/.default",
            "login.chinacloudapi.cn",
        ),
    )
}


def cloud_for_host(api_host: str) -> str:
    """The cloud key whose Power Platform API host is `api_host`, else CUSTOM_CLOUD."""
    wanted = api_host.rstrip("/").lower()
    for cloud in CLOUDS.values():
        if cloud.api_host == wanted:
            return cloud.key
    return CUSTOM_CLOUD


def scope_of_host(host: str) -> str:
    """The token scope of a host outside the table: its origin's `.default`."""
    return f"{host.rstrip('/')}/.default"
