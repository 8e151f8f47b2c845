"""The bytes the TUI really writes to a terminal carry no server escape sequence.

The app runs in a pseudo-terminal over a simulated project whose names,
descriptions, status words and ids hold OSC 52 (clipboard), OSC 0 (title),
OSC 8 (links), CSI 2J, C1 CSI and bidi overrides. Everything it writes, from
start to the line it prints after quitting, is read back and searched for
those payloads.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import pty
import select
import struct
import subprocess
import sys
import termios
import time
from collections.abc import Callable
from pathlib import Path

from tests.hostile import RAW_PAYLOADS

REPO = Path(__file__).resolve().parents[2]
#: A bound on each wait, not a measure of speed: every wait ends as soon as
#: its condition holds.
PATIENCE = 120.0


class Terminal:
    """A child process on a pseudo-terminal; everything it writes is kept."""

    def __init__(self, status: Path) -> None:
        self.status = status
        self.output = bytearray()
        master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 48, 160, 0, 0))
        env = {
            **os.environ,
            "TERM": "xterm-256color",
            "COLORTERM": "truecolor",
            "LCS_TUI_TEST_STATUS": str(status),
        }
        env.pop("TEXTUAL", None)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.tui.hostile_app"],
            cwd=REPO,
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env=env,
            start_new_session=True,
        )
        os.close(slave)
        self.master = master

    def pump(self, timeout: float = 0.05) -> None:
        ready, _, _ = select.select([self.master], [], [], timeout)
        if ready:
            with contextlib.suppress(OSError):  # the child closed the terminal
                self.output += os.read(self.master, 65536)

    def state(self) -> str:
        try:
            return self.status.read_text()
        except FileNotFoundError:
            return ""

    def wait(self, condition: Callable[[str], bool], what: str) -> None:
        deadline = time.monotonic() + PATIENCE
        while not condition(self.state()):
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"never saw {what}; last state {self.state()!r}")
            self.pump()

    def press(self, keys: bytes) -> None:
        os.write(self.master, keys)
        self.pump()

    def finish(self) -> None:
        deadline = time.monotonic() + PATIENCE
        while self.process.poll() is None and time.monotonic() < deadline:
            self.pump()
        for _ in range(20):  # what is still buffered after the exit
            self.pump(0.01)
        os.close(self.master)
        if self.process.poll() is None:
            self.process.kill()
            raise AssertionError("the app did not quit")


def test_no_server_escape_sequence_reaches_the_terminal(tmp_path: Path) -> None:
    term = Terminal(tmp_path / "status")
    try:
        term.wait(lambda s: s.startswith(("1 ", "2 ", "3 ")), "the project loaded")
        term.press(b"l")  # the request log: paths with hostile ids
        term.press(b"r")  # the refresh picker: every environment's name
        term.wait(lambda s: "RefreshPicker" in s, "the refresh picker")
        term.press(b"\x1b")
        term.wait(lambda s: "RefreshPicker" not in s, "the picker closed")
        term.press(b"\t")  # into the backups pane: the detail line
        term.press(b"\x1b[B\x1b[B")
        term.press(b"?")
        term.wait(lambda s: "TextPage" in s, "the help page")
        term.press(b"\x1b")
        term.wait(lambda s: "TextPage" not in s, "the help closed")
        term.press(b"q")
        term.finish()
    finally:
        if term.process.poll() is None:
            term.process.kill()
    written = bytes(term.output)
    assert b"Database backups" in written or b"Environments" in written, written[-2000:]
    for payload in RAW_PAYLOADS:
        assert payload not in written, f"{payload!r} reached the terminal"
    # What the user sees instead: the escapes spelled out.
    assert b"\\x1b]52;c;" in written
