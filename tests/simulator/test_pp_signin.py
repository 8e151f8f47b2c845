"""Sign-in for the Power Platform side: audiences, service principals, roles."""

from __future__ import annotations

import base64
import json
from typing import Any

import httpx
import msal
import pytest

from lcs_tui.simulator import Simulator, demo

from .msal_http import MsalHttp
from .pp_support import (
    BAP,
    BAP_ADMIN_ENVS,
    ENVS,
    PP,
    Api,
    small_tenant,
    spn_response,
    spn_token,
    tenant_sim,
    user_token,
)
from .support import API, backups_path, bearer


@pytest.fixture
def sim() -> Simulator:
    made = tenant_sim()
    small_tenant(made)
    return made


def claims(jwt: str) -> dict[str, Any]:
    payload = jwt.split(".")[1]
    decoded: dict[str, Any] = json.loads(base64.urlsafe_b64decode(payload + "==="))
    return decoded


def test_a_user_token_for_the_power_platform_scope_lists_environments(sim: Simulator) -> None:
    api = Api(sim, user_token(sim))
    listed = api.get(ENVS)
    assert listed.status_code == 200
    assert {"T-UPE", "T-UDE"} <= {env["displayName"] for env in listed.json()["value"]}


def test_the_device_code_flow_gives_a_power_platform_token(sim: Simulator) -> None:
    with httpx.Client(transport=sim.sync_transport()) as client:
        started = client.post(
            f"{demo.AUTHORITY}/oauth2/v2.0/devicecode",
            data={"client_id": demo.CLIENT_ID, "scope": f"{demo.PP_SCOPE} offline_access"},
        ).json()
        sim.approve_device_code(started["user_code"], demo.MFA_USERNAME)
        redeemed = client.post(
            f"{demo.AUTHORITY}/oauth2/v2.0/token",
            data={
                "grant_type": "urn:ietf:params:oauth:grant-type:device_code",
                "client_id": demo.CLIENT_ID,
                "device_code": started["device_code"],
            },
        )
    assert redeemed.status_code == 200, redeemed.text
    assert Api(sim, redeemed.json()["access_token"]).get(ENVS).status_code == 200


def test_the_mfa_user_cannot_use_username_and_password(sim: Simulator) -> None:
    with httpx.Client(transport=sim.sync_transport()) as client:
        refused = client.post(
            f"{demo.AUTHORITY}/oauth2/v2.0/token",
            data={
                "grant_type": "password",
                "client_id": demo.CLIENT_ID,
                "scope": demo.PP_SCOPE,
                "username": demo.MFA_USERNAME,
                "password": demo.MFA_PASSWORD,
            },
        )
    assert refused.status_code == 400 and refused.json()["error_codes"] == [50076]
    # Entra names the API that asks for MFA: the Power Platform API's app.
    assert demo.PP_API_APP_ID in refused.json()["error_description"]


def test_client_credentials_give_an_app_only_token(sim: Simulator) -> None:
    answer = spn_response(sim)
    assert answer.status_code == 200
    body = answer.json()
    assert "refresh_token" not in body and "id_token" not in body
    token_claims = claims(body["access_token"])
    assert token_claims["appid"] == demo.SPN_CLIENT_ID
    assert token_claims["idtyp"] == "app" and "upn" not in token_claims


@pytest.mark.parametrize(
    ("extra", "code"),
    [
        ({"client_secret": "wrong"}, 7000215),
        ({"scope": "https://api.powerplatform.com/user_impersonation"}, 1002012),
    ],
)
def test_client_credentials_refusals(sim: Simulator, extra: dict[str, str], code: int) -> None:
    refused = spn_response(sim, **extra)
    assert refused.status_code in (400, 401)
    assert refused.json()["error_codes"] == [code]


def test_a_public_client_has_no_client_credentials(sim: Simulator) -> None:
    refused = spn_response(sim, client_id=demo.CLIENT_ID)
    assert refused.status_code == 401 and refused.json()["error_codes"] == [7000218]


def test_an_lcs_token_on_the_power_platform_api_is_the_wrong_audience(sim: Simulator) -> None:
    refused = Api(sim, user_token(sim, scope=demo.SCOPE)).get(ENVS)
    assert refused.status_code == 401
    message = refused.json()["error"]["message"]
    assert "acquired for the wrong audience 'https://lcsapi.lcs.dynamics.com'" in message
    assert "Ensure the scope is 'https://api.powerplatform.com/.default'" in message
    assert 'error="invalid_token"' in refused.headers["WWW-Authenticate"]


def test_a_power_platform_token_on_lcs_is_the_wrong_audience(sim: Simulator) -> None:
    with httpx.Client(transport=sim.sync_transport()) as client:
        refused = client.get(f"{API}{backups_path()}", headers=bearer(user_token(sim)))
    assert refused.status_code == 401
    assert refused.json() == {"Message": "Authorization has been denied for this request."}
    challenge = refused.headers["WWW-Authenticate"]
    assert "acquired for the wrong audience 'https://api.powerplatform.com'" in challenge


def test_the_two_power_platform_apis_have_different_audiences(sim: Simulator) -> None:
    pp_token, bap_token = user_token(sim), user_token(sim, scope=demo.BAP_SCOPE)
    assert Api(sim, bap_token, BAP).get(BAP_ADMIN_ENVS).status_code == 200
    assert Api(sim, pp_token, BAP).get(BAP_ADMIN_ENVS).status_code == 401
    assert Api(sim, bap_token, PP).get(ENVS).status_code == 401


