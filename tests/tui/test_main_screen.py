"""The main screen as a user meets it: panes, keys, pages, states."""

from __future__ import annotations

import re

from textual.widgets import DataTable, Input

from lcs_tui.simulator import demo
from lcs_tui.tui.screens.common import TextPage
from lcs_tui.tui.screens.details import BackupDetails, EnvironmentDetails
from lcs_tui.tui.widgets.backups import BackupsPane, _natural
from lcs_tui.tui.widgets.environments import EnvironmentsTable
from lcs_tui.tui.widgets.operations import OperationsTable
from lcs_tui.tui.widgets.request_log import RequestLog
from lcs_tui.tui.widgets.status_bar import StatusBar
from tests.tui.support import (
    cell_text,
    demo_simulator,
    loaded,
    make_app,
    screen_text,
    wait_until,
)


async def test_demo_opens_signed_in_with_environments_backups_and_quota() -> None:
    sim = demo_simulator()
    app = make_app(sim)
    async with app.run_test(size=(160, 48)) as pilot:
        await loaded(pilot)
        bar = app.query_one(StatusBar)
        assert bar.user == f"signed in as {demo.USERNAME}"
        assert bar.connection == "online"
        # The header names the geography, and its API host where there is room.
        assert "Global / United States (lcsapi.lcs.dynamics.com)" in screen_text(app)
        envs = app.query_one(EnvironmentsTable)
        assert envs.row_count == len(sim.environments())
        assert app.query_one(BackupsPane).shown_count == len(sim.backups())
        assert cell_text(envs, demo.TEST_ENVIRONMENT_ID, "quota") == "3/3 left"
        assert cell_text(envs, demo.UAT_ENVIRONMENT_ID, "quota") == "1/3 left"
        assert cell_text(envs, demo.TRAIN_ENVIRONMENT_ID, "quota").startswith("0 until ")
        assert cell_text(envs, demo.PERF_ENVIRONMENT_ID, "state") == "busy"
        # The refresh running on PERF (started "in the portal") is watched.
        ops = app.query_one(OperationsTable)
        assert ops.row_count == 1
        assert "CONTOSO-PERF" in str(ops.get_row_at(0)[0])


async def test_a_slow_first_load_shows_a_loading_line_then_the_panes_as_they_fill() -> None:
    sim = demo_simulator()
    # LCS's answers are held back until the test has looked (not for a time:
    # a loaded machine must not change what the test sees).
    environments = sim.faults.hold(n=1, path_prefix="/environmentinfo/v1/detail/")
    backups = sim.faults.hold(n=1, path_prefix="/databasemovement/")
    app = make_app(sim)
    # Until the test has looked at the loading line, no timer may replace it.
    app.paint_patience = 3600.0
    async with app.run_test(size=(160, 48)) as pilot:
        loading = app.query_one("#loading")
        top = app.query_one("#top")
        await pilot.pause()
        assert loading.display and not top.display
        assert "Loading project 1234567" in screen_text(app)
        await pilot.press("slash")  # nothing to filter yet: no invisible filter box
        assert not app.query_one(BackupsPane).has_class("filtering")
        app.view.paint_patience = 0.3  # the moment the first load waits to draw at once
        environments.set()
        # After a moment the panes show what has arrived: the environments.
        await wait_until(pilot, lambda: bool(top.display), what="the panes")
        assert not loading.display
        await wait_until(
            pilot,
            lambda: app.query_one(EnvironmentsTable).row_count == len(sim.environments()),
            what="the environments",
        )
        assert app.query_one(EnvironmentsTable).has_focus
        assert app.load_generation == 0  # the backups are still on their way
        assert "loading" in str(app.query_one(BackupsPane).border_title)
        backups.set()
        await loaded(pilot)
        assert app.query_one(BackupsPane).shown_count == len(sim.backups())


async def test_arrow_keys_move_the_selection_in_every_pane() -> None:
    app = make_app(demo_simulator())
    async with app.run_test(size=(160, 48)) as pilot:
        await loaded(pilot)
        envs = app.query_one(EnvironmentsTable)
        assert envs.has_focus
        first = envs.highlighted_id
        await pilot.press("down")
        assert envs.highlighted_id != first
        assert envs.highlighted_id == envs.coordinate_to_cell_key((1, 0))[0].value

        await pilot.press("tab")
        pane = app.query_one(BackupsPane)
        assert pane.table.has_focus
        top = pane.highlighted()
        await pilot.press("down", "down")
        second = pane.highlighted()
        await pilot.pause()
        assert top is not None and second is not None and second.id != top.id
        assert (second.file_name or second.name) in screen_text(app)
        await pilot.press("up")
        assert pane.highlighted() != second

        await pilot.press("tab")
        assert app.query_one(OperationsTable).has_focus


