"""The first-run screen: try the demo, or set up a profile with a form."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Button, Input, Select

from lcs_tui.config import load_config
from lcs_tui.tui.first_run import FirstRunApp


@pytest.fixture(autouse=True)
def config_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("LCS_TUI_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    return tmp_path / "config"


async def test_try_the_demo() -> None:
    app = FirstRunApp()
    async with app.run_test() as pilot:
        await pilot.click("#demo")
    assert app.return_value == "demo"


async def test_set_up_a_profile_writes_it_and_opens_it(config_dir: Path) -> None:
    app = FirstRunApp()
    async with app.run_test(size=(120, 60)) as pilot:
        await pilot.click("#setup")
        # The keyring is probed off the event loop; wait for its verdict.
        while not str(app.query_one("#keyring-state").render()).strip():
            await pilot.pause(0.02)
        values = {
            "name": "contoso",
            "project_id": "not a number",
            "tenant": "contoso.com",
            "client_id": "11111111-2222-3333-4444-555555555555",
            "username": "ana@contoso.com",
        }
        for key, value in values.items():
            app.query_one(f"#{key}", Input).value = value
        app.query_one("#geography", Select).value = "eu"
        app.query_one("#save", Button).press()
        await pilot.pause()
        assert app.return_value is None  # refused: the project id is not a number
        assert "number in the LCS project's URL" in str(app.query_one("#problems").render())
        app.query_one("#project_id", Input).value = "7654321"
        app.query_one("#save", Button).press()
        await pilot.pause()
    assert app.return_value == "contoso"
    profile = load_config().get("contoso")
    assert profile.project_id == 7654321
    assert profile.api_host == "https://lcsapi.eu.lcs.dynamics.com"
    # No usable keyring here: the form chose "this session only" for secrets.
    assert profile.secret_store == "session"
