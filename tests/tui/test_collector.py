"""The garbage collector is paused for start-up only (lcs_tui/tui/collector.py).

A paused collector that is never resumed would let every reference cycle the
app makes pile up for as long as it stays open (all day, for its users).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from lcs_tui.tui import app as app_module
from lcs_tui.tui import collector
from tests.tui.support import demo_simulator, loaded, make_app, wait_until


@pytest.fixture
def paused_collector() -> Iterator[None]:
    """As `lcs-tui` starts; whatever happens, the test leaves the collector as it was."""
    frozen_before = gc.get_freeze_count()
    collector.pause_for_start_up()
    assert not gc.isenabled()
    try:
        yield
    finally:
        collector._paused_here = False
        gc.enable()
        if gc.get_freeze_count() > frozen_before:
            gc.unfreeze()  # the objects of earlier tests must stay collectable


async def test_collection_resumes_once_the_first_full_screen_is_shown(
    paused_collector: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Not by the fallback timer: only the first full screen can resume it here.
    monkeypatch.setattr(app_module, "COLLECTOR_PAUSE_LIMIT", 60.0)
    frozen_before = gc.get_freeze_count()
    app = make_app(demo_simulator())
    async with app.run_test(size=(160, 48)) as pilot:
        await loaded(pilot)
        await wait_until(pilot, gc.isenabled, what="the collector to resume")
        # What start-up created is out of the collector's way from now on.
        assert gc.get_freeze_count() > frozen_before


async def test_collection_resumes_on_time_when_lcs_is_slow(
    paused_collector: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(app_module, "COLLECTOR_PAUSE_LIMIT", 0.2)
    sim = demo_simulator()
    held = sim.faults.hold(n=None, path_prefix="/")  # LCS and sign-in answer nothing yet
    app = make_app(sim)
    try:
        async with app.run_test(size=(160, 48)) as pilot:
            await wait_until(pilot, gc.isenabled, what="the collector to resume")
            assert app.load_generation == 0
    finally:
        held.set()


async def test_an_app_that_did_not_pause_the_collector_leaves_it_alone() -> None:
    frozen_before = gc.get_freeze_count()
    app = make_app(demo_simulator())
    async with app.run_test(size=(160, 48)) as pilot:
        await loaded(pilot)
        await pilot.pause(0.1)
    assert gc.isenabled() and gc.get_freeze_count() == frozen_before
