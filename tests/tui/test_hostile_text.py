"""Server text on every screen of the app is shown, never obeyed (issue: untrusted text).

The simulated project's names, descriptions, creators, status words and ids
hold terminal escape sequences (OSC 52 clipboard writes, OSC 0 titles, CSI
2J, C1 CSI, bidi overrides, NUL, BEL, a 10 kB name). Each screen a user can
reach is painted and read back character by character.
"""

from __future__ import annotations

import json

import httpx
from textual.pilot import Pilot
from textual.widgets import DataTable

from lcs_tui.tui.app import LcsApp
from lcs_tui.tui.screens.details import BackupDetails, EnvironmentDetails, OperationDetails
from lcs_tui.tui.screens.export import ExportDialog
from lcs_tui.tui.screens.refresh import RefreshConfirm, RefreshPicker
from lcs_tui.tui.widgets.backups import BackupsPane
from lcs_tui.tui.widgets.environments import EnvironmentsTable
from lcs_tui.tui.widgets.operations import OperationsTable
from lcs_tui.workspace import open_demo
from tests.hostile import OSC52, assert_inert
from tests.hostile_world import HOSTILE_SANDBOX, HOSTILE_TARGET, hostile_simulator
from tests.tui.support import loaded, screen_text, wait_until


def make_hostile_app(sim: object | None = None) -> LcsApp:
    workspace = open_demo(simulator=sim or hostile_simulator())  # type: ignore[arg-type]
    workspace.poll_interval = 0.05
    return LcsApp(workspace, bell=False)


def painted(app: LcsApp) -> str:
    text = screen_text(app)
    assert_inert(text)
    return text


async def highlight(pilot: Pilot[None], table: DataTable[object], key: str) -> None:
    table.move_cursor(row=table.get_row_index(key))
    await pilot.pause()


def env_id(app: LcsApp, name: str) -> str:
    env = next(e for e in app.service.environments.values() if e.name == name)
    return env.id


async def test_main_screen_details_and_log_show_hostile_text_inertly() -> None:
    app = make_hostile_app()
    async with app.run_test(size=(160, 48)) as pilot:
        await loaded(pilot)
        text = painted(app)
        assert "\\x1b]52;c;" in text  # the user sees that something odd was sent
        # The adopted export with a hostile id: polled, answered "not found",
        # and the notification says so — inertly.
        await wait_until(
            pilot,
            lambda: any("Not found" in n.title for n in app._notifications),
            what="the not-found notice",
        )
        await pilot.pause()
        painted(app)
        ops = app.query_one(OperationsTable)
        assert ops.row_count >= 1
        envs = app.query_one(EnvironmentsTable)
        for name in [e.name for e in app.service.environments.values()]:
            await highlight(pilot, envs, env_id(app, name))
            painted(app)  # the summary lines below the table
        await pilot.press("l")  # the request log: paths hold the hostile id
        await pilot.pause()
        painted(app)

        await highlight(pilot, envs, env_id(app, HOSTILE_SANDBOX))
        envs.focus()
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, EnvironmentDetails), what="page")
        await wait_until(pilot, lambda: "entries" in screen_text(app), what="the history")
        assert "Exporting\\x1b]52" in painted(app)
        await pilot.press("escape")

        pane = app.query_one(BackupsPane)
        for backup in app.service.backups:
            if backup.name.startswith(("osc", "bidi", "long", "c1")):
                await highlight(pilot, pane.table, backup.id)
                painted(app)  # the detail line with description and creator
        pane.table.focus()
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, BackupDetails), what="backup")
        painted(app)
        await pilot.press("escape")

        ops.focus()
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, OperationDetails), what="op")
        painted(app)
        await pilot.press("escape")


async def test_dialogs_show_hostile_names_inertly() -> None:
    app = make_hostile_app()
    async with app.run_test(size=(160, 48)) as pilot:
        await loaded(pilot)
        envs = app.query_one(EnvironmentsTable)
        await highlight(pilot, envs, env_id(app, HOSTILE_TARGET))
        await pilot.press("r")
        await wait_until(pilot, lambda: isinstance(app.screen, RefreshPicker), what="picker")
        painted(app)
        await pilot.click("#target")  # the list of every environment's name
        await pilot.pause()
        painted(app)
        await pilot.press("escape")
        picker = app.screen
        assert isinstance(picker, RefreshPicker)
        await pilot.click("#continue")
        await wait_until(pilot, lambda: isinstance(app.screen, RefreshConfirm), what="confirm")
        assert "\\x1b]52" in painted(app)
        await pilot.press("escape")
        await pilot.press("e")
        await wait_until(pilot, lambda: isinstance(app.screen, ExportDialog), what="export")
        painted(app)
        await pilot.press("escape")
        await pilot.press("w")
        await pilot.pause()
        painted(app)


def refusing_transport(sim: object) -> httpx.AsyncBaseTransport:
    """The simulator, but every export answers IsSuccess false with a hostile reason."""
    inner = sim.async_transport()  # type: ignore[attr-defined]

    class Refusing(httpx.AsyncBaseTransport):
        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            if request.method == "POST" and "/export/" in request.url.path:
                body = {
                    "IsSuccess": False,
                    "OperationActivityId": f"deadbeef{OSC52}",
                    "ErrorMessage": f"No.{OSC52} Try \x9b2J later\u202e",
                    "VersionEOL": "9999-12-31T23:59:59.9999999",
                }
                return httpx.Response(200, content=json.dumps(body).encode())
            return await inner.handle_async_request(request)

    return Refusing()


class RefusingSimulator:
    """The hostile simulator, seen through `refusing_transport` by the client."""

    def __init__(self, sim: object) -> None:
        self._sim = sim

    def __getattr__(self, name: str) -> object:
        return getattr(self._sim, name)

    def async_transport(self) -> httpx.AsyncBaseTransport:
        return refusing_transport(self._sim)


async def test_a_hostile_refusal_is_shown_inertly() -> None:
    from lcs_tui.tui.screens.signin import ErrorDialog

    app = make_hostile_app(RefusingSimulator(hostile_simulator()))
    async with app.run_test(size=(160, 48)) as pilot:
        await loaded(pilot)
        envs = app.query_one(EnvironmentsTable)
        await highlight(pilot, envs, env_id(app, "CONTOSO-UAT"))
        await pilot.press("e")
        await wait_until(pilot, lambda: isinstance(app.screen, ExportDialog), what="export")
        await pilot.click("#confirm")
        await wait_until(pilot, lambda: isinstance(app.screen, ErrorDialog), what="the refusal")
        text = painted(app)
        assert "No.\\x1b]52" in text and "\\x9b2J" in text
