"""Operations: stages over the manual clock, the poll styles, failure, history, BAP's list."""

from __future__ import annotations

from datetime import timedelta

import pytest

from lcs_tui.simulator import Simulator, demo

from .pp_support import (
    BAP,
    ENVS,
    Api,
    Tenant,
    advance,
    small_tenant,
    tenant_sim,
    user_token,
)
from .support import START


@pytest.fixture
def sim() -> Simulator:
    return tenant_sim()


@pytest.fixture
def tenant(sim: Simulator) -> Tenant:
    return small_tenant(sim)


@pytest.fixture
def api(sim: Simulator, tenant: Tenant) -> Api:
    return Api(sim, user_token(sim))


def started(api: Api, target: str, source: str, **query: str) -> str:
    answer = api.copy(target, source, **query)
    assert answer.status_code == 202, answer.text
    return answer.headers["Operation-Location"]


def test_a_copy_moves_through_its_stages_to_succeeded(
    sim: Simulator, tenant: Tenant, api: Api
) -> None:
    url = started(api, tenant.ude, tenant.lcs_sandbox)
    [info] = sim.pp_operations()
    seen: list[tuple[str, tuple[str, ...]]] = []
    for _ in range(100):
        polled = api.follow(url)
        body = polled.json()
        stages = tuple(s["status"] for s in body["stageStatuses"])
        if not seen or seen[-1] != (body["status"], stages):
            seen.append((body["status"], stages))
        if body["status"] == "Succeeded":
            assert "Retry-After" not in polled.headers and body["endTime"] is not None
            break
        assert polled.headers["Retry-After"] == "30" and body["endTime"] is None
        advance(sim, minutes=5)
    assert [s["name"] for s in body["stageStatuses"]] == ["Validate", "Prepare", "Run", "Finalize"]
    assert seen[0] == ("Queued", ("NotStarted",) * 4)
    assert ("InProgress", ("Succeeded", "Succeeded", "InProgress", "NotStarted")) in seen
    assert seen[-1] == ("Succeeded", ("Succeeded",) * 4)
    # 2-8 hours in all (PPAC-API.md §3.4).
    assert timedelta(hours=2) <= info.planned_length <= timedelta(hours=8)
    env = sim.pp_environment(tenant.ude)
    assert env.admin_mode and not env.background_operations  # an Everything copy's target


def test_the_preview_api_version_spells_it_state(tenant: Tenant, api: Api) -> None:
    url = started(api, tenant.ude, tenant.use, **{"api-version": demo.PP_PREVIEW_API_VERSION})
    body = api.follow(url).json()
    assert body["state"] == "Queued" and "status" not in body


def test_a_poll_url_that_answers_409_while_running(
    sim: Simulator, tenant: Tenant, api: Api
) -> None:
    sim.faults.poll_style_next("conflict-while-running")
    url = started(api, tenant.ude, tenant.use)
    running = api.follow(url)
    assert running.status_code == 409 and running.content == b""
    assert running.headers["Retry-After"] == "30"
    advance(sim, hours=9)
    done = api.follow(url)
    assert done.status_code == 200 and done.json()["status"] == "Succeeded"


def test_a_poll_url_that_answers_404_at_the_end(sim: Simulator, tenant: Tenant, api: Api) -> None:
    sim.faults.poll_style_next("gone-when-done")
    url = started(api, tenant.ude, tenant.use)
    assert api.follow(url).status_code == 200
    advance(sim, hours=9)
    gone = api.follow(url)
    assert gone.status_code == 404
    # History still knows how it ended.
    [latest, *_] = api.json(f"{ENVS}/{tenant.ude}/operations")["collection"]
    assert latest["status"] == "Succeeded"


def test_a_failing_copy_ends_failed_with_an_error(sim: Simulator, tenant: Tenant, api: Api) -> None:
    sim.faults.fail_next_operations()
    url = started(api, tenant.use, tenant.upe)
    advance(sim, hours=9)
    body = api.follow(url).json()
    assert body["status"] == "Failed"
    assert body["errorDetail"]["code"] in ("DatabaseCopyFailed", "TargetPreparationFailed")
    [messages] = [e["errorMessages"] for e in body["errorDetail"]["fieldErrors"].values()]
    assert "Retry the operation" in messages[0]
    stages = [(s["name"], s["status"]) for s in body["stageStatuses"]]
    assert ("Finalize", "Skipped") in stages and any(s == "Failed" for _, s in stages)
    assert not sim.pp_environment(tenant.use).admin_mode  # a failed copy changes nothing


def test_a_stuck_operation_runs_longer_than_a_day(sim: Simulator, tenant: Tenant) -> None:
    info = sim.add_pp_operation(
        "Restore",
        environment_id=tenant.use,
        source_environment_id=tenant.use,
        started_at=START - timedelta(hours=26),
        duration=timedelta(hours=40),
        outcome="success",
    )
    api = Api(sim, user_token(sim))
    body = api.json(f"/environmentmanagement/operations/{info.operation_id}")
    assert body["status"] == "InProgress"
    assert [s["status"] for s in body["stageStatuses"]][2] == "InProgress"
    assert api.copy(tenant.use, tenant.upe).status_code == 409
    advance(sim, hours=14, minutes=1)
    assert api.json(f"/environmentmanagement/operations/{info.operation_id}")["status"] == (
        "Succeeded"
    )


