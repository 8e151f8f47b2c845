"""Several projects on one screen: the switcher, the overview, isolation, keys.

Two demo workspaces (Contoso and Fabrikam) on one simulator, as `lcs-tui
--demo` opens them, through the real sign-in, client, service and widgets.
"""

from __future__ import annotations

import re
from datetime import timedelta

from textual.widgets import DataTable

from lcs_tui.simulator import ManualClock, Simulator, demo
from lcs_tui.tui.app import LcsApp
from lcs_tui.tui.keymap import Keymap
from lcs_tui.tui.screens.overview import OverviewScreen
from lcs_tui.tui.screens.projects import ProjectSwitcher
from lcs_tui.tui.screens.refresh import RefreshPicker
from lcs_tui.tui.screens.signin import PasswordDialog
from lcs_tui.tui.widgets.operations import OperationsTable
from lcs_tui.tui.widgets.status_bar import StatusBar
from lcs_tui.workspace import Workspace, open_demo
from tests.recovery.support import demo_sim, limiter_for
from tests.tui.support import START, screen_text, wait_until


class QuietApp(LcsApp):
    bells = 0

    def bell(self) -> None:
        self.bells += 1


def two_projects(**kwargs: object) -> tuple[Simulator, list[Workspace]]:
    # Rate limits and the (shared, as in the app) client pacing on fake time:
    # a load after another's used the per-user budget waits no real minute.
    sim = demo_sim(clock=ManualClock(START), fabrikam=True)
    limiter = limiter_for(sim)
    workspaces = [
        open_demo(simulator=sim, project=p, limiter=limiter, **kwargs)  # type: ignore[arg-type]
        for p in demo.DEMO_PROJECTS
    ]
    for ws in workspaces:
        ws.poll_interval = 0.05
    return sim, workspaces


def notices(app: LcsApp) -> list[str]:
    return [f"{n.title}: {n.message}" for n in app._notifications]


async def all_loaded(pilot, app: LcsApp) -> None:  # type: ignore[no-untyped-def]
    await wait_until(
        pilot,
        lambda: all(rt.load_generation >= 1 for rt in app.runtimes.values()),
        what="every project to load",
    )


async def test_both_projects_load_and_the_switcher_moves_between_them() -> None:
    _sim, workspaces = two_projects()
    app = QuietApp(workspaces)
    async with app.run_test(size=(160, 48)) as pilot:
        await all_loaded(pilot, app)  # the one in the background too
        assert app.shown == "contoso"
        assert "contoso (demo)" in str(app.query_one(StatusBar).profile)
        await pilot.press("p")
        await wait_until(pilot, lambda: isinstance(app.screen, ProjectSwitcher), what="switcher")
        text = screen_text(app)
        assert "contoso" in text and "fabrikam" in text and "signed in" in text
        await pilot.press("down", "enter")
        await wait_until(pilot, lambda: app.shown == "fabrikam", what="the switch")
        await pilot.pause()
        assert "FAB-UAT" in screen_text(app)
        assert "Environments (5)" in screen_text(app)
        await pilot.press("right_square_bracket")  # the next one: back to Contoso
        await wait_until(pilot, lambda: app.shown == "contoso", what="the next project")
        await pilot.pause()
        assert "CONTOSO-UAT" in screen_text(app)


async def test_the_overview_lists_every_running_operation_and_enter_jumps_there() -> None:
    _sim, workspaces = two_projects()
    app = QuietApp(workspaces)
    async with app.run_test(size=(160, 48)) as pilot:
        await all_loaded(pilot, app)
        await pilot.press("o")
        await wait_until(pilot, lambda: isinstance(app.screen, OverviewScreen), what="overview")
        await pilot.pause()
        table = app.screen.query_one(DataTable)
        rows = [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]
        running = [r for r in rows if r[0] == "running"]
        assert {r[1] for r in running} == {"contoso", "fabrikam"}  # one refresh in each
        # Most urgent first: what runs, then busy environments, then the rest
        # with the fewest operations left first.
        first_busy = next(i for i, r in enumerate(rows) if r[0] == "busy")
        first_idle = next(i for i, r in enumerate(rows) if r[0] == "idle")
        assert rows.index(running[-1]) < first_busy < first_idle
        assert any(r[2] == "FAB-UAT" and r[0] == "busy" and "left" in r[4] for r in rows)
        idle_quotas = [r[4] for r in rows[first_idle:] if r[4].endswith("left")]
        assert idle_quotas == sorted(idle_quotas)  # "0 until", then 1/3, 2/3, 3/3
        # Enter on Fabrikam's running refresh: its project, that operation highlighted.
        fab = next(i for i, r in enumerate(rows) if r[0] == "running" and r[1] == "fabrikam")
        table.move_cursor(row=fab)
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.shown == "fabrikam", what="the jump")
        await pilot.pause()
        ops = app.query_one(OperationsTable)
        assert ops.has_focus
        key = ops.highlighted_key
        assert key is not None
        assert "FAB-UAT" in app.service.operations[key].title()


