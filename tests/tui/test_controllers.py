"""A workspace's sign-in, loading and watching, without the App or any widget.

The controllers (lcs_tui/tui/controllers/) are plain asyncio: here they run
on a bare event loop against the simulator, and what they report is checked
as the events a screen would draw.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import timedelta

from lcs_tui.simulator import ManualClock, demo
from lcs_tui.tui.controllers import events as ev
from lcs_tui.tui.controllers.runtime import WorkspaceRuntime
from lcs_tui.workspace import open_demo
from tests.tui.support import demo_simulator


async def until(condition: Callable[[], bool], what: str) -> None:
    for _ in range(6000):  # a bound far beyond need: it ends on the condition
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"never: {what}")


async def test_a_runtime_signs_in_loads_and_watches_to_the_end() -> None:
    sim = demo_simulator()
    workspace = open_demo(simulator=sim)
    workspace.poll_interval = 0.02
    runtime = WorkspaceRuntime(workspace)
    seen: list[ev.WorkspaceEvent] = []
    runtime.subscribe(seen.append)
    runtime.start()
    try:
        await until(lambda: runtime.load_generation >= 1, "the load")
        kinds = [type(e) for e in seen]
        assert kinds.index(ev.SignedIn) < kinds.index(ev.EnvironmentsArrived) < kinds.index(
            ev.Loaded
        )
        assert ev.BackupsArrived in kinds
        assert runtime.username == demo.USERNAME and runtime.connection == "online"
        assert runtime.state() == "signed in, 1 running"  # the demo's running refresh
        assert isinstance(sim.clock, ManualClock)
        sim.clock.advance(timedelta(hours=6))
        await until(lambda: any(isinstance(e, ev.OperationFinished) for e in seen), "the end")
        assert runtime.state() == "signed in"
    finally:
        await runtime.aclose()


async def test_no_silent_sign_in_asks_for_the_user_and_loads_after_it() -> None:
    sim = demo_simulator()
    workspace = open_demo(simulator=sim, sign_in_automatically=False)
    runtime = WorkspaceRuntime(workspace)
    seen: list[ev.WorkspaceEvent] = []
    runtime.subscribe(seen.append)
    runtime.start()
    try:
        await until(lambda: runtime.needs_user is not None, "the ask")
        assert runtime.state() == "needs sign-in" and runtime.load_generation == 0
        runtime.sign_in_with_password(demo.PASSWORD, None)
        await until(lambda: runtime.load_generation >= 1, "the load")
        assert runtime.needs_user is None
    finally:
        await runtime.aclose()


async def test_an_offline_start_retries_by_itself() -> None:
    from lcs_tui.tui.controllers import loader

    sim = demo_simulator()
    sim.faults.offline = True
    workspace = open_demo(simulator=sim)
    runtime = WorkspaceRuntime(workspace)
    runtime._offline_delay = 0.05  # a test need not wait the 5 s a user would
    seen: list[ev.WorkspaceEvent] = []
    runtime.subscribe(seen.append)
    runtime.start()
    try:
        await until(lambda: runtime.connection.startswith("offline"), "offline")
        sim.faults.offline = False
        await until(lambda: runtime.load_generation >= 1, "the recovery")
        assert loader.RELOAD_RETRY_FIRST == 5.0  # nothing module-wide was changed
    finally:
        await runtime.aclose()
