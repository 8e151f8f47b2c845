"""`lcs-tui refresh`: checks, confirmation, the never-retried start, --wait."""

from __future__ import annotations

import json
import os
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from lcs_tui.commands import exit_codes
from lcs_tui.commands.history_lookup import LOOK_FOR_LOST_AT
from lcs_tui.simulator import ManualClock, Simulator, demo
from tests.commands.conftest import (
    DEV,
    PERF,
    PROD,
    START,
    TEST,
    TRAIN,
    UAT,
    Harness,
    contoso_profile,
)
from tests.commands.schemas import assert_valid

pytestmark = pytest.mark.filterwarnings(
    "ignore:This API has been deprecated for public client flows:DeprecationWarning"
)

PIPELINE = ("--yes", "--wait", "--json", "--interval", "600")


def lcs_posts(sim: Simulator) -> list[str]:
    """Operation-starting requests that reached LCS (sign-in POSTs aside)."""
    return [
        e.path
        for e in sim.request_log
        if e.method == "POST" and e.path.startswith(("/databasemovement/", "/environment/"))
    ]


def journal_entries(profile: str = "contoso") -> list[dict[str, object]]:
    path = Path(os.environ["LCS_TUI_STATE_DIR"]) / f"journal-{profile}.json"
    entries: list[dict[str, object]] = json.loads(path.read_text())["operations"]
    return entries


def test_pipeline_refresh_waits_to_completed_renewing_tokens(harness: Harness) -> None:
    result = harness.run("refresh", "--source", PROD, "--target", TEST, *PIPELINE)
    assert result.code == exit_codes.OK, result.err
    doc = result.json
    assert_valid(doc, "lcs-tui/refresh/v1")
    assert doc["status"] == "Completed" and doc["outcome"] == "succeeded" and doc["finished"]
    assert doc["source"]["name"] == PROD and doc["environment"]["name"] == TEST
    assert [c["status"] for c in doc["status_changes"]] == ["InProgress", "Completed"]
    (op,) = harness.api_operations()
    assert op.activity_id == doc["activity_id"] and op.status == "Completed"
    # Hours of simulated waiting outlive the 1 h tokens: LCS said 401, the
    # client renewed silently and carried on.
    assert any(entry.status == 401 for entry in harness.sim.request_log)
    # Progress went to stderr, each change with its time.
    assert f"started; activity id {op.activity_id}" in result.err
    assert "Z  refresh CONTOSO-PROD→CONTOSO-TEST: Completed" in result.err
    assert all(s == 600 for s in harness.sleeps)
    (entry,) = journal_entries()
    assert entry["activity_id"] == op.activity_id and entry["status"] == "Completed"


def test_without_wait_it_returns_the_activity_id_at_once(harness: Harness) -> None:
    result = harness.run("refresh", "--source", PROD, "--target", TEST, "--yes")
    assert result.code == exit_codes.OK, result.err
    (op,) = harness.api_operations()
    assert f"activity   {op.activity_id}" in result.out
    assert "status     NotStarted" in result.out
    assert f"lcs-tui status {op.activity_id} --env {TEST} --wait" in result.err
    assert harness.sleeps == []


def test_default_interval_is_thirty_seconds(harness: Harness) -> None:
    result = harness.run(
        "refresh", "--source", PROD, "--target", TEST, "--yes", "--wait", "--timeout", "95"
    )
    assert result.code == exit_codes.TIMED_OUT
    assert harness.sleeps == [30, 30, 30, 5]  # the last one ends at the deadline


def test_terminal_confirmation_needs_the_target_name_typed(harness: Harness) -> None:
    declined = harness.run("refresh", "--source", PROD, "--target", TEST, answers="contoso-test\n")
    assert declined.code == exit_codes.USAGE
    assert "REPLACED" in declined.err and "cannot be cancelled" in declined.err
    assert "not confirmed" in declined.err
    assert harness.api_operations() == []
    confirmed = harness.run("refresh", "--source", PROD, "--target", TEST, answers=f"{TEST}\n")
    assert confirmed.code == exit_codes.OK, confirmed.err
    assert len(harness.api_operations()) == 1


