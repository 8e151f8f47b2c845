"""Snapshots of the main screens, each named for the scenario it shows.

The simulator runs on a fixed manual clock with a fixed seed, so dates,
elapsed times and activity ids are the same on every run.
"""

from __future__ import annotations

from typing import Any

from textual.pilot import Pilot
from textual.widgets import Input

from lcs_tui.simulator import demo
from tests.tui.support import BellCountingApp, demo_simulator, loaded, settle, wait_until
from tests.tui.support import make_app as make_live_app


def make_app() -> BellCountingApp:
    # No background polling: every poll draws ids and times from the simulator,
    # so the picture would depend on how fast the machine is.
    return make_live_app(demo_simulator(), poll_interval=3600)


async def _ready(pilot: Pilot[None]) -> None:
    await loaded(pilot)
    # The first status poll starts with the load; let it finish so that ids
    # drawn from the simulator come in the same order on every run.
    app = pilot.app
    assert isinstance(app, BellCountingApp)
    await wait_until(pilot, lambda: app.current.idle, what="the first poll")
    # The highlighted production's history is read once the cursor rests on it.
    await wait_until(
        pilot, lambda: demo.PROD_ENVIRONMENT_ID in app.service.history, what="its history"
    )
    await wait_until(pilot, lambda: app.current.idle, what="the history read")
    await app.workers.wait_for_complete()
    pilot.app.clear_notifications()
    await settle(pilot)


async def _ready_and_settled(pilot: Pilot[None]) -> None:
    await _ready(pilot)
    await settle(pilot)


def _freeze_cursors(pilot: Pilot[None]) -> None:
    for widget in pilot.app.screen.query(Input):
        widget.cursor_blink = False


def test_main_screen_comfortable_160x48(snap_compare: Any) -> None:
    assert snap_compare(make_app(), terminal_size=(160, 48), run_before=_ready_and_settled)


def test_main_screen_small_terminal_80x24(snap_compare: Any) -> None:
    assert snap_compare(make_app(), terminal_size=(80, 24), run_before=_ready_and_settled)


def test_refresh_confirmation_asks_for_the_target_name(snap_compare: Any) -> None:
    async def run_before(pilot: Pilot[None]) -> None:
        await _ready(pilot)
        await pilot.press("down", "down", "r")  # CONTOSO-TEST highlighted
        await pilot.click("#continue")
        await pilot.press(*"CONTOSO-TE")
        _freeze_cursors(pilot)
        await settle(pilot)

    assert snap_compare(make_app(), terminal_size=(160, 48), run_before=run_before)


def test_export_dialog_explains_an_invalid_name(snap_compare: Any) -> None:
    async def run_before(pilot: Pilot[None]) -> None:
        await _ready(pilot)
        await pilot.press("down", "e")  # CONTOSO-UAT highlighted
        pilot.app.screen.query_one("#name", Input).value = "uat golden!"
        _freeze_cursors(pilot)
        await settle(pilot)

    assert snap_compare(make_app(), terminal_size=(160, 48), run_before=run_before)


def test_refresh_running_in_the_operations_pane(snap_compare: Any) -> None:
    async def run_before(pilot: Pilot[None]) -> None:
        await _ready(pilot)
        app = pilot.app
        await app.service.start_refresh(
            demo.PROD_ENVIRONMENT_ID,  # type: ignore[attr-defined]
            demo.TEST_ENVIRONMENT_ID,
        )
        # Both panes drawn now, not at the next per-second tick: otherwise the
        # picture showed TEST's quota before or after the refresh by chance.
        app.view.show_operations()  # type: ignore[attr-defined]
        app.view.show_environments()  # type: ignore[attr-defined]
        await settle(pilot)

    assert snap_compare(make_app(), terminal_size=(160, 48), run_before=run_before)


def test_help_page(snap_compare: Any) -> None:
    async def run_before(pilot: Pilot[None]) -> None:
        await _ready(pilot)
        await pilot.press("question_mark")
        await settle(pilot)

    assert snap_compare(make_app(), terminal_size=(160, 48), run_before=run_before)
