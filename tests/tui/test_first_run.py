"""The first-run screen: try the demo, or set up a profile with a form."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Button, Input, Select

from lcs_tui.config import load_config
from lcs_tui.tui.first_run import FirstRunApp


@pytest.fixture(autouse=True)
def config_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("LCS_TUI_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    return tmp_path / "config"


FORM = {
    "name": "contoso",
    "project_id": "7654321",
    "tenant": "contoso.com",
    "client_id": "11111111-2222-3333-4444-555555555555",
    "username": "ana@contoso.com",
}


def fill_in(app: FirstRunApp, values: dict[str, str]) -> None:
    for key, value in values.items():
        app.query_one(f"#{key}", Input).value = value


async def until_exited(pilot: Pilot[str], timeout: float = 5.0) -> None:
    """The profile is written in a thread; the app leaves once it is."""
    deadline = time.monotonic() + timeout
    while pilot.app.return_value is None and pilot.app.is_running:
        assert time.monotonic() < deadline, "the app did not leave"
        await pilot.pause(0.02)


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
        fill_in(app, FORM | {"project_id": "not a number"})
        app.query_one("#geography", Select).value = "eu"
        app.query_one("#save", Button).press()
        await pilot.pause()
        assert app.return_value is None  # refused: the project id is not a number
        assert "number in the LCS project's URL" in str(app.query_one("#problems").render())
        app.query_one("#project_id", Input).value = "7654321"
        app.query_one("#save", Button).press()
        await until_exited(pilot)
    assert app.return_value == "contoso"
    profile = load_config().get("contoso")
    assert profile.project_id == 7654321
    assert profile.api_host == "https://lcsapi.eu.lcs.dynamics.com"
    # No usable keyring here: the form chose "this session only" for secrets.
    assert profile.secret_store == "session"


async def save_and_read_the_problem(pilot: Pilot[str]) -> str:
    """Fill in the form, press Save, and wait for what the form says went wrong."""
    app = pilot.app
    await pilot.click("#setup")
    fill_in(app, FORM)  # type: ignore[arg-type]
    app.query_one("#save", Button).press()
    problems = app.query_one("#problems")
    deadline = time.monotonic() + 60  # a bound, not a measure: it ends on the message
    while not str(problems.render()).strip():
        assert time.monotonic() < deadline, "no problem reported"
        await pilot.pause(0.02)
    return str(problems.render())


@pytest.fixture
def broken_profiles_file(config_dir: Path) -> Path:
    config_dir.mkdir(parents=True)
    path = config_dir / "profiles.toml"
    path.write_text("[profiles.contoso\nproject_id = 1\n")
    return path


async def test_a_broken_profiles_file_is_reported_and_the_form_stays(
    broken_profiles_file: Path,
) -> None:
    app = FirstRunApp()
    async with app.run_test(size=(120, 60)) as pilot:
        problem = await save_and_read_the_problem(pilot)
        assert broken_profiles_file.name in problem
        assert app.is_running and app.return_value is None


async def test_a_profile_that_cannot_be_written_is_reported_and_the_form_stays(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import errno

    from lcs_tui.config import store

    def disk_full(path: Path, text: str) -> None:
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    monkeypatch.setattr(store, "_atomic_write", disk_full)
    app = FirstRunApp()
    async with app.run_test(size=(120, 60)) as pilot:
        problem = await save_and_read_the_problem(pilot)
        assert "No space left on device" in problem
        assert app.is_running and app.return_value is None
        assert not app.query_one("#save", Button).disabled  # can try again
