"""A simulator on a manual clock (tokens last a simulated week) and a temp folder."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from lcs_tui.secrets import MemoryStore
from lcs_tui.simulator import ManualClock, Simulator
from lcs_tui.workspace import Workspace, open_demo

from .support import START


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
def sim(clock: ManualClock) -> Simulator:
    return Simulator(clock=clock, seed=3, token_lifetime=timedelta(days=7))


@pytest.fixture
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Config, secrets and state of this test only (in-process and for children)."""
    home = tmp_path / "home"
    env = {
        "HOME": str(home),
        "LCS_TUI_CONFIG_DIR": str(home / "config"),
        "LCS_TUI_STATE_DIR": str(home / "state"),
        "LCS_TUI_SECRETS_FILE": str(home / "secrets.json"),
        "XDG_CONFIG_HOME": str(home / "xdg-config"),
        "XDG_DATA_HOME": str(home / "xdg-data"),
        "XDG_CACHE_HOME": str(home / "xdg-cache"),
        "XDG_STATE_HOME": str(home / "xdg-state"),
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    for name in ("LCS_TUI_PASSWORD", "LCS_TUI_CLIENT_SECRET", "HTTPS_PROXY", "https_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr("lcs_tui.secrets._SESSION_STORE", MemoryStore())
    return env


@pytest.fixture
def demo_sim(monkeypatch: pytest.MonkeyPatch) -> Simulator:
    """The demo the command opens, on a simulator the test can inspect."""
    sim = Simulator.demo(time_scale=1.0, seed=1)

    def open_our_demo(**kwargs: object) -> Workspace:
        return open_demo(simulator=sim, read_only=True)

    monkeypatch.setattr("lcs_tui.workspace.open_demo", open_our_demo)
    return sim
