"""The scripting commands with a Power Platform profile: envs, history, status, copy,
restore, backup — and LCS and Power Platform profiles read together."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from lcs_tui.commands import exit_codes
from lcs_tui.config import load_config, save_config
from tests.commands.conftest import contoso_profile
from tests.commands.schemas import assert_valid
from tests.ppac.conftest import PpHarness, unified_profile
from tests.ppac.fake import (
    LCS_SANDBOX,
    LCS_SANDBOX_LCS_ID,
    PLAIN,
    UDE,
    USE,
    Backup,
    Op,
    once,
)

pytestmark = pytest.mark.filterwarnings(
    "ignore:This API has been deprecated for public client flows:DeprecationWarning"
)


def copy_posts(pp: PpHarness) -> list[Any]:
    return [r for r in pp.fake.posts("/copy") if "ValidateOnly" not in r.url]


# -- envs and history ------------------------------------------------------------------------


def test_envs_lists_the_fno_environments_with_kind_and_lcs_link(pp: PpHarness) -> None:
    result = pp.run("envs")
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert lines[0].split()[:3] == ["NAME", "KIND", "TYPE"]
    uat = next(line for line in lines if line.startswith("LCS-UAT"))
    assert "LCS sandbox (linked)" in uat and LCS_SANDBOX_LCS_ID in uat
    ude = next(line for line in lines if line.startswith("ANA-UDE"))
    assert "unified developer (UDE)" in ude and "admin mode" in ude
    assert "HR-DATAVERSE" not in result.out


def test_envs_json_and_all_environments(pp: PpHarness) -> None:
    result = pp.run("envs", "--json", "--all-environments", "--quota")
    assert result.code == 0, result.err
    doc = result.json
    assert_valid(doc, "lcs-tui/pp-envs/v1")
    rows = {row["id"]: row for row in doc["environments"]}
    assert rows[PLAIN]["kind"] == "dataverse"
    assert rows[LCS_SANDBOX]["lcs_environment_id"] == LCS_SANDBOX_LCS_ID
    assert rows[UDE]["application_version"] == "10.0.45.2"
    assert rows[UDE]["busy"] is False


def test_history_of_a_unified_environment(pp: PpHarness) -> None:
    pp.fake.ops.append(
        Op("op-old", UDE, "Copy", pp.fake.now - timedelta(days=2), timedelta(hours=3))
    )
    pp.fake.ops.append(
        Op("op-now", UDE, "Restore", pp.fake.now - timedelta(hours=1), timedelta(hours=4))
    )
    result = pp.run("history", "ana-ude", "--json")
    assert result.code == 0, result.err
    doc = result.json
    assert_valid(doc, "lcs-tui/pp-history/v1")
    assert [e["operation_id"] for e in doc["entries"]] == ["op-now", "op-old"]
    assert doc["entries"][0]["status"] == "InProgress" and doc["entries"][0]["stage"] == "Prepare"
    table = pp.run("history", "ANA-UDE")
    assert "Restore" in table.out and "Prepare InProgress" in table.out


def test_an_unknown_environment_suggests_the_closest(pp: PpHarness) -> None:
    result = pp.run("history", "ANA-UD")
    assert result.code == exit_codes.USAGE
    assert "did you mean ANA-UDE" in result.err


# -- copy ------------------------------------------------------------------------------------------


def test_copy_an_lcs_sandbox_into_a_ude_validated_first_and_watched_to_the_end(
    pp: PpHarness,
) -> None:
    result = pp.run(
        "copy",
        "--source",
        "LCS-UAT",
        "--target",
        "ANA-UDE",
        "--type",
        "transactionless",
        "--yes",
        "--wait",
        "--json",
    )
    assert result.code == 0, result.err
    doc = result.json
    assert_valid(doc, "lcs-tui/copy/v1")
    assert doc["status"] == "Succeeded" and doc["outcome"] == "succeeded" and doc["waited"]
    assert doc["validation"] == {"passed": True, "problems": [], "notes": []}
    assert [c["stage"] for c in doc["stage_changes"]][:2] == ["Validate", "Prepare"]
    assert {s["name"] for s in doc["stages"]} == {"Validate", "Prepare", "Run", "Finalize"}
    # Validate-only first, then exactly one start.
    posts = pp.fake.posts("/copy")
    assert ["ValidateOnly=true" in p.url for p in posts] == [True, False]
    assert posts[1].body["copyOptions"]["executeAdvancedCopyForFinanceAndOperations"] is True
    assert "stage Run" in result.err and "Succeeded" in result.err
    # The journal knows it, finished.
    assert pp.run("status", doc["operation_id"], "--json").json["status"] == "Succeeded"


def test_a_refused_direction_is_explained_and_nothing_is_sent(pp: PpHarness) -> None:
    result = pp.run(
        "copy",
        "--source",
        "ANA-UDE",
        "--target",
        "CONTOSO-USE",
        "--type",
        "full",
        "--yes",
        "--json",
    )
    assert result.code == exit_codes.REFUSED
    doc = result.json
    assert_valid(doc, "lcs-tui/copy/v1")
    assert doc["outcome"] == "not_started"
    assert any("UDE cannot be the source" in p for p in doc["error"]["problems"])
    assert pp.fake.posts() == []


def test_validate_only_sends_nothing_that_starts_and_needs_no_yes(pp: PpHarness) -> None:
    result = pp.run(
        "copy",
        "--source",
        "CONTOSO-USE",
        "--target",
        "ANA-UDE",
        "--type",
        "minimal",
        "--validate-only",
        "--json",
    )
    assert result.code == 0, result.err
    assert result.json["outcome"] == "validated"
    assert pp.fake.ops == [] and copy_posts(pp) == []


def test_the_services_validation_refusal_is_exit_5_with_its_reasons(pp: PpHarness) -> None:
    pp.fake.faults.append(
        once(
            400,
            match="ValidateOnly=true",
            json={
                "errorDetail": {
                    "code": "ValidationFailed",
                    "fieldErrors": {
                        "sourceEnvironmentId": {"errorMessages": ["The source is below 10.0.35."]}
                    },
                }
            },
        )
    )
    result = pp.run(
        "copy", "--source", "CONTOSO-USE", "--target", "ANA-UDE", "--type", "full", "--yes"
    )
    assert result.code == exit_codes.REJECTED
    assert "below 10.0.35" in result.err and copy_posts(pp) == []


def test_the_target_name_is_typed_to_confirm(pp: PpHarness) -> None:
    args = ("copy", "--source", "CONTOSO-USE", "--target", "ANA-UDE", "--type", "full")
    declined = pp.run(*args, answers="ana-ud\n")
    assert declined.code == exit_codes.USAGE and copy_posts(pp) == []
    assert "OVERWRITTEN" in declined.err and "administration mode" in declined.err
    confirmed = pp.run(*args, answers="ANA-UDE\n")
    assert confirmed.code == 0, confirmed.err
    assert len(copy_posts(pp)) == 1


def test_without_a_terminal_and_without_yes_nothing_is_even_signed_in(pp: PpHarness) -> None:
    result = pp.run("copy", "--source", "CONTOSO-USE", "--target", "ANA-UDE", "--type", "full")
    assert result.code == exit_codes.USAGE and "--yes" in result.err
    assert pp.fake.requests == [] and pp.opened == []


def test_a_busy_target_is_refused_from_its_operation_list(pp: PpHarness) -> None:
    pp.fake.ops.append(
        Op("other-1", UDE, "Restore", pp.fake.now - timedelta(hours=1), timedelta(hours=5))
    )
    result = pp.run(
        "copy", "--source", "CONTOSO-USE", "--target", "ANA-UDE", "--type", "full", "--yes"
    )
    assert result.code == exit_codes.REFUSED
    assert "busy with restore" in result.err and copy_posts(pp) == []


def test_a_lost_answer_is_found_in_the_history_never_sent_twice(pp: PpHarness) -> None:
    pp.fake.lose_answers.append("/copy?api-version")
    result = pp.run(
        "copy",
        "--source",
        "CONTOSO-USE",
        "--target",
        "ANA-UDE",
        "--type",
        "full",
        "--yes",
        "--json",
    )
    assert result.code == 0, result.err
    assert "it did start" in result.err
    assert result.json["operation_id"] == pp.fake.ops[0].id
    assert len(copy_posts(pp)) == 1


def test_a_lost_answer_not_in_the_history_is_exit_8_and_says_not_to_retry(pp: PpHarness) -> None:
    def lose_before_acting(request: Any) -> Any:
        import httpx

        if (
            request.method == "POST"
            and "/copy?" in str(request.url)
            and "Validate" not in str(request.url)
        ):
            raise httpx.RemoteProtocolError("Server disconnected", request=request)
        return None

    pp.fake.faults.append(lose_before_acting)
    result = pp.run(
        "copy",
        "--source",
        "CONTOSO-USE",
        "--target",
        "ANA-UDE",
        "--type",
        "full",
        "--yes",
        "--json",
    )
    assert result.code == exit_codes.OUTCOME_UNKNOWN
    assert "do NOT simply run the command again" in result.json["error"]["hint"]
    assert len(copy_posts(pp)) == 1


def test_wait_gives_up_only_after_24_hours_by_default(pp: PpHarness) -> None:
    pp.fake.copy_duration = timedelta(hours=30)
    result = pp.run(
        "copy",
        "--source",
        "CONTOSO-USE",
        "--target",
        "ANA-UDE",
        "--type",
        "full",
        "--yes",
        "--wait",
        "--json",
    )
    assert result.code == exit_codes.TIMED_OUT
    assert pp.mono >= 24 * 3600 and pp.mono < 25 * 3600
    assert "continues in Power Platform" in result.json["error"]["message"]
    # Its Retry-After (30 s) was honoured between polls.
    assert min(s for s in pp.sleeps if s > 1) >= 30


def test_a_failed_copy_is_exit_1_with_its_reason(pp: PpHarness) -> None:
    pp.fake.fail_next = True
    result = pp.run(
        "copy",
        "--source",
        "CONTOSO-USE",
        "--target",
        "ANA-UDE",
        "--type",
        "full",
        "--yes",
        "--wait",
    )
    assert result.code == exit_codes.OPERATION_FAILED
    assert "Run stage" in result.err


# -- restore and backups ------------------------------------------------------------------------


def test_restore_a_labelled_backup_into_a_sandbox(pp: PpHarness) -> None:
    result = pp.run(
        "restore",
        "--source",
        "CONTOSO-USE",
        "--target",
        "ANA-UDE",
        "--backup",
        "before-upgrade",
        "--yes",
        "--wait",
        "--json",
    )
    assert result.code == 0, result.err
    doc = result.json
    assert_valid(doc, "lcs-tui/restore/v1")
    assert doc["backup"]["label"] == "before-upgrade" and doc["status"] == "Succeeded"
    (post,) = [p for p in pp.fake.posts("/restore") if "ValidateOnly" not in p.url]
    assert post.body["restorePointDateTime"] == doc["restore_point"]


def test_restore_a_point_in_time_needs_its_offset(pp: PpHarness) -> None:
    bad = pp.run("restore", "--target", "ANA-UDE", "--time", "2026-11-19T07:30:00", "--yes")
    assert bad.code == exit_codes.USAGE and "offset" in bad.err
    good = pp.run(
        "restore", "--target", "CONTOSO-USE", "--time", "2026-11-19T08:30:00+01:00", "--yes"
    )
    assert good.code == 0, good.err
    (post,) = [p for p in pp.fake.posts("/restore") if "ValidateOnly" not in p.url]
    assert post.body["restorePointDateTime"] == "2026-11-19T07:30:00+00:00"


def test_restore_into_production_is_refused(pp: PpHarness) -> None:
    result = pp.run(
        "restore",
        "--source",
        "CONTOSO-USE",
        "--target",
        "CONTOSO-UPE",
        "--backup",
        "before-upgrade",
        "--yes",
    )
    assert result.code == exit_codes.REFUSED and "production" in result.err
    assert pp.fake.posts() == []


def test_backups_list_create_delete(pp: PpHarness) -> None:
    listed = pp.run("backup", "list", "--env", "CONTOSO-USE", "--json")
    assert listed.code == 0, listed.err
    assert_valid(listed.json, "lcs-tui/backup/v1")
    kinds = {b["label"]: b["kind"] for b in listed.json["backups"]}
    assert kinds["before-upgrade"] == "manual" and kinds[None] == "system"
    made = pp.run(
        "backup", "create", "--env", "CONTOSO-USE", "--label", "golden", "--yes", "--json"
    )
    assert made.code == 0, made.err
    assert_valid(made.json, "lcs-tui/backup/v1")
    assert made.json["backup"]["label"] == "golden"
    gone = pp.run("backup", "delete", "golden", "--env", "CONTOSO-USE", "--yes", "--json")
    assert gone.code == 0, gone.err
    assert "golden" not in pp.run("backup", "list", "--env", "CONTOSO-USE").out
    assert len(pp.fake.posts("/backups")) == 1


def test_deleting_a_backup_asks_first(pp: PpHarness) -> None:
    result = pp.run("backup", "delete", "before-upgrade", "--env", "CONTOSO-USE", answers="n\n")
    assert result.code == exit_codes.USAGE
    assert not [r for r in pp.fake.requests if r.method == "DELETE"]


# -- status ----------------------------------------------------------------------------------------


def test_status_of_an_operation_started_elsewhere(pp: PpHarness) -> None:
    pp.fake.ops.append(
        Op("portal-1", USE, "Copy", pp.fake.now - timedelta(minutes=30), timedelta(hours=2))
    )
    found = pp.run("status", "portal-1", "--json")
    assert found.code == 0, found.err
    doc = found.json
    assert_valid(doc, "lcs-tui/pp-status/v1")
    assert doc["kind"] == "copy" and doc["status"] == "InProgress"
    with_env = pp.run("status", "portal-1", "--env", "CONTOSO-USE", "--wait", "--json")
    assert with_env.code == 0 and with_env.json["status"] == "Succeeded"
    missing = pp.run("status", "nope", "--env", "CONTOSO-USE")
    assert missing.code == exit_codes.REJECTED and "not found" in missing.err


# -- the other backend's commands -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "instead"),
    [
        (("refresh", "--source", "A", "--target", "B", "--yes"), "lcs-tui copy"),
        (("export", "--env", "A", "--name", "x", "--yes"), "no bacpac export"),
        (("backups",), "lcs-tui backup list"),
        (("backups", "download", "x"), "not for a Power Platform profile"),
    ],
)
def test_lcs_commands_explain_what_to_use_instead(
    pp: PpHarness, argv: tuple[str, ...], instead: str
) -> None:
    result = pp.run(*argv)
    assert result.code == exit_codes.USAGE
    assert instead in result.err and "Traceback" not in result.err
    assert pp.fake.requests == []


def test_copy_with_an_lcs_profile_points_to_refresh(pp: PpHarness) -> None:
    pp.profile = contoso_profile()
    result = pp.run("copy", "--source", "A", "--target", "B", "--type", "full", "--yes")
    assert result.code == exit_codes.USAGE and "lcs-tui refresh" in result.err


def test_a_token_for_the_wrong_audience_is_said_so(pp: PpHarness) -> None:
    # A profile asking for the LCS audience instead of Power Platform's.
    pp.profile = unified_profile(api_host="https://api.powerplatform.com", cloud="public")
    pp.fake.check_token = lambda request: "The token was acquired for the wrong audience."
    result = pp.run("envs")
    assert result.code == exit_codes.SIGN_IN
    assert "wrong audience" in result.err and "api.powerplatform.com/.default" in result.err


# -- several profiles of both kinds ---------------------------------------------------------------


def configure_both(pp: PpHarness) -> None:
    config = load_config()
    config = config.with_profile(contoso_profile())
    config = config.with_profile(unified_profile())
    save_config(config)
    pp.from_config = True


def test_envs_of_an_lcs_project_and_a_tenant_side_by_side(pp: PpHarness) -> None:
    configure_both(pp)
    result = pp.run("envs", "--all-profiles", "--json")
    assert result.code == 0, result.err
    doc = result.json
    assert_valid(doc, "lcs-tui/envs-profiles/v1")
    backends = {p["profile"]: (p["backend"], p["project_id"]) for p in doc["profiles"]}
    assert backends == {"contoso": ("lcs", 1234567), "unified": ("powerplatform", None)}
    kinds = {(row["profile"], row["backend"]) for row in doc["environments"]}
    assert kinds == {("contoso", "lcs"), ("unified", "powerplatform")}
    table = pp.run("envs", "--all-profiles")
    assert table.out.splitlines()[0].split()[:3] == ["PROFILE", "BACKEND", "NAME"]
    assert "powerplatform" in table.out and "CONTOSO-PROD" in table.out


def test_history_and_status_look_in_both_kinds(pp: PpHarness) -> None:
    configure_both(pp)
    pp.fake.ops.append(
        Op("pp-op-1", UDE, "Copy", pp.fake.now - timedelta(minutes=5), timedelta(hours=2))
    )
    history = pp.run("history", "ANA-UDE", "--all-profiles", "--json")
    assert history.code == 0, history.err
    assert_valid(history.json, "lcs-tui/history-profiles/v1")
    assert [e["operation_id"] for e in history.json["entries"]] == ["pp-op-1"]
    status = pp.run("status", "pp-op-1", "--all-profiles", "--json")
    assert status.code == 0, status.err
    assert_valid(status.json, "lcs-tui/status-profiles/v1")
    (op,) = status.json["operations"]
    assert op["schema"] == "lcs-tui/pp-status/v1" and op["profile"] == "unified"


def test_history_falls_back_to_bap_lifecycle_operations(pp: PpHarness) -> None:
    import httpx

    pp.fake.ops.append(
        Op("bap-9", UDE, "Restore", pp.fake.now - timedelta(hours=1), timedelta(hours=3))
    )
    pp.fake.faults.append(
        lambda request: (
            httpx.Response(404, json={"error": {"code": "NotFound"}})
            if request.url.path.endswith("/operations")
            and "environmentmanagement" in request.url.path
            else None
        )
    )
    result = pp.run("history", "ANA-UDE", "--json")
    assert result.code == 0, result.err
    assert [e["operation_id"] for e in result.json["entries"]] == ["bap-9"]


def test_hostile_server_text_reaches_the_terminal_inert(pp: PpHarness) -> None:
    from tests.hostile import DANGEROUS, HOSTILE

    ude = next(e for e in pp.fake.envs if e.id == UDE)
    ude.name = HOSTILE["osc52"]
    op = Op("evil-1", UDE, HOSTILE["bidi"], pp.fake.now - timedelta(minutes=5), timedelta(hours=1))
    op.requested_by = HOSTILE["csi-2j"]
    pp.fake.ops.append(op)
    pp.fake.backups[UDE].append(
        Backup("b-evil", HOSTILE["osc8"], pp.fake.now, pp.fake.now + timedelta(days=7))
    )
    for argv in (
        ("envs",),
        ("envs", "--json"),
        ("history", UDE),
        ("history", UDE, "--json"),
        ("backup", "list", "--env", UDE),
        ("status", "evil-1", "--env", UDE),
        ("copy", "--source", UDE, "--target", USE, "--type", "full", "--yes"),
    ):
        result = pp.run(*argv)
        assert not DANGEROUS.search(result.out + result.err), argv


def test_a_copy_without_a_type_is_transactionless_as_in_the_app(pp: PpHarness) -> None:
    result = pp.run("copy", "--source", "CONTOSO-USE", "--target", "ANA-UDE", "--yes")
    assert result.code == 0, result.err
    (post,) = copy_posts(pp)
    assert post.body["copyType"] == "Full"
    assert post.body["copyOptions"]["executeAdvancedCopyForFinanceAndOperations"] is True
