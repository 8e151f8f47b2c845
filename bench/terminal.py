"""Running a benchmark's child process in a pseudo-terminal of its own.

The child sees a real terminal (160×48) and a real Textual driver; it
reports by writing one JSON line to the file descriptor named by
$BENCH_MARK_FD (and may add stamps in later lines). The parent drains the
terminal all along (a full pty buffer would stall the child's writes) and
notes the moment the first line arrived.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import select
import signal
import struct
import subprocess
import sys
import termios
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.common import REPO, now

COLUMNS, ROWS = 160, 48


@dataclass
class Report:
    #: The JSON line the child wrote.
    data: dict[str, Any]
    #: CLOCK_MONOTONIC just before the child was created, and when its line arrived.
    launched: float
    received: float


def run_in_pty(
    module_args: list[str],
    state_dir: Path,
    *,
    timeout: float,
    env: dict[str, str] | None = None,
    cwd: Path = REPO,
) -> Report:
    """`python -m <module_args>` under a fresh pty; its report, once it has exited 0.

    `cwd`: where the child runs, so whose `bench` and `lcs_tui` it imports
    first (another checkout, to compare two versions of the app)."""
    master, slave = os.openpty()
    # The size a Textual app reads at start; without it a pty reports 0×0.
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLUMNS, 0, 0))
    mark_read, mark_write = os.pipe()
    # PYTHONDONTWRITEBYTECODE (set on some CI machines) is dropped so the
    # warm-up start writes the byte-code, as every start after the first does
    # on a user's machine; otherwise lcs-tui's own modules, unlike the
    # installed libraries, would be compiled from source in every run.
    child_env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("TEXTUAL") and k != "PYTHONDONTWRITEBYTECODE"
    }
    child_env.update(
        TERM="xterm-256color",
        COLORTERM="truecolor",
        BENCH_MARK_FD=str(mark_write),
        LCS_TUI_STATE_DIR=str(state_dir),  # never the user's own journal or config
        **(env or {}),
    )
    name = " ".join(module_args)
    launched = now()
    proc = subprocess.Popen(
        [sys.executable, "-m", *module_args],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        pass_fds=(mark_write,),
        cwd=cwd,
        env=child_env,
        start_new_session=True,
    )
    os.close(slave)
    os.close(mark_write)
    mark = b""
    received: float | None = None
    screen_tail = b""
    deadline = launched + timeout
    try:
        open_fds = {master, mark_read}
        while open_fds and now() < deadline:
            ready, _, _ = select.select(list(open_fds), [], [], 0.5)
            for fd in ready:
                try:
                    chunk = os.read(fd, 65536)
                except OSError:  # EIO: the child closed its terminal
                    chunk = b""
                if fd == mark_read:
                    if chunk:
                        mark += chunk
                        if received is None and mark.endswith(b"\n"):
                            received = now()
                    else:
                        open_fds.discard(fd)
                elif chunk:
                    screen_tail = (screen_tail + chunk)[-4000:]
                else:
                    open_fds.discard(fd)
            if received is not None and proc.poll() is not None:
                break
        try:
            exit_code: int | None = proc.wait(timeout=max(1.0, deadline - now()))
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)  # only the process group we started
            proc.wait()
            exit_code = None
    finally:
        os.close(master)
        os.close(mark_read)
    if received is None:
        tail = re.sub(rb"\x1b\[[0-9;?]*[a-zA-Z]", b"", screen_tail)[-1500:]
        raise RuntimeError(
            f"{name}: no report within {timeout:.0f} s (exit {exit_code}); "
            f"terminal tail: {tail.decode(errors='replace')!r}"
        )
    if exit_code != 0:
        # A crash after the report would leave a plausible figure: refuse it.
        raise RuntimeError(f"{name}: exit status {exit_code} after its report")
    first, *later = mark.decode().splitlines()
    data = json.loads(first)
    # A child may stay on after its report to stamp what follows it (each
    # later line: {"stamps": {...}}); the report's arrival is still `received`.
    for line in later:
        data.setdefault("stamps", {}).update(json.loads(line).get("stamps", {}))
    return Report(data, launched, received)
