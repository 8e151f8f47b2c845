"""`lcs-tui job …` and `lcs-tui run` as users and scripts run them (the commands' harness)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from lcs_tui.commands import runtime
from lcs_tui.jobs import JobStore
from tests.commands.conftest import PROD, TEST, UAT, Harness
from tests.commands.schemas import assert_valid
from tests.jobs.support import EXPORT_PATH, REFRESH_PATH, posts
from tests.jobs.test_webhooks import SECRET, receiver

__all__ = ["receiver"]


def golden_args(folder: Path, *extra: str) -> list[str]:
    return [
        "job", "add", "golden-copy", "--profile", "contoso",
        "--refresh", f"{PROD}:{UAT}",
        "--export", f"{UAT}:uat-golden-{{yyyy}}{{mm}}{{dd}}-{{HH}}{{MM}}",
        "--download", f"previous:{folder}",
        "--notify", "terminal",
        *extra,
    ]  # fmt: skip


def test_a_script_must_name_the_refreshed_sandbox(harness: Harness, tmp_path: Path) -> None:
    result = harness.run(*golden_args(tmp_path, "--yes"))
    assert result.code == 2
    assert f"add --confirm-target {UAT}" in result.err
    assert not JobStore().path.exists()
    result = harness.run(*golden_args(tmp_path, "--yes", "--confirm-target", TEST))
    assert result.code == 2
    assert not JobStore().path.exists()
    result = harness.run(*golden_args(tmp_path, "--confirm-target", UAT))
    assert result.code == 2 and "add --yes" in result.err  # the export's yes/no
    result = harness.run(*golden_args(tmp_path, "--confirm-target", UAT, "--yes", "--json"))
    assert result.code == 0, result.err
    assert_valid(result.json, "lcs-tui/job/v1")
    assert result.json["job"]["steps"][0]["text"] == f"refresh {PROD} → {UAT}"
    assert "REPLACED" in result.err  # what it will do was shown
    assert JobStore().get("golden-copy").steps[0].confirmed == UAT  # type: ignore[union-attr]


def test_in_a_terminal_the_target_is_typed(harness: Harness, tmp_path: Path) -> None:
    result = harness.run(*golden_args(tmp_path), answers=f"{UAT}\ny\n")
    assert result.code == 0, result.err
    assert f"Type {UAT} to confirm" in result.err
    wrong = harness.run(*golden_args(tmp_path, "--replace"), answers="CONTOSO-UA\n")
    assert wrong.code == 2 and "did not match" in wrong.err


def test_what_the_checks_refuse_is_refused_at_creation(harness: Harness, tmp_path: Path) -> None:
    result = harness.run(
        "job", "add", "bad", "--profile", "contoso", "--refresh", f"{UAT}:{PROD}",
        "--confirm-target", PROD, "--json",
    )  # fmt: skip
    assert result.code == 9
    assert "production environment" in result.err
    assert_valid(result.json, "lcs-tui/error/v1")
    result = harness.run(
        "job", "add", "bad", "--profile", "contoso", "--export", f"{UAT}:golden {{date}}", "--yes"
    )
    assert result.code == 9 and "letters, digits" in result.err
    result = harness.run(
        "job", "add", "bad", "--profile", "c", "--refresh", f"{PROD}:{UAT}", "--cron", "0 25 * * *"
    )
    assert result.code == 2 and "Bad hour" in result.err


def test_list_show_pause_resume_and_json(harness: Harness, tmp_path: Path) -> None:
    assert harness.run(*golden_args(tmp_path, "--confirm-target", UAT, "--yes")).code == 0
    listed = harness.run("job", "list", "--json")
    assert listed.code == 0
    assert_valid(listed.json, "lcs-tui/jobs/v1")
    assert [j["name"] for j in listed.json["jobs"]] == ["golden-copy"]
    table = harness.run("job", "list")
    assert "golden-copy" in table.out and "scheduled" in table.out
    paused = harness.run("job", "pause", "golden-copy", "--json")
    assert paused.code == 0 and paused.json["job"]["status"] == "paused"
    assert_valid(paused.json, "lcs-tui/job/v1")
    assert harness.run("job", "resume", "golden-copy").code == 0
    shown = harness.run("job", "show", "golden-copy", "--json")
    assert shown.code == 0 and shown.json["job"]["paused"] is False
    missing = harness.run("job", "show", "nope", "--json")
    assert missing.code == 2 and "no job named 'nope'" in missing.err
    assert_valid(missing.json, "lcs-tui/error/v1")
    cancel = harness.run("job", "cancel", "golden-copy")
    assert cancel.code == 2  # no run going (and no --yes in a script)


def test_job_run_follows_the_job_to_completed(
    harness: Harness, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened = harness.open_workspace

    def with_blobs(args: Any) -> Any:  # the backups' blobs come from the simulator too
        workspace = opened(args)
        workspace.simulator = harness.sim
        return workspace

    monkeypatch.setattr(runtime.RUNTIME, "open_workspace", with_blobs)
    assert harness.run(*golden_args(tmp_path, "--confirm-target", UAT, "--yes")).code == 0
    result = harness.run("job", "run", "golden-copy", "--interval", "600", "--json")
    assert result.code == 0, result.err[-2000:]
    assert_valid(result.json, "lcs-tui/job/v1")
    job = result.json["job"]
    assert job["status"] == "completed"
    assert [s["status"] for s in job["steps"]] == ["done", "done", "done"]
    assert posts(harness.sim, REFRESH_PATH) == 1 and posts(harness.sim, EXPORT_PATH) == 1
    assert Path(job["steps"][2]["path"]).is_file()
    assert "quota frees at" in result.err  # the export waited for UAT's quota, and said so
    again = harness.run("run", "--once", "--json")
    assert again.code == 0
    assert_valid(again.json, "lcs-tui/run/v1")
    assert posts(harness.sim, REFRESH_PATH) == 1  # nothing due: nothing sent


def test_read_only_creates_and_runs_nothing_that_changes_lcs(
    harness: Harness, tmp_path: Path
) -> None:
    result = harness.run("--read-only", *golden_args(tmp_path, "--confirm-target", UAT, "--yes"))
    assert result.code == 2 and "--read-only" in result.err
    assert harness.run(*golden_args(tmp_path, "--confirm-target", UAT, "--yes")).code == 0
    result = harness.run("--read-only", "job", "run", "golden-copy")
    assert result.code == 2
    assert posts(harness.sim, REFRESH_PATH) == 0


def test_notify_on_refresh_wait_posts_to_a_webhook_whose_url_stays_secret(
    harness: Harness, memory_keyring: Any, receiver: Any
) -> None:
    added = harness.run("job", "notify", "add", "ops", "--kind", "json", answers=None)
    assert added.code == 2  # nothing on standard input: nothing stored
    harness.monkeypatch.setattr("sys.stdin", __import__("io").StringIO(receiver.url + "\n"))
    harness.capsys.readouterr()
    from lcs_tui.cli import main

    assert main(["job", "notify", "add", "ops", "--kind", "json"]) == 0
    assert SECRET not in JobStore().path.read_text()
    assert memory_keyring.entries[("lcs-tui", "webhook:ops/password")] == receiver.url
    result = harness.run(
        "refresh", "--source", PROD, "--target", TEST, "--yes", "--wait", "--notify", "ops"
    )
    assert result.code == 0, result.err
    (body,) = receiver.bodies
    assert body["event"] == "finish"
    assert body["title"].startswith(f"lcs-tui: refresh {PROD}→{TEST} — Completed")
    assert any(line.startswith("took ") for line in body["lines"])
    assert body["activity_id"]
    assert SECRET not in result.err + result.out
    listed = harness.run("job", "notify", "list", "--json")
    assert SECRET not in listed.out


def test_status_of_a_running_refresh_gives_its_eta_from_the_history(harness: Harness) -> None:
    started = harness.run("refresh", "--source", PROD, "--target", TEST, "--yes", "--json")
    assert started.code == 0, started.err
    activity = started.json["activity_id"]
    harness.clock.advance(__import__("datetime").timedelta(minutes=5))
    result = harness.run("status", activity, "--env", TEST)
    assert result.code == 0, result.err
    # CONTOSO-TEST's history holds past refreshes: the line says when and from how many.
    eta_lines = [line for line in result.err.splitlines() if "ETA " in line]
    assert len(eta_lines) == 1, result.err
    assert "typical " in eta_lines[0] and "past refresh" in eta_lines[0]
