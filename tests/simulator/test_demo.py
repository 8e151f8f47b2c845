"""The seeded demo project looks like a real one, and is the same for the same seed."""

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
)


@pytest.fixture
def demo_sim() -> Simulator:
    return Simulator.demo(seed=1, clock=ManualClock(START))


@pytest.fixture
async def demo_client(demo_sim: Simulator) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=demo_sim.async_transport()) as client:
        yield client


async def test_environments_span_two_pages_and_every_kind(
    demo_sim: Simulator, demo_client: httpx.AsyncClient
) -> None:
    token = sign_in(demo_sim)
    first = await call_json(demo_client, "GET", detail_path("page=1"), token)
    second = await call_json(demo_client, "GET", detail_path("page=2"), token)
    envs = {e["EnvironmentName"]: e for e in first["Data"] + second["Data"]}

    assert first["ResultHasMorePages"] is True and second["ResultHasMorePages"] is False
    assert envs[demo.PROD_ENVIRONMENT_NAME]["EnvironmentType"] == "Production"
    assert envs[demo.PROD_ENVIRONMENT_NAME]["EnvironmentId"] == demo.PROD_ENVIRONMENT_ID
    assert sum(e["EnvironmentType"] == "Sandbox" for e in envs.values()) == 4
    dev, build = envs[demo.DEV_ENVIRONMENT_NAME], envs[demo.BUILD_ENVIRONMENT_NAME]
    assert dev["EnvironmentInfrastructure"] == "CustomerManaged" and dev["CanStop"] is True
    assert build["DeploymentState"] == "Stopped" and build["CanStart"] is True


async def test_the_sandboxes_are_in_different_situations(
    demo_sim: Simulator, demo_client: httpx.AsyncClient
) -> None:
    token = sign_in(demo_sim)

    async def start(path: str) -> dict[str, object]:
        return await call_json(demo_client, "POST", path, token)

    train = await start(refresh_path(demo.PROD_ENVIRONMENT_ID, demo.TRAIN_ENVIRONMENT_ID))
    perf = await start(export_path(demo.PERF_ENVIRONMENT_ID, "perf-now"))
    uat_third = await start(export_path(demo.UAT_ENVIRONMENT_ID, "uat-third"))
    test = await start(refresh_path(demo.PROD_ENVIRONMENT_ID, demo.TEST_ENVIRONMENT_ID))

    # TRAIN used its three operations; the oldest started 23 hours ago.
    frees = START + timedelta(hours=1)
    assert train["ErrorMessage"] == (
        f"Maximum allowed API operations are 3 from {frees:%Y-%m-%dT%H:%M:%S}.0000000"
    )
    assert perf["IsSuccess"] is False and "in progress" in str(perf["ErrorMessage"])
    assert uat_third["IsSuccess"] is True  # UAT had used two of its three
    assert test["IsSuccess"] is True
    demo_sim.clock.advance(timedelta(hours=2))  # type: ignore[attr-defined]
    token = sign_in(demo_sim)  # the demo's tokens last an hour
    uat_fourth = await start(export_path(demo.UAT_ENVIRONMENT_ID, "uat-fourth"))
    assert "Maximum allowed API operations are 3" in str(uat_fourth["ErrorMessage"])


async def test_backups_look_like_an_asset_library(
    demo_sim: Simulator, demo_client: httpx.AsyncClient
) -> None:
    token = sign_in(demo_sim)
    assets = (await call_json(demo_client, "GET", backups_path(), token))["DatabaseAssets"]
    names = [a["Name"] for a in assets]

    assert len(assets) >= 30
    assert len(set(names)) == len(names)
    assert f"uat-golden-{START - timedelta(hours=3):%Y-%m-%d}" in names  # today's export
    assert any(a["FileName"] != f"{a['Name']}.bacpac" for a in assets)
    sizes = [b.size for b in demo_sim.backups()]
    assert min(sizes) >= 10 * 1024 * 1024 and max(sizes) <= 200 * 1024 * 1024


async def test_history_mixes_operations_and_servicing(
    demo_sim: Simulator, demo_client: httpx.AsyncClient
) -> None:
    token = sign_in(demo_sim)
    lines = (await call_json(demo_client, "GET", history_path(demo.UAT_ENVIRONMENT_ID), token))[
        "Data"
    ]
    types = {line["Type"] for line in lines}
    assert {"SFSourceDbToSandbox", "SFExportSandboxDb", "Servicing"} <= types
    perf = (await call_json(demo_client, "GET", history_path(demo.PERF_ENVIRONMENT_ID), token))[
        "Data"
    ]
    assert perf[0]["Status"] == "InProgress"


def test_the_same_seed_gives_the_same_project() -> None:
    def story(seed: int) -> list[tuple[str, str, int]]:
        sim = Simulator.demo(seed=seed, clock=ManualClock(START))
        return [(b.backup_id, b.name, b.size) for b in sim.backups()]

    assert story(1) == story(1)
    assert story(1) != story(2)


def test_the_demo_runs_on_scaled_time() -> None:
    sim = Simulator.demo(time_scale=3600.0, start=START)
    assert sim.clock.rate == 3600.0
    assert sim.clock.now() - START < timedelta(hours=1)
    assert [
        op.status for op in sim.operations() if op.target_environment_id == demo.PERF_ENVIRONMENT_ID
    ] == ["InProgress"]
