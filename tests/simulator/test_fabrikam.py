"""The demo's second project, Fabrikam: served beside Contoso, and Contoso unchanged."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest

from lcs_tui.simulator import ManualClock, Simulator, demo

from .support import (
    START,
    backups_path,
    call_json,
    detail_path,
    export_path,
    history_path,
    refresh_path,
    sign_in,
    status_path,
)

FAB = demo.FABRIKAM_PROJECT_ID


def two_projects(seed: int = 1) -> Simulator:
    return Simulator.demo(seed=seed, clock=ManualClock(START), fabrikam=True)


def contoso_only(seed: int = 1) -> Simulator:
    return Simulator.demo(seed=seed, clock=ManualClock(START))


@pytest.fixture
def sim() -> Simulator:
    return two_projects()


@pytest.fixture
async def client(sim: Simulator) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=sim.async_transport()) as made:
        yield made


async def test_the_demo_user_sees_fabrikam_with_its_own_environments(
    sim: Simulator, client: httpx.AsyncClient
) -> None:
    token = sign_in(sim)  # one sign-in, one tenant: the same token reads both projects
    envs = []
    for page in (1, 2):
        answer = await call_json(client, "GET", detail_path(f"page={page}", project=FAB), token)
        envs += answer["Data"]
        if not answer["ResultHasMorePages"]:
            break
    by_name = {e["EnvironmentName"]: e for e in envs}
    assert set(by_name) == {
        demo.FAB_PROD_ENVIRONMENT_NAME,
        demo.FAB_UAT_ENVIRONMENT_NAME,
        demo.FAB_TEST_ENVIRONMENT_NAME,
        demo.FAB_TRAIN_ENVIRONMENT_NAME,
        demo.FAB_STAGE_ENVIRONMENT_NAME,
    }
    assert by_name[demo.FAB_PROD_ENVIRONMENT_NAME]["EnvironmentType"] == "Production"
    assert by_name[demo.FAB_UAT_ENVIRONMENT_NAME]["EnvironmentId"] == demo.FAB_UAT_ENVIRONMENT_ID
    contoso = await call_json(client, "GET", detail_path("page=1"), token)
    assert not {e["EnvironmentName"] for e in contoso["Data"]} & set(by_name)


async def test_fabrikam_has_a_running_refresh_a_failure_backups_and_history(
    sim: Simulator, client: httpx.AsyncClient
) -> None:
    token = sign_in(sim)
    uat = await call_json(
        client, "GET", history_path(demo.FAB_UAT_ENVIRONMENT_ID, project=FAB), token
    )
    assert uat["Data"][0]["Status"] == "InProgress"  # something for the overview
    assert {"SFSourceDbToSandbox", "Servicing", "ApplyCustomization"} <= {
        line["Type"] for line in uat["Data"]
    }
    test = await call_json(
        client, "GET", history_path(demo.FAB_TEST_ENVIRONMENT_ID, project=FAB), token
    )
    assert test["Data"][0]["Status"] == "Failed"
    assets = (await call_json(client, "GET", backups_path(project=FAB), token))["DatabaseAssets"]
    names = [a["Name"] for a in assets]
    assert len(names) >= 12 and len(set(names)) == len(names)
    assert all(name.startswith("fab-") for name in names)
    # STAGE used two of its three daily operations: one more, then no more.
    stage = demo.FAB_STAGE_ENVIRONMENT_ID
    third = await call_json(client, "POST", export_path(stage, "fab-third", project=FAB), token)
    assert third["IsSuccess"] is True
    sim.clock.advance(timedelta(hours=2))  # type: ignore[attr-defined]
    token = sign_in(sim)
    fourth = await call_json(client, "POST", export_path(stage, "fab-fourth", project=FAB), token)
    assert "Maximum allowed API operations are 3" in str(fourth["ErrorMessage"])


async def test_an_environment_of_one_project_is_unknown_in_the_other(
    sim: Simulator, client: httpx.AsyncClient
) -> None:
    token = sign_in(sim)
    answer = await client.get(
        f"{demo.API_HOST}{history_path(demo.FAB_UAT_ENVIRONMENT_ID)}",  # Contoso's project
        headers={"Authorization": f"Bearer {token}", "x-ms-version": "2017-09-15"},
    )
    body = answer.json()
    assert answer.status_code != 200 or body.get("IsSuccess") is False or not body.get("Data")


def _contoso_story(sim: Simulator) -> object:
    project = demo.PROJECT_ID
    return (
        sim.environments(project),
        sim.backups(project),
        sim.operations(project),
    )


async def test_contoso_and_every_later_draw_stay_exactly_as_without_fabrikam() -> None:
    """Tests and snapshots rely on Contoso's ids and draws: Fabrikam must not shift them."""
    alone, beside = contoso_only(), two_projects()
    assert _contoso_story(alone) == _contoso_story(beside)
    # What the simulator draws *after* seeding: the activity id of a new
    # refresh and how it goes (its duration and outcome).
    started = []
    for sim in (alone, beside):
        token = sign_in(sim)
        async with httpx.AsyncClient(transport=sim.async_transport()) as client:
            path = refresh_path(demo.PROD_ENVIRONMENT_ID, demo.TEST_ENVIRONMENT_ID)
            answer = await call_json(client, "POST", path, token)
            activity = answer["OperationActivityId"]
            sim.clock.advance(timedelta(hours=30))  # type: ignore[attr-defined]
            token = sign_in(sim)
            status = await call_json(
                client, "GET", status_path(demo.TEST_ENVIRONMENT_ID, activity), token
            )
        started.append((activity, status["OperationStatus"], sim.operation(activity)))
    assert started[0] == started[1]
    assert _contoso_story(alone) == _contoso_story(beside)


def test_fabrikam_is_the_same_for_the_same_seed() -> None:
    def story(seed: int) -> list[tuple[str, str, int]]:
        return [(b.backup_id, b.name, b.size) for b in two_projects(seed).backups(FAB)]

    assert story(1) == story(1)
    assert story(1) != story(2)


def test_without_fabrikam_the_world_has_one_project() -> None:
    sim = contoso_only()
    assert sim.environments(FAB) == [] and sim.backups(FAB) == []
    assert {e.project_id for e in sim.environments()} == {demo.PROJECT_ID}
