"""Fault switches on the Power Platform side, and its request log."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from lcs_tui.simulator import Simulator, demo
from lcs_tui.simulator.faults import POWER_PLATFORM

from .pp_support import ENVS, PP, Api, Tenant, V, small_tenant, tenant_sim, user_token
from .support import API, backups_path, bearer


@pytest.fixture
def sim() -> Simulator:
    return tenant_sim()


@pytest.fixture
def tenant(sim: Simulator) -> Tenant:
    return small_tenant(sim)


@pytest.fixture
def api(sim: Simulator, tenant: Tenant) -> Api:
    return Api(sim, user_token(sim))


def test_a_copy_whose_answer_is_lost_still_started(
    sim: Simulator, tenant: Tenant, api: Api
) -> None:
    sim.faults.drop_after_action(path_prefix=POWER_PLATFORM)
    with pytest.raises(httpx.RemoteProtocolError):
        api.copy(tenant.ude, tenant.use)
    [op] = sim.pp_operations()
    assert op.environment_id == tenant.ude
    assert sim.pp_request_log[-1][:4] == ("POST", "powerplatform", f"{ENVS}/{tenant.ude}/copy", 0)
    # Sending it again would be refused: the history is where to find it.
    assert api.copy(tenant.ude, tenant.use).status_code == 409
    [row] = api.json(f"{ENVS}/{tenant.ude}/operations")["collection"]
    assert row["operationId"] == op.operation_id


def test_gateway_errors_and_malformed_answers(sim: Simulator, tenant: Tenant, api: Api) -> None:
    sim.faults.server_errors(1, status=502, path_prefix=POWER_PLATFORM)
    failed = api.copy(tenant.ude, tenant.use)
    assert failed.status_code == 502 and "text/html" in failed.headers["Content-Type"]
    assert sim.pp_operations() == []
    sim.faults.malformed(1, kind="truncated-json", path_prefix=POWER_PLATFORM)
    broken = api.get(ENVS)
    assert broken.status_code == 200
    with pytest.raises(ValueError):
        broken.json()
    assert api.get(ENVS).json()["value"]


def test_lcs_faults_leave_the_power_platform_alone(
    sim: Simulator, tenant: Tenant, api: Api
) -> None:
    sim.faults.server_errors(5)
    sim.faults.throttle(5)
    assert api.get(ENVS).status_code == 200
    assert api.copy(tenant.ude, tenant.use).status_code == 202


def test_the_wrong_audience_switch(sim: Simulator, tenant: Tenant, api: Api) -> None:
    sim.faults.wrong_audience()
    refused = api.get(ENVS)
    assert refused.status_code == 401
    assert "wrong audience" in refused.json()["error"]["message"]
    assert api.get(ENVS).status_code == 200
    # Aimed at LCS with a prefix; by default LCS is never touched.
    lcs_token = user_token(sim, scope=demo.SCOPE)
    with httpx.Client(transport=sim.sync_transport()) as client:
        assert client.get(f"{API}{backups_path()}", headers=bearer(lcs_token)).status_code == 200
        sim.faults.wrong_audience(path_prefix="/databasemovement/")
        lcs = client.get(f"{API}{backups_path()}", headers=bearer(lcs_token))
    assert lcs.status_code == 401 and "wrong audience" in lcs.headers["WWW-Authenticate"]


async def test_a_held_answer_waits_while_the_copy_has_started(
    sim: Simulator, tenant: Tenant
) -> None:
    gate = sim.faults.hold(path_prefix=POWER_PLATFORM)
    token = user_token(sim)
    async with httpx.AsyncClient(transport=sim.async_transport()) as client:
        request = asyncio.ensure_future(
            client.post(
                f"{PP}{ENVS}/{tenant.ude}/copy?api-version={V}",
                json={"sourceEnvironmentId": tenant.use, "copyType": "Full"},
                headers={"Authorization": f"Bearer {token}"},
            )
        )
        # The service acts first; only its answer waits for the gate.
        while not sim.pp_operations():  # noqa: ASYNC110 - the simulator's state, not an event
            await asyncio.sleep(0.01)
        assert not request.done()
        gate.set()
        answer = await request
    assert answer.status_code == 202


def test_correlation_ids_are_echoed_and_logged(sim: Simulator, tenant: Tenant, api: Api) -> None:
    mine = "3f2b8c1e-0d4a-4e0b-9c7e-5a6b7c8d9e0f"
    echoed = api.client.get(api.url(ENVS), headers={"x-ms-correlation-id": mine})
    assert echoed.headers["x-ms-correlation-id"] == mine
    fresh = api.get(ENVS).headers["x-ms-correlation-id"]
    assert fresh != mine and len(fresh) == 36
    assert [entry.correlation_id for entry in sim.pp_request_log[-2:]] == [mine, fresh]
    assert sim.pp_request_log[-1].api == "powerplatform"
    # The shared request log has them too, as every request.
    assert sim.request_log[-1] == ("GET", ENVS, 200)


def test_clear_disarms_the_power_platform_switches(
    sim: Simulator, tenant: Tenant, api: Api
) -> None:
    sim.faults.wrong_audience(3)
    sim.faults.empty_conflicts(3)
    sim.faults.poll_style_next("gone-when-done", 3)
    sim.faults.status_word("Weird", 3)
    sim.faults.validate_only_accepted(3)
    sim.faults.clear()
    assert api.get(ENVS).status_code == 200
    assert api.copy(tenant.ude, tenant.use, ValidateOnly="true").status_code == 200
    started = api.copy(tenant.ude, tenant.use)
    assert api.follow(started.headers["Location"]).json()["status"] == "Queued"
    assert api.copy(tenant.ude, tenant.use).content != b""
    assert sim.pp_operations()[0].poll_style == "status"