def test_without_a_terminal_it_refuses_before_signing_in(harness: Harness) -> None:
    result = harness.run("refresh", "--source", PROD, "--target", TEST, "--json")
    assert result.code == exit_codes.USAGE
    assert "--yes" in result.err
    assert_valid(result.json, "lcs-tui/error/v1")
    assert harness.sim.request_log == []  # not even a sign-in
    assert harness.opened == []


def test_read_only_refuses(harness: Harness) -> None:
    result = harness.run("--read-only", "refresh", "--source", PROD, "--target", TEST, "--yes")
    assert result.code == exit_codes.USAGE
    assert "--read-only" in result.err
    assert harness.api_operations() == []


@pytest.mark.parametrize(
    ("source", "target", "reason"),
    [
        (TEST, PROD, "is a production environment"),
        (TEST, TEST, "source and target are the same environment"),
        (PROD, PERF, f"{PERF} is busy with Sandbox database refresh"),
        (PROD, DEV, "the target of a refresh must be a sandbox"),
    ],
)
def test_client_side_checks_refuse_without_sending(
    harness: Harness, source: str, target: str, reason: str
) -> None:
    result = harness.run("refresh", "--source", source, "--target", target, "--yes", "--json")
    assert result.code == exit_codes.REFUSED, result.err
    doc = result.json
    assert_valid(doc, "lcs-tui/refresh/v1")
    assert doc["error"]["kind"] == "refused"
    assert any(reason in problem for problem in doc["error"]["problems"])
    assert doc["outcome"] == "not_started" and doc["activity_id"] is None
    assert reason in result.err
    assert harness.api_operations() == []
    assert lcs_posts(harness.sim) == []


def test_quota_seen_in_the_history_says_when_it_frees(harness: Harness) -> None:
    result = harness.run("refresh", "--source", PROD, "--target", TRAIN, "--yes", "--json")
    assert result.code == exit_codes.QUOTA
    doc = result.json
    assert_valid(doc, "lcs-tui/refresh/v1")
    assert doc["error"]["kind"] == "quota"
    assert doc["error"]["frees_at"] == "2026-11-20T09:00:00Z"
    assert "2026-11-20 09:00 UTC" in result.err
    assert result.err.count("09:00") == 1  # said once, not in two lines
    assert harness.api_operations() == []


def test_three_operations_use_up_the_quota(harness: Harness) -> None:
    for _ in range(3):
        done = harness.run("refresh", "--source", PROD, "--target", TEST, *PIPELINE)
        assert done.code == exit_codes.OK, done.err
    fourth = harness.run("refresh", "--source", PROD, "--target", TEST, "--yes", "--json")
    assert fourth.code == exit_codes.QUOTA
    first = harness.api_operations()[0]
    assert fourth.json["error"]["frees_at"] == (
        f"{first.started_at + timedelta(hours=24):%Y-%m-%dT%H:%M:%S}Z"
    )
    assert len(harness.api_operations()) == 3


