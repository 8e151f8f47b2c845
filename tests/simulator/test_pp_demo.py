"""The demo's Power Platform side: what it holds, and the LCS side exactly as without it."""

from __future__ import annotations

import subprocess
import sys
import uuid
from datetime import timedelta

import httpx
import pytest

from lcs_tui.simulator import ManualClock, ScaledClock, Simulator, demo

from .pp_support import ENVS, Api, advance, demo_sim, user_token
from .support import START, call_json, refresh_path, sign_in, status_path


@pytest.fixture
def sim() -> Simulator:
    return demo_sim()


def by_name(sim: Simulator) -> dict[str, str]:
    return {env.display_name: env.environment_id for env in sim.pp_environments()}


def test_the_demo_copies_an_lcs_sandbox_into_a_ude_through_its_stages(sim: Simulator) -> None:
    api = Api(sim, user_token(sim))
    envs = by_name(sim)
    target, source = envs[demo.PP_UDE_ENVIRONMENT_NAME], envs[demo.UAT_ENVIRONMENT_NAME]
    candidates = api.json(f"{ENVS}/{source}/copyCandidates")["collection"]
    assert target in {c["environmentId"] for c in candidates}
    body = {
        "sourceEnvironmentId": source,
        "copyType": "Full",
        "copyOptions": {"executeAdvancedCopyForFinanceAndOperations": True, "skipAuditData": True},
    }
    path = f"{ENVS}/{target}/copy"
    assert api.post(path, body, ValidateOnly="true").json()["status"] == "ValidationPassed"
    started = api.post(path, body)
    assert started.status_code == 202
    statuses = []
    for _ in range(40):
        status = api.follow(started.headers["Operation-Location"]).json()["status"]
        statuses.append(status)
        if status == "Succeeded":
            break
        advance(sim, minutes=15)
    assert statuses[0] == "Queued" and statuses[-1] == "Succeeded" and "InProgress" in statuses


def test_the_demo_refuses_a_direction_and_says_why(sim: Simulator) -> None:
    api = Api(sim, user_token(sim))
    envs = by_name(sim)
    refused = api.copy(
        envs[demo.PP_USE_ENVIRONMENT_NAME], envs[demo.PP_UDE_ENVIRONMENT_NAME], ValidateOnly="true"
    )
    assert refused.status_code == 400
    [message] = refused.json()["errorDetail"]["fieldErrors"]["sourceEnvironmentId"]["errorMessages"]
    assert "unified developer environment" in message and "can't be the source" in message


def test_the_demo_tenant_is_in_several_situations(sim: Simulator) -> None:
    api = Api(sim, user_token(sim))

    def history(env_id: str) -> list[dict[str, object]]:
        rows: list[dict[str, object]] = api.json(f"{ENVS}/{env_id}/operations")["collection"]
        return rows

    busy = history(demo.PP_UDE_BUSY_ENVIRONMENT_ID)[0]
    assert busy["status"] == "InProgress" and busy["name"] == "Copy"
    assert api.copy(demo.PP_UDE_BUSY_ENVIRONMENT_ID, demo.PP_UPE_ENVIRONMENT_ID).status_code == 409
    failed = next(r for r in history(demo.PP_USE_ENVIRONMENT_ID) if r["name"] == "Copy")
    assert failed["status"] == "Failed" and failed["errorDetail"]
    stuck = history(demo.PP_USE_US_ENVIRONMENT_ID)[0]
    assert stuck["name"] == "Restore" and stuck["status"] == "InProgress"
    assert sim.pp_operation(str(stuck["operationId"])).started_at <= START - timedelta(hours=24)
    assert sim.pp_environment(demo.PP_USE_ADMIN_MODE_ENVIRONMENT_ID).admin_mode
    assert not sim.pp_environment(demo.PP_UDE_ENVIRONMENT_ID).admin_mode
    labels = {b.label for b in sim.pp_backups(demo.PP_UPE_ENVIRONMENT_ID) if not b.system}
    assert labels == {"before-go-live", "month-end-close-2026-10", "pre-release-2026.11"}
    assert all(
        b.expires - b.point == timedelta(days=28)
        for b in sim.pp_backups(demo.PP_UPE_ENVIRONMENT_ID)
    )