def test_lcs_refuses_an_app_only_token_for_its_own_host(sim: Simulator) -> None:
    token = spn_token(sim, scope=f"{API}/.default")
    with httpx.Client(transport=sim.sync_transport()) as client:
        refused = client.get(f"{API}{backups_path()}", headers=bearer(token))
    assert refused.status_code == 401


def test_a_registered_service_principal_may_use_both_apis(sim: Simulator) -> None:
    assert Api(sim, spn_token(sim)).get(ENVS).status_code == 200
    bap = Api(sim, spn_token(sim, scope=demo.BAP_SCOPE), BAP)
    assert bap.get(BAP_ADMIN_ENVS).status_code == 200


def test_an_unregistered_service_principal_gets_baps_403(sim: Simulator) -> None:
    client_id = demo.UNREGISTERED_SPN_CLIENT_ID
    bap = Api(sim, spn_token(sim, client_id, demo.BAP_SCOPE), BAP)
    refused = bap.get(BAP_ADMIN_ENVS)
    assert refused.status_code == 403
    message = refused.json()["error"]["message"]
    assert "does not have permission to access the path" in message
    assert BAP_ADMIN_ENVS in message and client_id in message
    pp = Api(sim, spn_token(sim, client_id))
    target = sim.pp_environments()[2].environment_id
    assert pp.copy(target, sim.pp_environments()[0].environment_id).status_code == 403


def test_a_role_only_service_principal_may_use_the_pp_api_but_not_bap(sim: Simulator) -> None:
    client_id = demo.RBAC_SPN_CLIENT_ID
    assert Api(sim, spn_token(sim, client_id)).get(ENVS).status_code == 200
    bap = Api(sim, spn_token(sim, client_id, demo.BAP_SCOPE), BAP)
    assert bap.get(BAP_ADMIN_ENVS).status_code == 403


def test_an_admin_registers_a_service_principal_and_bap_then_accepts_it(sim: Simulator) -> None:
    client_id = demo.UNREGISTERED_SPN_CLIENT_ID
    spn = Api(sim, spn_token(sim, client_id, demo.BAP_SCOPE), BAP)
    apps = "/providers/Microsoft.BusinessAppPlatform/adminApplications"
    # "A service principal can't register itself."
    assert spn.client.put(spn.url(f"{apps}/{client_id}")).status_code == 403
    admin = Api(sim, user_token(sim, scope=demo.BAP_SCOPE), BAP)
    registered = admin.client.put(admin.url(f"{apps}/{client_id}", **{"api-version": "2020-10-01"}))
    assert registered.status_code == 200
    assert client_id in {a["applicationId"] for a in admin.json(apps)["value"]}
    assert spn.get(BAP_ADMIN_ENVS).status_code == 200
    sim.unregister_admin_application(client_id)
    assert spn.get(BAP_ADMIN_ENVS).status_code == 403


def test_a_user_without_the_admin_role_sees_little_and_may_not_copy(sim: Simulator) -> None:
    api = Api(sim, user_token(sim, username=demo.NOT_IN_PROJECT_USERNAME))
    names = {env["displayName"] for env in api.json(ENVS)["value"]}
    assert names == {"T-Default"}
    envs = {env.display_name: env.environment_id for env in sim.pp_environments()}
    refused = api.copy(envs["T-UDE"], envs["T-USE"])
    assert refused.status_code == 403
    assert "Power Platform administrator" in refused.json()["error"]["message"]


def test_an_expired_token_is_401_and_a_missing_one_too(sim: Simulator) -> None:
    api = Api(sim, user_token(sim))
    sim.expire_tokens()
    expired = api.get(ENVS)
    assert expired.status_code == 401
    assert expired.json()["error"]["code"] == "ExpiredAuthenticationToken"
    with httpx.Client(transport=sim.sync_transport()) as client:
        missing = client.get(f"{PP}{ENVS}?api-version={demo.PP_API_VERSION}")
    assert missing.status_code == 401


def test_the_api_version_is_required_and_checked(sim: Simulator) -> None:
    api = Api(sim, user_token(sim))
    without = api.client.get(f"{PP}{ENVS}")
    unknown = api.get(ENVS, **{"api-version": "2019-01-01"})
    preview = api.get(ENVS, **{"api-version": demo.PP_PREVIEW_API_VERSION})
    assert without.status_code == 400
    assert without.json()["error"]["code"] == "MissingApiVersionParameter"
    assert unknown.status_code == 400 and preview.status_code == 200


def test_msal_gets_a_service_principal_token_and_the_api_accepts_it(sim: Simulator) -> None:
    app = msal.ConfidentialClientApplication(
        demo.SPN_CLIENT_ID,
        client_credential=demo.SPN_SECRET,
        authority=demo.AUTHORITY,
        http_client=MsalHttp(httpx.Client(transport=sim.sync_transport())),
    )
    result = app.acquire_token_for_client(scopes=[demo.PP_SCOPE])
    assert "access_token" in result, result
    assert Api(sim, result["access_token"]).get(ENVS).status_code == 200
    # The second call is answered from MSAL's cache: the token is app-only, no refresh.
    again = app.acquire_token_for_client(scopes=[demo.PP_SCOPE])
    assert again["access_token"] == result["access_token"]
