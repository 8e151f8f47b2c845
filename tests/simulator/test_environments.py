"""Environment details, history, start/stop, and the documented rate limits."""

from __future__ import annotations

from datetime import timedelta

import httpx

from lcs_tui.simulator import ManualClock, Simulator

from .support import Envs, FakeTime, call, call_json, detail_path, history_path

DETAIL_FIELDS = {
    "EnvironmentId",
    "EnvironmentName",
    "ProjectId",
    "EnvironmentInfrastructure",
    "EnvironmentType",
    "EnvironmentGroup",
    "EnvironmentProduct",
    "EnvironmentEndpointBaseUrl",
    "DeploymentState",
    "TopologyDisplayName",
    "CurrentApplicationBuildVersion",
    "CurrentApplicationReleaseName",
    "CurrentPlatformReleaseName",
    "CurrentPlatformVersion",
    "DeployedOnUTC",
    "CloudStorageLocation",
    "DisasterRecoveryLocation",
    "DeploymentStatusDisplay",
    "CanStart",
    "CanStop",
}


def power_path(action: str, env: str) -> str:
    return f"/environment/v1/{action}/project/1234567/environment/{env}"


async def test_details_come_in_pages_with_every_documented_field(
    sim: Simulator, envs: Envs, client: httpx.AsyncClient, token: str
) -> None:
    sim.add_environment("FAB-EXTRA")  # five environments, pages of four
    first = await call_json(client, "GET", detail_path("page=1"), token)
    second = await call_json(client, "GET", detail_path("page=2"), token)
    third = await call_json(client, "GET", detail_path("page=3"), token)

    assert (first["ResultPageCurrent"], first["ResultHasMorePages"], len(first["Data"])) == (
        1,
        True,
        4,
    )
    assert (second["ResultPageCurrent"], second["ResultHasMorePages"], len(second["Data"])) == (
        2,
        False,
        1,
    )
    assert third["Data"] == [] and third["ResultHasMorePages"] is False
    names = [e["EnvironmentName"] for e in first["Data"] + second["Data"]]
    assert names == ["FAB-PROD", "FAB-UAT", "FAB-TEST", "FAB-DEV", "FAB-EXTRA"]
    for env in first["Data"]:
        assert set(env) == DETAIL_FIELDS
        assert env["ProjectId"] == 1234567
    prod = first["Data"][0]
    assert prod["EnvironmentType"] == "Production"
    assert prod["DeploymentState"] == "Finished"
    # Ids with and without dashes, as LCS mixes them.
    assert any("-" in e["EnvironmentId"] for e in first["Data"])
    assert any("-" not in e["EnvironmentId"] for e in first["Data"])
    # DeployedOnUTC is a US display string, not ISO.
    assert " AM" in prod["DeployedOnUTC"] or " PM" in prod["DeployedOnUTC"]


async def test_details_filter_by_id_or_name(
    envs: Envs, client: httpx.AsyncClient, token: str
) -> None:
    by_id = await call_json(client, "GET", detail_path(f"environmentId={envs.test}"), token)
    by_name = await call_json(client, "GET", detail_path("environmentName=fab-uat"), token)
    unknown = await call_json(client, "GET", detail_path("environmentName=nope"), token)

    assert [e["EnvironmentName"] for e in by_id["Data"]] == ["FAB-TEST"]
    assert [e["EnvironmentId"] for e in by_name["Data"]] == [envs.uat]
    assert unknown["IsSuccess"] is True and unknown["Data"] == []


async def test_history_is_paged_newest_first(
    sim: Simulator, clock: ManualClock, envs: Envs, client: httpx.AsyncClient, token: str
) -> None:
    now = clock.now()
    for day in range(12):
        sim.add_operation(
            "export",
            environment_id=envs.uat,
            started_at=now - timedelta(days=day + 1),
            backup_name=f"old-{day}",
            outcome="success",
        )
    first = await call_json(client, "GET", history_path(envs.uat, 1), token)
    second = await call_json(client, "GET", history_path(envs.uat, 2), token)

    assert first["ResultHasMorePages"] is True and len(first["Data"]) == 10
    assert second["ResultHasMorePages"] is False and len(second["Data"]) == 2
    starts = [h["StartDateTimeUTC"] for h in first["Data"] + second["Data"]]
    assert starts == sorted(starts, reverse=True)
    assert {h["Status"] for h in first["Data"]} == {"Completed"}