def _lcs_story(sim: Simulator) -> object:
    return (sim.environments(), sim.backups(), sim.operations())


@pytest.mark.parametrize("fabrikam", [False, True])
async def test_the_lcs_side_and_its_later_draws_stay_exactly_as_without_it(fabrikam: bool) -> None:
    without = Simulator.demo(clock=ManualClock(START), fabrikam=fabrikam)
    beside = Simulator.demo(clock=ManualClock(START), fabrikam=fabrikam, powerplatform=True)
    assert _lcs_story(without) == _lcs_story(beside)
    started = []
    for sim in (without, beside):
        if sim is beside:  # traffic on the Power Platform side draws nothing of LCS's
            api = Api(sim, user_token(sim))
            api.copy(demo.PP_UDE_ENVIRONMENT_ID, demo.PP_LCS_UAT_ENVIRONMENT_ID)
            api.post(f"{ENVS}/{demo.PP_USE_ENVIRONMENT_ID}/backups", {"label": "x"})
        token = sign_in(sim)
        async with httpx.AsyncClient(transport=sim.async_transport()) as client:
            path = refresh_path(demo.PROD_ENVIRONMENT_ID, demo.TEST_ENVIRONMENT_ID)
            activity = (await call_json(client, "POST", path, token))["OperationActivityId"]
            sim.clock.advance(timedelta(hours=30))  # type: ignore[attr-defined]
            token = sign_in(sim)
            status = await call_json(
                client, "GET", status_path(demo.TEST_ENVIRONMENT_ID, activity), token
            )
        started.append((activity, status["OperationStatus"], sim.operation(activity)))
    assert started[0] == started[1]
    assert _lcs_story(without) == _lcs_story(beside)


def test_the_same_seed_gives_the_same_tenant() -> None:
    def story(seed: int) -> list[object]:
        sim = Simulator.demo(clock=ManualClock(START), seed=seed, powerplatform=True)
        return [(o.operation_id, o.status, o.planned_length) for o in sim.pp_operations()] + [
            (b.backup_id, b.label) for b in sim.pp_backups()
        ]

    assert story(1) == story(1)
    assert story(1) != story(2)


def test_fabrikams_environments_are_linked_when_it_is_there() -> None:
    sim = demo_sim(fabrikam=True)
    linked = {
        e.finops.finops_id for e in sim.pp_environments() if e.kind.startswith("Lcs") and e.finops
    }
    assert str(uuid.UUID(demo.FAB_PROD_ENVIRONMENT_ID)) in linked
    assert len(sim.pp_environments()) == len(demo_sim().pp_environments()) + 5


def test_without_it_the_tenant_has_no_power_platform_environments() -> None:
    sim = Simulator.demo(clock=ManualClock(START))
    assert sim.pp_environments() == [] and sim.pp_operations() == []
    assert Api(sim, user_token(sim)).json(ENVS) == {"value": []}


def test_on_the_demos_scaled_clock_retry_after_is_in_real_seconds() -> None:
    sim = Simulator.demo(clock=ScaledClock(120.0, START), powerplatform=True)
    api = Api(sim, user_token(sim))
    started = api.copy(demo.PP_UDE_ENVIRONMENT_ID, demo.PP_LCS_UAT_ENVIRONMENT_ID)
    # 30 simulated seconds are a quarter of a real one at x120: at least 2.
    assert started.headers["Retry-After"] == "2"


def test_the_power_platform_side_shares_no_code_with_the_client() -> None:
    code = (
        "import sys, lcs_tui.simulator\n"
        "lcs_tui.simulator.Simulator.demo(powerplatform=True, fabrikam=True)\n"
        "print('\\n'.join(m for m in sys.modules if m.startswith('lcs_tui')))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.split()
    assert "lcs_tui.simulator.powerplatform.routes" in loaded
    outside = {m for m in loaded if m != "lcs_tui" and not m.startswith("lcs_tui.simulator")}
    assert outside == set()