async def test_one_project_needing_sign_in_blocks_nothing_and_asks_only_when_shown() -> None:
    _sim, workspaces = two_projects()
    # Fabrikam has no stored password: only the user can sign it in.
    workspaces[1].demo_password = None
    app = QuietApp(workspaces)
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_until(pilot, lambda: app.runtimes["contoso"].load_generation >= 1, what="one")
        await wait_until(
            pilot, lambda: app.runtimes["fabrikam"].needs_user is not None, what="the need"
        )
        assert not isinstance(app.screen, PasswordDialog)  # not asked in the background
        assert "needs sign-in" in app.runtimes["fabrikam"].state()
        app.show_workspace("fabrikam")
        await wait_until(
            pilot,
            lambda: isinstance(app.screen, PasswordDialog) and "Password" in screen_text(app),
            what="the ask",
        )
        app.screen.query_one("#password").value = demo.PASSWORD  # type: ignore[attr-defined]
        await pilot.press("enter")
        await wait_until(
            pilot, lambda: app.runtimes["fabrikam"].load_generation >= 1, what="Fabrikam"
        )


async def test_a_throttled_project_does_not_slow_the_other() -> None:
    sim, workspaces = two_projects()
    sim.faults.throttle(
        n=1000,
        retry_after=120,
        path_prefix=f"/environmentinfo/v1/detail/project/{demo.FABRIKAM_PROJECT_ID}",
    )
    # The throttled one is the one shown: the other still starts and loads.
    app = QuietApp(workspaces, shown="fabrikam")
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_until(
            pilot,
            lambda: "throttled" in app.runtimes["fabrikam"].connection,
            what="Fabrikam throttled",
        )
        await wait_until(pilot, lambda: app.runtimes["contoso"].load_generation >= 1, what="one")
        assert app.runtimes["fabrikam"].load_generation == 0


async def test_an_operation_ending_in_the_background_is_told_with_its_project() -> None:
    sim, workspaces = two_projects()
    app = QuietApp(workspaces)
    async with app.run_test(size=(160, 48)) as pilot:
        await all_loaded(pilot, app)
        assert isinstance(sim.clock, ManualClock)
        sim.clock.advance(timedelta(hours=6))  # both running refreshes end
        await wait_until(
            pilot,
            lambda: any(n.startswith("fabrikam: Operation") for n in notices(app)),
            what="Fabrikam's notice",
        )
        assert app.shown == "contoso"
        # Each project's end rings once; the two notices come in either order.
        await wait_until(pilot, lambda: app.bells >= 2, what="a bell for each")
        assert app.shown == "contoso"


async def test_a_remapped_key_works_and_shows_in_the_footer_help_and_palette() -> None:
    _sim, workspaces = two_projects()
    app = QuietApp(workspaces[:1], keys=Keymap({"refresh": ("R",)}))
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_until(pilot, lambda: app.load_generation >= 1, what="the project")
        await pilot.pause()
        assert " R Refresh" in screen_text(app).splitlines()[-1]  # the footer
        await pilot.press("r")
        await pilot.pause()
        assert not isinstance(app.screen, RefreshPicker)  # the old key is free
        await pilot.press("R")
        await wait_until(pilot, lambda: isinstance(app.screen, RefreshPicker), what="picker")
        await pilot.press("escape")
        await pilot.press("question_mark")
        await wait_until(pilot, lambda: "lcs-tui — keys" in screen_text(app), what="the help")
        assert re.search(r" R {3,}copy a database", screen_text(app))
        await pilot.press("escape")
        commands = {c.title: c.help for c in app.get_system_commands(app.screen)}
        assert commands["Refresh a sandbox"].endswith("— R")


async def test_a_profile_not_open_yet_opens_from_the_switcher() -> None:
    _sim, workspaces = two_projects()
    fabrikam = workspaces.pop()
    opened: list[str] = []

    def open_profile(name: str) -> Workspace:
        opened.append(name)
        return fabrikam

    app = QuietApp(workspaces, profiles=["contoso", "fabrikam"], open_profile=open_profile)
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_until(pilot, lambda: app.load_generation >= 1, what="Contoso")
        await pilot.press("p")
        await wait_until(pilot, lambda: isinstance(app.screen, ProjectSwitcher), what="switcher")
        assert "not open" in screen_text(app)
        await pilot.press("down", "enter")
        await wait_until(pilot, lambda: app.shown == "fabrikam", what="the new workspace")
        await wait_until(pilot, lambda: app.load_generation >= 1, what="Fabrikam")
        assert opened == ["fabrikam"]
        assert list(app.runtimes) == ["contoso", "fabrikam"]


async def test_the_theme_and_the_workspace_shown_come_back_as_they_were() -> None:
    _sim, workspaces = two_projects()
    app = QuietApp(workspaces, shown="fabrikam", theme="nord")
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_until(pilot, lambda: app.load_generation >= 1, what="Fabrikam")
        assert app.shown == "fabrikam" and app.theme == "nord"
        assert "fabrikam (demo)" in str(app.query_one(StatusBar).profile)
