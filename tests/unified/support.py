"""Driving the app's Power Platform workspace against the in-process simulator."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from textual.pilot import Pilot
from textual.widgets import Select

from lcs_tui.api import RequestEvent
from lcs_tui.simulator import ManualClock, Simulator
from lcs_tui.tui.app import LcsApp
from lcs_tui.tui.unified.runtime import UnifiedRuntime, UnifiedWatcher
from lcs_tui.tui.unified.screen import UnifiedScreen
from lcs_tui.tui.unified.tables import UnifiedEnvironmentsTable
from lcs_tui.workspace import Workspace, open_demo, open_demo_tenant
from tests.tui.support import START, wait_until


class FakeMonotonic:
    """The watcher's clock for `Retry-After` (30 s on a manual clock): it moves with the
    simulator's, so a test that advances simulated time need not wait real seconds."""

    def __init__(self, clock: ManualClock) -> None:
        self._clock = clock
        self._start = clock.now()

    def __call__(self) -> float:
        return (self._clock.now() - self._start).total_seconds()


def tenant_sim(**kwargs: Any) -> Simulator:
    values: dict[str, Any] = {
        "clock": ManualClock(START),
        "powerplatform": True,
        "failure_rate": 0.0,
        "token_lifetime": timedelta(days=7),
    }
    values.update(kwargs)
    return Simulator.demo(**values)


def tenant_app(
    sim: Simulator, *, read_only: bool = False, with_lcs: bool = False
) -> tuple[LcsApp, Workspace, list[RequestEvent]]:
    """The app on the demo tenant (and the Contoso project first, with `with_lcs`)."""
    tenant = open_demo_tenant(sim, read_only=read_only)
    tenant.poll_interval = 0.05
    seen: list[RequestEvent] = []
    tenant.add_observer(seen.append)
    workspaces = [tenant]
    if with_lcs:
        lcs = open_demo(simulator=sim, read_only=read_only)
        lcs.poll_interval = 0.05
        workspaces = [lcs, tenant]
    return LcsApp(workspaces, shown="unified"), tenant, seen


def runtime(app: LcsApp) -> UnifiedRuntime:
    found = app.runtimes["unified"]
    assert isinstance(found, UnifiedRuntime)
    return found


def screen(app: LcsApp) -> UnifiedScreen:
    shown = app.shown_screen
    assert isinstance(shown, UnifiedScreen)
    return shown


async def tenant_loaded(pilot: Pilot[None]) -> None:
    app = pilot.app
    assert isinstance(app, LcsApp)
    rt = runtime(app)
    clock = rt.workspace.simulator.clock if rt.workspace.simulator else None
    assert isinstance(clock, ManualClock)
    watcher = rt.watcher
    assert isinstance(watcher, UnifiedWatcher)
    watcher.monotonic = FakeMonotonic(clock)
    await wait_until(pilot, lambda: rt.load_generation >= 1, what="the tenant to load")
    await pilot.pause()


async def highlight(pilot: Pilot[None], name: str) -> str:
    """Put the cursor on the environment called `name`; its id."""
    app = pilot.app
    assert isinstance(app, LcsApp)
    env = runtime(app).pp.environment(name)
    assert env is not None, name
    table = screen(app).query_one(UnifiedEnvironmentsTable)
    table.focus()
    table.move_cursor(row=table.get_row_index(env.id))
    await pilot.pause()
    return env.id


async def choose(pilot: Pilot[None], select_id: str, value: str) -> None:
    """Set a dialog's Select as a user choosing from its list would."""
    pilot.app.screen.query_one(select_id, Select).value = value
    await pilot.pause()


def posts(seen: list[RequestEvent]) -> list[str]:
    return [e.path for e in seen if e.kind == "request" and e.method in ("POST", "DELETE")]
