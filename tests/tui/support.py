"""Helpers for driving the app against the in-process simulator."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime

from textual.pilot import Pilot

from lcs_tui.simulator import ManualClock, Simulator
from lcs_tui.tui.app import LcsApp
from lcs_tui.workspace import open_demo
from tests.recovery.support import demo_sim, limiter_for

START = datetime(2026, 11, 20, 8, 0)


def demo_simulator(**kwargs: object) -> Simulator:
    """The demo on a manual clock; its rate limits and the client's pacing on
    fake time (tests/recovery/support.py, `limiter_for`)."""
    return demo_sim(**{"clock": ManualClock(START), **kwargs})


class BellCountingApp(LcsApp):
    """The real app, counting terminal bells instead of ringing them."""

    bells = 0

    def bell(self) -> None:
        self.bells += 1


def make_app(
    sim: Simulator, *, read_only: bool = False, poll_interval: float = 0.05
) -> BellCountingApp:
    workspace = open_demo(simulator=sim, read_only=read_only, limiter=limiter_for(sim))
    workspace.poll_interval = poll_interval
    return BellCountingApp(workspace)


async def wait_until(
    pilot: Pilot[None],
    condition: Callable[[], bool],
    timeout: float = 60.0,
    what: str = "condition",
) -> None:
    """Let the app run until `condition` holds (workers are real; no sleeps in tests).

    `timeout` only bounds a wait that would otherwise never end: it is far
    beyond what any condition needs, even on a loaded machine.
    """
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await pilot.pause(0.02)


def fully_loaded(app: LcsApp) -> bool:
    """Environments, backups and every sandbox's quota are on screen."""
    return app.load_generation >= 1


async def loaded(pilot: Pilot[None]) -> None:
    app = pilot.app
    assert isinstance(app, LcsApp)
    await wait_until(pilot, lambda: fully_loaded(app), what="the project to load")
    await pilot.pause()


async def highlight(pilot: Pilot[None], env_id: str) -> None:
    """Put the environments table's cursor on `env_id` (as arrow keys would)."""
    from lcs_tui.tui.widgets.environments import EnvironmentsTable

    table = pilot.app.query_one(EnvironmentsTable)
    table.move_cursor(row=table.get_row_index(env_id))
    await pilot.pause()


def cell_text(table: object, row_key: str, column: str) -> str:
    from textual.widgets import DataTable

    assert isinstance(table, DataTable)
    return str(table.get_cell(row_key, column))


def screen_text(app: LcsApp) -> str:  # call after `await pilot.pause()`
    """The characters on the app's screen right now, line by line."""
    strips = app.screen._compositor.render_strips()
    return "\n".join(strip.text for strip in strips)


async def settle(pilot: Pilot[None]) -> None:
    """Wait until two looks at the screen agree (tables size columns when idle)."""
    previous = None
    for _ in range(50):
        await pilot.pause(0.05)
        current = screen_text(pilot.app)  # type: ignore[arg-type]
        if current == previous:
            return
        previous = current
