"""What a new-user trial and a run against an independent LCS impersonation found.

Each test is one finding: it failed before the fix.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from textual.widgets import Input, Select

from lcs_tui.service.journal import Journal
from lcs_tui.service.operations import TrackedOperation
from lcs_tui.simulator import demo
from lcs_tui.tui.screens.export import ExportDialog
from lcs_tui.tui.screens.refresh import RefreshPicker
from lcs_tui.tui.widgets.backups import BackupsPane
from lcs_tui.tui.widgets.environments import EnvironmentsTable, EnvironmentSummary
from lcs_tui.tui.widgets.operations import OperationsTable
from lcs_tui.workspace import open_demo
from tests.tui.support import (
    BellCountingApp,
    cell_text,
    demo_simulator,
    highlight,
    loaded,
    make_app,
    screen_text,
    wait_until,
)


async def test_production_being_copied_from_is_not_shown_busy_and_can_be_copied_again() -> None:
    sim = demo_simulator()
    app = make_app(sim)
    async with app.run_test(size=(160, 48)) as pilot:
        await loaded(pilot)
        await app.service.start_refresh(demo.PROD_ENVIRONMENT_ID, demo.TEST_ENVIRONMENT_ID)
        app.view.show_environments()
        await pilot.pause()
        envs = app.query_one(EnvironmentsTable)
        assert cell_text(envs, demo.TEST_ENVIRONMENT_ID, "state") == "busy"
        assert cell_text(envs, demo.PROD_ENVIRONMENT_ID, "state") != "busy"
        await highlight(pilot, demo.PROD_ENVIRONMENT_ID)
        summary = str(app.query_one(EnvironmentSummary).render())
        assert "Source of a running refresh" in summary and "CONTOSO-TEST" in summary
        # A second refresh from the same production: allowed, and said so.
        await highlight(pilot, demo.UAT_ENVIRONMENT_ID)
        await pilot.press("r")
        picker = app.screen
        assert isinstance(picker, RefreshPicker)
        assert picker.query_one("#source", Select).value == demo.PROD_ENVIRONMENT_ID
        text = screen_text(app)
        assert "all checks passed" in text
        assert "also the source of a running refresh" in text


async def test_a_busy_refusal_names_what_the_target_is_busy_with() -> None:
    app = make_app(demo_simulator())
    async with app.run_test(size=(160, 48)) as pilot:
        await loaded(pilot)
        op = await app.service.start_export(demo.TEST_ENVIRONMENT_ID, "first")
        await highlight(pilot, demo.TEST_ENVIRONMENT_ID)
        await pilot.press("r")
        assert isinstance(app.screen, RefreshPicker)
        text = screen_text(app)
        assert op.activity_id is not None
        assert f"CONTOSO-TEST is busy with export ({op.activity_id[:8]}…" in text
        assert "history in LCS shows which" not in text


async def test_the_export_name_follows_the_chosen_sandbox_until_edited() -> None:
    app = make_app(demo_simulator())
    async with app.run_test(size=(160, 48)) as pilot:
        await loaded(pilot)
        await highlight(pilot, demo.TEST_ENVIRONMENT_ID)
        await pilot.press("e")
        dialog = app.screen
        assert isinstance(dialog, ExportDialog)
        name = dialog.query_one("#name", Input)
        assert name.value.startswith("contoso-test-")
        dialog.query_one("#env", Select).value = demo.UAT_ENVIRONMENT_ID
        await wait_until(pilot, lambda: name.value.startswith("contoso-uat-"), what="new name")
        assert "CONTOSO-UAT → contoso-uat-" in screen_text(app)
        # Once the user typed a name of their own, it stays.
        name.value = "uat-golden"
        await pilot.pause()
        dialog.query_one("#env", Select).value = demo.TEST_ENVIRONMENT_ID
        await pilot.pause()
        await pilot.pause()
        assert name.value == "uat-golden"


async def test_after_a_restart_a_journaled_operation_shows_and_is_polled_while_throttled(
    tmp_path: Path,
) -> None:
    sim = demo_simulator()
    running = sim.add_operation(
        "export",
        environment_id=demo.UAT_ENVIRONMENT_ID,
        started_at=sim.clock.now() - timedelta(minutes=5),
        backup_name="uat-nightly",
    )
    journal = Journal(tmp_path / "journal.json")
    op = TrackedOperation.new(
        kind="export",
        project_id=demo.PROJECT_ID,
        poll_environment_id=demo.UAT_ENVIRONMENT_ID,
        environment_name="CONTOSO-UAT",
        backup_name="uat-nightly",
        activity_id=running.activity_id,
        status="NotStarted",
        requested_at=sim.clock.now() - timedelta(minutes=5),
        profile="demo",
    )
    journal.upsert(op)
    # Every environment-API call is throttled for a long while.
    sim.faults.throttle(n=1000, retry_after=60)
    workspace = open_demo(simulator=sim, journal=journal)
    workspace.poll_interval = 0.05
    app = BellCountingApp(workspace)
    async with app.run_test(size=(160, 48)) as pilot:
        ops = app.query_one(OperationsTable)
        await wait_until(pilot, lambda: op.key in ops.rows, what="the journaled operation")
        await wait_until(
            pilot,
            lambda: any(
                "/fetchstatus/" in e.path and running.activity_id in e.path for e in sim.request_log
            ),
            what="its status call",
        )
        assert app.load_generation == 0  # the environments are still throttled
        await wait_until(
            pilot, lambda: cell_text(ops, op.key, "status") == "InProgress", what="its status"
        )


async def test_a_throttled_start_shows_the_backups_and_says_what_it_waits_for() -> None:
    sim = demo_simulator()
    sim.faults.throttle(n=1000, retry_after=60)
    app = make_app(sim)
    async with app.run_test(size=(160, 48)) as pilot:
        pane = app.query_one(BackupsPane)
        await wait_until(pilot, lambda: pane.shown_count == len(sim.backups()), what="the backups")
        assert app.load_generation == 0
        await wait_until(
            pilot,
            lambda: "throttles until" in str(app.query_one("#environments").border_title),
            what="the environments pane to say why it is empty",
        )
        assert "Database backups (" + str(len(sim.backups())) in str(pane.border_title)


async def test_vi_keys_first_and_last_row_and_tab_between_panes() -> None:
    app = make_app(demo_simulator())
    async with app.run_test(size=(160, 48)) as pilot:
        await loaded(pilot)
        envs = app.query_one(EnvironmentsTable)
        assert envs.has_focus and envs.cursor_row == 0
        await pilot.press("j", "j")
        assert envs.cursor_row == 2
        await pilot.press("k")
        assert envs.cursor_row == 1
        await pilot.press("G")
        assert envs.cursor_row == envs.row_count - 1
        await pilot.press("g")
        assert envs.cursor_row == 0
        await pilot.press("end")  # the last row, not the last column
        assert envs.cursor_row == envs.row_count - 1 and envs.scroll_x == 0
        await pilot.press("home")
        assert envs.cursor_row == 0
        await pilot.press("tab")
        backups = app.query_one(BackupsPane).table
        assert backups.has_focus
        await pilot.press("tab")
        assert app.query_one(OperationsTable).has_focus
        await pilot.press("shift+tab", "shift+tab")
        assert envs.has_focus
        await pilot.press("question_mark")
        from lcs_tui.tui.screens.common import TextPage

        await wait_until(pilot, lambda: isinstance(app.screen, TextPage), what="the help")
        page = app.screen
        assert isinstance(page, TextPage)
        help_text = str(page._body)  # the page's text, before it is wrapped to the screen
        for key in ("j / k", "g / G", "Home / End", "Tab", " z "):
            assert key in help_text, key


async def test_z_maximises_the_focused_pane_and_gives_it_back() -> None:
    app = make_app(demo_simulator())
    async with app.run_test(size=(100, 30)) as pilot:
        await loaded(pilot)
        await pilot.press("tab")
        pane = app.query_one(BackupsPane)
        await pilot.press("z")
        assert app.screen.maximized is pane
        assert pane.table.size.height > 20  # the backups take the screen
        await pilot.press("z")
        assert app.screen.maximized is None
        await pilot.press("z", "escape")
        assert app.screen.maximized is None


async def test_after_a_resize_the_highlighted_row_stays_in_view() -> None:
    app = make_app(demo_simulator())
    async with app.run_test(size=(160, 48)) as pilot:
        await loaded(pilot)
        await pilot.press("tab")
        table = app.query_one(BackupsPane).table
        await pilot.press(*["j"] * 30)
        await pilot.resize_terminal(80, 24)
        await wait_until(pilot, lambda: table.size.height < 10, what="the smaller terminal")
        await pilot.pause()
        row = table._get_row_region(table.cursor_row)
        header = table.header_height
        assert table.scroll_y + header <= row.y < table.scroll_y + table.size.height


async def test_every_pane_keeps_rows_at_80x24_with_the_log_open() -> None:
    app = make_app(demo_simulator())
    async with app.run_test(size=(80, 24)) as pilot:
        await loaded(pilot)
        await pilot.press("l")
        await pilot.pause()
        for table in (
            app.query_one(EnvironmentsTable),
            app.query_one(BackupsPane).table,
            app.query_one(OperationsTable),
        ):
            # A header and at least two rows of content.
            assert table.size.height >= 3, (type(table).__name__, table.size)


async def test_the_demo_says_its_clock_runs_fast() -> None:
    from lcs_tui.simulator import Simulator

    sim = Simulator.demo(time_scale=120.0, failure_rate=0.0)
    app = BellCountingApp(open_demo(simulator=sim))
    async with app.run_test(size=(160, 48)) as pilot:
        await loaded(pilot)
        await wait_until(pilot, lambda: "demo clock ×120" in screen_text(app), what="the clock")


async def test_notifications_do_not_cover_the_operations_pane() -> None:
    from textual.widgets._toast import Toast

    app = make_app(demo_simulator())
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await loaded(pilot)
        app.notify("A long message about an operation that finished a moment ago. " * 3)
        await wait_until(pilot, lambda: bool(app.screen.query(Toast)), what="the toast")
        await pilot.pause()
        operations = app.query_one(OperationsTable).region
        for toast in app.screen.query(Toast):
            assert not toast.region.overlaps(operations), (toast.region, operations)


async def test_every_pane_keeps_rows_at_80x24_with_downloads_and_the_log_open(
    tmp_path: object,
) -> None:
    from pathlib import Path

    from lcs_tui.tui.widgets.downloads import DownloadsPanel

    app = make_app(demo_simulator())
    async with app.run_test(size=(80, 24)) as pilot:
        await loaded(pilot)
        panel = await app.view.downloads_panel()
        backup = app.service.backups[0]
        panel.start(backup, Path(str(tmp_path)))
        await wait_until(pilot, lambda: not panel.has_class("empty"), what="the downloads")
        await pilot.press("l")
        await pilot.pause()
        for table in (
            app.query_one(EnvironmentsTable),
            app.query_one(BackupsPane).table,
            app.query_one(OperationsTable),
        ):
            assert table.size.height >= 2, (type(table).__name__, table.size)
        assert app.query_one(DownloadsPanel).size.height >= 2  # its header and a download
        assert app.screen.max_scroll_y == 0  # nothing pushed off the screen