def test_the_environment_scoped_url_finds_only_its_own_operations(tenant: Tenant, api: Api) -> None:
    url = started(api, tenant.ude, tenant.use)
    operation_id = url.split("/operations/")[1].split("?")[0]
    mine = api.get(f"{ENVS}/{tenant.ude}/operations/{operation_id}")
    other = api.get(f"{ENVS}/{tenant.use}/operations/{operation_id}")
    assert mine.status_code == 200 and other.status_code == 404
    assert other.json()["errorDetail"]["code"] == "OperationNotFound"


def test_history_is_newest_first_and_pages() -> None:
    sim = tenant_sim()
    tenant = small_tenant(sim)
    for hours in (100, 70, 40, 10):
        sim.add_pp_operation(
            "Copy",
            environment_id=tenant.ude,
            source_environment_id=tenant.use,
            started_at=START - timedelta(hours=hours),
            outcome="success",
            duration=timedelta(hours=3),
        )
    sim.add_pp_backup(tenant.ude, "before-it-all", point=START - timedelta(hours=1))
    api = Api(sim, user_token(sim))
    first = api.json(f"{ENVS}/{tenant.ude}/operations", limit="3")
    second = api.json(
        f"{ENVS}/{tenant.ude}/operations", limit="3", continuationToken=first["continuationToken"]
    )
    assert "continuationToken" not in second
    rows = first["collection"] + second["collection"]
    assert [r["name"] for r in rows] == ["Backup", "Copy", "Copy", "Copy", "Copy"]
    starts = [r["startTime"] for r in rows]
    assert starts == sorted(starts, reverse=True)
    assert all(r["status"] == "Succeeded" for r in rows)
    bad = api.get(f"{ENVS}/{tenant.ude}/operations", continuationToken="not-a-token")
    assert bad.status_code == 400
    # A token of one environment's history is no good for another's.
    foreign = api.get(
        f"{ENVS}/{tenant.use}/operations", continuationToken=first["continuationToken"]
    )
    assert foreign.status_code == 400
    assert api.get(f"{ENVS}/{tenant.ude}/operations", limit="0").status_code == 400


def test_baps_lifecycle_operations(sim: Simulator, tenant: Tenant, api: Api) -> None:
    started(api, tenant.ude, tenant.use)
    advance(sim, minutes=30)
    bap = Api(sim, user_token(sim, scope=demo.BAP_SCOPE), BAP)
    listed = bap.json(
        "/providers/Microsoft.BusinessAppPlatform/lifecycleOperations",
        **{"api-version": "2024-05-01", "$filter": f"environment eq '{tenant.ude}'"},
    )["value"]
    [op] = listed
    assert op["state"]["id"] == "Running" and op["typeDisplayName"] == "Copy"
    assert [s["id"] for s in op["stages"]] == ["Validate", "Prepare", "Run", "Finalize"]
    assert op["links"]["environment"]["path"].endswith(tenant.ude)
    assert op["requestedBy"]["type"] == "User"
    polled = bap.json(f"/providers/Microsoft.BusinessAppPlatform/lifecycleOperations/{op['id']}")
    assert polled["state"]["id"] == "Running"
    other = bap.json(
        "/providers/Microsoft.BusinessAppPlatform/lifecycleOperations",
        **{"$filter": f"environment eq '{tenant.use}'"},
    )
    assert other["value"] == []


def test_an_undocumented_status_word(sim: Simulator, tenant: Tenant, api: Api) -> None:
    url = started(api, tenant.ude, tenant.use)
    sim.faults.status_word("Provisioning")
    assert api.follow(url).json()["status"] == "Provisioning"
    assert api.follow(url).json()["status"] == "Queued"


def test_validate_only_may_answer_202_with_an_operation(
    sim: Simulator, tenant: Tenant, api: Api
) -> None:
    sim.faults.validate_only_accepted()
    url = started(api, tenant.ude, tenant.use, ValidateOnly="true")
    advance(sim, minutes=10)
    body = api.follow(url).json()
    assert body["status"] == "ValidationPassed"
    assert [s["name"] for s in body["stageStatuses"]] == ["Validate"]
    # It changed nothing, blocks nothing and is not history.
    assert api.json(f"{ENVS}/{tenant.ude}/operations")["collection"] == []
    assert api.copy(tenant.ude, tenant.use).status_code == 202


def test_a_finished_copy_renames_and_updates_the_target(sim: Simulator, tenant: Tenant) -> None:
    sim.pp_environment(tenant.use).finops.application_version = "10.0.2251.31"  # type: ignore[union-attr]
    api = Api(sim, user_token(sim))
    body = {
        "sourceEnvironmentId": tenant.use,
        "copyType": "Minimal",
        "copyOptions": {"environmentNameToOverride": "T-UDE-FRESH"},
    }
    assert api.post(f"{ENVS}/{tenant.ude}/copy", body).status_code == 202
    assert sim.pp_environment(tenant.ude).display_name == "T-UDE"
    advance(sim, hours=4)
    env = sim.pp_environment(tenant.ude)
    assert env.display_name == "T-UDE-FRESH"
    assert env.finops is not None and env.finops.application_version == "10.0.2251.31"
    assert env.admin_mode and env.background_operations  # customizations only: still on
