"""`envs`, `history`, `status` over several profiles: `--profile a,b`, `--all-profiles`.

The simulator serves both demo projects (Contoso and Fabrikam) in one
tenant; the profiles file names them, and a broken third one where a test
needs it. Each profile is read on its own, at once; one's failure is its
own.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from lcs_tui.commands import exit_codes
from lcs_tui.config import load_config, save_config
from lcs_tui.simulator import Simulator, demo
from tests.commands.conftest import UAT, Harness, contoso_profile, demo_simulator
from tests.commands.schemas import assert_valid

pytestmark = pytest.mark.filterwarnings(
    "ignore:This API has been deprecated for public client flows:DeprecationWarning"
)

FAB = demo.FABRIKAM_PROJECT_ID
FAB_UAT = demo.FAB_UAT_ENVIRONMENT_NAME
DETAIL = "/environmentinfo/v1/detail/project/"


@pytest.fixture
def sim() -> Simulator:
    return demo_simulator(fabrikam=True)


def configure(harness: Harness, *extra: str) -> None:
    """The profiles file: contoso and fabrikam, and the broken ones asked for."""
    profiles = [
        contoso_profile(),
        contoso_profile(name="fabrikam", project_id=FAB),
    ]
    if "mfa" in extra:  # another user: the pipeline's password is not theirs
        profiles.append(contoso_profile(name="mfa", username=demo.MFA_USERNAME))
    config = load_config()
    for profile in profiles:
        config = config.with_profile(profile)
    save_config(config)
    harness.from_config = True


def outcomes(doc: dict[str, Any]) -> dict[str, tuple[int, str | None]]:
    return {
        p["profile"]: (p["exit_code"], p["error"]["kind"] if p["error"] else None)
        for p in doc["profiles"]
    }


# ------------------------------------------------------------------- envs


def test_envs_of_two_profiles_is_one_table_with_a_profile_column(harness: Harness) -> None:
    configure(harness)
    result = harness.run("envs", "--profile", "fabrikam,contoso")
    assert result.code == exit_codes.OK, result.err
    lines = result.out.splitlines()
    assert lines[0].split()[:2] == ["PROFILE", "NAME"]
    rows = [line.split()[:2] for line in lines[1:]]
    # In the order given, each project's environments in LCS's order.
    assert [r[0] for r in rows] == ["fabrikam"] * 5 + ["contoso"] * 7
    assert rows[0][1] == demo.FAB_PROD_ENVIRONMENT_NAME and rows[5][1] == demo.PROD_ENVIRONMENT_NAME
    assert {w.profile.name for w in harness.opened} == {"contoso", "fabrikam"}


def test_envs_of_every_profile_as_json_rows_naming_their_profile(harness: Harness) -> None:
    configure(harness)
    result = harness.run("envs", "--all-profiles", "--quota", "--json")
    assert result.code == exit_codes.OK, result.err
    doc = result.json
    assert_valid(doc, "lcs-tui/envs-profiles/v1")
    assert outcomes(doc) == {"contoso": (0, None), "fabrikam": (0, None)}
    assert [p["project_id"] for p in doc["profiles"]] == [demo.PROJECT_ID, FAB]
    by_name = {e["name"]: e for e in doc["environments"]}
    assert by_name[FAB_UAT]["profile"] == "fabrikam" and by_name[FAB_UAT]["project_id"] == FAB
    assert by_name[FAB_UAT]["busy"] is True  # Fabrikam's running refresh
    assert by_name[demo.FAB_STAGE_ENVIRONMENT_NAME]["quota"]["left"] == 1
    assert by_name[UAT]["profile"] == "contoso" and by_name[UAT]["quota"]["left"] == 1


def test_one_profiles_failed_sign_in_leaves_the_others_read(harness: Harness) -> None:
    configure(harness, "mfa")
    result = harness.run("envs", "--all-profiles", "--json")
    assert result.code == exit_codes.SIGN_IN  # the worst of all
    doc = result.json
    assert_valid(doc, "lcs-tui/envs-profiles/v1")
    assert outcomes(doc) == {"contoso": (0, None), "fabrikam": (0, None), "mfa": (3, "sign_in")}
    assert {e["profile"] for e in doc["environments"]} == {"contoso", "fabrikam"}
    assert len(doc["environments"]) == 12
    assert "mfa: error: Wrong user name or password" in result.err  # AADSTS50126
    assert "error: 1 of 3 profiles could not be read: mfa (sign_in, exit 3)" in result.err
    plain = harness.run("envs", "--all-profiles")
    assert plain.code == exit_codes.SIGN_IN
    assert [line.split()[0] for line in plain.out.splitlines()[1:]] == ["contoso"] * 7 + [
        "fabrikam"
    ] * 5


@pytest.mark.parametrize("trouble", ["throttled", "outage"])
def test_one_projects_throttling_or_outage_is_only_its_own(
    harness: Harness, sim: Simulator, trouble: str
) -> None:
    configure(harness)
    if trouble == "throttled":  # longer than lcs-tui waits by itself
        sim.faults.throttle(n=100, retry_after=3600, path_prefix=f"{DETAIL}{FAB}")
    else:
        sim.faults.server_errors(n=1000, status=503, path_prefix=f"{DETAIL}{FAB}")
    result = harness.run("envs", "--all-profiles", "--json")
    assert result.code == exit_codes.UNAVAILABLE, result.err
    doc = result.json
    assert outcomes(doc) == {"contoso": (0, None), "fabrikam": (10, "unavailable")}
    assert [e["name"] for e in doc["environments"]][:1] == [demo.PROD_ENVIRONMENT_NAME]
    assert len(doc["environments"]) == 7
    fabrikam_lines = [line for line in result.err.splitlines() if line.startswith("fabrikam: ")]
    assert any("error:" in line for line in fabrikam_lines)
    assert not any(line.startswith("contoso: error") for line in result.err.splitlines())


def test_the_profiles_are_read_at_the_same_time(harness: Harness, sim: Simulator) -> None:
    """Both projects' first calls are held until both have arrived: read one
    after the other, the second could never arrive while the first waits."""
    configure(harness)
    gates = [sim.faults.hold(n=1, path_prefix=f"{DETAIL}{p}") for p in (demo.PROJECT_ID, FAB)]
    both_arrived = threading.Event()

    def release_when_both_asked() -> None:
        deadline = time.monotonic() + 120  # only ends a wait that would never end
        while time.monotonic() < deadline:
            asked = {
                entry.path.removeprefix(DETAIL).split("/")[0]
                for entry in list(sim.request_log)
                if entry.path.startswith(DETAIL)
            }
            if asked >= {str(demo.PROJECT_ID), str(FAB)}:
                both_arrived.set()
                break
            time.sleep(0.005)
        for gate in gates:
            gate.set()

    releaser = threading.Thread(target=release_when_both_asked)
    releaser.start()
    try:
        result = harness.run("envs", "--all-profiles")
    finally:
        releaser.join()
    assert both_arrived.is_set()
    assert result.code == exit_codes.OK, result.err


# ------------------------------------------------------------------- history


def test_history_looks_for_the_environment_in_each_profile(harness: Harness) -> None:
    configure(harness)
    result = harness.run("history", FAB_UAT.lower(), "--all-profiles", "--json")
    assert result.code == exit_codes.OK, result.err
    doc = result.json
    assert_valid(doc, "lcs-tui/history-profiles/v1")
    by_profile = {p["profile"]: p for p in doc["profiles"]}
    assert by_profile["contoso"]["environment"] is None  # not there: no failure
    assert by_profile["contoso"]["exit_code"] == 0 and by_profile["contoso"]["pages_read"] == 0
    assert by_profile["fabrikam"]["environment"] == {
        "id": demo.FAB_UAT_ENVIRONMENT_ID,
        "name": FAB_UAT,
    }
    assert doc["entries"] and {e["profile"] for e in doc["entries"]} == {"fabrikam"}
    assert doc["entries"][0]["status"] == "InProgress"
    plain = harness.run("history", FAB_UAT, "--profile", "contoso,fabrikam")
    assert plain.out.splitlines()[0].split()[:2] == ["PROFILE", "STARTED"]
    assert all(line.startswith("fabrikam ") for line in plain.out.splitlines()[1:])


def test_history_of_an_environment_no_profile_has_suggests_the_closest(
    harness: Harness,
) -> None:
    configure(harness)
    result = harness.run("history", "fab-uatt", "--all-profiles", "--json")
    assert result.code == exit_codes.USAGE
    doc = result.json
    assert_valid(doc, "lcs-tui/history-profiles/v1")
    assert doc["error"]["kind"] == "usage" and doc["entries"] == []
    assert "did you mean FAB-UAT (fabrikam)?" in doc["error"]["message"]
    assert "did you mean FAB-UAT (fabrikam)?" in result.err


# ------------------------------------------------------------------- status


def _fabrikam_running(sim: Simulator) -> str:
    (running,) = [op for op in sim.operations(FAB) if op.status == "InProgress"]
    return running.activity_id


def test_status_finds_the_operation_in_whichever_profile_has_it(
    harness: Harness, sim: Simulator
) -> None:
    configure(harness)
    activity = _fabrikam_running(sim)
    result = harness.run("status", activity, "--all-profiles", "--json")
    assert result.code == exit_codes.OK, result.err
    doc = result.json
    assert_valid(doc, "lcs-tui/status-profiles/v1")
    found = {p["profile"]: p["found"] for p in doc["profiles"]}
    assert found == {"contoso": False, "fabrikam": True}
    (operation,) = doc["operations"]
    assert_valid(operation, "lcs-tui/status/v1")
    assert operation["profile"] == "fabrikam" and operation["status"] == "InProgress"
    assert operation["environment"]["name"] == FAB_UAT and operation["kind"] == "refresh"
    plain = harness.run("status", activity, "--profile", "contoso,fabrikam")
    assert plain.code == exit_codes.OK
    assert plain.out.splitlines()[0].split() == ["profile", "fabrikam"]
    assert plain.out.splitlines()[1].split() == ["refresh", FAB_UAT]


def test_status_waits_in_the_profile_that_has_it(harness: Harness, sim: Simulator) -> None:
    configure(harness)
    activity = _fabrikam_running(sim)
    result = harness.run("status", activity, "--env", FAB_UAT, "--all-profiles", "--wait", "--json")
    assert result.code == exit_codes.OK, result.err
    (operation,) = result.json["operations"]
    assert operation["status"] == "Completed" and operation["waited"] is True
    assert [c["status"] for c in operation["status_changes"]] == ["InProgress", "Completed"]
    assert "fabrikam: " in result.err and "Completed" in result.err


def test_status_of_an_id_no_profile_has_is_5(harness: Harness) -> None:
    configure(harness)
    unknown = "00000000-0000-4000-8000-00000000dead"
    result = harness.run("status", unknown, "--all-profiles", "--json")
    assert result.code == exit_codes.REJECTED
    doc = result.json
    assert_valid(doc, "lcs-tui/status-profiles/v1")
    assert doc["operations"] == [] and doc["error"]["kind"] == "rejected"
    assert all(p["found"] is False and p["exit_code"] == 0 for p in doc["profiles"])
    assert "in profiles contoso, fabrikam" in result.err


def test_status_with_an_env_no_profile_has_is_a_usage_error(harness: Harness) -> None:
    configure(harness)
    result = harness.run("status", "abc", "--env", "FAB-UTA", "--all-profiles", "--json")
    assert result.code == exit_codes.USAGE
    assert_valid(result.json, "lcs-tui/status-profiles/v1")
    assert "did you mean FAB-UAT (fabrikam)?" in result.json["error"]["message"]
    # Nothing asked of LCS but the environments: no status, no history.
    lcs = ("/environmentinfo/", "/databasemovement/")
    calls = [e.path for e in harness.sim.request_log if e.path.startswith(lcs)]
    assert calls and all(path.startswith(DETAIL) for path in calls)


def test_status_without_env_looks_in_the_sandboxes_history(
    harness: Harness, sim: Simulator
) -> None:
    """One profile too: --env is no longer needed to find an operation."""
    (running,) = [
        op for op in sim.operations(demo.PROJECT_ID) if op.status == "InProgress"
    ]  # CONTOSO-PERF's refresh
    result = harness.run("status", running.activity_id, "--json")
    assert result.code == exit_codes.OK, result.err
    doc = result.json
    assert_valid(doc, "lcs-tui/status/v1")
    assert doc["environment"]["name"] == demo.PERF_ENVIRONMENT_NAME
    assert doc["status"] == "InProgress" and doc["profile"] == "contoso"
    missing = harness.run("status", "00000000-0000-4000-8000-00000000dead", "--json")
    assert missing.code == exit_codes.REJECTED
    assert_valid(missing.json, "lcs-tui/error/v1")
    assert "--env ENV" in missing.err


# ------------------------------------------------------------------- the command line


@pytest.mark.parametrize(
    ("argv", "code", "words"),
    [
        (("--profile", "contoso,nobody"), exit_codes.CONFIG, "no profile named 'nobody'"),
        (("--profile", "contoso,,fabrikam"), exit_codes.USAGE, "empty name"),
        (("--profile", "contoso,fabrikam", "--all-profiles"), exit_codes.USAGE, "not both"),
        (("--all-profiles", "--demo"), exit_codes.USAGE, "lcs-tui simulator"),
    ],
)
def test_a_wrong_list_of_profiles_opens_nothing(
    harness: Harness, argv: tuple[str, ...], code: int, words: str
) -> None:
    configure(harness)
    result = harness.run("envs", *argv, "--json")
    assert result.code == code
    assert_valid(result.json, "lcs-tui/error/v1")
    assert words in result.err
    assert harness.opened == [] and harness.sim.request_log == []


def test_all_profiles_without_any_profile_says_how_to_add_one(harness: Harness) -> None:
    result = harness.run("envs", "--all-profiles")
    assert result.code == exit_codes.CONFIG
    assert "lcs-tui profile add" in result.err


def test_the_list_may_come_before_the_command(harness: Harness) -> None:
    configure(harness)
    result = harness.run("--profile", "contoso,fabrikam", "envs", "--json")
    assert result.code == exit_codes.OK, result.err
    assert result.json["schema"] == "lcs-tui/envs-profiles/v1"


def test_all_profiles_may_come_before_the_command_too(harness: Harness) -> None:
    configure(harness)
    result = harness.run("--all-profiles", "history", FAB_UAT, "--json")
    assert result.code == exit_codes.OK, result.err
    assert result.json["schema"] == "lcs-tui/history-profiles/v1"


@pytest.mark.parametrize(
    "argv",
    [
        ("--all-profiles", "backups"),
        ("backups", "--profile", "contoso,fabrikam"),
        ("--all-profiles", "refresh", "--source", "CONTOSO-PROD", "--target", UAT, "--yes"),
    ],
)
def test_commands_of_one_profile_refuse_several(harness: Harness, argv: tuple[str, ...]) -> None:
    configure(harness)
    result = harness.run(*argv)
    assert result.code == exit_codes.USAGE
    assert "one profile at a time" in result.err and "envs, history, status" in result.err
    assert harness.opened == [] and harness.sim.request_log == []


def test_the_app_opens_every_profile_as_a_list(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened: list[str | None] = []

    def run_tui(*, profile: str | None, demo: bool, read_only: bool) -> int:
        opened.append(profile)
        return 0

    monkeypatch.setattr("lcs_tui.tui.launch.run_tui", run_tui)
    nothing = harness.run("--all-profiles")
    assert nothing.code == exit_codes.CONFIG and "lcs-tui profile add" in nothing.err
    configure(harness)
    assert harness.run("--all-profiles").code == 0
    assert opened == ["contoso,fabrikam"]  # the app takes a list, as --profile a,b


def test_server_text_of_any_profile_is_printed_inert(harness: Harness, sim: Simulator) -> None:
    configure(harness)
    hostile = "FAB-\x1b]52;c;b3duZWQ=\x07\u202eTAU"
    sim.add_environment(hostile, project_id=FAB)
    for argv in (("envs", "--all-profiles"), ("envs", "--all-profiles", "--json")):
        result = harness.run(*argv)
        assert result.code == exit_codes.OK, result.err
        shown = result.out + result.err
        assert "\x1b" not in shown and "\x07" not in shown and "\u202e" not in shown
    assert "FAB-\\x1b]52;c;b3duZWQ=\\x07\\u202eTAU" in harness.run("envs", "--all-profiles").out
