"""The whole app: close the terminal in the middle of a refresh, reopen, still watched.

Two `LcsApp`s in a row on the same simulator and journal file, through the
real sign-in, client, service and widgets. Only the network is simulated.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from textual.pilot import Pilot

from lcs_tui.service.journal import Journal
from lcs_tui.service.operations import OUTCOME_UNKNOWN, STARTING, TrackedOperation
from lcs_tui.simulator import Simulator
from lcs_tui.tui.app import LcsApp
from lcs_tui.tui.screens.signin import ErrorDialog
from lcs_tui.tui.widgets.operations import OperationsTable
from lcs_tui.workspace import open_demo
from tests.recovery.support import PROD, TEST, FakeTime, clock, demo_sim, limiter_for

REFRESH_PATH = "/databasemovement/v1/refresh/"
SIZE = (160, 48)


class QuietApp(LcsApp):
    def bell(self) -> None:  # no terminal bell from a test
        pass


def make_app(sim: Simulator, journal: Path) -> QuietApp:
    workspace = open_demo(simulator=sim, journal=Journal(journal), limiter=limiter_for(sim))
    workspace.poll_interval = 0.05
    return QuietApp(workspace)


async def wait_until(
    pilot: Pilot[None], condition: Callable[[], bool], what: str, timeout: float = 60.0
) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await pilot.pause(0.02)


def status_cell(app: LcsApp, key: str) -> str | None:
    table = app.query_one(OperationsTable)
    if key not in table.rows:
        return None
    return str(table.get_cell(key, "status"))


def mine(journal: Path) -> list[TrackedOperation]:
    """The journal's entries for refreshes of TEST (the demo also adopts PERF's running one)."""
    return [o for o in Journal(journal).load() if o.poll_environment_id == TEST]


def api_refreshes(sim: Simulator) -> list[str]:
    return [
        op.activity_id
        for op in sim.operations()
        if op.origin == "api" and op.kind == "refresh" and op.target_environment_id == TEST
    ]


async def loaded(pilot: Pilot[None], app: LcsApp) -> None:
    await wait_until(pilot, lambda: app.load_generation >= 1, "the project to load")


async def test_close_during_a_refresh_reopen_and_see_it_watched(tmp_path: Path) -> None:
    limits = FakeTime()  # the simulator's rate-limit windows, moved on between the two runs
    sim = demo_sim(limits)
    journal = tmp_path / "journal-demo.json"

    first = make_app(sim, journal)
    async with first.run_test(size=SIZE) as pilot:
        await loaded(pilot, first)
        op = await first.service.start_refresh(PROD, TEST)
        clock(sim).advance(timedelta(minutes=10))
        await wait_until(pilot, lambda: status_cell(first, op.key) == "InProgress", "InProgress")
    # The terminal is closed: the app is gone, the refresh runs on in LCS.
    (stored,) = mine(journal)
    assert stored.key == op.key and stored.status == "InProgress"

    clock(sim).advance(timedelta(minutes=20))
    limits.now += 120  # a real minute or two later: LCS's rate-limit windows are empty again
    second = make_app(sim, journal)
    async with second.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: status_cell(second, op.key) is not None, "the row")
        assert status_cell(second, op.key) == "InProgress"
        table = second.query_one(OperationsTable)
        assert str(table.get_cell(op.key, "what")) == "refresh CONTOSO-PROD→CONTOSO-TEST"
        clock(sim).advance(timedelta(hours=4))
        await wait_until(pilot, lambda: status_cell(second, op.key) == "Completed", "Completed")
        # Not adopted a second time from the history: one row, one journal entry.
        assert (
            sum(1 for o in second.service.operations.values() if o.activity_id == op.activity_id)
            == 1
        )
    assert api_refreshes(sim) == [op.activity_id]
    (stored,) = mine(journal)
    assert stored.status == "Completed" and stored.finished_at is not None


async def test_closed_while_the_refresh_request_was_on_its_way(tmp_path: Path) -> None:
    limits = FakeTime()
    sim = demo_sim(limits)
    journal = tmp_path / "journal-demo.json"

    first = make_app(sim, journal)
    async with first.run_test(size=SIZE) as pilot:
        await loaded(pilot, first)
        # LCS acts at once but its answer takes long: the user quits meanwhile
        # (and the history, which would tell, does not answer before that).
        sim.faults.slow(30.0, n=1, path_prefix=REFRESH_PATH)
        history = sim.faults.hold(n=None, path_prefix="/environmentinfo/v1/history/")
        first.view.start_refresh(PROD, TEST)
        await wait_until(pilot, lambda: len(api_refreshes(sim)) == 1, "LCS to start it")
    history.set()
    sim.faults.clear()
    (stored,) = mine(journal)
    assert stored.activity_id is None and stored.status in (STARTING, OUTCOME_UNKNOWN)
    (activity,) = api_refreshes(sim)

    clock(sim).advance(timedelta(minutes=5))
    limits.now += 120
    second = make_app(sim, journal)
    async with second.run_test(size=SIZE) as pilot:
        await loaded(pilot, second)
        await wait_until(
            pilot, lambda: second.service.operations[stored.key].activity_id == activity, "match"
        )
        clock(sim).advance(timedelta(hours=4))
        await wait_until(pilot, lambda: status_cell(second, stored.key) == "Completed", "Completed")
    assert api_refreshes(sim) == [activity]  # never sent again


async def test_a_lost_answer_in_the_running_app_is_told_then_found(tmp_path: Path) -> None:
    sim = demo_sim()
    app = make_app(sim, tmp_path / "journal-demo.json")
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot, app)
        sim.faults.drop_after_action(1, path_prefix=REFRESH_PATH)
        app.view.start_refresh(PROD, TEST)
        # The user is told, in a dialog that says what to check.
        await wait_until(pilot, lambda: isinstance(app.screen, ErrorDialog), "the dialog")
        dialog = app.screen
        assert isinstance(dialog, ErrorDialog)
        assert "Outcome unknown" in dialog._title
        assert dialog._hint and "history" in dialog._hint
        (activity,) = api_refreshes(sim)
        # Behind the dialog the operation is listed, and the watcher finds it
        # in the history by itself: no reload, no second request.
        # (The watcher ticks every 50 ms here, so "Outcome unknown" may already
        # be gone from the table; the note says how the activity id was found.)
        (op,) = [o for o in app.service.operations.values() if o.poll_environment_id == TEST]
        await wait_until(
            pilot, lambda: app.service.operations[op.key].activity_id == activity, "the match"
        )
        await wait_until(pilot, lambda: status_cell(app, op.key) != "Outcome unknown", "row")
        note = str(app.query_one(OperationsTable).get_cell(op.key, "note"))
        assert "answer was lost" in note
        await pilot.press("escape")
        clock(sim).advance(timedelta(hours=4))
        await wait_until(pilot, lambda: status_cell(app, op.key) == "Completed", "Completed")
    assert api_refreshes(sim) == [activity]
