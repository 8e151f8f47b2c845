"""Refresh, export and fetchstatus: shapes, statuses over time, rules, quota."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta

import httpx
import pytest

from lcs_tui.simulator import ManualClock, Simulator, demo

from .support import (
    PROJECT,
    START,
    Envs,
    backups_path,
    call_json,
    export_path,
    history_path,
    refresh_path,
    sign_in,
    status_path,
)

GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


async def test_refresh_answers_the_envelope_with_the_new_operation_id(
    sim: Simulator, envs: Envs, client: httpx.AsyncClient, token: str
) -> None:
    body = await call_json(client, "POST", refresh_path(envs.prod, envs.uat), token)

    assert body["IsSuccess"] is True
    assert body["ErrorMessage"] is None
    assert body["VersionEOL"] == "9999-12-31T23:59:59.9999999"
    assert GUID.match(body["OperationActivityId"])
    [op] = sim.operations()
    assert op.activity_id == body["OperationActivityId"]
    assert (op.kind, op.source_environment_id, op.target_environment_id) == (
        "refresh",
        envs.prod,
        envs.uat,
    )
    assert op.origin == "api"


async def test_every_answer_has_a_fresh_activity_id(
    envs: Envs, client: httpx.AsyncClient, token: str
) -> None:
    ids = {
        (await call_json(client, "GET", backups_path(), token))["OperationActivityId"]
        for _ in range(3)
    }
    assert len(ids) == 3


async def test_a_refresh_goes_not_started_in_progress_completed(
    sim: Simulator, clock: ManualClock, envs: Envs, client: httpx.AsyncClient, token: str
) -> None:
    started = await call_json(client, "POST", refresh_path(envs.prod, envs.uat), token)
    activity = started["OperationActivityId"]
    seen: list[str] = []
    completion = None
    for _ in range(24 * 12):  # poll every 5 simulated minutes for a day at most
        body = await call_json(client, "GET", status_path(envs.uat, activity), token)
        assert body["IsSuccess"] is True
        assert body["ActivityId"] == activity
        assert body["ProjectId"] == PROJECT
        assert body["EnvironmentId"] == envs.uat
        if not seen or seen[-1] != body["OperationStatus"]:
            seen.append(body["OperationStatus"])
        if body["OperationStatus"] == "Completed":
            completion = body["CompletionDate"]
            break
        assert body["CompletionDate"] is None
        clock.advance(timedelta(minutes=5))

    assert seen == ["NotStarted", "InProgress", "Completed"]
    assert completion is not None and re.match(
        r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}$", completion
    )
    elapsed = sim.operation(activity).completed_at - sim.operation(activity).started_at  # type: ignore[operator]
    # A refresh queues a couple of minutes then runs 45 to 180 minutes.
    assert timedelta(minutes=45) < elapsed <= timedelta(minutes=185)


async def test_an_export_runs_twenty_to_sixty_minutes_and_its_backup_appears(
    sim: Simulator, clock: ManualClock, envs: Envs, client: httpx.AsyncClient, token: str
) -> None:
    started = await call_json(client, "POST", export_path(envs.uat, "uat-golden_1"), token)
    activity = started["OperationActivityId"]
    names = [
        a["Name"] for a in (await call_json(client, "GET", backups_path(), token))["DatabaseAssets"]
    ]
    assert "uat-golden_1" not in names

    clock.advance(timedelta(minutes=64))
    status = await call_json(client, "GET", status_path(envs.uat, activity), token)
    assert status["OperationStatus"] == "Completed"

    assets = (await call_json(client, "GET", backups_path(), token))["DatabaseAssets"]
    [backup] = [a for a in assets if a["Name"] == "uat-golden_1"]
    assert backup["FileName"] == "uat-golden_1.bacpac"
    assert backup["ProjectId"] == PROJECT
    op = sim.operation(activity)
    assert op.completed_at is not None
    assert backup["CreatedDateTime"] == f"{op.completed_at:%Y-%m-%dT%H:%M:%S}"


async def test_history_lists_api_operations_with_their_activity_id_and_status(
    clock: ManualClock, envs: Envs, client: httpx.AsyncClient, token: str
) -> None:
    refresh = await call_json(client, "POST", refresh_path(envs.prod, envs.uat), token)
    export = await call_json(client, "POST", export_path(envs.test, "test-copy"), token)

    uat = (await call_json(client, "GET", history_path(envs.uat), token))["Data"]
    test = (await call_json(client, "GET", history_path(envs.test), token))["Data"]
    prod = (await call_json(client, "GET", history_path(envs.prod), token))["Data"]

    assert [(h["Type"], h["ActivityId"], h["Status"]) for h in uat] == [
        ("SFSourceDbToSandbox", refresh["OperationActivityId"], "NotStarted")
    ]
    assert [(h["Type"], h["ActivityId"]) for h in test] == [
        ("SFExportSandboxDb", export["OperationActivityId"])
    ]
    assert prod == []  # the source of a refresh is not charged
    assert uat[0]["EndDateTimeUTC"] is None
    assert uat[0]["EnvironmentId"] == envs.uat
    assert uat[0]["ProjectId"] == PROJECT
    assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}$", uat[0]["StartDateTimeUTC"])

    clock.advance(timedelta(hours=4))
    [line] = (await call_json(client, "GET", history_path(envs.uat), token))["Data"]
    assert line["Status"] == "Completed"
    assert line["EndDateTimeUTC"] is not None


async def test_fetchstatus_finds_a_refresh_only_through_its_target(
    envs: Envs, client: httpx.AsyncClient, token: str
) -> None:
    activity = (await call_json(client, "POST", refresh_path(envs.prod, envs.uat), token))[
        "OperationActivityId"
    ]
    wrong = await call_json(client, "GET", status_path(envs.prod, activity), token)
    assert wrong["IsSuccess"] is False
    assert activity in wrong["ErrorMessage"]
    right = await call_json(client, "GET", status_path(envs.uat, activity), token)
    assert right["IsSuccess"] is True


@pytest.mark.parametrize(
    ("path", "fragment"),
    [
        pytest.param(
            lambda e: refresh_path(e.uat, e.prod), "production", id="refresh-into-production"
        ),
        pytest.param(lambda e: refresh_path(e.uat, e.dev), "sandbox", id="refresh-into-dev-box"),
        pytest.param(lambda e: refresh_path(e.dev, e.uat), "source", id="refresh-from-dev-box"),
        pytest.param(lambda e: refresh_path(e.uat, e.uat), "different", id="source-is-target"),
        pytest.param(lambda e: refresh_path(e.prod, "nope"), "nope", id="unknown-target"),
        pytest.param(lambda e: export_path(e.prod, "x"), "production", id="export-from-production"),
        pytest.param(lambda e: export_path(e.dev, "x"), "sandbox", id="export-from-dev-box"),
        pytest.param(lambda e: export_path(e.uat, "a.bacpac"), "a.bacpac", id="name-with-dot"),
        pytest.param(lambda e: export_path(e.uat, "a%20b"), "a b", id="name-with-space"),
        pytest.param(lambda e: refresh_path(e.prod, e.uat, 999), "999", id="unknown-project"),
    ],
)
async def test_rule_breaking_starts_are_refused_with_200_and_start_nothing(
    sim: Simulator,
    envs: Envs,
    client: httpx.AsyncClient,
    token: str,
    path: Callable[[Envs], str],
    fragment: str,
) -> None:
    body = await call_json(client, "POST", path(envs), token)

    assert body["IsSuccess"] is False
    assert fragment in body["ErrorMessage"]
    assert GUID.match(body["OperationActivityId"])
    assert sim.operations() == []


async def test_a_user_outside_the_project_is_refused(
    sim: Simulator, envs: Envs, client: httpx.AsyncClient
) -> None:
    outsider = sign_in(sim, demo.NOT_IN_PROJECT_USERNAME)
    for path in (backups_path(), refresh_path(envs.prod, envs.uat)):
        body = await call_json(client, "GET" if "databases" in path else "POST", path, outsider)
        assert body["IsSuccess"] is False
        assert str(PROJECT) in body["ErrorMessage"]
    assert sim.operations() == []


async def test_a_duplicate_backup_name_is_refused_while_running_and_after(
    sim: Simulator, clock: ManualClock, envs: Envs, client: httpx.AsyncClient, token: str
) -> None:
    sim.add_backup("existing-one")
    taken = await call_json(client, "POST", export_path(envs.uat, "EXISTING-one"), token)
    assert taken["IsSuccess"] is False and "already exists" in taken["ErrorMessage"]

    assert (await call_json(client, "POST", export_path(envs.uat, "fresh"), token))["IsSuccess"]
    clock.advance(timedelta(hours=2))
    again = await call_json(client, "POST", export_path(envs.test, "fresh"), token)
    assert again["IsSuccess"] is False and "already exists" in again["ErrorMessage"]


async def test_a_busy_environment_refuses_new_operations_until_done(
    clock: ManualClock, envs: Envs, client: httpx.AsyncClient, token: str
) -> None:
    first = await call_json(client, "POST", refresh_path(envs.prod, envs.uat), token)
    assert first["IsSuccess"]

    as_target = await call_json(client, "POST", refresh_path(envs.test, envs.uat), token)
    as_export = await call_json(client, "POST", export_path(envs.uat, "copy"), token)
    as_source = await call_json(client, "POST", refresh_path(envs.uat, envs.test), token)
    for refused in (as_target, as_export, as_source):
        assert refused["IsSuccess"] is False
        assert first["OperationActivityId"] in refused["ErrorMessage"]

    # The source of a running refresh can still be copied from elsewhere.
    other = await call_json(client, "POST", refresh_path(envs.prod, envs.test), token)
    assert other["IsSuccess"] is True

    clock.advance(timedelta(hours=4))
    after = await call_json(client, "POST", export_path(envs.uat, "copy"), token)
    assert after["IsSuccess"] is True


async def test_the_fourth_start_in_24_hours_hits_the_quota_with_the_free_time(
    sim: Simulator, clock: ManualClock, envs: Envs, client: httpx.AsyncClient, token: str
) -> None:
    starts = []
    for name in ("one", "two", "three"):
        starts.append(clock.now())
        body = await call_json(client, "POST", export_path(envs.uat, name), token)
        assert body["IsSuccess"], body
        clock.advance(timedelta(hours=3))  # each export is over by then

    fourth = await call_json(client, "POST", export_path(envs.uat, "four"), token)

    # The quota frees when the first of the three is 24 hours old.
    assert starts[0] == START
    frees = START + timedelta(hours=24)
    expected = "Maximum allowed API operations are 3 from 2026-11-21T08:00:00.0000000"
    assert fourth["IsSuccess"] is False
    assert fourth["ErrorMessage"] == expected
    # A refresh charges its target: the same quota refuses it too.
    into_uat = await call_json(client, "POST", refresh_path(envs.prod, envs.uat), token)
    assert into_uat["ErrorMessage"] == expected
    # ...but not its source.
    from_uat = await call_json(client, "POST", refresh_path(envs.uat, envs.test), token)
    assert from_uat["IsSuccess"] is True

    clock.set(frees)
    assert (await call_json(client, "POST", export_path(envs.uat, "four"), token))["IsSuccess"]


async def test_portal_operations_count_against_the_quota(
    sim: Simulator, clock: ManualClock, envs: Envs, client: httpx.AsyncClient, token: str
) -> None:
    now = clock.now()
    for hours in (30, 20, 10, 5):
        sim.add_operation(
            "refresh",
            environment_id=envs.uat,
            source_environment_id=envs.prod,
            started_at=now - timedelta(hours=hours),
            outcome="success",
        )
    body = await call_json(client, "POST", export_path(envs.uat, "x"), token)
    # Counted: the starts 20, 10 and 5 hours ago; the one 30 hours ago is out.
    assert now == START
    assert body["ErrorMessage"].endswith(" from 2026-11-20T12:00:00.0000000")
    assert len(sim.operations()) == 4


async def test_failure_rate_makes_some_operations_fail_or_roll_back(
    clock: ManualClock,
) -> None:
    sim = Simulator(clock=clock, seed=3, failure_rate=0.5)
    sources = [sim.add_environment(f"S{i}").environment_id for i in range(12)]
    token = sign_in(sim)
    async with httpx.AsyncClient(transport=sim.async_transport()) as client:
        for source in sources:
            body = await call_json(client, "POST", export_path(source, f"b{source[:6]}"), token)
            assert body["IsSuccess"]
        clock.advance(timedelta(days=1))
    finals = {op.status for op in sim.operations()}
    assert finals == {"Completed", "Failed", "RollbackCompleted"}


async def test_outcomes_are_seeded_per_operation(clock: ManualClock) -> None:
    async def run() -> list[tuple[str, object]]:
        sim = Simulator(clock=ManualClock(clock.now()), seed=11, failure_rate=0.3)
        envs = [sim.add_environment(f"S{i}", environment_id=f"env{i}") for i in range(6)]
        token = sign_in(sim)
        async with httpx.AsyncClient(transport=sim.async_transport()) as client:
            for env in envs:
                await call_json(
                    client, "POST", export_path(env.environment_id, f"n{env.name}"), token
                )
        sim.clock.advance(timedelta(days=1))  # type: ignore[attr-defined]
        return [(op.status, op.completed_at - op.started_at) for op in sim.operations()]  # type: ignore[operator]

    assert await run() == await run()


async def test_fail_next_operations_fails_and_rolls_back(
    sim: Simulator, clock: ManualClock, envs: Envs, client: httpx.AsyncClient, token: str
) -> None:
    sim.faults.fail_next_operations(1)
    sim.faults.fail_next_operations(1, rollback=True)
    failing = await call_json(client, "POST", export_path(envs.uat, "f1"), token)
    rolling = await call_json(client, "POST", export_path(envs.test, "f2"), token)

    seen: dict[str, list[str]] = {
        failing["OperationActivityId"]: [],
        rolling["OperationActivityId"]: [],
    }
    for _ in range(200):
        for activity, env in (
            (failing["OperationActivityId"], envs.uat),
            (rolling["OperationActivityId"], envs.test),
        ):
            status = (await call_json(client, "GET", status_path(env, activity), token))[
                "OperationStatus"
            ]
            if not seen[activity] or seen[activity][-1] != status:
                seen[activity].append(status)
        clock.advance(timedelta(minutes=2))
    assert seen[failing["OperationActivityId"]] == ["NotStarted", "InProgress", "Failed"]
    assert seen[rolling["OperationActivityId"]] == [
        "NotStarted",
        "InProgress",
        "RollbackInProgress",
        "RollbackCompleted",
    ]
    names = [b.name for b in sim.backups()]
    assert "f1" not in names and "f2" not in names