async def test_enter_opens_environment_details_with_history_pages() -> None:
    app = make_app(demo_simulator())
    async with app.run_test(size=(160, 48)) as pilot:
        await loaded(pilot)
        await pilot.press("down", "enter")  # CONTOSO-UAT
        await wait_until(pilot, lambda: isinstance(app.screen, EnvironmentDetails), what="details")
        history = app.screen.query_one("#history", DataTable)
        await wait_until(pilot, lambda: history.row_count > 0, what="history")
        rows = history.row_count
        if not app.screen.query_one("#more").disabled:
            await pilot.press("m")
            await wait_until(pilot, lambda: history.row_count > rows, what="more history")
        await pilot.press("escape")
        assert not isinstance(app.screen, EnvironmentDetails)


async def test_enter_on_a_backup_shows_its_details() -> None:
    app = make_app(demo_simulator())
    async with app.run_test(size=(160, 48)) as pilot:
        await loaded(pilot)
        await pilot.press("tab", "enter")
        await wait_until(pilot, lambda: isinstance(app.screen, BackupDetails), what="details")
        backup = app.query_one(BackupsPane).highlighted()
        assert backup is not None
        text = screen_text(app)
        assert backup.name in text and backup.id in text


async def test_filter_narrows_the_backups_as_you_type_and_escape_restores() -> None:
    sim = demo_simulator()
    app = make_app(sim)
    async with app.run_test(size=(160, 48)) as pilot:
        await loaded(pilot)
        pane = app.query_one(BackupsPane)
        total = pane.shown_count
        await pilot.press("slash")
        assert app.query_one("#backup-filter", Input).has_focus
        await pilot.press(*"golden")
        expected = sum(1 for b in sim.backups() if "golden" in b.name.lower())
        assert 0 < expected < total
        # Filtered as typed: "g" first, then "golden" — wait for the whole word.
        await wait_until(pilot, lambda: pane.shown_count == expected, what="the filter")
        assert f"({expected} of {total})" in str(pane.border_title)
        # Down goes from the filter box into the matches, the filter kept.
        await pilot.press("down")
        assert pane.table.has_focus and pane.shown_count == expected
        await pilot.press("down")
        assert pane.table.cursor_row == 1
        await pilot.press("escape")
        await wait_until(pilot, lambda: pane.shown_count == total, what="the full list")


async def test_sort_cycles_columns_and_keeps_the_highlighted_backup() -> None:
    app = make_app(demo_simulator())
    async with app.run_test(size=(160, 48)) as pilot:
        await loaded(pilot)
        await pilot.press("tab", "down", "down", "down")
        pane = app.query_one(BackupsPane)
        chosen = pane.highlighted()
        assert chosen is not None
        await pilot.press("s")  # created → name
        names = [str(pane.table.get_row_at(i)[0]) for i in range(pane.shown_count)]
        assert names == sorted(names, key=_natural)
        assert "sorted by Name ↑" in str(pane.border_title)
        # The same backup stays highlighted, in its new place, in view.
        assert pane.highlighted() == chosen
        assert pane.table.cursor_row == names.index(chosen.name)
        row = pane.table._get_row_region(pane.table.cursor_row)
        assert pane.table.scroll_y <= row.y < pane.table.scroll_y + pane.table.size.height


async def test_request_log_shows_calls_with_activity_ids_and_no_secrets() -> None:
    app = make_app(demo_simulator())
    async with app.run_test(size=(160, 48)) as pilot:
        await loaded(pilot)
        log = app.query_one(RequestLog)
        assert not log.display
        await pilot.press("l")
        assert log.display
        await pilot.pause()
        text = "\n".join(line.text for line in log.lines)
        # Long entries wrap (nothing of a path is cut off): one entry per time stamp.
        entries = [" ".join(part.split()) for part in re.split(r"\n(?=\d\d:\d\d:\d\d )", text)]
        entry = next(e for e in entries if "/databasemovement/v1/databases/" in e)
        # Status and activity id first, then the call.
        assert entry.split()[1] == "200"
        assert "GET /databasemovement/v1/databases/project/1234567" in entry
        assert re.search(r" 200 [0-9a-f]{8}-[0-9a-f]{4}-", text)  # the OperationActivityId
        assert "Bearer" not in text and "sig=" not in text


