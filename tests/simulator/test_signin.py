"""The Entra ID endpoints, called raw: discovery, token answers, every error."""

from __future__ import annotations

import base64
import json
from datetime import timedelta
from typing import Any

import httpx
import pytest

from lcs_tui.simulator import ManualClock, Simulator, demo

from .support import API, backups_path, bearer, token_response


def claims(jwt: str) -> dict[str, Any]:
    payload = jwt.split(".")[1]
    decoded: dict[str, Any] = json.loads(
        base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    )
    return decoded


def get(sim: Simulator, url: str) -> httpx.Response:
    with httpx.Client(transport=sim.sync_transport()) as client:
        return client.get(url)


def post(sim: Simulator, url: str, data: dict[str, str], **kwargs: Any) -> httpx.Response:
    with httpx.Client(transport=sim.sync_transport()) as client:
        return client.post(url, data=data, **kwargs)


@pytest.mark.parametrize("tenant", [demo.TENANT_ID, demo.TENANT_DOMAIN, "contoso.com"])
def test_openid_configuration_points_back_at_the_same_host(sim: Simulator, tenant: str) -> None:
    response = get(
        sim, f"https://login.microsoftonline.com/{tenant}/v2.0/.well-known/openid-configuration"
    )
    config = response.json()

    assert response.status_code == 200
    base = f"https://login.microsoftonline.com/{demo.TENANT_ID}"
    assert config["token_endpoint"] == f"{base}/oauth2/v2.0/token"
    assert config["device_authorization_endpoint"] == f"{base}/oauth2/v2.0/devicecode"
    assert config["authorization_endpoint"] == f"{base}/oauth2/v2.0/authorize"
    assert config["issuer"] == f"{base}/v2.0"


def test_organizations_keeps_its_alias_in_the_endpoints(sim: Simulator) -> None:
    config = get(
        sim, "https://login.microsoftonline.com/organizations/v2.0/.well-known/openid-configuration"
    ).json()
    assert (
        config["token_endpoint"]
        == "https://login.microsoftonline.com/organizations/oauth2/v2.0/token"
    )
    assert config["issuer"] == "https://login.microsoftonline.com/{tenantid}/v2.0"


def test_an_unknown_tenant_is_aadsts90002(sim: Simulator) -> None:
    response = get(
        sim,
        "https://login.microsoftonline.com/fabrikam.example/v2.0/.well-known/openid-configuration",
    )
    assert response.status_code == 400
    assert response.json()["error_codes"] == [90002]
    token = token_response(sim, tenant="fabrikam.example")
    assert token.status_code == 400 and token.json()["error_description"].startswith(
        "AADSTS90002: "
    )


def test_instance_discovery_and_user_realm(sim: Simulator) -> None:
    discovery = get(
        sim,
        "https://login.microsoftonline.com/common/discovery/instance?api-version=1.1"
        "&authorization_endpoint=https://login.microsoftonline.com/common/oauth2/authorize",
    ).json()
    realm = get(
        sim, f"https://login.microsoftonline.com/common/userrealm/{demo.USERNAME}?api-version=1.0"
    ).json()

    assert "login.microsoftonline.com" in discovery["metadata"][0]["aliases"]
    assert realm["account_type"] == "Managed"


def test_a_password_sign_in_answers_like_entra(sim: Simulator) -> None:
    response = token_response(sim)
    body = response.json()

    assert response.status_code == 200
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 7 * 24 * 3600  # the fixture's lifetime, ManualClock rate 1
    assert body["ext_expires_in"] == body["expires_in"]
    assert body["scope"].split() == [f"{API}//user_impersonation", f"{API}//.default"]
    assert body["refresh_token"]
    id_token = claims(body["id_token"])
    assert id_token["aud"] == demo.CLIENT_ID
    assert id_token["tid"] == demo.TENANT_ID
    assert id_token["preferred_username"] == demo.USERNAME
    assert id_token["iss"] == f"https://login.microsoftonline.com/{demo.TENANT_ID}/v2.0"
    assert {"oid", "name", "exp", "iat", "nbf"} <= set(id_token)
    client_info = claims("x." + body["client_info"])
    assert client_info == {"uid": id_token["oid"], "utid": demo.TENANT_ID}
    assert claims(body["access_token"])["aud"] == API


def test_expires_in_is_real_seconds_at_the_clock_rate() -> None:
    from lcs_tui.simulator import ScaledClock

    sim = Simulator(clock=ScaledClock(120.0), token_lifetime=timedelta(hours=1))
    assert token_response(sim).json()["expires_in"] == 30


