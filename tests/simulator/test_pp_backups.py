"""Backups and restore: system and manual, retention, create 201, delete 204, restore rules."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from lcs_tui.simulator import Simulator

from .pp_support import (
    ENVS,
    Api,
    Tenant,
    advance,
    field_errors,
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


def parse(text: str) -> datetime:
    assert text.endswith("+00:00")  # RFC 3339 with an explicit offset
    return datetime.fromisoformat(text[:-6])


def backups(api: Api, env: str) -> list[dict[str, object]]:
    """Every page of an environment's backups."""
    items: list[dict[str, object]] = []
    token: dict[str, str] = {}
    while True:
        answer = api.json(f"{ENVS}/{env}/backups", **token)
        assert set(answer) <= {"collection", "continuationToken"}
        items += answer["collection"]
        if "continuationToken" not in answer:
            return items
        token = {"continuationToken": answer["continuationToken"]}


def test_system_backups_cover_the_retention_period(tenant: Tenant, api: Api) -> None:
    sandbox = backups(api, tenant.use)
    production = backups(api, tenant.upe)
    assert all(b["label"] is None for b in sandbox + production)
    assert 7 <= len(sandbox) <= 8 and 28 <= len(production) <= 29
    for item, days in [(b, 7) for b in sandbox] + [(b, 28) for b in production]:
        point, expiry = (
            parse(str(item["backupPointDateTime"])),
            parse(str(item["backupExpiryDateTime"])),
        )
        assert expiry - point == timedelta(days=days)
        assert START - timedelta(days=days) <= point <= START
    points = [str(b["backupPointDateTime"]) for b in sandbox]
    assert points == sorted(points, reverse=True)
    assert backups(api, tenant.trial) == []  # trials are not backed up
    assert backups(api, tenant.lcs_no_dataverse) == []


def test_a_manual_backup_is_created_at_once_and_listed(
    sim: Simulator, tenant: Tenant, api: Api
) -> None:
    made = api.post(f"{ENVS}/{tenant.use}/backups", {"label": "before-the-fix"})
    assert made.status_code == 201
    body = made.json()
    assert body["label"] == "before-the-fix"
    assert parse(body["backupPointDateTime"]) == START
    assert parse(body["backupExpiryDateTime"]) == START + timedelta(days=7)
    assert body["createdBy"]["displayName"] == "Ana Admin (demo)"
    assert backups(api, tenant.use)[0]["id"] == body["id"]
    made_prod = api.post(f"{ENVS}/{tenant.upe}/backups", {"label": "go-live"}).json()
    assert parse(made_prod["backupExpiryDateTime"]) == START + timedelta(days=28)
    # Manual backups go when their retention ends.
    advance(sim, days=7, minutes=1)
    api = Api(sim, user_token(sim))  # the first token lasted a week
    assert body["id"] not in {b["id"] for b in backups(api, tenant.use)}
    assert made_prod["id"] in {b["id"] for b in backups(api, tenant.upe)}


def test_a_backup_needs_a_label_and_a_backed_up_environment(tenant: Tenant, api: Api) -> None:
    assert api.post(f"{ENVS}/{tenant.use}/backups", {}).status_code == 400
    assert api.post(f"{ENVS}/{tenant.use}/backups", {"label": "x" * 101}).status_code == 400
    trial = api.post(f"{ENVS}/{tenant.trial}/backups", {"label": "nope"})
    assert trial.status_code == 400 and trial.json()["errorDetail"]["code"] == "BackupNotSupported"


def test_deleting_a_manual_backup_and_not_a_system_one(tenant: Tenant, api: Api) -> None:
    made = api.post(f"{ENVS}/{tenant.use}/backups", {"label": "temporary"}).json()
    deleted = api.delete(f"{ENVS}/{tenant.use}/backups/{made['id']}")
    assert deleted.status_code == 204 and deleted.content == b""
    assert made["id"] not in {b["id"] for b in backups(api, tenant.use)}
    assert api.delete(f"{ENVS}/{tenant.use}/backups/{made['id']}").status_code == 404
    system = backups(api, tenant.use)[0]
    refused = api.delete(f"{ENVS}/{tenant.use}/backups/{system['id']}")
    assert refused.status_code == 400
    assert refused.json()["errorDetail"]["code"] == "SystemBackupCannotBeDeleted"


def restore_body(source: str, point: str) -> dict[str, object]:
    return {"sourceEnvironmentId": source, "restorePointDateTime": point}