def test_quota_refused_by_lcs_itself(
    isolated_dirs: dict[str, Path],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """LCS counts operations the client cannot see (here: beyond the history
    pages it reads); LCS's own quota answer is exit 6 too, with its time."""
    sim = Simulator(clock=ManualClock(START), history_page_size=1)
    sim.faults.limits_enabled = False
    prod = sim.add_environment("PROD", environment_type="Production")
    uat = sim.add_environment("UAT")
    for hours in (20, 10, 5):
        sim.add_operation(
            "refresh",
            environment_id=uat.environment_id,
            source_environment_id=prod.environment_id,
            started_at=START - timedelta(hours=hours),
            outcome="success",
            duration=timedelta(hours=1),
        )
    for minutes in (30, 20, 10):  # newer, unrelated history lines fill the pages read
        sim.add_history_entry(
            uat.environment_id,
            name="Apply package",
            type="ApplyPackage",
            type_display="Package deployment",
            started_at=START - timedelta(minutes=minutes),
            ended_at=START - timedelta(minutes=minutes - 5),
            status="Completed",
        )
    harness = _harness(sim, capsys, monkeypatch, isolated_dirs)
    result = harness.run("refresh", "--source", "PROD", "--target", "UAT", "--yes", "--json")
    assert result.code == exit_codes.QUOTA, result.err
    doc = result.json
    assert_valid(doc, "lcs-tui/refresh/v1")
    assert doc["error"]["message"].startswith("LCS refused: Maximum allowed API operations are 3")
    assert doc["error"]["activity_id"]
    assert doc["error"]["frees_at"] == "2026-11-20T12:00:00Z"  # 20 h ago + 24 h
    assert f"OperationActivityId: {doc['error']['activity_id']}" in result.err


def test_lcs_rejection_prints_its_message_and_activity_id(harness: Harness) -> None:
    # The checks leave the source's type to LCS: a dev box cannot be copied.
    result = harness.run("refresh", "--source", DEV, "--target", TEST, "--yes", "--json")
    assert result.code == exit_codes.REJECTED, result.err
    doc = result.json
    assert_valid(doc, "lcs-tui/refresh/v1")
    assert (
        "The source of a database refresh must be a production or sandbox"
        in (doc["error"]["message"])
    )
    assert doc["error"]["activity_id"]
    assert f"OperationActivityId: {doc['error']['activity_id']}" in result.err
    assert harness.api_operations() == []


def test_lost_answer_is_settled_from_the_history_and_never_sent_twice(
    isolated_dirs: dict[str, Path],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """LCS started the refresh, the answer was lost: the history shows it, so
    the command carries on with its activity id instead of exiting 8."""
    sim = Simulator(clock=ManualClock(START))
    sim.faults.limits_enabled = False
    sim.add_environment("PROD", environment_type="Production")
    sim.add_environment("UAT")
    harness = _harness(sim, capsys, monkeypatch, isolated_dirs)
    sim.faults.drop_after_action(path_prefix="/databasemovement/v1/refresh/")
    result = harness.run("refresh", "--source", "PROD", "--target", "UAT", *PIPELINE)
    assert result.code == exit_codes.OK, result.err
    doc = result.json
    assert_valid(doc, "lcs-tui/refresh/v1")
    (started,) = sim.operations()  # LCS did start it, exactly once
    assert doc["activity_id"] == started.activity_id and doc["status"] == "Completed"
    assert "the history of UAT shows the refresh: it did start" in result.err
    assert journal_entries()[0]["activity_id"] == started.activity_id
    assert len(lcs_posts(sim)) == 1  # never re-sent


class LoseTheRefreshRequest(httpx.AsyncBaseTransport):
    """The connection drops while the refresh POST is on its way: LCS never
    gets it, the client cannot tell (outcome unknown)."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.method == "POST" and "/databasemovement/v1/refresh/" in request.url.path:
            raise httpx.RemoteProtocolError("Server disconnected without sending a response.")
        return await self.inner.handle_async_request(request)


def test_lost_answer_not_in_the_history_is_8_after_a_bounded_look(
    isolated_dirs: dict[str, Path],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sim = Simulator(clock=ManualClock(START))
    sim.faults.limits_enabled = False
    sim.add_environment("PROD", environment_type="Production")
    uat = sim.add_environment("FAB-UAT")
    harness = _harness(sim, capsys, monkeypatch, isolated_dirs)
    harness.wrap_transport = LoseTheRefreshRequest
    result = harness.run("refresh", "--source", "PROD", "--target", "FAB-UAT", *PIPELINE)
    assert result.code == exit_codes.OUTCOME_UNKNOWN, result.err
    doc = result.json
    assert_valid(doc, "lcs-tui/refresh/v1")
    assert doc["error"]["kind"] == "outcome_unknown" and doc["outcome"] == "unknown"
    assert "do NOT simply run the command again" in result.err
    assert "lcs-tui history FAB-UAT" in doc["error"]["hint"]
    assert "history ENV" not in result.err
    # A few looks within a minute of (simulated) time, then it gives up.
    history_path = f"/environmentinfo/v1/history/project/{demo.PROJECT_ID}/environment/"
    looks = [e for e in sim.request_log if e.path.startswith(history_path + uat.environment_id)]
    assert len(looks) == 1 + len(LOOK_FOR_LOST_AT)  # the checks' read, then the looks
    assert sum(harness.sleeps) == LOOK_FOR_LOST_AT[-1] <= 60
    assert sim.operations() == [] and journal_entries()[0]["status"] == "OutcomeUnknown"


class LoseTheRequestThenThrottle(LoseTheRefreshRequest):
    """As above, and from then on the history answers slowly (429, 40 s)."""

    def __init__(self, inner: httpx.AsyncBaseTransport, sim: Simulator) -> None:
        super().__init__(inner)
        self.sim = sim

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.method == "POST" and "/databasemovement/v1/refresh/" in request.url.path:
            self.sim.faults.throttle(n=2, retry_after=40)
        return await super().handle_async_request(request)


def test_the_look_for_a_lost_answer_stays_within_a_minute_when_lcs_is_slow(
    isolated_dirs: dict[str, Path],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sim = Simulator(clock=ManualClock(START))
    sim.faults.limits_enabled = False
    sim.add_environment("PROD", environment_type="Production")
    uat = sim.add_environment("UAT")
    harness = _harness(sim, capsys, monkeypatch, isolated_dirs)
    harness.wrap_transport = lambda inner: LoseTheRequestThenThrottle(inner, sim)
    result = harness.run("refresh", "--source", "PROD", "--target", "UAT", *PIPELINE)
    assert result.code == exit_codes.OUTCOME_UNKNOWN, result.err
    # The first look waited 2 x 40 s on Retry-After; no further look began after 60 s.
    assert sum(harness.sleeps) == 80
    reads = [
        e for e in sim.request_log if e.path.endswith(f"/{uat.environment_id}/") and e.status == 200
    ]
    assert len(reads) == 2  # the checks' read before the POST, and one look


def test_failed_operation_exits_1(harness: Harness) -> None:
    harness.sim.faults.fail_next_operations(rollback=True)
    result = harness.run("refresh", "--source", PROD, "--target", TEST, *PIPELINE)
    assert result.code == exit_codes.OPERATION_FAILED
    doc = result.json
    assert_valid(doc, "lcs-tui/refresh/v1")
    assert doc["status"] == "RollbackCompleted" and doc["outcome"] == "failed"
    assert doc["error"]["kind"] == "operation_failed"
    assert doc["error"]["activity_id"] == doc["activity_id"]
    assert "RollbackInProgress" in [c["status"] for c in doc["status_changes"]]


def test_timeout_says_the_operation_continues_and_status_picks_it_up(harness: Harness) -> None:
    result = harness.run(
        "refresh", "--source", PROD, "--target", TEST, *PIPELINE, "--timeout", "1800"
    )
    assert result.code == exit_codes.TIMED_OUT
    doc = result.json
    assert_valid(doc, "lcs-tui/refresh/v1")
    activity = doc["activity_id"]
    assert doc["error"]["kind"] == "timed_out" and not doc["finished"]
    assert "continues in LCS" in result.err
    assert f"lcs-tui status {activity} --env {TEST} --wait" in result.err
    later = harness.run("status", activity, "--env", TEST, "--wait", "--interval", "600", "--json")
    assert later.code == exit_codes.OK, later.err
    assert_valid(later.json, "lcs-tui/status/v1")
    assert later.json["kind"] == "refresh"  # known from the journal
    assert later.json["status"] == "Completed"
    assert journal_entries()[0]["status"] == "Completed"


def test_undocumented_status_words_are_shown_and_watching_goes_on(harness: Harness) -> None:
    def servicing_once(h: Harness) -> None:
        if len(h.sleeps) == 2:
            h.sim.faults.unknown_status("ServicingInProgress", minutes=30)

    harness.on_sleep = servicing_once
    result = harness.run("refresh", "--source", PROD, "--target", TEST, *PIPELINE)
    assert result.code == exit_codes.OK, result.err
    statuses = [c["status"] for c in result.json["status_changes"]]
    assert "ServicingInProgress" in statuses and statuses[-1] == "Completed"
    assert "ServicingInProgress (not a documented status; still watching)" in result.err


def test_network_blips_while_waiting_are_ridden_out(harness: Harness) -> None:
    def blip(h: Harness) -> None:
        if len(h.sleeps) == 2:
            # Every attempt of the next status check fails to connect.
            h.sim.faults.drop_before_action(n=4, path_prefix="/databasemovement/v1/fetchstatus")

    harness.on_sleep = blip
    result = harness.run("refresh", "--source", PROD, "--target", TEST, *PIPELINE)
    assert result.code == exit_codes.OK, result.err
    assert "status check failed" in result.err and "retrying" in result.err


def test_long_outage_while_waiting_gives_up_with_10(harness: Harness) -> None:
    def outage(h: Harness) -> None:
        if len(h.sleeps) == 1:
            h.sim.faults.drop_before_action(
                n=10_000, path_prefix="/databasemovement/v1/fetchstatus"
            )

    harness.on_sleep = outage
    result = harness.run("refresh", "--source", PROD, "--target", TEST, *PIPELINE)
    assert result.code == exit_codes.UNAVAILABLE
    assert "continues in LCS" in result.json["error"]["message"]
    assert_valid(result.json, "lcs-tui/refresh/v1")


def test_sign_in_lost_while_waiting_is_3_and_the_operation_continues(harness: Harness) -> None:
    def revoke(h: Harness) -> None:
        if len(h.sleeps) == 1:
            h.sim.revoke_refresh_tokens()
            h.sim.expire_tokens()

    harness.on_sleep = revoke
    result = harness.run("refresh", "--source", PROD, "--target", TEST, *PIPELINE)
    assert result.code == exit_codes.SIGN_IN, result.err
    doc = result.json
    assert_valid(doc, "lcs-tui/refresh/v1")
    assert "lcs-tui login" in doc["error"]["hint"]
    assert "continues in LCS" in doc["error"]["hint"]
    assert doc["activity_id"] is not None


def test_ctrl_c_while_waiting_is_130(harness: Harness) -> None:
    def interrupt(h: Harness) -> None:
        raise KeyboardInterrupt

    harness.on_sleep = interrupt
    result = harness.run("refresh", "--source", PROD, "--target", TEST, "--yes", "--wait")
    assert result.code == exit_codes.INTERRUPTED
    assert "continues in LCS" in result.err
    assert len(harness.api_operations()) == 1


def test_a_refresh_started_earlier_without_wait_does_not_block_later_ones(
    harness: Harness,
) -> None:
    first = harness.run("refresh", "--source", PROD, "--target", TEST, "--yes")
    assert first.code == exit_codes.OK
    harness.clock.advance(timedelta(hours=5))  # it finished meanwhile; the journal does not know
    second = harness.run("refresh", "--source", PROD, "--target", TEST, "--yes", "--json")
    assert second.code == exit_codes.OK, second.err
    assert [e["status"] for e in journal_entries()] == ["Completed", "NotStarted"]


def test_uat_by_lower_case_name_and_dashless_id(harness: Harness) -> None:
    target = demo.TEST_ENVIRONMENT_ID.upper()
    result = harness.run("refresh", "--source", "contoso-prod", "--target", target, "--yes")
    assert result.code == exit_codes.OK, result.err
    (op,) = harness.api_operations()
    assert op.target_environment_id == demo.TEST_ENVIRONMENT_ID
    assert UAT not in result.out


def _harness(
    sim: Simulator,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    dirs: dict[str, Path],
) -> Harness:
    from lcs_tui.commands import runtime

    monkeypatch.setenv("LCS_TUI_STATE_DIR", str(dirs["state"] / "lcs-tui"))
    monkeypatch.setenv(runtime.PASSWORD_ENV, demo.PASSWORD)
    assert isinstance(sim.clock, ManualClock)
    made = Harness(sim, sim.clock, capsys, monkeypatch, profile=contoso_profile())
    made.install()
    return made


def test_interval_has_a_floor_against_real_lcs_hosts(harness: Harness) -> None:
    result = harness.run(
        "refresh", "--source", PROD, "--target", TEST, "--yes", "--wait",
        "--interval", "0.5", "--timeout", "12",
    )  # fmt: skip
    assert result.code == exit_codes.TIMED_OUT
    assert harness.sleeps == [5, 5, 2]
    assert "polling every 5 s" in result.err
