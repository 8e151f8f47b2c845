"""The whole app through faults: it keeps running, shows the state, resumes by itself."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from lcs_tui.tui.widgets.status_bar import StatusBar
from tests.recovery.support import PROD, TEST, clock, demo_sim
from tests.recovery.test_app_restart import SIZE, loaded, make_app, status_cell, wait_until


async def test_network_down_for_five_minutes_then_watching_resumes(tmp_path: Path) -> None:
    sim = demo_sim()
    app = make_app(sim, tmp_path / "journal-demo.json")
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot, app)
        op = await app.service.start_refresh(PROD, TEST)
        clock(sim).advance(timedelta(minutes=10))
        await wait_until(pilot, lambda: status_cell(app, op.key) == "InProgress", "InProgress")
        bar = app.query_one(StatusBar)

        sim.faults.offline = True
        clock(sim).advance(timedelta(minutes=5))
        # A whole poll fails (the client's retries with backoff give up first).
        await wait_until(pilot, lambda: "offline" in bar.connection, "the status bar to say so")
        assert status_cell(app, op.key) == "InProgress"  # still listed, still watched

        sim.faults.offline = False
        clock(sim).advance(timedelta(hours=4))
        await wait_until(pilot, lambda: status_cell(app, op.key) == "Completed", "Completed")
        # (It may say "pacing" next: the finished refresh re-reads the history.)
        assert "retrying" not in bar.connection and "offline" not in bar.connection


async def test_a_corrupt_journal_is_reported_to_the_user(tmp_path: Path) -> None:
    journal = tmp_path / "journal-demo.json"
    journal.write_text('{"schema": 1, "operations": [{"kind": ')  # cut off mid-write by hand
    sim = demo_sim()
    app = make_app(sim, journal)
    assert app.service.journal_notice and "could not be read" in app.service.journal_notice
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot, app)
        await pilot.pause()
        shown = [f"{n.title} {n.message}" for n in app._notifications]
        assert any("could not be read" in text for text in shown), shown


async def test_started_offline_the_app_loads_by_itself_when_the_network_returns(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("lcs_tui.tui.controllers.loader.RELOAD_RETRY_FIRST", 0.1)
    sim = demo_sim()
    sim.faults.offline = True  # the laptop woke up on a train
    app = make_app(sim, tmp_path / "journal-demo.json")
    async with app.run_test(size=SIZE) as pilot:
        bar = app.query_one(StatusBar)
        await wait_until(pilot, lambda: bar.connection != "signing in", "the first attempt")
        sim.faults.offline = False
        await wait_until(pilot, lambda: app.load_generation >= 1, "a load")
