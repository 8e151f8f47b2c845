"""The footer keeps the keys that fit, and follows the terminal's width
(lcs_tui/tui/widgets/footer.py: it is recomposed only when what it shows
from — keys, width, style — changes)."""

from __future__ import annotations

from textual.widgets._footer import FooterKey

from lcs_tui.tui.app import LcsApp
from lcs_tui.tui.widgets.footer import FittedFooter
from tests.tui.support import demo_simulator, loaded, make_app, wait_until


def shown(app: LcsApp) -> list[str]:
    return [key.description for key in app.view.query_one(FittedFooter).query(FooterKey)]


async def test_the_footer_gives_way_when_narrowed_and_comes_back_when_widened() -> None:
    app = make_app(demo_simulator())
    async with app.run_test(size=(160, 48)) as pilot:
        await loaded(pilot)
        await wait_until(pilot, lambda: "Download" in shown(app), what="the full footer")
        wide = shown(app)
        # Below 100 columns the keys go compact; at 90 they all still fit.
        await pilot.resize_terminal(90, 24)
        await wait_until(pilot, lambda: app.view.query_one(FittedFooter).compact, what="compact")
        await pilot.pause()
        assert shown(app) == wide
        # Narrower still (the same compact style): only the keys that fit.
        await pilot.resize_terminal(50, 24)
        await wait_until(pilot, lambda: len(shown(app)) < len(wide), what="a narrower footer")
        # The keys a user can least do without stay.
        assert {"Quit", "Help"} <= set(shown(app))
        await pilot.resize_terminal(160, 48)
        await wait_until(pilot, lambda: shown(app) == wide, what="the full footer again")
