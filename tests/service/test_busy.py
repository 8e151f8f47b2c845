"""Busy, being copied from, and the one quota figure: what a refresh may do now.

From a run against an independent LCS impersonation: an undocumented status
word without an end, or a servicing deployment state, was not taken as busy;
a production environment being copied from was shown as busy; and the same
operation could be counted twice against the quota.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from lcs_tui.api import Environment, HistoryEntry, OperationStatus
from lcs_tui.api.models import HISTORY_TYPE_EXPORT, HISTORY_TYPE_REFRESH
from lcs_tui.service.busy import busy_environments, busy_state, sources_of_running_refreshes
from lcs_tui.service.checks import refresh_problems
from lcs_tui.service.operations import OUTCOME_UNKNOWN, TrackedOperation
from lcs_tui.service.quota import environment_quota

NOW = datetime(2026, 12, 2, 12, 0)
PROD = Environment(id="p", name="PROD", type="Production")
TEST = Environment(id="t", name="TEST", type="Sandbox")
PERF = Environment(id="f", name="PERF", type="Sandbox")
ENVS = {e.id: e for e in (PROD, TEST, PERF)}


def entry(
    status: str,
    *,
    started: timedelta = timedelta(hours=1),
    ended: timedelta | None = None,
    type: str = HISTORY_TYPE_EXPORT,
    activity: str = "2b21c3d4-0000-4000-8000-000000000001",
) -> HistoryEntry:
    return HistoryEntry(
        name="x",
        type=type,
        type_display="Export" if type == HISTORY_TYPE_EXPORT else "Servicing",
        started=NOW - started,
        ended=None if ended is None else NOW - ended,
        status=OperationStatus(status),
        activity_id=activity,
        environment_id="t",
        project_id=1,
    )


def refresh(source: str, target: str, **changes: object) -> TrackedOperation:
    op = TrackedOperation.new(
        kind="refresh",
        project_id=1,
        poll_environment_id=target,
        environment_name=ENVS[target].name,
        source_name=ENVS[source].name,
        source_environment_id=source,
        activity_id="55eb0d5c-7e4f-4c51-9a1b-4d9b2a7c3e11",
        status="InProgress",
        requested_at=NOW - timedelta(minutes=72),
        started_at=NOW - timedelta(minutes=72),
    )
    return op.with_changes(**changes)


def test_an_undocumented_word_without_an_end_is_running() -> None:
    busy = busy_environments(ENVS, [], {"t": [entry("PreServicing", type="Servicing")]}, NOW)
    assert "t" in busy
    assert "PreServicing" in busy["t"].reason


def test_an_undocumented_word_with_an_end_is_over() -> None:
    history = {"t": [entry("Archived", ended=timedelta(minutes=5))]}
    assert busy_environments(ENVS, [], history, NOW) == {}


@pytest.mark.parametrize("state", ["Servicing", "PreServicing", "Deploying", "Preparing"])
def test_a_servicing_or_deploying_state_is_busy(state: str) -> None:
    serviced = Environment(id="t", name="TEST", type="Sandbox", deployment_state=state)
    assert busy_state(serviced) == state
    busy = busy_environments({"t": serviced}, [], {}, NOW)
    assert state in busy["t"].reason


@pytest.mark.parametrize("state", ["Finished", "Deployed", "Stopped", "Failed", None])
def test_resting_states_are_not_busy(state: str | None) -> None:
    env = Environment(id="t", name="TEST", type="Sandbox", deployment_state=state)
    assert busy_state(env) is None


def test_the_source_of_a_running_refresh_is_not_busy() -> None:
    running = refresh("p", "t")
    busy = busy_environments(ENVS, [running], {}, NOW)
    assert set(busy) == {"t"}
    assert sources_of_running_refreshes([running]) == {"p": [running]}
    # So a second refresh from the same production goes ahead.
    problems = refresh_problems(PROD, PERF, target_quota_left=3, busy=busy)
    assert problems == []


def test_a_busy_refusal_names_the_operation_it_waits_for() -> None:
    busy = busy_environments(ENVS, [refresh("p", "t")], {}, NOW)
    (problem,) = refresh_problems(PROD, TEST, target_quota_left=3, busy=busy)
    assert problem.message.startswith("TEST is busy with refresh (55eb0d5c…, 1h12m)")
    assert "portal" not in problem.message


def test_an_environment_named_twice_is_refused_once() -> None:
    busy = busy_environments(ENVS, [refresh("p", "t")], {}, NOW)
    problems = refresh_problems(TEST, TEST, target_quota_left=3, busy=busy)
    assert sum("busy" in p.message for p in problems) == 1


def test_an_unresolved_operation_is_not_busy_and_history_says_what_runs() -> None:
    unknown = refresh("p", "t", status=OUTCOME_UNKNOWN, activity_id=None)
    assert busy_environments(ENVS, [unknown], {}, NOW) == {}
    busy = busy_environments(ENVS, [unknown], {"t": [entry("InProgress")]}, NOW)
    assert "Export" in busy["t"].reason and "2b21c3d4…" in busy["t"].reason


def test_one_operation_counts_once_whatever_the_spelling_of_its_id() -> None:
    # LCS writes the same GUID with and without dashes, in either case.
    history = [
        entry("InProgress", type=HISTORY_TYPE_REFRESH, activity="55EB0D5C7E4F4C519A1B4D9B2A7C3E11")
    ]
    quota = environment_quota("t", history, [refresh("p", "t")], now=NOW)
    assert quota.used == 1 and quota.left == 2


def test_a_lost_answer_found_in_the_history_counts_once() -> None:
    # The POST's answer was lost (no activity id) but LCS started it: the
    # history shows it. Until reconciliation catches up, it is one operation.
    lost = refresh("p", "t", status=OUTCOME_UNKNOWN, activity_id=None, started_at=None)
    history = [entry("InProgress", type=HISTORY_TYPE_REFRESH, started=timedelta(minutes=71))]
    quota = environment_quota("t", history, [lost], now=NOW)
    assert quota.used == 1
    # With nothing in the history yet, it still counts (it may have started).
    assert environment_quota("t", [], [lost], now=NOW).used == 1
