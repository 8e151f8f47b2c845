"""The two profiles `lcs-tui simulator` prints, read together over real HTTPS."""

from __future__ import annotations

import json
import shlex
import threading

import pytest

from lcs_tui.cli import build_parser, main
from lcs_tui.commands import exit_codes, simulator
from lcs_tui.simulator import demo
from tests.commands.schemas import assert_valid

pytestmark = pytest.mark.filterwarnings(
    "ignore:This API has been deprecated for public client flows:DeprecationWarning"
)


def test_the_simulators_profiles_read_both_projects_at_once(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    lines: list[str] = []
    banner_done = threading.Event()

    def collect(text: str = "") -> None:
        lines.append(text)
        if text.startswith("For your own MSAL code"):  # the banner's last line
            banner_done.set()

    monkeypatch.setattr(simulator, "out", collect)
    args = build_parser().parse_args(["simulator", "--port", "0", "--time-scale", "1"])
    stop = threading.Event()
    serving = threading.Thread(target=simulator.run, args=(args, stop))
    serving.start()
    try:
        assert banner_done.wait(120), lines  # a bound: it ends on the banner
        adds = [
            shlex.split(line)
            for line in lines
            if "lcs-tui profile add" in line and "powerplatform" not in line  # the projects'
        ]
        assert len(adds) == 2
        for words in adds:
            assert main([*words[1:], "--secret-store", "session", "--no-input"]) == 0
        monkeypatch.setenv("LCS_TUI_PASSWORD", demo.PASSWORD)
        capsys.readouterr()
        code = main(["envs", "--all-profiles", "--json"])
        captured = capsys.readouterr()
    finally:
        stop.set()
        serving.join()
    assert code == exit_codes.OK, captured.err
    doc = json.loads(captured.out)
    assert_valid(doc, "lcs-tui/envs-profiles/v1")
    projects = {(p["profile"], p["project_id"], p["exit_code"]) for p in doc["profiles"]}
    assert projects == {
        ("simulator", demo.PROJECT_ID, 0),
        ("simulator-fabrikam", demo.FABRIKAM_PROJECT_ID, 0),
    }
    names = {(e["profile"], e["name"]) for e in doc["environments"]}
    assert ("simulator", demo.PROD_ENVIRONMENT_NAME) in names
    assert ("simulator-fabrikam", demo.FAB_UAT_ENVIRONMENT_NAME) in names
    assert len(names) == 12
