"""The real `lcs-tui` process, a hostile project over loopback HTTPS: the bytes
it writes to stdout and stderr carry none of the hostile sequences."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from lcs_tui.config import load_config, make_profile, save_config
from lcs_tui.simulator import LoopbackServer, Simulator, demo
from tests.commands.hostile_world import DEV_BOX, TARGET, environment_id, hostile_simulator
from tests.hostile import HOSTILE, OSC52, RAW_PAYLOADS

ROOT = Path(__file__).resolve().parents[2]
#: What the hostile strings look like once made visible.
ESCAPED = (b"\\x1b]52;c;UFdORUQ", b"\\x1b]0;owned title", b"\\u202e", b"\\x9b2J")


@pytest.fixture
def served() -> Iterator[tuple[Simulator, LoopbackServer]]:
    sim = hostile_simulator()
    with sim.serve_https() as server:
        yield sim, server


@pytest.fixture
def child_env(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, served: tuple[Simulator, LoopbackServer]
) -> dict[str, str]:
    _, server = served
    home = tmp_path / "home"
    env = {
        "HOME": str(home),
        "LCS_TUI_CONFIG_DIR": str(home / "config"),
        "LCS_TUI_STATE_DIR": str(home / "state"),
        "XDG_CONFIG_HOME": str(home / "xdg-config"),
        "XDG_DATA_HOME": str(home / "xdg-data"),
        "XDG_STATE_HOME": str(home / "xdg-state"),
        "LCS_TUI_PASSWORD": demo.PASSWORD,
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    profile = make_profile(
        name="hostile",
        tenant=demo.TENANT_ID,
        client_id=demo.CLIENT_ID,
        username=demo.USERNAME,
        project_id=demo.PROJECT_ID,
        api_host=server.base_url,
        authority=f"{server.base_url}/{demo.TENANT_ID}",
        ca_bundle=server.ca_file,
        sign_in_method="password",
        secret_store="session",
    )
    save_config(load_config().with_profile(profile, make_default=True))
    return {**os.environ, **env}


def lcs_tui(env: dict[str, str], *argv: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "lcs_tui", *argv],
        env=env,
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        timeout=120,
        check=False,
    )


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_the_bytes_the_process_writes_hold_no_hostile_sequence(
    served: tuple[Simulator, LoopbackServer], child_env: dict[str, str]
) -> None:
    sim, _ = served
    target = environment_id(sim, TARGET)
    dev = environment_id(sim, DEV_BOX)
    runs = {
        "envs": lcs_tui(child_env, "envs"),
        "envs --json": lcs_tui(child_env, "envs", "--json"),
        "backups": lcs_tui(child_env, "backups"),
        "history": lcs_tui(child_env, "history", environment_id(sim, HOSTILE["osc0"])),
        "refused by LCS": lcs_tui(child_env, "refresh", "--source", dev, "--target", target, "-y"),
        "status": lcs_tui(child_env, "status", OSC52, "--env", target, "--json"),
        "export": lcs_tui(child_env, "export", "--env", target, "--name", "e1", "--yes"),
        "unknown name": lcs_tui(child_env, "history", "PRD"),
    }
    expected_codes = {"refused by LCS": 5, "status": 5, "unknown name": 2}
    for what, run in runs.items():
        assert run.returncode == expected_codes.get(what, 0), (what, run.stderr[-2000:])
        written = run.stdout + run.stderr
        for payload in RAW_PAYLOADS:
            assert payload not in written, (what, payload)
    # Not vacuous: the hostile text did arrive, made visible.
    everything = b"".join(r.stdout + r.stderr for r in runs.values())
    for escaped in ESCAPED:
        assert escaped in everything
