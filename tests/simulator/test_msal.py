"""The real MSAL against the simulator: every flow the app's sign-in uses."""

from __future__ import annotations

import threading
import time
from typing import Any

import httpx
import msal
import pytest

from lcs_tui.simulator import Simulator, demo

from .msal_http import MsalHttp
from .support import API, backups_path, bearer

SCOPES = [demo.SCOPE]

# ROPC is the documented LCS flow; MSAL's nudge away from it is not news here.
pytestmark = pytest.mark.filterwarnings(
    "ignore:This API has been deprecated for public client flows:DeprecationWarning"
)


def http(sim: Simulator) -> MsalHttp:
    return MsalHttp(httpx.Client(transport=sim.sync_transport()))


def public_app(sim: Simulator, client_id: str = demo.CLIENT_ID) -> Any:
    return msal.PublicClientApplication(client_id, authority=demo.AUTHORITY, http_client=http(sim))


def lcs_status(sim: Simulator, token: str) -> int:
    with httpx.Client(transport=sim.sync_transport()) as client:
        return client.get(f"{API}{backups_path()}", headers=bearer(token)).status_code


def test_username_password_gives_a_token_lcs_accepts(sim: Simulator) -> None:
    app = public_app(sim)
    result = app.acquire_token_by_username_password(demo.USERNAME, demo.PASSWORD, scopes=SCOPES)

    assert "access_token" in result, result
    assert result["id_token_claims"]["preferred_username"] == demo.USERNAME
    assert lcs_status(sim, result["access_token"]) == 200
    [account] = app.get_accounts()
    assert account["username"] == demo.USERNAME


@pytest.mark.parametrize(
    ("username", "password", "client_id", "code"),
    [
        (demo.MFA_USERNAME, demo.MFA_PASSWORD, demo.CLIENT_ID, 50076),
        (demo.USERNAME, "wrong", demo.CLIENT_ID, 50126),
        (demo.USERNAME, demo.PASSWORD, demo.NO_CONSENT_CLIENT_ID, 65001),
        (demo.USERNAME, demo.PASSWORD, demo.NO_PUBLIC_FLOWS_CLIENT_ID, 7000218),
    ],
)
def test_msal_reports_the_aadsts_code(
    sim: Simulator, username: str, password: str, client_id: str, code: int
) -> None:
    result = public_app(sim, client_id).acquire_token_by_username_password(
        username, password, scopes=SCOPES
    )
    assert "access_token" not in result
    assert result["error_codes"] == [code]


def test_device_flow_approved_from_another_thread(sim: Simulator) -> None:
    app = public_app(sim)
    flow = app.initiate_device_flow(scopes=SCOPES)
    assert flow["user_code"] and flow["interval"] == 1

    def approve() -> None:
        time.sleep(0.2)
        sim.approve_device_code(flow["user_code"], demo.MFA_USERNAME)

    approver = threading.Thread(target=approve)
    approver.start()
    result = app.acquire_token_by_device_flow(flow)
    approver.join()

    assert "access_token" in result, result
    assert result["id_token_claims"]["preferred_username"] == demo.MFA_USERNAME
    assert lcs_status(sim, result["access_token"]) == 200


def test_silent_renewal_after_the_token_expired(sim: Simulator) -> None:
    app = public_app(sim)
    first = app.acquire_token_by_username_password(demo.USERNAME, demo.PASSWORD, scopes=SCOPES)
    [account] = app.get_accounts()
    cached = app.acquire_token_silent(SCOPES, account=account)
    assert cached["access_token"] == first["access_token"]  # from MSAL's cache

    sim.expire_tokens()
    assert lcs_status(sim, first["access_token"]) == 401
    renewed = app.acquire_token_silent(SCOPES, account=account, force_refresh=True)

    assert renewed["access_token"] != first["access_token"]
    assert lcs_status(sim, renewed["access_token"]) == 200


def test_confidential_client_username_password(sim: Simulator) -> None:
    app = msal.ConfidentialClientApplication(
        demo.CONFIDENTIAL_CLIENT_ID,
        client_credential=demo.CLIENT_SECRET,
        authority=demo.AUTHORITY,
        http_client=http(sim),
    )
    result = app.acquire_token_by_username_password(demo.USERNAME, demo.PASSWORD, scopes=SCOPES)
    assert "access_token" in result, result
    assert lcs_status(sim, result["access_token"]) == 200

    wrong = msal.ConfidentialClientApplication(
        demo.CONFIDENTIAL_CLIENT_ID,
        client_credential="not-the-secret",
        authority=demo.AUTHORITY,
        http_client=http(sim),
    ).acquire_token_by_username_password(demo.USERNAME, demo.PASSWORD, scopes=SCOPES)
    assert wrong["error_codes"] == [7000215]


def test_organizations_authority_and_a_domain_authority(sim: Simulator) -> None:
    for tenant in ("organizations", demo.TENANT_DOMAIN):
        app = msal.PublicClientApplication(
            demo.CLIENT_ID,
            authority=f"https://login.microsoftonline.com/{tenant}",
            http_client=http(sim),
        )
        result = app.acquire_token_by_username_password(demo.USERNAME, demo.PASSWORD, scopes=SCOPES)
        assert "access_token" in result, (tenant, result)
