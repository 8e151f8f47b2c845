"""The real `lcs-tui` console script in a subprocess, without a terminal — as a
pipeline step runs it.

One run goes through everything a build agent has: a profile written by
`lcs-tui profile add --no-input`, a session-only secret store, the password
in LCS_TUI_PASSWORD, the simulator over loopback HTTPS trusted through the
profile's CA bundle, and `refresh --yes --wait --json`.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from lcs_tui.commands import exit_codes
from lcs_tui.simulator import Simulator, demo
from tests.commands.conftest import PROD, TEST
from tests.commands.schemas import assert_valid

pytestmark = pytest.mark.filterwarnings(
    "ignore:This API has been deprecated for public client flows:DeprecationWarning"
)


def console_script() -> str:
    beside = Path(sys.executable).with_name("lcs-tui")
    found = str(beside) if beside.exists() else shutil.which("lcs-tui")
    if found is None:
        pytest.skip("the lcs-tui console script is not installed (pip install -e .)")
    return found


def run_step(*argv: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [console_script(), *argv],
        stdin=subprocess.DEVNULL,  # no terminal, as in a pipeline
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


def test_without_a_terminal_a_refresh_needs_yes(isolated_dirs: dict[str, Path]) -> None:
    step = run_step("--demo", "refresh", "--source", PROD, "--target", TEST, "--json")
    assert step.returncode == exit_codes.USAGE, step.stderr
    assert "standard input is not a terminal" in step.stderr and "--yes" in step.stderr
    doc: dict[str, Any] = json.loads(step.stdout)
    assert_valid(doc, "lcs-tui/error/v1")
    assert doc["exit_code"] == exit_codes.USAGE


def test_demo_pipeline_step(isolated_dirs: dict[str, Path]) -> None:
    step = run_step(
        "--demo", "refresh", "--source", PROD, "--target", TEST,
        "--yes", "--wait", "--json", "--time-scale", "20000", "--interval", "0.1",
    )  # fmt: skip
    assert step.returncode == exit_codes.OK, step.stderr
    doc = json.loads(step.stdout)
    assert_valid(doc, "lcs-tui/refresh/v1")
    assert doc["status"] == "Completed"
    assert "Traceback" not in step.stderr


def test_pipeline_step_with_profile_and_password_from_the_environment(
    isolated_dirs: dict[str, Path],
) -> None:
    from lcs_tui.cli import main

    sim = Simulator.demo(time_scale=20000, failure_rate=0.0, token_lifetime=timedelta(days=30))
    sim.faults.limits_enabled = False
    with sim.serve_https() as server:
        # What the pipeline's setup step runs, no questions asked.
        added = main(
            [
                "profile", "add", "pipeline", "--default", "--no-input",
                "--tenant", demo.TENANT_ID, "--client-id", demo.CLIENT_ID,
                "--username", demo.USERNAME, "--project-id", str(demo.PROJECT_ID),
                "--geography", "custom", "--api-host", server.base_url,
                "--authority", f"{server.base_url}/{demo.TENANT_ID}",
                "--ca-bundle", str(server.ca_file),
                "--method", "password", "--secret-store", "session",
            ]
        )  # fmt: skip
        assert added == exit_codes.OK
        env = dict(os.environ)
        env["LCS_TUI_STATE_DIR"] = str(isolated_dirs["state"] / "lcs-tui")
        env["LCS_TUI_PASSWORD"] = demo.PASSWORD  # a secret pipeline variable
        step = run_step(
            "refresh", "--source", PROD, "--target", TEST,
            "--yes", "--wait", "--json", "--interval", "0.1", "--timeout", "60",
            env=env,
        )  # fmt: skip
    assert step.returncode == exit_codes.OK, step.stderr
    doc = json.loads(step.stdout)
    assert_valid(doc, "lcs-tui/refresh/v1")
    assert doc["status"] == "Completed" and doc["waited"]
    (op,) = [op for op in sim.operations() if op.origin == "api"]
    assert op.activity_id == doc["activity_id"]
    assert "CONTOSO-PROD→CONTOSO-TEST: Completed" in step.stderr
    assert demo.PASSWORD not in step.stdout + step.stderr
    journal = Path(env["LCS_TUI_STATE_DIR"]) / "journal-pipeline.json"
    assert json.loads(journal.read_text())["operations"][0]["status"] == "Completed"
