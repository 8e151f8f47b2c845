"""The Power Platform side through the loopback HTTPS server: mounts, audiences, links."""

from __future__ import annotations

import ssl
from collections.abc import Iterator

import httpx
import pytest

from lcs_tui.simulator import LoopbackServer, Simulator, demo

from .pp_support import Tenant, small_tenant, tenant_sim
from .support import backups_path, bearer


@pytest.fixture(scope="module")
def world() -> tuple[Simulator, Tenant]:
    sim = tenant_sim()
    return sim, small_tenant(sim)


@pytest.fixture(scope="module")
def server(world: tuple[Simulator, Tenant]) -> Iterator[LoopbackServer]:
    with world[0].serve_https() as running:
        yield running


@pytest.fixture(scope="module")
def https(server: LoopbackServer) -> Iterator[httpx.Client]:
    context = ssl.create_default_context(cafile=server.ca_file)
    with httpx.Client(verify=context, timeout=30) as client:
        yield client


def token(https: httpx.Client, base: str, scope: str) -> str:
    answer = https.post(
        f"{base}/{demo.TENANT_ID}/oauth2/v2.0/token",
        data={
            "grant_type": "password",
            "client_id": demo.CLIENT_ID,
            "scope": scope,
            "username": demo.USERNAME,
            "password": demo.PASSWORD,
        },
    )
    assert answer.status_code == 200, answer.text
    value: str = answer.json()["access_token"]
    return value


def auth(value: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {value}"}


def test_the_pp_api_under_its_mount_copy_and_poll(
    server: LoopbackServer, https: httpx.Client, world: tuple[Simulator, Tenant]
) -> None:
    base = f"{server.base_url}{demo.PP_MOUNT}"
    pp = auth(token(https, server.base_url, f"{base}/.default"))
    envs = https.get(
        f"{base}/environmentmanagement/environments?api-version=2024-10-01", headers=pp
    )
    assert envs.status_code == 200
    ude = next(e for e in envs.json()["value"] if e["displayName"] == "T-UDE")
    # Links point back at this server.
    assert ude["url"] == f"{server.base_url}/dataverse/t-ude/"
    tenant = world[1]
    started = https.post(
        f"{base}/environmentmanagement/environments/{tenant.ude}/copy?api-version=2024-10-01",
        json={"sourceEnvironmentId": tenant.use, "copyType": "Full"},
        headers=pp,
    )
    assert started.status_code == 202
    assert started.headers["Operation-Location"].startswith(f"{base}/environmentmanagement/")
    polled = https.get(started.headers["Location"], headers=pp)
    assert polled.status_code == 200 and polled.json()["status"] == "Queued"
    dataverse_token = auth(token(https, server.base_url, f"{ude['url']}.default"))
    details = https.get(
        f"{ude['url']}api/data/v9.2/msprov_getfinopsapplicationdetails", headers=dataverse_token
    )
    assert details.json()["applicationdeploymenttype"] == "OnlineDev"


def test_the_public_audience_works_here_too_and_lcs_tokens_do_not(
    server: LoopbackServer, https: httpx.Client
) -> None:
    list_url = (
        f"{server.base_url}{demo.PP_MOUNT}/environmentmanagement/environments"
        "?api-version=2024-10-01"
    )
    public = auth(token(https, server.base_url, demo.PP_SCOPE))
    assert https.get(list_url, headers=public).status_code == 200
    lcs = auth(token(https, server.base_url, f"{server.base_url}//.default"))
    refused = https.get(list_url, headers=lcs)
    assert refused.status_code == 401
    assert (
        f"Ensure the scope is '{server.base_url}/powerplatform/.default'"
        in (refused.json()["error"]["message"])
    )
    # And the other way round: a Power Platform token on this server's LCS API.
    lcs_refused = https.get(
        f"{server.base_url}{backups_path()}", headers=bearer(public["Authorization"][7:])
    )
    assert lcs_refused.status_code == 401


def test_bap_under_its_mount(server: LoopbackServer, https: httpx.Client) -> None:
    base = f"{server.base_url}{demo.BAP_MOUNT}"
    bap = auth(token(https, server.base_url, demo.BAP_SCOPE))
    listed = https.get(
        f"{base}/providers/Microsoft.BusinessAppPlatform/scopes/admin/environments"
        "?api-version=2023-06-01",
        headers=bap,
    )
    assert listed.status_code == 200
    names = {e["properties"]["displayName"] for e in listed.json()["value"]}
    assert {"T-UPE", "T-LCS-UAT"} <= names
    own_base = auth(token(https, server.base_url, f"{base}/.default"))
    again = https.get(
        f"{base}/providers/Microsoft.BusinessAppPlatform/scopes/admin/environments"
        "?api-version=2023-06-01",
        headers=own_base,
    )
    assert again.status_code == 200
