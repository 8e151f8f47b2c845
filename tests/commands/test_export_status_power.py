"""`lcs-tui export`, `status`, `start` and `stop`."""

from __future__ import annotations

from datetime import timedelta

import pytest

from lcs_tui.commands import exit_codes
from lcs_tui.simulator import demo
from tests.commands.conftest import BUILD, DEV, PERF, PROD, TEST, UAT, Harness
from tests.commands.schemas import assert_valid

pytestmark = pytest.mark.filterwarnings(
    "ignore:This API has been deprecated for public client flows:DeprecationWarning"
)

WAIT = ("--wait", "--interval", "600")


# ------------------------------------------------------------------- export


def test_export_waits_and_the_backup_appears(harness: Harness) -> None:
    result = harness.run("export", "--env", TEST, "--name", "test-golden", "--yes", *WAIT, "--json")
    assert result.code == exit_codes.OK, result.err
    doc = result.json
    assert_valid(doc, "lcs-tui/export/v1")
    assert doc["status"] == "Completed" and doc["backup_name"] == "test-golden"
    assert doc["environment"]["name"] == TEST and doc["source"] is None
    latest = harness.run("backups", "--latest", "--json")
    assert latest.json["backups"][0]["name"] == "test-golden"


def test_export_name_is_checked_before_anything_is_loaded(harness: Harness) -> None:
    result = harness.run("export", "--env", TEST, "--name", "golden.bacpac", "--yes", "--json")
    assert result.code == exit_codes.USAGE
    assert "leave out the .bacpac extension" in result.err
    assert_valid(result.json, "lcs-tui/error/v1")
    assert not any(e.path.startswith("/databasemovement/") for e in harness.sim.request_log)


@pytest.mark.parametrize(
    ("env", "name", "reason"),
    [
        (PROD, "prod-copy", "LCS exports only from sandboxes"),
        (PERF, "perf-copy", f"{PERF} is busy"),
        (UAT, "uat-golden-2026-11-20", "already exists"),
    ],
)
def test_export_checks(harness: Harness, env: str, name: str, reason: str) -> None:
    result = harness.run("export", "--env", env, "--name", name, "--yes", "--json")
    assert result.code == exit_codes.REFUSED, result.err
    assert_valid(result.json, "lcs-tui/export/v1")
    assert any(reason in p for p in result.json["error"]["problems"])
    assert harness.api_operations() == []


def test_export_asks_yes_or_no_in_a_terminal(harness: Harness) -> None:
    no = harness.run("export", "--env", TEST, "--name", "t1", answers="n\n")
    assert no.code == exit_codes.USAGE
    assert "3 operations per 24 hours" in no.err
    assert harness.api_operations() == []
    yes = harness.run("export", "--env", TEST, "--name", "t1", answers="y\n")
    assert yes.code == exit_codes.OK, yes.err
    (op,) = harness.api_operations()
    assert op.kind == "export" and op.backup_name == "t1"


def test_export_whose_answer_was_lost_is_found_in_the_history(harness: Harness) -> None:
    harness.sim.faults.drop_after_action(path_prefix="/databasemovement/v1/export/")
    result = harness.run("export", "--env", TEST, "--name", "t1", "--yes", "--json")
    assert result.code == exit_codes.OK, result.err
    assert_valid(result.json, "lcs-tui/export/v1")
    (op,) = harness.api_operations()
    assert result.json["activity_id"] == op.activity_id and result.json["error"] is None
    assert f"the history of {TEST} shows the export: it did start" in result.err
    assert harness.sleeps == []  # the first look found it: no waiting


def test_export_without_terminal_or_yes_refuses(harness: Harness) -> None:
    result = harness.run("export", "--env", TEST, "--name", "t1")
    assert result.code == exit_codes.USAGE
    assert harness.opened == []


# ------------------------------------------------------------------- status


def _running_perf_refresh(harness: Harness) -> str:
    (running,) = [
        op
        for op in harness.sim.operations()
        if op.environment_id == demo.PERF_ENVIRONMENT_ID and op.status == "InProgress"
    ]
    return running.activity_id