async def test_help_and_import_pages_open_and_close() -> None:
    app = make_app(demo_simulator())
    async with app.run_test(size=(160, 48)) as pilot:
        await loaded(pilot)
        await pilot.press("question_mark")
        assert isinstance(app.screen, TextPage)
        await pilot.press("escape")
        await pilot.press("i")
        assert isinstance(app.screen, TextPage)
        assert "no API for importing" in screen_text(app)
        await pilot.press("escape")
        assert not isinstance(app.screen, TextPage)


async def test_small_terminal_stacks_the_panes() -> None:
    app = make_app(demo_simulator())
    async with app.run_test(size=(80, 24)) as pilot:
        await loaded(pilot)
        assert app.screen.has_class("-narrow") and app.screen.has_class("-short")
        for selector in ("#environments", "#backups", "#operations"):
            region = app.query_one(selector).region
            assert region.height >= 3 and region.width == 80, selector
        # Every row counts: the detail lines give way to table rows.
        assert not app.query_one("#backup-detail").region.height


async def test_every_column_stays_in_view_below_the_side_by_side_width() -> None:
    # 120 columns is too narrow for the two top panes side by side (≈155):
    # they stack instead of cutting the environments' and backups' columns off.
    app = make_app(demo_simulator())
    async with app.run_test(size=(120, 40)) as pilot:
        await loaded(pilot)
        await pilot.pause()
        text = screen_text(app)
        assert app.screen.has_class("-narrow") and not app.screen.has_class("-short")
        for heading in ("Ops today", "Version", "Infra", "Region", "Created (UTC)"):
            assert heading in text, heading
        # Tall enough for the detail line under the backups.
        assert app.query_one("#backup-detail").region.height > 0


async def test_enter_on_an_operation_shows_the_full_activity_id_and_copies_it() -> None:
    from lcs_tui.tui.screens.details import OperationDetails

    app = make_app(demo_simulator())
    async with app.run_test(size=(160, 48)) as pilot:
        await loaded(pilot)
        op = next(iter(app.service.operations.values()))
        assert op.activity_id is not None
        await pilot.press("tab", "tab", "enter")
        await wait_until(pilot, lambda: isinstance(app.screen, OperationDetails), what="details")
        await pilot.pause()
        assert op.activity_id in screen_text(app)  # in full, not shortened
        copied: list[str] = []
        app.copy_to_clipboard = copied.append  # type: ignore[method-assign]
        await pilot.press("c")
        assert copied == [op.activity_id]


async def test_quitting_while_an_operation_runs_says_it_goes_on_in_lcs() -> None:
    from lcs_tui.tui.launch import farewell

    sim = demo_simulator()
    app = make_app(sim)
    async with app.run_test(size=(160, 48)) as pilot:
        await loaded(pilot)
        running = [op for op in app.service.operations.values() if not op.finished]
        await pilot.press("q")
    assert [op.key for op in app.still_running] == [op.key for op in running]
    note = farewell(app.still_running, demo=False)
    assert note is not None
    assert "1 operation still running in LCS (quitting does not stop them)" in note
    assert running[0].activity_id and running[0].activity_id in note
    assert "watches them again when it next starts" in note
    assert "starts afresh" in (farewell(app.still_running, demo=True) or "")
    assert farewell([], demo=False) is None


async def test_the_help_page_scrolls_and_keeps_its_close_button_at_80x24() -> None:
    from textual.containers import VerticalScroll
    from textual.widgets import Button

    app = make_app(demo_simulator())
    async with app.run_test(size=(80, 24)) as pilot:
        await loaded(pilot)
        await pilot.press("question_mark")
        assert isinstance(app.screen, TextPage)
        await pilot.pause()
        close = app.screen.query_one("#close", Button).region
        assert close.height and close.bottom <= 24  # on screen, not pushed off
        text = app.screen.query_one(VerticalScroll)
        await pilot.press("pagedown", "pagedown")
        await pilot.pause()
        assert text.scroll_y > 0  # the keys scroll the page
