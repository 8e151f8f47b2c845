"""Helpers for the Power Platform tests: tokens, URLs, a small tenant, raw calls."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx

from lcs_tui.simulator import ManualClock, Simulator, demo

from .support import START, FakeTime

PP = demo.PP_API_HOST
BAP = demo.BAP_HOST
V = demo.PP_API_VERSION
ENVS = "/environmentmanagement/environments"
BAP_ADMIN_ENVS = "/providers/Microsoft.BusinessAppPlatform/scopes/admin/environments"

PASSWORDS = {
    demo.USERNAME: demo.PASSWORD,
    demo.MFA_USERNAME: demo.MFA_PASSWORD,
    demo.NOT_IN_PROJECT_USERNAME: demo.NOT_IN_PROJECT_PASSWORD,
}
SECRETS = {
    demo.SPN_CLIENT_ID: demo.SPN_SECRET,
    demo.UNREGISTERED_SPN_CLIENT_ID: demo.UNREGISTERED_SPN_SECRET,
    demo.RBAC_SPN_CLIENT_ID: demo.RBAC_SPN_SECRET,
}


def tenant_sim(**kwargs: Any) -> Simulator:
    """A simulator on a manual clock whose tokens last a week (tests move hours)."""
    options: dict[str, Any] = {
        "clock": ManualClock(START),
        "seed": 7,
        "rate_time": FakeTime(),
        "token_lifetime": timedelta(days=7),
    }
    options.update(kwargs)
    return Simulator(**options)


def demo_sim(**kwargs: Any) -> Simulator:
    """The demo with its Power Platform side, on a manual clock."""
    return Simulator.demo(
        clock=ManualClock(START), powerplatform=True, token_lifetime=timedelta(days=7), **kwargs
    )


@dataclass(frozen=True)
class Tenant:
    """A small tenant: one of each kind the rules care about."""

    upe: str
    use: str
    use2: str
    ude: str
    lcs_sandbox: str
    lcs_prod: str
    devbox: str
    dataverse: str
    default: str
    trial: str
    developer: str
    use_us: str
    use_managed: str
    lcs_no_dataverse: str


def small_tenant(sim: Simulator) -> Tenant:
    add = sim.add_pp_environment
    return Tenant(
        upe=add("T-UPE", kind="UPE").environment_id,
        use=add("T-USE", kind="USE").environment_id,
        use2=add("T-USE2", kind="USE").environment_id,
        ude=add("T-UDE", kind="UDE").environment_id,
        lcs_sandbox=add(
            "T-LCS-UAT", kind="LcsSandbox", linked_environment_id=demo.UAT_ENVIRONMENT_ID
        ).environment_id,
        lcs_prod=add(
            "T-LCS-PROD", kind="LcsProduction", linked_environment_id=demo.PROD_ENVIRONMENT_ID
        ).environment_id,
        devbox=add(
            "T-DEV", kind="LcsDevbox", linked_environment_id=demo.DEV_ENVIRONMENT_ID
        ).environment_id,
        dataverse=add("T-Sales", kind="Dataverse").environment_id,
        default=add("T-Default", kind="Default").environment_id,
        trial=add("T-Trial", kind="Trial").environment_id,
        developer=add("T-Developer", kind="Developer").environment_id,
        use_us=add("T-US", kind="USE", geo="unitedstates").environment_id,
        use_managed=add("T-QA", kind="USE", managed=True).environment_id,
        lcs_no_dataverse=add(
            "T-LCS-TEST",
            kind="LcsSandbox",
            linked_environment_id=demo.TEST_ENVIRONMENT_ID,
            dataverse=False,
        ).environment_id,
    )


def _post_token(sim: Simulator, data: dict[str, str]) -> httpx.Response:
    with httpx.Client(transport=sim.sync_transport()) as client:
        return client.post(f"{demo.AUTHORITY}/oauth2/v2.0/token", data=data)


def user_token(sim: Simulator, scope: str = demo.PP_SCOPE, username: str = demo.USERNAME) -> str:
    response = _post_token(
        sim,
        {
            "grant_type": "password",
            "client_id": demo.CLIENT_ID,
            "scope": f"{scope} openid profile offline_access",
            "username": username,
            "password": PASSWORDS[username],
        },
    )
    assert response.status_code == 200, response.text
    token: str = response.json()["access_token"]
    return token


def spn_response(
    sim: Simulator, client_id: str = demo.SPN_CLIENT_ID, scope: str = demo.PP_SCOPE, **extra: str
) -> httpx.Response:
    return _post_token(
        sim,
        {
            "grant_type": "client_credentials",
            "client_id": client_id,
            "client_secret": SECRETS.get(client_id, ""),
            "scope": scope,
            **extra,
        },
    )


def spn_token(
    sim: Simulator, client_id: str = demo.SPN_CLIENT_ID, scope: str = demo.PP_SCOPE
) -> str:
    response = spn_response(sim, client_id, scope)
    assert response.status_code == 200, response.text
    token: str = response.json()["access_token"]
    return token


class Api:
    """Raw calls to one API with one token, in-process (sync httpx)."""

    def __init__(self, sim: Simulator, token: str, host: str = PP) -> None:
        self.sim = sim
        self.host = host
        self.client = httpx.Client(
            transport=sim.sync_transport(), headers={"Authorization": f"Bearer {token}"}
        )

    def url(self, path: str, **query: str) -> str:
        params = {"api-version": V, **query}
        joined = "&".join(f"{k}={v}" for k, v in params.items())
        return f"{self.host}{path}?{joined}"

    def get(self, path: str, **query: str) -> httpx.Response:
        return self.client.get(self.url(path, **query))

    def post(self, path: str, body: Any, **query: str) -> httpx.Response:
        return self.client.post(self.url(path, **query), json=body)

    def delete(self, path: str, **query: str) -> httpx.Response:
        return self.client.delete(self.url(path, **query))

    def follow(self, url: str) -> httpx.Response:
        return self.client.get(url)

    def json(self, path: str, **query: str) -> Any:
        response = self.get(path, **query)
        assert response.status_code == 200, response.text
        return response.json()

    def copy(
        self, target: str, source: str, copy_type: str = "Full", **query: str
    ) -> httpx.Response:
        body = {"sourceEnvironmentId": source, "copyType": copy_type}
        return self.post(f"{ENVS}/{target}/copy", body, **query)


def field_errors(response: httpx.Response) -> dict[str, list[str]]:
    detail = response.json()["errorDetail"]
    return {name: entry["errorMessages"] for name, entry in detail["fieldErrors"].items()}


def advance(sim: Simulator, **delta: float) -> None:
    sim.clock.advance(timedelta(**delta))  # type: ignore[attr-defined]
