"""Signing in inside the app: the password dialog, the device code, failures."""

from __future__ import annotations

from textual.widgets import Input

from lcs_tui.simulator import demo
from lcs_tui.tui.app import LcsApp
from lcs_tui.tui.screens.signin import DeviceCodeDialog, ErrorDialog, PasswordDialog
from lcs_tui.workspace import open_demo
from tests.tui.support import demo_simulator, screen_text, wait_until


def focused_id(app: LcsApp) -> str | None:
    return app.focused.id if app.focused is not None else None


def asking_app(method: str) -> tuple[LcsApp, object]:
    sim = demo_simulator()
    workspace = open_demo(simulator=sim, sign_in_method=method, sign_in_automatically=False)
    return LcsApp(workspace, bell=False), sim


async def test_password_dialog_signs_in_and_the_project_loads() -> None:
    app, _ = asking_app("password")
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, PasswordDialog), what="dialog")
        await wait_until(pilot, lambda: focused_id(app) == "password", what="the field")
        assert app.screen.query_one("#password", Input).password  # typing is not shown
        await pilot.press(*demo.PASSWORD, "enter")
        await wait_until(pilot, lambda: app.load_generation >= 1, what="the project")
        assert app.username == demo.USERNAME
        assert demo.PASSWORD not in screen_text(app)


async def test_a_wrong_password_explains_and_offers_to_try_again() -> None:
    app, _ = asking_app("password")
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, PasswordDialog), what="dialog")
        await wait_until(pilot, lambda: focused_id(app) == "password", what="the field")
        await pilot.press(*"not-the-password", "enter")
        await wait_until(pilot, lambda: isinstance(app.screen, ErrorDialog), what="the error")
        await wait_until(pilot, lambda: "What to do" in screen_text(app), what="the advice")
        assert "not-the-password" not in screen_text(app)
        # The advice points at the button here, not at the command line.
        assert "sign in again: press Try again" in screen_text(app)
        assert "lcs-tui login" not in screen_text(app)
        await pilot.click("#confirm")  # Try again
        await wait_until(pilot, lambda: isinstance(app.screen, PasswordDialog), what="again")
        await wait_until(pilot, lambda: focused_id(app) == "password", what="the field")
        await pilot.press(*demo.PASSWORD, "enter")
        await wait_until(pilot, lambda: app.load_generation >= 1, what="the project")


async def test_device_code_shows_the_code_and_finishes_when_approved() -> None:
    app, sim = asking_app("device-code")
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, DeviceCodeDialog), what="code")
        (code,) = sim.pending_device_codes()  # type: ignore[attr-defined]
        await wait_until(pilot, lambda: code in screen_text(app), what="the code on screen")
        assert "devicelogin" in screen_text(app)
        sim.approve_device_code(code, demo.USERNAME)  # type: ignore[attr-defined]
        await wait_until(pilot, lambda: app.load_generation >= 1, what="the project")
        assert not isinstance(app.screen, DeviceCodeDialog)


async def test_device_code_can_be_cancelled() -> None:
    app, _ = asking_app("device-code")
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, DeviceCodeDialog), what="code")
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, ErrorDialog), what="cancelled")
        await wait_until(pilot, lambda: "cancelled" in screen_text(app).lower(), what="the message")
        assert app.load_generation == 0


async def test_the_code_dialog_closes_after_a_screen_opened_over_it_is_closed() -> None:
    from textual.command import CommandPalette

    app, sim = asking_app("device-code")
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, DeviceCodeDialog), what="code")
        dialog = app.screen
        await pilot.press("ctrl+p")  # the command palette, over the code dialog
        await wait_until(pilot, lambda: isinstance(app.screen, CommandPalette), what="palette")
        (code,) = sim.pending_device_codes()  # type: ignore[attr-defined]
        sim.approve_device_code(code, demo.USERNAME)  # type: ignore[attr-defined]
        await wait_until(pilot, lambda: app.load_generation >= 1, what="the project")
        assert isinstance(app.screen, CommandPalette)  # what the user opened stays
        await pilot.press("escape")
        # Not left behind, waiting for a sign-in that is over.
        await wait_until(pilot, lambda: dialog not in app.screen_stack, what="the dialog gone")
        assert app.screen is app.screen_stack[0]
