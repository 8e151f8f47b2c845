"""Environment lists: BAP's and the Power Platform API's, the Dataverse details, the LCS join."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from lcs_tui.simulator import Simulator, demo

from .pp_support import BAP, BAP_ADMIN_ENVS, ENVS, Api, demo_sim, spn_token, user_token
from .support import call_json, detail_path, sign_in


@pytest.fixture(scope="module")
def sim() -> Simulator:
    return demo_sim()


def bap_envs(sim: Simulator) -> dict[str, dict[str, Any]]:
    api = Api(sim, user_token(sim, scope=demo.BAP_SCOPE), BAP)
    listed = api.json(BAP_ADMIN_ENVS, **{"api-version": "2023-06-01"})
    assert set(listed) == {"value"}  # one page, as every client of BAP assumes
    return {env["properties"]["displayName"]: env for env in listed["value"]}


def test_baps_list_has_every_kind_of_environment(sim: Simulator) -> None:
    envs = bap_envs(sim)
    use = envs[demo.PP_USE_ENVIRONMENT_NAME]["properties"]
    assert use["linkedAppMetadata"]["type"] == "Internal"
    assert use["environmentSku"] == "Sandbox"
    assert use["linkedAppMetadata"]["url"].endswith(".sandbox.operations.eu.dynamics.com/")
    upe = envs[demo.PP_UPE_ENVIRONMENT_NAME]["properties"]
    assert upe["environmentSku"] == "Production" and upe["linkedAppMetadata"]["type"] == "Internal"
    lcs_uat = envs[demo.UAT_ENVIRONMENT_NAME]["properties"]
    assert lcs_uat["linkedAppMetadata"]["type"] == "Linked"
    lcs_prod = envs[demo.PROD_ENVIRONMENT_NAME]["properties"]
    assert lcs_prod["environmentSku"] == "Production"
    assert lcs_prod["linkedAppMetadata"]["type"] == "Linked"
    assert "cloudax" in envs[demo.DEV_ENVIRONMENT_NAME]["properties"]["linkedAppMetadata"]["url"]
    plain = envs[demo.PP_DATAVERSE_ENVIRONMENT_NAME]["properties"]
    assert "linkedAppMetadata" not in plain and plain["databaseType"] == "CommonDataService"
    default = envs[demo.PP_DEFAULT_ENVIRONMENT_NAME]["properties"]
    assert default["isDefault"] is True and default["environmentSku"] == "Default"
    assert envs[demo.PP_TRIAL_ENVIRONMENT_NAME]["properties"]["environmentSku"] == "Trial"
    runtime = {name: e["properties"]["states"]["runtime"]["id"] for name, e in envs.items()}
    assert runtime[demo.PP_USE_ADMIN_MODE_ENVIRONMENT_NAME] == "AdminMode"
    assert runtime[demo.PP_USE_ENVIRONMENT_NAME] == "Enabled"
    # An LCS environment before the Power Platform integration has no Dataverse.
    test = envs[demo.TEST_ENVIRONMENT_NAME]["properties"]
    assert test["databaseType"] == "None" and "linkedEnvironmentMetadata" not in test
    assert envs[demo.PP_UPE_ENVIRONMENT_NAME]["properties"]["retentionPeriod"] == "P28D"
    assert use["retentionPeriod"] == "P7D"


async def test_linked_environments_carry_the_lcs_environment_ids(sim: Simulator) -> None:
    """Joinable with the LCS demo: linkedAppMetadata.id is the LCS environment's
    id (always dashed; LCS itself writes some without dashes)."""
    envs = bap_envs(sim)
    token = sign_in(sim)
    async with httpx.AsyncClient(transport=sim.async_transport()) as client:
        lcs: list[dict[str, Any]] = []
        for page in (1, 2):
            lcs += (await call_json(client, "GET", detail_path(f"page={page}"), token))["Data"]
    for row in lcs:
        if row["EnvironmentName"] == "CONTOSO-BUILD":
            continue  # a stopped build box with no Power Platform environment
        linked = envs[row["EnvironmentName"]]["properties"]["linkedAppMetadata"]
        assert uuid.UUID(linked["id"]) == uuid.UUID(row["EnvironmentId"])
        assert linked["url"] == row["EnvironmentEndpointBaseUrl"]
    assert envs[demo.PROD_ENVIRONMENT_NAME]["properties"]["linkedAppMetadata"]["id"] == str(
        uuid.UUID(demo.PROD_ENVIRONMENT_ID)
    )


def test_the_pp_api_list_has_finops_metadata_and_two_pages(sim: Simulator) -> None:
    api = Api(sim, user_token(sim))
    first = api.json(ENVS)
    assert len(first["value"]) == 10 and "@odata.nextlink" in first
    second = api.follow(first["@odata.nextlink"]).json()
    assert "@odata.nextlink" not in second
    envs = {e["displayName"]: e for e in first["value"] + second["value"]}
    assert len(envs) == len(sim.pp_environments())
    ude = envs[demo.PP_UDE_ENVIRONMENT_NAME]
    assert ude["finOpsMetadata"]["type"] == "Internal" and ude["type"] == "Sandbox"
    assert envs[demo.UAT_ENVIRONMENT_NAME]["finOpsMetadata"]["id"] == demo.UAT_ENVIRONMENT_ID
    assert "finOpsMetadata" not in envs[demo.PP_DATAVERSE_ENVIRONMENT_NAME]
    assert envs[demo.PP_USE_ADMIN_MODE_ENVIRONMENT_NAME]["adminMode"] == "Enabled"
    assert ude["url"] == "https://contoso-ude-ana.crm4.dynamics.com/"


def test_the_next_link_can_be_spelled_the_odata_way() -> None:
    sim = demo_sim(pp_next_link="@odata.nextLink", pp_env_page_size=4)
    pages = [Api(sim, user_token(sim)).json(ENVS)]
    while "@odata.nextLink" in pages[-1]:
        pages.append(Api(sim, user_token(sim)).follow(pages[-1]["@odata.nextLink"]).json())
    assert [len(p["value"]) for p in pages] == [4, 4, 4, 4, 1]  # 17 environments
    assert all("@odata.nextlink" not in p for p in pages)


def test_baps_list_can_page_too() -> None:
    sim = demo_sim(bap_env_page_size=8)
    api = Api(sim, user_token(sim, scope=demo.BAP_SCOPE), BAP)
    first = api.json(BAP_ADMIN_ENVS)
    second = api.follow(first["@odata.nextLink"]).json()
    assert len(first["value"]) == 8 and len(second["value"]) == 8


def test_filter_ids_and_select(sim: Simulator) -> None:
    api = Api(sim, user_token(sim))
    production = api.json(ENVS, **{"$filter": "type eq 'Production'"})["value"]
    assert {e["displayName"] for e in production} == {
        demo.PROD_ENVIRONMENT_NAME,
        demo.PP_UPE_ENVIRONMENT_NAME,
        demo.PP_DATAVERSE_ENVIRONMENT_NAME,
    }
    us = api.json(ENVS, **{"$filter": "geo eq 'unitedstates' and type eq 'Sandbox'"})["value"]
    assert [e["displayName"] for e in us] == [demo.PP_USE_US_ENVIRONMENT_NAME]
    picked = api.json(ENVS, ids=f"{demo.PP_UDE_ENVIRONMENT_ID},{demo.PP_UPE_ENVIRONMENT_ID}")
    assert len(picked["value"]) == 2
    slim = api.json(ENVS, **{"$select": "displayName"})["value"]
    assert set(slim[0]) == {"id", "displayName"}
    wrong = api.get(ENVS, **{"$filter": "colour eq 'blue'"})
    assert wrong.status_code == 400 and "$filter" in wrong.json()["errorDetail"]["fieldErrors"]


def test_one_environment_from_bap_and_an_unknown_one(sim: Simulator) -> None:
    api = Api(sim, user_token(sim, scope=demo.BAP_SCOPE), BAP)
    one = api.json(f"{BAP_ADMIN_ENVS}/{demo.PP_UDE_ENVIRONMENT_ID}")
    assert one["name"] == demo.PP_UDE_ENVIRONMENT_ID
    missing = api.get(f"{BAP_ADMIN_ENVS}/{uuid.UUID(int=5)}")
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "EnvironmentNotFound"
    assert "could not be found in the tenant" in missing.json()["error"]["message"]


def dataverse(sim: Simulator, env_name: str, token: str, path: str) -> httpx.Response:
    env_id = next(e.environment_id for e in sim.pp_environments() if e.display_name == env_name)
    url = Api(sim, user_token(sim)).json(ENVS, ids=env_id)["value"][0]["url"]
    with httpx.Client(transport=sim.sync_transport()) as client:
        return client.get(
            f"{url}api/data/v9.2/{path}", headers={"Authorization": f"Bearer {token}"}
        )


def dataverse_token(sim: Simulator, org_url: str, spn: bool = False) -> str:
    scope = f"{org_url.rstrip('/')}/.default"
    return spn_token(sim, scope=scope) if spn else user_token(sim, scope=scope)


def test_dataverse_tells_a_ude_from_a_use(sim: Simulator) -> None:
    function = "msprov_getfinopsapplicationdetails"
    for name, kind in (
        (demo.PP_UDE_ENVIRONMENT_NAME, "OnlineDev"),
        (demo.PP_USE_ENVIRONMENT_NAME, "Sandbox"),
        (demo.PP_UPE_ENVIRONMENT_NAME, "Production"),
    ):
        org = sim.pp_environment(
            {
                demo.PP_UDE_ENVIRONMENT_NAME: demo.PP_UDE_ENVIRONMENT_ID,
                demo.PP_USE_ENVIRONMENT_NAME: demo.PP_USE_ENVIRONMENT_ID,
                demo.PP_UPE_ENVIRONMENT_NAME: demo.PP_UPE_ENVIRONMENT_ID,
            }[name]
        ).domain_name
        token = dataverse_token(sim, f"https://{org}.crm4.dynamics.com")
        details = dataverse(sim, name, token, function)
        assert details.status_code == 200, details.text
        assert details.json()["applicationdeploymenttype"] == kind
        assert details.json()["applicationversion"].startswith("10.0.")
    # An app registration cannot read them (d365bap.tools #95).
    spn = dataverse_token(sim, "https://contoso-ude-ana.crm4.dynamics.com", spn=True)
    assert dataverse(sim, demo.PP_UDE_ENVIRONMENT_NAME, spn, function).status_code == 403
    # A token for another organisation is the wrong audience.
    other = dataverse_token(sim, "https://contoso-u-uat.crm4.dynamics.com")
    assert dataverse(sim, demo.PP_UDE_ENVIRONMENT_NAME, other, function).status_code == 401


def test_dataverse_of_an_lcs_environment_names_its_finops_environment(sim: Simulator) -> None:
    token = dataverse_token(sim, "https://contoso-uat.crm4.dynamics.com")
    details = dataverse(
        sim, demo.UAT_ENVIRONMENT_NAME, token, "RetrieveFinanceAndOperationsIntegrationDetails"
    )
    assert details.json()["Id"] == demo.UAT_ENVIRONMENT_ID
    unified = dataverse(sim, demo.UAT_ENVIRONMENT_NAME, token, "msprov_getfinopsapplicationdetails")
    assert unified.status_code == 400 and unified.json()["error"]["code"] == "0x80048d0b"


def test_dataverse_operation_history_and_its_log(sim: Simulator) -> None:
    token = dataverse_token(sim, "https://contoso-ude-ana.crm4.dynamics.com")
    rows = dataverse(sim, demo.PP_UDE_ENVIRONMENT_NAME, token, "msprov_operationhistories")
    names = [row["msprov_name"] for row in rows.json()["value"]]
    assert names == ["DatabaseCopy", "EnvironmentProvisioning"]
    row_id = rows.json()["value"][0]["msprov_operationhistoryid"]
    log = dataverse(
        sim,
        demo.PP_UDE_ENVIRONMENT_NAME,
        token,
        f"msprov_operationhistories({row_id})/msprov_logs/$value",
    )
    assert log.status_code == 200 and "Run started" in log.text and "Copy succeeded" in log.text