def test_restoring_a_labelled_backup_into_a_sandbox(
    sim: Simulator, tenant: Tenant, api: Api
) -> None:
    labelled = sim.add_pp_backup(tenant.use, "golden", point=START - timedelta(days=2))
    point = f"{labelled.point:%Y-%m-%dT%H:%M:%S}+00:00"
    checked = api.post(f"{ENVS}/{tenant.use2}/restore", restore_body(tenant.use, point),
                       ValidateOnly="true")  # fmt: skip
    assert checked.status_code == 200 and checked.json()["status"] == "ValidationPassed"
    answer = api.post(f"{ENVS}/{tenant.use2}/restore", restore_body(tenant.use, point))
    assert answer.status_code == 202
    polled = api.follow(answer.headers["Operation-Location"]).json()
    assert polled["name"] == "Restore" and polled["status"] == "Queued"
    assert polled["updatedEnvironment"]["environmentId"] == tenant.use2
    advance(sim, hours=7)
    assert api.follow(answer.headers["Location"]).json()["status"] == "Succeeded"
    assert sim.pp_environment(tenant.use2).admin_mode  # restored environments start in admin mode


def test_a_restore_in_place_to_a_point_in_time_with_an_offset(tenant: Tenant, api: Api) -> None:
    # 09:30+02:00 is 07:30 UTC, half an hour before now.
    answer = api.post(
        f"{ENVS}/{tenant.ude}/restore", restore_body(tenant.ude, "2026-11-20T09:30:00+02:00")
    )
    assert answer.status_code == 202


@pytest.mark.parametrize(
    ("point", "words"),
    [
        ("20/11/2026 07:00", "not an RFC 3339"),
        ("2026-11-20 07:00:00", "no UTC offset"),
        ("2026-11-20T07:00:00", "no UTC offset"),
        ("2026-11-21T07:00:00Z", "in the future"),
        ("2026-11-10T07:00:00Z", "outside the retention period"),
    ],
)
def test_the_restore_point_must_be_within_retention(
    tenant: Tenant, api: Api, point: str, words: str
) -> None:
    refused = api.post(f"{ENVS}/{tenant.use2}/restore", restore_body(tenant.use, point))
    assert refused.status_code == 400
    assert words in field_errors(refused)["restorePointDateTime"][0]


def test_the_retention_message_suggests_a_point_that_works(tenant: Tenant, api: Api) -> None:
    refused = api.post(
        f"{ENVS}/{tenant.use2}/restore", restore_body(tenant.use, "2026-11-01T00:00:00Z")
    )
    entry = refused.json()["errorDetail"]["fieldErrors"]["restorePointDateTime"]
    suggested = entry["suggestedValue"]
    assert (
        api.post(
            f"{ENVS}/{tenant.use2}/restore",
            restore_body(tenant.use, suggested),
            ValidateOnly="true",
        ).status_code
        == 200
    )


def test_restore_into_production_is_refused(tenant: Tenant, api: Api) -> None:
    refused = api.post(
        f"{ENVS}/{tenant.upe}/restore", restore_body(tenant.upe, "2026-11-19T08:00:00Z")
    )
    assert refused.status_code == 400
    assert refused.json()["errorDetail"]["code"] == "TargetIsProduction"
    assert (
        "Only sandbox environments can be restored to"
        in field_errors(refused)["targetEnvironmentId"][0]
    )


def test_restore_rules_follow_the_copy_matrix(tenant: Tenant, api: Api) -> None:
    def code(target: str, source: str) -> object:
        answer = api.post(
            f"{ENVS}/{target}/restore",
            restore_body(source, "2026-11-19T08:00:00Z"),
            ValidateOnly="true",
        )
        return (
            answer.status_code
            if answer.status_code != 400
            else answer.json()["errorDetail"]["code"]
        )

    assert code(tenant.ude, tenant.upe) == 200  # a production backup into a UDE
    assert code(tenant.use, tenant.lcs_sandbox) == 200  # an LCS source into a unified target
    assert code(tenant.use, tenant.ude) == "SourceIsDeveloperEnvironment"
    assert code(tenant.lcs_sandbox, tenant.lcs_sandbox) == "TargetManagedInLifecycleServices"
    assert code(tenant.use_us, tenant.use) == "RegionMismatch"
    assert code(tenant.use_managed, tenant.use) == "ManagedStateMismatch"


def test_restore_candidates(tenant: Tenant, api: Api) -> None:
    listed = api.json(f"{ENVS}/{tenant.use}/restoreCandidates")["collection"]
    assert {c["displayName"] for c in listed} == {"T-USE", "T-USE2", "T-UDE"}


def test_a_restore_waits_for_an_operation_on_its_target(
    sim: Simulator, tenant: Tenant, api: Api
) -> None:
    assert api.copy(tenant.use2, tenant.upe).status_code == 202
    busy = api.post(
        f"{ENVS}/{tenant.use2}/restore", restore_body(tenant.use, "2026-11-19T08:00:00Z")
    )
    assert busy.status_code == 409
    assert busy.json()["errorDetail"]["code"] == "OperationNotStartable"
    assert api.post(f"{ENVS}/{tenant.use2}/backups", {"label": "x"}).status_code == 409