def test_without_offline_access_and_openid_there_is_no_refresh_or_id_token(sim: Simulator) -> None:
    body = post(
        sim,
        f"{demo.AUTHORITY}/oauth2/v2.0/token",
        {
            "grant_type": "password",
            "client_id": demo.CLIENT_ID,
            "scope": demo.SCOPE,
            "username": demo.USERNAME,
            "password": demo.PASSWORD,
        },
    ).json()
    assert "access_token" in body
    assert "refresh_token" not in body and "id_token" not in body and "client_info" not in body


@pytest.mark.parametrize(
    ("overrides", "status", "error", "code"),
    [
        pytest.param({"password": "wrong"}, 400, "invalid_grant", 50126, id="wrong-password"),
        pytest.param(
            {"username": "nobody@contoso.com"}, 400, "invalid_grant", 50034, id="unknown-user"
        ),
        pytest.param(
            {"username": demo.MFA_USERNAME, "password": demo.MFA_PASSWORD},
            400,
            "invalid_grant",
            50076,
            id="mfa",
        ),
        pytest.param(
            {"client_id": demo.NO_CONSENT_CLIENT_ID}, 400, "invalid_grant", 65001, id="no-consent"
        ),
        pytest.param(
            {"client_id": demo.NO_PUBLIC_FLOWS_CLIENT_ID},
            401,
            "invalid_client",
            7000218,
            id="public-flows-off",
        ),
        pytest.param(
            {"client_id": demo.CONFIDENTIAL_CLIENT_ID},
            401,
            "invalid_client",
            7000218,
            id="secret-missing",
        ),
        pytest.param(
            {"client_id": demo.CONFIDENTIAL_CLIENT_ID, "client_secret": "nope"},
            401,
            "invalid_client",
            7000215,
            id="wrong-secret",
        ),
        pytest.param(
            {"client_id": "00000000-0000-0000-0000-00000000beef"},
            400,
            "unauthorized_client",
            700016,
            id="unknown-app",
        ),
    ],
)
def test_sign_in_errors_have_entras_shape(
    sim: Simulator, overrides: dict[str, str], status: int, error: str, code: int
) -> None:
    response = token_response(sim, **overrides)
    body = response.json()

    assert response.status_code == status
    assert body["error"] == error
    assert body["error_codes"] == [code]
    assert body["error_description"].startswith(f"AADSTS{code}: ")
    assert {"correlation_id", "trace_id", "timestamp"} <= set(body)


def test_the_confidential_client_signs_in_with_its_secret(sim: Simulator) -> None:
    in_body = token_response(
        sim, client_id=demo.CONFIDENTIAL_CLIENT_ID, client_secret=demo.CLIENT_SECRET
    )
    basic = base64.b64encode(
        f"{demo.CONFIDENTIAL_CLIENT_ID}:{demo.CLIENT_SECRET}".encode()
    ).decode()
    in_header = post(
        sim,
        f"{demo.AUTHORITY}/oauth2/v2.0/token",
        {
            "grant_type": "password",
            "client_id": demo.CONFIDENTIAL_CLIENT_ID,
            "scope": demo.SCOPE,
            "username": demo.USERNAME,
            "password": demo.PASSWORD,
        },
        headers={"Authorization": f"Basic {basic}"},
    )
    assert in_body.status_code == 200 and in_header.status_code == 200


def test_the_v1_endpoint_takes_a_resource(sim: Simulator) -> None:
    response = post(
        sim,
        f"{demo.AUTHORITY}/oauth2/token",
        {
            "grant_type": "password",
            "client_id": demo.CONFIDENTIAL_CLIENT_ID,
            "client_secret": demo.CLIENT_SECRET,
            "resource": API,
            "username": demo.USERNAME,
            "password": demo.PASSWORD,
        },
    )
    body = response.json()
    assert response.status_code == 200
    assert body["resource"] == API
    assert body["expires_in"] == str(7 * 24 * 3600)  # v1 writes numbers as strings
    with httpx.Client(transport=sim.sync_transport()) as client:
        listing = client.get(f"{API}{backups_path()}", headers=bearer(body["access_token"]))
    assert listing.json()["IsSuccess"] is True


def test_a_refresh_token_gives_a_new_access_token_until_revoked(
    sim: Simulator, clock: ManualClock
) -> None:
    first = token_response(sim).json()
    form = {
        "grant_type": "refresh_token",
        "client_id": demo.CLIENT_ID,
        "refresh_token": first["refresh_token"],
        "scope": f"{demo.EU_API_HOST}//.default offline_access openid",
        "client_info": "1",
    }
    clock.advance(timedelta(days=30))
    second = post(sim, f"{demo.AUTHORITY}/oauth2/v2.0/token", form)
    assert second.status_code == 200
    assert second.json()["access_token"] != first["access_token"]
    # Another geography's resource through the same refresh token.
    assert claims(second.json()["access_token"])["aud"] == demo.EU_API_HOST

    sim.revoke_refresh_tokens()
    revoked = post(sim, f"{demo.AUTHORITY}/oauth2/v2.0/token", form)
    assert revoked.status_code == 400 and revoked.json()["error_codes"] == [50173]


