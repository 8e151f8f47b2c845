"""Snapshots of the Power Platform workspace, each named for what it shows.

The simulator runs on a fixed manual clock with a fixed seed and nothing polls
in the background, so dates, elapsed times and ids are the same on every run.
"""

from __future__ import annotations

from typing import Any

from textual.pilot import Pilot
from textual.widgets import Input

from lcs_tui.simulator import demo as d
from lcs_tui.tui.app import LcsApp
from lcs_tui.tui.unified.dialogs import CopyPicker, TypedConfirm
from tests.tui.support import settle, wait_until
from tests.unified.support import (
    choose,
    highlight,
    runtime,
    screen,
    tenant_app,
    tenant_loaded,
    tenant_sim,
)


def make_app() -> LcsApp:
    app, tenant, _ = tenant_app(tenant_sim())
    tenant.poll_interval = 3600  # no status round: the picture must not depend on speed
    return app


async def _ready(pilot: Pilot[None]) -> None:
    await tenant_loaded(pilot)
    app = pilot.app
    assert isinstance(app, LcsApp)
    rt = runtime(app)
    await wait_until(pilot, lambda: rt.idle, what="the first status round")
    await wait_until(
        pilot, lambda: any(k in rt.pp.backups for k in rt.pp.environments), what="backups"
    )
    await app.workers.wait_for_complete()
    app.clear_notifications()
    # Every pane drawn from what is known now, not at whichever event came last
    # (the operations' ETA needs the histories, which arrive in any order).
    shown = screen(app)
    shown.show_environments()
    shown.show_operations()
    await settle(pilot)


def test_tenant_screen_comfortable_160x48(snap_compare: Any) -> None:
    assert snap_compare(make_app(), terminal_size=(160, 48), run_before=_ready)


def test_tenant_screen_small_terminal_80x24(snap_compare: Any) -> None:
    assert snap_compare(make_app(), terminal_size=(80, 24), run_before=_ready)


def test_copy_confirmation_states_the_consequences(snap_compare: Any) -> None:
    async def run_before(pilot: Pilot[None]) -> None:
        await _ready(pilot)
        app = pilot.app
        assert isinstance(app, LcsApp)
        await highlight(pilot, d.UAT_ENVIRONMENT_NAME)
        target = runtime(app).pp.environment(d.PP_UDE_ENVIRONMENT_NAME)
        assert target is not None
        await pilot.press("c")
        await wait_until(pilot, lambda: isinstance(app.screen, CopyPicker), what="the picker")
        await choose(pilot, "#target", target.id)
        await pilot.click("#continue")
        await wait_until(pilot, lambda: isinstance(app.screen, TypedConfirm), what="confirm")
        await pilot.pause()
        app.clear_notifications()
        await pilot.press(*"CONTOSO-UDE")
        for widget in app.screen.query(Input):
            widget.cursor_blink = False
        await settle(pilot)

    assert snap_compare(make_app(), terminal_size=(160, 48), run_before=run_before)
