"""`lcs-tui envs | head -1`: a reader that leaves early is not the command's failure."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("argv", [("envs",), ("backups", "--json")])
def test_a_closed_stdout_ends_the_output_quietly(tmp_path: Path, argv: tuple[str, ...]) -> None:
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone before the first line
    env = {**os.environ, "HOME": str(tmp_path), "LCS_TUI_STATE_DIR": str(tmp_path / "state")}
    try:
        done = subprocess.run(
            [sys.executable, "-m", "lcs_tui", *argv, "--demo"],
            stdout=write_end,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            env=env,
            cwd=ROOT,
            timeout=120,
            check=False,
        )
    finally:
        os.close(write_end)
    assert done.returncode == 0, done.stderr
    assert b"error" not in done.stderr and b"Traceback" not in done.stderr
