"""The Power Platform service: the direction rules, busy targets, the journal, watching."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import httpx
import pytest

from lcs_tui.api import OutcomeUnknown
from lcs_tui.ppac.errors import PpValidationFailed
from lcs_tui.ppac.requests import CopyOptions, RestorePoint
from lcs_tui.ppac.service import ActionRefused, PowerPlatformService
from lcs_tui.service.journal import Journal
from lcs_tui.service.operations import (
    NOT_STARTED_LOCALLY,
    OUTCOME_UNKNOWN,
    POWERPLATFORM,
    STARTING,
    TrackedOperation,
)
from tests.ppac.fake import (
    DEFAULT_ENV,
    LCS_DEVBOX,
    LCS_PROD,
    LCS_SANDBOX,
    PLAIN,
    PP,
    TRIAL,
    UDE,
    UDE_US,
    UPE,
    USE,
    FakePowerPlatform,
    Op,
    once,
)
from tests.ppac.helpers import client_on


@pytest.fixture
def fake() -> FakePowerPlatform:
    return FakePowerPlatform()


def service_on(
    fake: FakePowerPlatform, journal: Journal | None = None, profile: str = "unified"
) -> PowerPlatformService:
    sleeps: list[float] = []

    async def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        fake.now += timedelta(seconds=seconds)

    return PowerPlatformService(
        client_on(fake),
        profile=profile,
        journal=journal,
        now=lambda: fake.now,
        sleep=sleep,
        monotonic=lambda: fake.now.timestamp(),
    )


async def loaded(fake: FakePowerPlatform, journal: Journal | None = None) -> PowerPlatformService:
    service = service_on(fake, journal)
    await service.load_environments()
    return service


# -- environments ------------------------------------------------------------


async def test_fno_environments_only_unless_asked(fake: FakePowerPlatform) -> None:
    service = service_on(fake)
    shown = {e.id for e in await service.load_environments()}
    assert PLAIN not in shown and DEFAULT_ENV not in shown and TRIAL not in shown
    assert {UPE, USE, UDE, LCS_SANDBOX, LCS_PROD, LCS_DEVBOX} <= shown
    everything = {e.id for e in await service.load_environments(include_all=True)}
    assert PLAIN in everything and DEFAULT_ENV in everything


async def test_ude_and_use_are_told_apart_and_linked_ones_carry_their_lcs_id(
    fake: FakePowerPlatform,
) -> None:
    service = await loaded(fake)
    assert service.environments[UDE].kind == "ude"
    assert service.environments[USE].kind == "use"
    linked = service.environments[LCS_SANDBOX]
    assert linked.kind == "lcs-sandbox" and linked.lcs_environment_id
    assert service.linked_to(linked.lcs_environment_id or "") == linked


async def test_a_dataverse_that_does_not_answer_leaves_the_kind_open_with_a_note(
    fake: FakePowerPlatform,
) -> None:
    next(e for e in fake.envs if e.id == UDE).details_status = 403
    service = await loaded(fake)
    assert service.environments[UDE].kind == "unified-sandbox"
    assert any("ANA-UDE" in note and "UDE or USE" in note for note in service.notes)


async def test_without_finops_metadata_bap_tells_which_have_fno(fake: FakePowerPlatform) -> None:
    fake.hide_finops = True
    service = await loaded(fake)
    assert service.environments[LCS_SANDBOX].kind == "lcs-sandbox"
    assert PLAIN not in service.environments
    assert any(r.url.startswith("https://api.bap.microsoft.com") for r in fake.requests)


# -- the direction rules (PPAC-API.md §3.4) --------------------------------------------------


@pytest.mark.parametrize(
    ("source", "target", "refused_because"),
    [
        (LCS_SANDBOX, UDE, None),
        (LCS_PROD, UDE, None),
        (LCS_SANDBOX, USE, None),
        (USE, UDE, None),
        (UPE, UDE, None),
        (UPE, USE, None),
        (LCS_DEVBOX, UDE, "cloud-hosted"),
        (UDE, USE, "UDE cannot be the source"),
        (UDE, UPE, "production"),
        (USE, UPE, "production"),
        (USE, LCS_SANDBOX, "LCS environment"),
        (USE, USE, "same environment"),
        (USE, UDE_US, "only within one region"),
        (USE, DEFAULT_ENV, "Default"),
        (TRIAL, USE, "Trial"),
        (PLAIN, USE, "no finance and operations apps"),
    ],
)
async def test_the_direction_matrix(
    fake: FakePowerPlatform, source: str, target: str, refused_because: str | None
) -> None:
    service = service_on(fake)
    await service.load_environments(include_all=True)
    verdict = service.copy_verdict(source, target)
    if refused_because is None:
        assert verdict.allowed, verdict.problems
    else:
        assert any(refused_because in p.message for p in verdict.problems), verdict.problems


async def test_undocumented_directions_pass_with_a_note(fake: FakePowerPlatform) -> None:
    service = await loaded(fake)
    verdict = service.copy_verdict(LCS_PROD, USE)
    assert verdict.allowed and any("not in Microsoft's table" in n for n in verdict.notes)


async def test_managed_to_unmanaged_is_refused(fake: FakePowerPlatform) -> None:
    next(e for e in fake.envs if e.id == UDE).protection = "Standard"
    service = await loaded(fake)
    verdict = service.copy_verdict(USE, UDE)
    assert any("managed" in p.message for p in verdict.problems)


async def test_a_target_the_copy_candidates_leave_out_is_refused(fake: FakePowerPlatform) -> None:
    service = await loaded(fake)
    await service.load_copy_candidates(LCS_SANDBOX)
    assert service.copy_verdict(LCS_SANDBOX, UDE).allowed
    service.candidates[LCS_SANDBOX] = [
        c for c in service.candidates[LCS_SANDBOX] if c.environment_id != UDE
    ]
    verdict = service.copy_verdict(LCS_SANDBOX, UDE)
    assert any("copy candidates" in p.message for p in verdict.problems)


async def test_refused_copies_are_never_sent(fake: FakePowerPlatform) -> None:
    service = await loaded(fake)
    with pytest.raises(ActionRefused):
        await service.start_copy(UDE, USE, CopyOptions())
    with pytest.raises(ActionRefused):
        await service.validate_copy(USE, UPE, CopyOptions())
    assert fake.posts() == []


# -- busy ------------------------------------------------------------


async def test_a_target_with_a_running_operation_is_busy(fake: FakePowerPlatform) -> None:
    service = await loaded(fake)
    await service.start_copy(UPE, USE, CopyOptions())
    verdict = service.copy_verdict(UPE, USE)
    assert any("busy" in p.message and "copy" in p.message for p in verdict.problems)
    assert len(fake.posts("/copy")) == 1


async def test_an_operation_started_elsewhere_makes_the_target_busy(
    fake: FakePowerPlatform,
) -> None:
    fake.ops.append(
        Op("elsewhere-1", UDE, "Restore", fake.now - timedelta(hours=1), timedelta(hours=4))
    )
    service = await loaded(fake)
    assert service.copy_verdict(USE, UDE).allowed  # its history not read yet
    await service.load_history(UDE)
    verdict = service.copy_verdict(USE, UDE)
    assert any("restore" in p.message and "elsewher" in p.message for p in verdict.problems)
    adopted = service.adopt_running_from_history()
    assert [op.activity_id for op in adopted] == ["elsewhere-1"]
    assert adopted[0].kind == "restore"


# -- validation ------------------------------------------------------------


async def test_validation_passes_and_starts_nothing(fake: FakePowerPlatform) -> None:
    service = await loaded(fake)
    result = await service.validate_copy(UPE, UDE, CopyOptions())
    assert result.passed and not fake.ops


async def test_validation_that_the_service_runs_as_an_operation_is_polled(
    fake: FakePowerPlatform,
) -> None:
    polled: list[str] = []

    def validate_later(request: httpx.Request) -> httpx.Response | None:
        if "ValidateOnly=true" in str(request.url):
            return httpx.Response(
                202, headers={"Location": f"{PP}/validations/v1", "Retry-After": "3"}
            )
        if request.url.path == "/validations/v1":
            polled.append(str(request.url))
            word = "ValidationFailed" if len(polled) > 1 else "InProgress"
            return httpx.Response(
                200,
                json={
                    "status": word,
                    "errorDetail": {"code": "SourceTooOld", "message": "source below 10.0.35"},
                },
            )
        return None

    fake.faults.append(validate_later)
    service = await loaded(fake)
    result = await service.validate_copy(UPE, UDE, CopyOptions())
    assert not result.passed and "10.0.35" in result.problems[0]
    assert len(polled) == 2


async def test_the_services_field_errors_come_through(fake: FakePowerPlatform) -> None:
    fake.faults.append(
        once(
            400,
            match="ValidateOnly=true",
            json={
                "errorDetail": {
                    "code": "ValidationFailed",
                    "fieldErrors": {
                        "copyType": {
                            "errorMessages": ["Transactionless copy needs platform 10.0.40."],
                            "suggestedValue": "Full",
                        }
                    },
                }
            },
        )
    )
    service = await loaded(fake)
    with pytest.raises(PpValidationFailed) as caught:
        await service.validate_copy(UPE, UDE, CopyOptions())
    assert caught.value.problems == (
        "copyType: Transactionless copy needs platform 10.0.40. (suggested: Full)",
    )


# -- the journal ------------------------------------------------------------


def journal_at(tmp_path: Path) -> Journal:
    return Journal(tmp_path / "journal-unified.json")


async def test_the_operation_is_journalled_before_its_post(
    fake: FakePowerPlatform, tmp_path: Path
) -> None:
    journal = journal_at(tmp_path)
    seen: list[list[str]] = []

    def look(request: httpx.Request) -> httpx.Response | None:
        if request.method == "POST" and "/copy" in str(request.url):
            seen.append([op.status for op in journal.load()])
        return None

    fake.faults.append(look)
    service = await loaded(fake, journal)
    op = await service.start_copy(UPE, UDE, CopyOptions())
    assert seen == [[STARTING]]
    stored = journal.load()
    assert [o.key for o in stored] == [op.key]
    assert stored[0].backend == POWERPLATFORM and stored[0].activity_id == fake.ops[0].id
    assert stored[0].poll_url and "/operations/" in stored[0].poll_url


async def test_no_journal_no_post(fake: FakePowerPlatform, tmp_path: Path) -> None:
    blocked = tmp_path / "not-a-dir"
    blocked.write_text("a file where the journal's directory should be")
    service = await loaded(fake, Journal(blocked / "journal.json"))
    with pytest.raises(ActionRefused) as caught:
        await service.start_copy(UPE, UDE, CopyOptions())
    assert "nothing was sent" in str(caught.value)
    assert fake.posts() == []


async def test_a_refusal_is_journalled_as_not_started(
    fake: FakePowerPlatform, tmp_path: Path
) -> None:
    fake.faults.append(once(409, match="/copy", method="POST"))
    journal = journal_at(tmp_path)
    service = await loaded(fake, journal)
    with pytest.raises(Exception, match="another lifecycle operation"):
        await service.start_copy(UPE, UDE, CopyOptions())
    (stored,) = journal.load()
    assert stored.status == NOT_STARTED_LOCALLY and stored.finished


async def test_a_dropped_answer_is_reconciled_from_the_history_never_resent(
    fake: FakePowerPlatform, tmp_path: Path
) -> None:
    fake.lose_answers.append("/copy")
    journal = journal_at(tmp_path)
    service = await loaded(fake, journal)
    with pytest.raises(OutcomeUnknown):
        await service.start_copy(UPE, UDE, CopyOptions())
    (stored,) = journal.load()
    assert stored.status == OUTCOME_UNKNOWN and stored.activity_id is None
    # The next run (a restart) reconciles it from the target's operation history.
    fake.now += timedelta(minutes=5)
    again = await loaded(fake, journal)
    changed = await again.reconcile()
    assert [op.activity_id for op in changed] == [fake.ops[0].id]
    assert "although the answer was lost" in (changed[0].message or "")
    assert len(fake.posts("/copy")) == 1
    assert again.active_operations() == [again.operations[stored.key]]


async def test_a_crash_during_the_post_is_found_in_the_history(
    fake: FakePowerPlatform, tmp_path: Path
) -> None:
    journal = journal_at(tmp_path)
    requested = fake.now
    journal.upsert(
        TrackedOperation.new(
            kind="copy",
            project_id=0,
            poll_environment_id=UDE,
            environment_name="ANA-UDE",
            source_name="CONTOSO-UPE",
            source_environment_id=UPE,
            requested_at=requested,
            profile="unified",
            backend=POWERPLATFORM,
        )
    )
    fake.ops.append(
        Op("found-1", UDE, "Copy", requested + timedelta(seconds=20), timedelta(hours=3))
    )
    fake.now += timedelta(minutes=10)
    service = await loaded(fake, journal)
    (changed,) = await service.reconcile()
    assert changed.activity_id == "found-1" and "after a restart" in (changed.message or "")
    assert fake.posts() == []


async def test_a_start_that_never_arrived_becomes_outcome_unknown_with_advice(
    fake: FakePowerPlatform, tmp_path: Path
) -> None:
    journal = journal_at(tmp_path)
    journal.upsert(
        TrackedOperation.new(
            kind="copy",
            project_id=0,
            poll_environment_id=UDE,
            environment_name="ANA-UDE",
            requested_at=fake.now,
            profile="unified",
            backend=POWERPLATFORM,
        )
    )
    fake.now += timedelta(minutes=10)
    service = await loaded(fake, journal)
    (changed,) = await service.reconcile()
    assert changed.status == OUTCOME_UNKNOWN
    assert "probably not started" in (changed.message or "")
    assert fake.posts() == []


async def test_an_lcs_entry_of_the_same_journal_is_left_to_lcs(
    fake: FakePowerPlatform, tmp_path: Path
) -> None:
    journal = journal_at(tmp_path)
    journal.upsert(
        TrackedOperation.new(
            kind="refresh",
            project_id=1234567,
            poll_environment_id="x",
            environment_name="UAT",
            requested_at=fake.now,
            profile="unified",
        )
    )
    service = await loaded(fake, journal)
    assert service.operations == {}


# -- watching ------------------------------------------------------------


async def watch_until_done(
    service: PowerPlatformService, fake: FakePowerPlatform, key: str, step: timedelta
) -> list[str]:
    words: list[str] = []
    for _ in range(200):
        op = service.operations[key]
        if op.finished:
            break
        await service.poll(op)
        now = service.operations[key]
        if not words or words[-1] != now.status:
            words.append(now.status)
        fake.now += step
    return words


async def test_a_copy_is_watched_through_its_stages_to_succeeded(fake: FakePowerPlatform) -> None:
    service = await loaded(fake)
    op = await service.start_copy(UPE, UDE, CopyOptions())
    assert op.status == "Queued" and service.next_poll_in(op, 10) == 30
    fake.now += timedelta(hours=1)
    await service.poll(service.operations[op.key])
    stages = service.operations[op.key].extra["stages"]
    assert [(s["name"], s["status"]) for s in stages] == [
        ("Validate", "Succeeded"),
        ("Prepare", "InProgress"),
        ("Run", "NotStarted"),
        ("Finalize", "NotStarted"),
    ]
    words = await watch_until_done(service, fake, op.key, timedelta(minutes=30))
    assert words[-1] == "Succeeded"
    done = service.operations[op.key]
    assert done.finished and done.finished_at == fake.ops[0].started + fake.ops[0].duration


async def test_a_failed_copy_says_why(fake: FakePowerPlatform) -> None:
    fake.fail_next = True
    service = await loaded(fake)
    op = await service.start_copy(UPE, UDE, CopyOptions())
    await watch_until_done(service, fake, op.key, timedelta(hours=1))
    done = service.operations[op.key]
    assert done.status == "Failed" and "Run stage" in (done.message or "")


async def test_a_gone_status_url_is_settled_by_the_history(fake: FakePowerPlatform) -> None:
    fake.gone_when_done = True
    fake.fail_next = True
    service = await loaded(fake)
    op = await service.start_copy(UPE, UDE, CopyOptions())
    fake.now += timedelta(hours=5)
    await service.poll(service.operations[op.key])
    # 404 is not taken as success: the history says it failed.
    assert service.operations[op.key].status == "Failed"


async def test_conflicts_while_polling_keep_it_running(fake: FakePowerPlatform) -> None:
    fake.conflicts = 3
    service = await loaded(fake)
    op = await service.start_copy(UPE, UDE, CopyOptions())
    for _ in range(3):
        assert await service.poll(service.operations[op.key]) is None
    fake.now += timedelta(minutes=5)
    await service.poll(service.operations[op.key])
    assert service.operations[op.key].status == "InProgress"


async def test_a_day_long_copy_is_watched_to_its_end(fake: FakePowerPlatform) -> None:
    fake.copy_duration = timedelta(hours=26)
    service = await loaded(fake)
    op = await service.start_copy(UPE, UDE, CopyOptions())
    words = await watch_until_done(service, fake, op.key, timedelta(minutes=30))
    assert words[-1] == "Succeeded"
    assert service.operations[op.key].finished_at == fake.ops[0].started + timedelta(hours=26)


async def test_an_operation_watched_by_a_mistyped_id_ends_as_not_found(
    fake: FakePowerPlatform,
) -> None:
    service = await loaded(fake)
    op = service.watch("no-such-op", UDE)
    await service.poll(op)
    assert service.operations[op.key].status == "NotFound"


# -- backups and restore ------------------------------------------------------------


async def test_backups_newest_first_create_and_delete(fake: FakePowerPlatform) -> None:
    service = await loaded(fake)
    listed = await service.load_backups(USE)
    assert listed[0].label == "before-upgrade"
    assert [b.point for b in listed] == sorted((b.point for b in listed), reverse=True)
    made = await service.create_backup(USE, "golden")
    assert made is not None and service.backups[USE][0] == made
    with pytest.raises(ActionRefused):
        await service.create_backup(USE, " ")
    await service.delete_backup(USE, made.id)
    assert made.id not in {b.id for b in await service.load_backups(USE)}


async def test_restore_rules(fake: FakePowerPlatform) -> None:
    service = await loaded(fake)
    ok = RestorePoint(fake.now - timedelta(days=1))
    assert service.restore_verdict(USE, UDE, ok).allowed
    assert service.restore_verdict(USE, USE, ok).allowed  # its own backup
    refusals = {
        "production": service.restore_verdict(USE, UPE, ok),
        "future": service.restore_verdict(USE, UDE, RestorePoint(fake.now + timedelta(hours=2))),
        "older than": service.restore_verdict(
            USE, UDE, RestorePoint(fake.now - timedelta(days=30))
        ),
        "UDE cannot": service.restore_verdict(UDE, USE, ok),
    }
    for phrase, verdict in refusals.items():
        assert any(phrase in p.message for p in verdict.problems), (phrase, verdict.problems)


async def test_a_restore_from_a_backup_is_journalled_with_its_point(
    fake: FakePowerPlatform, tmp_path: Path
) -> None:
    journal = journal_at(tmp_path)
    service = await loaded(fake, journal)
    backup = (await service.load_backups(USE))[0]
    assert backup.point is not None
    point = RestorePoint(backup.point, backup.point_text, backup.id, backup.label)
    op = await service.start_restore(USE, UDE, point)
    # The title gives the point to the minute, in UTC; the journal keeps it exact.
    assert op.title() == f"restore CONTOSO-USE @{backup.point:%Y-%m-%d %H:%M} UTC→ANA-UDE"
    (post,) = fake.posts("/restore")
    assert post.body["restorePointDateTime"] == backup.point_text
    stored = json.loads((tmp_path / "journal-unified.json").read_text())["operations"][0]
    assert stored["kind"] == "restore" and stored["backup_name"] == "before-upgrade"


async def test_explains_there_is_no_bacpac(fake: FakePowerPlatform) -> None:
    service = await loaded(fake)
    assert "no bacpac export or download" in service.export_explanation()


def test_status_words_of_both_backends_are_read_with_their_vocabulary() -> None:
    copy = TrackedOperation.new(
        kind="copy",
        project_id=0,
        poll_environment_id="e",
        environment_name="E",
        status="Succeeded",
        backend=POWERPLATFORM,
    )
    refresh = TrackedOperation.new(
        kind="refresh",
        project_id=1,
        poll_environment_id="e",
        environment_name="E",
        status="Succeeded",
    )
    assert copy.finished and copy.outcome.value == "succeeded"
    # "Succeeded" is no LCS word: LCS keeps watching it.
    assert not refresh.finished and refresh.outcome.value == "unknown"
    assert TrackedOperation.from_json(copy.to_json()) == copy
    assert datetime  # (imported for the helpers' type comments)


async def test_without_an_operation_list_bap_lifecycle_operations_serve(
    fake: FakePowerPlatform,
) -> None:
    fake.ops.append(Op("bap-1", UDE, "Copy", fake.now - timedelta(hours=1), timedelta(hours=3)))

    def no_list(request: httpx.Request) -> httpx.Response | None:
        if request.url.path.endswith(f"/environments/{UDE}/operations"):
            return httpx.Response(404, json={"error": {"code": "NotFound"}})
        return None

    fake.faults.append(no_list)
    service = await loaded(fake)
    (entry,) = await service.load_history(UDE)
    assert entry.operation_id == "bap-1" and entry.status_field == "state.id"
    assert UDE in service.busy_environments()
    with pytest.raises(Exception, match="no such environment"):
        await service.load_history("missing-env")


async def test_one_geo_is_one_region_whatever_the_azure_region(fake: FakePowerPlatform) -> None:
    next(e for e in fake.envs if e.id == UDE).region = "northeurope"
    service = await loaded(fake)
    assert service.copy_verdict(USE, UDE).allowed