async def test_start_and_stop_move_the_dev_box_between_states(
    clock: ManualClock, envs: Envs, client: httpx.AsyncClient, token: str, rate_time: FakeTime
) -> None:
    async def state() -> tuple[str, bool, bool]:
        [env] = (await call_json(client, "GET", detail_path(f"environmentId={envs.dev}"), token))[
            "Data"
        ]
        return env["DeploymentState"], env["CanStart"], env["CanStop"]

    assert await state() == ("Finished", False, True)
    stop = await call_json(client, "POST", power_path("stop", envs.dev), token)
    assert stop["IsSuccess"] is True
    assert await state() == ("Stopping", False, False)
    clock.advance(timedelta(minutes=10))
    assert await state() == ("Stopped", True, False)

    rate_time.advance(301)  # one start/stop per environment per 5 minutes
    again = await call_json(client, "POST", power_path("stop", envs.dev), token)
    assert again["IsSuccess"] is False and "already stopped" in again["ErrorMessage"]
    rate_time.advance(301)
    start = await call_json(client, "POST", power_path("start", envs.dev), token)
    assert start["IsSuccess"] is True
    assert (await state())[0] == "Starting"
    clock.advance(timedelta(minutes=10))
    assert await state() == ("Finished", False, True)

    history = (await call_json(client, "GET", history_path(envs.dev), token))["Data"]
    assert [(h["Type"], h["Status"]) for h in history] == [
        ("Start", "Completed"),
        ("Stop", "Completed"),
    ]
    assert history[0]["ActivityId"] == start["OperationActivityId"]


async def test_only_customer_managed_environments_start_and_stop(
    envs: Envs, client: httpx.AsyncClient, token: str
) -> None:
    body = await call_json(client, "POST", power_path("stop", envs.uat), token)
    assert body["IsSuccess"] is False
    assert "customer-managed" in body["ErrorMessage"]


async def test_details_answer_429_above_six_a_minute(
    envs: Envs, client: httpx.AsyncClient, token: str, rate_time: FakeTime
) -> None:
    for _ in range(6):
        assert (await call(client, "GET", detail_path(), token)).status_code == 200
        rate_time.advance(5)
    throttled = await call(client, "GET", detail_path(), token)

    assert throttled.status_code == 429
    # The first call leaves the one-minute window 60 - 30 seconds from now.
    assert throttled.headers["Retry-After"] == "30"
    rate_time.advance(30)
    assert (await call(client, "GET", detail_path(), token)).status_code == 200


async def test_history_limits_per_environment_and_per_project(
    envs: Envs, client: httpx.AsyncClient, token: str, rate_time: FakeTime
) -> None:
    for _ in range(6):
        assert (await call(client, "GET", history_path(envs.uat), token)).status_code == 200
    per_env = await call(client, "GET", history_path(envs.uat), token)
    # Both windows are full: the wait is the longer one, the project's minute.
    assert per_env.status_code == 429 and per_env.headers["Retry-After"] == "60"

    rate_time.advance(31)  # the environment window has passed, the project one has not
    assert (await call(client, "GET", history_path(envs.test), token)).status_code == 429
    rate_time.advance(30)
    assert (await call(client, "GET", history_path(envs.test), token)).status_code == 200


async def test_start_stop_limit_per_environment(
    envs: Envs, client: httpx.AsyncClient, token: str, rate_time: FakeTime
) -> None:
    assert (await call(client, "POST", power_path("stop", envs.dev), token)).status_code == 200
    second = await call(client, "POST", power_path("start", envs.dev), token)
    assert second.status_code == 429
    assert second.headers["Retry-After"] == "300"


async def test_start_stop_limit_per_user(
    sim: Simulator, client: httpx.AsyncClient, token: str, rate_time: FakeTime
) -> None:
    boxes = [
        sim.add_environment(
            f"BOX{i}", environment_type="DevTestDev", infrastructure="CustomerManaged"
        )
        for i in range(31)
    ]
    statuses = [
        (await call(client, "POST", power_path("stop", box.environment_id), token)).status_code
        for box in boxes
    ]
    assert statuses == [200] * 30 + [429]


async def test_limits_can_be_switched_off(
    sim: Simulator, envs: Envs, client: httpx.AsyncClient, token: str
) -> None:
    sim.faults.limits_enabled = False
    statuses = {(await call(client, "GET", detail_path(), token)).status_code for _ in range(20)}
    assert statuses == {200}


async def test_database_movement_is_not_rate_limited(
    envs: Envs, client: httpx.AsyncClient, token: str
) -> None:
    statuses = {
        (
            await call(client, "GET", "/databasemovement/v1/databases/project/1234567", token)
        ).status_code
        for _ in range(20)
    }
    assert statuses == {200}