def test_status_of_an_operation_started_elsewhere(harness: Harness) -> None:
    activity = _running_perf_refresh(harness)
    now = harness.run("status", activity, "--env", PERF, "--json")
    assert now.code == exit_codes.OK, now.err
    assert_valid(now.json, "lcs-tui/status/v1")
    assert now.json["status"] == "InProgress" and now.json["waited"] is False
    # Started in the portal: the journal knows nothing, the history knows what and when.
    started = harness.sim.operation(activity).started_at
    assert now.json["kind"] == "refresh"
    assert now.json["started_at"] == f"{started:%Y-%m-%dT%H:%M:%S}Z"
    human = harness.run("status", activity, "--env", PERF).out
    assert "status     InProgress" in human
    assert f"started    {started:%Y-%m-%d %H:%M:%S} UTC" in human
    waited = harness.run("status", activity, "--env", PERF, *WAIT, "--json")
    assert waited.code == exit_codes.OK
    assert_valid(waited.json, "lcs-tui/status/v1")
    assert [c["status"] for c in waited.json["status_changes"]] == ["InProgress", "Completed"]
    assert waited.json["completed_at"] is not None


def test_status_of_a_failed_operation_is_1(harness: Harness) -> None:
    harness.sim.faults.fail_next_operations()
    started = harness.run("refresh", "--source", PROD, "--target", TEST, "--yes", "--json")
    activity = started.json["activity_id"]
    harness.clock.advance(timedelta(hours=6))
    result = harness.run("status", activity, "--env", TEST, "--json")
    assert result.code == exit_codes.OPERATION_FAILED
    assert_valid(result.json, "lcs-tui/status/v1")
    assert result.json["status"] == "Failed"


def test_status_unknown_activity_is_lcs_rejection(harness: Harness) -> None:
    unknown = "00000000-0000-0000-0000-000000000000"
    result = harness.run("status", unknown, "--env", UAT, "--json")
    assert result.code == exit_codes.REJECTED
    assert_valid(result.json, "lcs-tui/status/v1")
    assert "No operation with activity id" in result.json["error"]["message"]
    assert result.json["outcome"] == "unknown"
    plain = harness.run("status", unknown, "--env", UAT)
    assert plain.code == exit_codes.REJECTED
    assert plain.out == ""  # no empty table of dashes: only the message
    assert plain.err.startswith(
        f"error: not found: LCS knows no operation with activity id {unknown} on {UAT}"
    )
    assert f"lcs-tui history {UAT}" in plain.err
    waited = harness.run("status", unknown, "--env", UAT, "--wait")
    assert waited.code == exit_codes.REJECTED and waited.out == ""
    assert "continues in LCS" not in waited.err  # there is nothing to continue


def test_status_timeout(harness: Harness) -> None:
    activity = _running_perf_refresh(harness)
    result = harness.run(
        "status", activity, "--env", PERF, "--wait", "--interval", "60", "--timeout", "120"
    )
    assert result.code == exit_codes.TIMED_OUT
    assert harness.sleeps == [60, 60]


# ------------------------------------------------------------------- start / stop


def test_start_a_stopped_customer_managed_environment(harness: Harness) -> None:
    result = harness.run("start", BUILD, "--yes", "--json")
    assert result.code == exit_codes.OK, result.err
    doc = result.json
    assert_valid(doc, "lcs-tui/start/v1")
    assert doc["requested"] is True and doc["activity_id"]
    envs = harness.run("envs", "--json").json["environments"]
    assert {e["name"]: e for e in envs}[BUILD]["deployment_state"] == "Starting"


def test_stop_asks_in_a_terminal(harness: Harness) -> None:
    no = harness.run("stop", DEV, answers="\n")
    assert no.code == exit_codes.USAGE
    assert "lose access" in no.err
    yes = harness.run("stop", DEV, answers="yes\n")
    assert yes.code == exit_codes.OK, yes.err
    assert "requested  yes" in yes.out


@pytest.mark.parametrize(
    ("verb", "env", "reason"),
    [
        ("start", UAT, "managed by Microsoft"),
        ("stop", BUILD, "cannot be stopped right now (state Stopped)"),
        ("start", DEV, "cannot be started right now"),
    ],
)
def test_start_stop_checks(harness: Harness, verb: str, env: str, reason: str) -> None:
    result = harness.run(verb, env, "--yes", "--json")
    assert result.code == exit_codes.REFUSED
    assert_valid(result.json, f"lcs-tui/{verb}/v1")
    assert reason in result.json["error"]["message"] and result.json["requested"] is False
    assert not any(e.path.startswith("/environment/v1/") for e in harness.sim.request_log)


def test_start_stop_need_yes_without_a_terminal(harness: Harness) -> None:
    result = harness.run("start", BUILD, "--json")
    assert result.code == exit_codes.USAGE
    assert_valid(result.json, "lcs-tui/error/v1")
