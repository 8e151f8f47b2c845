"""An environment's history: how long each operation took, a filter, a plot."""

from __future__ import annotations

from textual.widgets import Input, Sparkline

from lcs_tui.simulator import demo
from lcs_tui.tui.screens.details import EnvironmentDetails
from lcs_tui.tui.widgets.environments import EnvironmentsTable
from tests.tui.support import demo_simulator, highlight, loaded, make_app, screen_text, wait_until


async def test_the_history_shows_durations_filters_and_plots_them() -> None:
    app = make_app(demo_simulator())
    async with app.run_test(size=(160, 48)) as pilot:
        await loaded(pilot)
        await highlight(pilot, demo.UAT_ENVIRONMENT_ID)
        app.query_one(EnvironmentsTable).focus()
        await pilot.press("enter")
        await wait_until(
            pilot,
            lambda: isinstance(app.screen, EnvironmentDetails) and "entries" in screen_text(app),
            what="the history",
        )
        page = app.screen
        table = page.query_one("#history")
        everything = table.row_count
        plot = page.query_one(Sparkline)
        assert len(list(plot.data or [])) >= 2  # the finished ones, as a plot
        caption = page.query_one("#history-plot-caption")
        assert "typical" in str(caption.render())
        page.query_one(Input).value = "refresh"
        await wait_until(pilot, lambda: table.row_count < everything, what="the filter")
        rows = [str(table.get_row_at(i)[2]) for i in range(table.row_count)]
        assert rows and all("refresh" in r.lower() for r in rows)
        assert "(refresh, " in str(caption.render())  # the caption says what is plotted
        assert all(str(table.get_row_at(i)[1]) != "" for i in range(table.row_count))
