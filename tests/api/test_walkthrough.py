"""The walkthrough example runs end to end against the loopback HTTPS simulator."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "walkthrough.py"


def test_walkthrough_example_completes() -> None:
    result = subprocess.run(
        [sys.executable, str(EXAMPLE)], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    out = result.stdout
    assert "export" in out and ": Completed" in out
    assert "found walkthrough-" in out
    assert "quota error as expected" in out and "frees up at" in out
    assert "WAIT GET /environmentinfo/v1/detail" in out and "throttled by LCS" in out
    assert "walkthrough complete" in out
    assert "Bearer" not in out and "sig=" not in out
