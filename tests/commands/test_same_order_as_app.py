"""`lcs-tui envs` lists the environments in the order the app shows them."""

from __future__ import annotations

import asyncio

import pytest

from lcs_tui.commands import exit_codes
from lcs_tui.simulator import Simulator
from tests.commands.conftest import Harness

pytestmark = pytest.mark.filterwarnings(
    "ignore:This API has been deprecated for public client flows:DeprecationWarning"
)


async def _app_row_ids(sim: Simulator) -> list[str]:
    from lcs_tui.tui.widgets.environments import EnvironmentsTable
    from tests.tui.support import loaded, make_app

    app = make_app(sim)
    async with app.run_test(size=(160, 48)) as pilot:
        await loaded(pilot)
        table = app.query_one(EnvironmentsTable)
        return [str(key.value) for key in table.rows]


async def test_envs_and_the_app_agree_on_the_order(harness: Harness) -> None:
    shown_by_app = await _app_row_ids(harness.sim)
    # The command runs its own event loop: give it a thread of its own.
    result = await asyncio.to_thread(harness.run, "envs", "--json")
    assert result.code == exit_codes.OK, result.err
    listed = [e["id"] for e in result.json["environments"]]
    assert listed == shown_by_app
    assert [e["name"] for e in result.json["environments"]] != sorted(
        e["name"] for e in result.json["environments"]
    )  # not by name, as `envs` used to
