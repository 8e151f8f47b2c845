"""`lcs-tui job add|list|show|run` with copy and restore steps, on a Power Platform profile."""

from __future__ import annotations

import json
from typing import Any

from lcs_tui.commands import exit_codes
from lcs_tui.jobs import JobStore
from lcs_tui.jobs.model import Copy, Restore
from tests.commands.schemas import assert_valid
from tests.ppac.conftest import PpHarness
from tests.ppac.fake import UDE

MONDAY_COPY = (
    "job",
    "add",
    "ana-monday",
    "--profile",
    "unified",
    "--copy",
    "CONTOSO-UPE:ANA-UDE:full",
    "--cron",
    "0 6 * * MON",
    "--zone",
    "Europe/Amsterdam",
    "--confirm-target",
    "ANA-UDE",
)


def test_job_add_copies_prod_into_a_ude_every_monday_at_six(pp: PpHarness) -> None:
    result = pp.run(*MONDAY_COPY)
    assert result.code == 0, result.err
    assert "copy CONTOSO-UPE into ANA-UDE (everything): ANA-UDE is OVERWRITTEN" in result.err
    assert "administration mode" in result.err
    [job] = JobStore().jobs()
    assert job.profile == "unified"
    assert job.steps == (Copy("CONTOSO-UPE", "ANA-UDE", "full", True, "ANA-UDE"),)
    text = JobStore().path.read_text()
    assert 'do = "copy"' in text and 'type = "full"' in text and 'confirmed = "ANA-UDE"' in text
    listed = pp.run("job", "list")
    assert listed.code == 0, listed.err
    row = next(line for line in listed.out.splitlines() if line.startswith("ana-monday"))
    assert "unified" in row
    # Friday 2026-11-20 08:00 UTC: the next Monday 06:00 in Amsterdam is 05:00 UTC.
    assert "2026-11-23 06:00 CET (05:00 UTC)" in row
    shown = pp.run("job", "show", "ana-monday", "--json")
    assert shown.code == 0, shown.err
    assert_valid(shown.json, "lcs-tui/job/v1")
    step = shown.json["job"]["steps"][0]
    assert step["kind"] == "copy" and step["text"] == "copy CONTOSO-UPE → ANA-UDE (everything)"
    assert pp.fake.posts() == []  # creating a job starts nothing


def test_job_add_without_the_target_typed_refuses_in_a_script(pp: PpHarness) -> None:
    result = pp.run(*MONDAY_COPY[:-2])
    assert result.code == exit_codes.USAGE
    assert "add --confirm-target ANA-UDE" in result.err
    assert JobStore().jobs() == []


def test_job_add_refuses_a_refused_direction_with_the_rule(pp: PpHarness) -> None:
    result = pp.run(
        "job", "add", "back", "--profile", "unified", "--copy", "ANA-UDE:CONTOSO-USE:full",
        "--confirm-target", "CONTOSO-USE", "--json",
    )  # fmt: skip
    assert result.code == exit_codes.REFUSED
    assert any("UDE cannot be the source" in p for p in result.json["error"]["problems"])
    assert JobStore().jobs() == [] and pp.fake.posts() == []


def test_job_add_restores_a_label_and_a_point_in_time(pp: PpHarness) -> None:
    result = pp.run(
        "job", "add", "use-back", "--profile", "unified",
        "--restore", "CONTOSO-USE:CONTOSO-USE:before-upgrade",
        "--restore", "CONTOSO-USE:CONTOSO-USE:2026-11-20T07:30:00+01:00",
        "--keep-audit-data", "--confirm-target", "CONTOSO-USE",
    )  # fmt: skip
    assert result.code == 0, result.err
    [job] = JobStore().jobs()
    first, second = job.steps
    assert isinstance(first, Restore) and isinstance(second, Restore)
    assert first.backup == "before-upgrade" and not first.skip_audit_data
    assert second.at is not None and f"{second.at:%Y-%m-%d %H:%M}" == "2026-11-20 06:30"
    assert 'at = "2026-11-20T06:30:00Z"' in JobStore().path.read_text()
    zoneless = pp.run(
        "job", "add", "x", "--profile", "unified",
        "--restore", "CONTOSO-USE:CONTOSO-USE:2026-11-20T07:30",
    )  # fmt: skip
    assert zoneless.code == exit_codes.USAGE and "has no offset" in zoneless.err


def test_an_lcs_step_on_a_power_platform_profile_is_refused_before_anything(
    pp: PpHarness,
) -> None:
    result = pp.run(
        "job", "add", "lcs", "--profile", "unified", "--refresh", "CONTOSO-UPE:ANA-UDE",
        "--confirm-target", "ANA-UDE",
    )  # fmt: skip
    assert result.code == exit_codes.REFUSED
    assert "is a Power Platform profile" in result.err
    assert JobStore().jobs() == []


def test_job_run_copies_validated_first_through_its_stages(pp: PpHarness) -> None:
    added = pp.run(
        "job", "add", "ana-now", "--profile", "unified", "--copy",
        "LCS-UAT:ANA-UDE:transactionless", "--confirm-target", "ANA-UDE",
    )  # fmt: skip
    assert added.code == 0, added.err
    result = pp.run("job", "run", "ana-now", "--json")
    assert result.code == 0, result.err
    doc = result.json
    assert_valid(doc, "lcs-tui/job/v1")
    step = doc["job"]["steps"][0]
    assert step["status"] == "done" and step["message"] == "Succeeded", step
    posts = pp.fake.posts("/copy")
    assert ["ValidateOnly=true" in p.url for p in posts] == [True, False]
    assert posts[1].body["copyOptions"]["executeAdvancedCopyForFinanceAndOperations"] is True
    assert "stage Run" in result.err  # the runner said the stage as it went


def test_hostile_server_text_in_a_job_stays_inert(pp: PpHarness) -> None:
    from tests.hostile import DANGEROUS, HOSTILE

    ude = next(e for e in pp.fake.envs if e.id == UDE)
    ude.name = HOSTILE["osc52"]

    def refuse(request: Any) -> Any:
        import httpx

        if request.method != "POST" or "ValidateOnly=true" not in str(request.url):
            return None
        detail = {
            "code": "ValidationFailed",
            "fieldErrors": {"copyType": {"errorMessages": [HOSTILE["osc8"], HOSTILE["bidi"]]}},
        }
        return httpx.Response(400, json={"errorDetail": detail})

    added = pp.run(
        "job", "add", "evil", "--profile", "unified", "--copy", f"CONTOSO-UPE:{UDE}:full",
        "--confirm-target", HOSTILE["osc52"],
    )  # fmt: skip
    assert added.code == 0, added.err
    pp.fake.faults.append(refuse)
    ran = pp.run("job", "run", "evil")
    assert ran.code == exit_codes.OPERATION_FAILED
    outputs = [ran]
    for argv in (("job", "list"), ("job", "show", "evil"), ("job", "show", "evil", "--json")):
        outputs.append(pp.run(*argv))
    assert "validation refused the copy" in outputs[2].out
    assert "\\x1b]8" in outputs[2].out  # the escape is shown as text, not sent
    for result in outputs:
        assert not DANGEROUS.search(result.out + result.err)
    stored = json.loads(outputs[3].out)["job"]["steps"][0]
    assert stored["status"] == "failed" and "copyType: TEST" in stored["message"]
    assert pp.fake.posts("/copy") and all("ValidateOnly=true" in p.url for p in pp.fake.posts())