def test_device_code_flow_pending_then_approved(sim: Simulator) -> None:
    start = post(
        sim,
        f"{demo.AUTHORITY}/oauth2/v2.0/devicecode",
        {"client_id": demo.CLIENT_ID, "scope": f"{demo.SCOPE} openid offline_access"},
    ).json()
    assert start["verification_uri"] == "https://microsoft.com/devicelogin"
    assert start["interval"] == 1 and start["expires_in"] == 900
    assert start["user_code"] in start["message"]
    form = {
        "grant_type": "urn:ietf:params:oauth:grant-type:device_code",
        "client_id": demo.CLIENT_ID,
        "device_code": start["device_code"],
    }
    pending = post(sim, f"{demo.AUTHORITY}/oauth2/v2.0/token", form)
    assert pending.status_code == 400 and pending.json()["error"] == "authorization_pending"
    assert sim.pending_device_codes() == [start["user_code"]]

    sim.approve_device_code(start["user_code"], demo.MFA_USERNAME)  # MFA is fine here
    done = post(sim, f"{demo.AUTHORITY}/oauth2/v2.0/token", form)
    assert done.status_code == 200
    assert claims(done.json()["id_token"])["preferred_username"] == demo.MFA_USERNAME
    again = post(sim, f"{demo.AUTHORITY}/oauth2/v2.0/token", form)
    assert again.json()["error"] == "invalid_grant"  # a device code is redeemed once


def test_device_code_expires_and_can_be_declined(sim: Simulator, clock: ManualClock) -> None:
    def start() -> dict[str, Any]:
        body: dict[str, Any] = post(
            sim,
            f"{demo.AUTHORITY}/oauth2/v2.0/devicecode",
            {"client_id": demo.CLIENT_ID, "scope": demo.SCOPE},
        ).json()
        return body

    def poll(flow: dict[str, Any]) -> str:
        form = {
            "grant_type": "urn:ietf:params:oauth:grant-type:device_code",
            "client_id": demo.CLIENT_ID,
            "device_code": flow["device_code"],
        }
        error: str = post(sim, f"{demo.AUTHORITY}/oauth2/v2.0/token", form).json()["error"]
        return error

    expiring, declined = start(), start()
    sim.decline_device_code(declined["user_code"])
    assert poll(declined) == "authorization_declined"
    clock.advance(timedelta(minutes=16))
    assert poll(expiring) == "expired_token"


def test_device_codes_can_approve_themselves_for_the_demo(clock: ManualClock) -> None:
    sim = Simulator(clock=clock, device_code_auto_approve_after=5)
    flow = post(
        sim,
        f"{demo.AUTHORITY}/oauth2/v2.0/devicecode",
        {"client_id": demo.CLIENT_ID, "scope": demo.SCOPE},
    ).json()
    form = {
        "grant_type": "urn:ietf:params:oauth:grant-type:device_code",
        "client_id": demo.CLIENT_ID,
        "device_code": flow["device_code"],
    }
    assert (
        post(sim, f"{demo.AUTHORITY}/oauth2/v2.0/token", form).json()["error"]
        == "authorization_pending"
    )
    clock.advance(timedelta(seconds=5))
    assert post(sim, f"{demo.AUTHORITY}/oauth2/v2.0/token", form).status_code == 200


def test_device_login_page_approves_with_the_demo_password(sim: Simulator) -> None:
    flow = post(
        sim,
        f"{demo.AUTHORITY}/oauth2/v2.0/devicecode",
        {"client_id": demo.CLIENT_ID, "scope": demo.SCOPE},
    ).json()
    page = get(sim, "https://microsoft.com/devicelogin")
    assert page.status_code == 200 and "<form" in page.text
    wrong = post(
        sim,
        "https://microsoft.com/devicelogin",
        {"code": flow["user_code"], "username": demo.USERNAME, "password": "nope"},
    )
    assert wrong.status_code == 400 and sim.pending_device_codes() == [flow["user_code"]]
    right = post(
        sim,
        "https://microsoft.com/devicelogin",
        {"code": flow["user_code"].lower(), "username": demo.USERNAME, "password": demo.PASSWORD},
    )
    assert right.status_code == 200 and "signed in" in right.text
    assert sim.pending_device_codes() == []
