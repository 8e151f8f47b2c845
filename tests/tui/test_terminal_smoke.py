"""A real-terminal smoke test: `lcs-tui --demo` in tmux, read with capture-pane.

This is how a person meets the app: a real pseudo-terminal, the real entry
point, keys typed one by one.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator

import pytest

from tests.conftest import require_tool


@pytest.fixture
def tmux_session() -> Iterator[str]:
    require_tool(shutil.which("tmux") is not None, "tmux is not installed")
    name = f"lcs-tui-smoke-{uuid.uuid4().hex[:8]}"
    env = {**os.environ, "TERM": "xterm-256color"}
    command = f"{sys.executable} -m lcs_tui --demo"
    subprocess.run(
        ["tmux", "new-session", "-d", "-s", name, "-x", "120", "-y", "40", command],
        check=True,
        env=env,
    )
    try:
        yield name
    finally:
        subprocess.run(["tmux", "kill-session", "-t", name], capture_output=True)


def capture(session: str) -> str:
    result = subprocess.run(
        ["tmux", "capture-pane", "-p", "-t", session], capture_output=True, text=True
    )
    return result.stdout


def wait_for(session: str, condition: Callable[[str], bool], timeout: float = 120.0) -> str:
    deadline = time.monotonic() + timeout
    screen = ""
    while time.monotonic() < deadline:
        screen = capture(session)
        if condition(screen):
            return screen
        time.sleep(0.2)
    raise AssertionError(f"screen never matched; last screen:\n{screen}")


def session_alive(session: str) -> bool:
    return (
        subprocess.run(["tmux", "has-session", "-t", session], capture_output=True).returncode == 0
    )


def footer(screen: str) -> str:
    lines = screen.rstrip("\n").splitlines()
    return lines[-1] if lines else ""


def test_demo_in_a_real_terminal(tmux_session: str) -> None:
    # (A frame can be captured half drawn: wait for the whole picture.)
    screen = wait_for(
        tmux_session,
        lambda s: (
            "CONTOSO-TEST" in s
            and "● online" in s
            and "uat-golden-" in s
            and "3/3 left" in s
            and "Refresh" in footer(s)
        ),
    )
    assert "admin@contoso.com" in screen
    assert "Download" in footer(screen)

    subprocess.run(["tmux", "send-keys", "-t", tmux_session, "?"], check=True)
    wait_for(tmux_session, lambda s: "lcs-tui — keys" in s)
    subprocess.run(["tmux", "send-keys", "-t", tmux_session, "Escape"], check=True)
    wait_for(tmux_session, lambda s: "lcs-tui — keys" not in s)

    subprocess.run(["tmux", "send-keys", "-t", tmux_session, "Down", "Down", "r"], check=True)
    wait_for(tmux_session, lambda s: "Refresh a sandbox" in s and "all checks passed" in s)
    subprocess.run(["tmux", "send-keys", "-t", tmux_session, "Escape"], check=True)
    wait_for(tmux_session, lambda s: "Refresh a sandbox" not in s)

    subprocess.run(["tmux", "send-keys", "-t", tmux_session, "q"], check=True)
    deadline = time.monotonic() + 120
    while session_alive(tmux_session) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not session_alive(tmux_session), "q did not quit the app"
