"""Server text never drives the terminal: every CLI printing path, hostile input.

The project (tests/commands/hostile_world.py) names everything with the
strings of tests/hostile.py: OSC 52 (clipboard), OSC 0 (title), OSC 8
(hyperlink), CSI 2J, the C1 CSI, a bidi override, NUL, BEL and a 10 kB name.
Each command runs plain and with --json; stdout and stderr must hold none of
the raw characters — what LCS sent shows as visible escapes (`\\x1b`) in
text, as JSON escapes in --json, and JSON still reads back exactly what LCS
sent.
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from lcs_tui.commands import exit_codes
from lcs_tui.commands.output import CELL_LIMIT
from lcs_tui.config import load_config, make_profile, save_config
from lcs_tui.service.operations import STARTING, TrackedOperation
from lcs_tui.simulator import Simulator, demo
from lcs_tui.untrusted import inert
from lcs_tui.workspace import journal_for
from tests.commands.conftest import Harness, Result
from tests.commands.hostile_world import (
    CUSTOMER_BOX,
    DEV_BOX,
    HOSTILE_ID,
    START,
    TARGET,
    HostileIds,
    environment_id,
    hostile_simulator,
)
from tests.hostile import HOSTILE, OSC52, assert_inert

pytestmark = pytest.mark.filterwarnings(
    "ignore:This API has been deprecated for public client flows:DeprecationWarning"
)


@pytest.fixture
def sim() -> Simulator:
    return hostile_simulator()


def inert_everywhere(result: Result) -> Result:
    assert_inert(result.out)
    assert_inert(result.err)
    return result


def shows(text: str, result: Result) -> bool:
    """`text` arrived, made visible (tables cut long values)."""
    return inert(text, limit=CELL_LIMIT) in result.out + result.err or inert(text) in result.err


def run_both(harness: Harness, *argv: str) -> tuple[Result, Result]:
    plain = inert_everywhere(harness.run(*argv))
    as_json = inert_everywhere(harness.run(*argv, "--json"))
    json.loads(as_json.out)  # still one valid document
    return plain, as_json


# ------------------------------------------------------------------ reading


def test_envs_with_quota(harness: Harness) -> None:
    plain, as_json = run_both(harness, "envs", "--quota")
    assert plain.code == as_json.code == exit_codes.OK, plain.err
    for text in HOSTILE.values():
        assert shows(text, plain)
    listed = {e["name"]: e for e in as_json.json["environments"]}
    for text in HOSTILE.values():  # --json carries exactly what LCS sent
        assert listed[text]["region"] == text and listed[text]["topology"] == text
    assert max(len(line) for line in plain.out.splitlines()) < 2_000  # 10 kB cut in cells


def test_backups(harness: Harness) -> None:
    plain, as_json = run_both(harness, "backups")
    assert plain.code == as_json.code == exit_codes.OK
    assert all(shows(text, plain) for text in HOSTILE.values())
    described = {b["name"]: b["description"] for b in as_json.json["backups"]}
    assert described == {text: text for text in HOSTILE.values()}


@pytest.mark.parametrize("key", sorted(HOSTILE))
def test_history(harness: Harness, key: str) -> None:
    env_id = environment_id(harness.sim, HOSTILE[key])
    plain, as_json = run_both(harness, "history", env_id)
    assert plain.code == as_json.code == exit_codes.OK, plain.err
    assert shows(HOSTILE[key], plain)
    (entry,) = as_json.json["entries"]
    assert entry["status"] == entry["activity_id"] == entry["name"] == HOSTILE[key]
    assert as_json.json["environment"]["name"] == HOSTILE[key]


def test_unknown_environment_lists_hostile_names(harness: Harness) -> None:
    plain, as_json = run_both(harness, "history", "PRO")
    assert plain.code == as_json.code == exit_codes.USAGE
    assert shows(TARGET, plain)
    assert TARGET in as_json.json["error"]["hint"]


# ------------------------------------------------------------------ starting


def test_started_line_and_the_suggested_command_with_a_hostile_activity_id(
    harness: Harness,
) -> None:
    harness.wrap_transport = HostileIds
    target = environment_id(harness.sim, TARGET)
    started = harness.run("refresh", "--source", "PROD", "--target", target, "--yes")
    plain = inert_everywhere(started)
    assert plain.code == exit_codes.OK, plain.err
    assert f"started; activity id {inert(HOSTILE_ID)}" in plain.err
    # The command to follow it: inert, and one quoted word for a shell.
    assert f"lcs-tui status '{inert(HOSTILE_ID)}' --env '{inert(TARGET)}' --wait" in plain.err
    sandbox = environment_id(harness.sim, HOSTILE["bidi"])
    export = inert_everywhere(
        harness.run("export", "--env", sandbox, "--name", "x1", "--yes", "--json")
    )
    assert export.json["activity_id"] == HOSTILE_ID


def test_waiting_on_a_hostile_id_that_lcs_then_does_not_know(harness: Harness) -> None:
    harness.wrap_transport = HostileIds
    target = environment_id(harness.sim, TARGET)
    argv = ("refresh", "--source", "PROD", "--target", target, "--yes", "--wait")
    waited = inert_everywhere(harness.run(*argv, "--interval", "60"))
    assert waited.code == exit_codes.REJECTED
    assert inert(HOSTILE_ID) in waited.err


def test_status_words_seen_while_waiting(harness: Harness) -> None:
    target = environment_id(harness.sim, HOSTILE["c1-csi"])
    harness.sim.faults.unknown_status(word=HOSTILE["osc8"], minutes=30)
    argv = ("refresh", "--source", "PROD", "--target", target, "--yes", "--wait")
    waited = inert_everywhere(harness.run(*argv, "--interval", "600", "--json"))
    assert waited.code == exit_codes.OK, waited.err
    assert HOSTILE["osc8"] in [c["status"] for c in waited.json["status_changes"]]
    assert inert(HOSTILE["osc8"]) in waited.err


def test_client_side_refusal(harness: Harness) -> None:
    # A second export while the first runs: the refusal names the busy environment.
    env = environment_id(harness.sim, HOSTILE["csi-2j"])
    plain, as_json = run_both(harness, "export", "--env", env, "--name", "x", "--yes")
    assert plain.code == exit_codes.OK  # the first one went through
    assert as_json.code == exit_codes.REFUSED
    assert any(HOSTILE["csi-2j"] in p for p in as_json.json["error"]["problems"])
    assert inert(HOSTILE["csi-2j"]) in as_json.err


def test_lcs_refusal_echoes_the_hostile_name(harness: Harness) -> None:
    target = environment_id(harness.sim, HOSTILE["nul"])
    dev = environment_id(harness.sim, DEV_BOX)
    plain, as_json = run_both(harness, "refresh", "--source", dev, "--target", target, "--yes")
    assert plain.code == as_json.code == exit_codes.REJECTED
    assert f"LCS refused: Environment {inert(DEV_BOX)}" in plain.err
    assert DEV_BOX in as_json.json["error"]["message"]


def test_confirmation_prompt_names_the_target_inert(harness: Harness) -> None:
    target = environment_id(harness.sim, TARGET)
    asked = inert_everywhere(
        harness.run("refresh", "--source", "PROD", "--target", target, answers="no\n")
    )
    assert asked.code == exit_codes.USAGE
    assert f"Type {inert(TARGET)} to confirm" in asked.err


def test_start_and_stop(harness: Harness) -> None:
    harness.wrap_transport = HostileIds
    box = environment_id(harness.sim, CUSTOMER_BOX)
    plain, as_json = run_both(harness, "stop", box, "--yes")
    assert plain.code == exit_codes.OK, plain.err
    assert inert(HOSTILE_ID) in plain.out and inert(CUSTOMER_BOX) in plain.err
    assert as_json.code == exit_codes.REFUSED  # stopping already


# ------------------------------------------------------------------ status and the journal


def test_status_of_an_id_lcs_does_not_know(harness: Harness) -> None:
    env = environment_id(harness.sim, HOSTILE["osc0"])
    plain, as_json = run_both(harness, "status", OSC52, "--env", env)
    assert plain.code == as_json.code == exit_codes.REJECTED
    assert plain.out == ""
    assert inert(OSC52) in plain.err
    assert as_json.json["activity_id"] == OSC52


def test_status_of_a_history_entry_with_a_hostile_id(harness: Harness) -> None:
    env = environment_id(harness.sim, HOSTILE["bel"])
    plain, as_json = run_both(harness, "status", HOSTILE["bel"], "--env", env)
    assert plain.code == as_json.code == exit_codes.REJECTED  # listed, unknown to fetchstatus
    assert inert(HOSTILE["bel"]) in plain.err


def test_journal_entries_with_hostile_strings(harness: Harness) -> None:
    """What the journal stores stays as LCS said it; what is printed is inert."""
    env_name = HOSTILE["long"]
    env = environment_id(harness.sim, env_name)
    journal = journal_for(harness.profile.name)
    journal.upsert(
        TrackedOperation.new(
            kind="export",
            project_id=demo.PROJECT_ID,
            poll_environment_id=env,
            environment_name=HOSTILE["osc0"],
            backup_name=HOSTILE["osc8"],
            status=STARTING,
            requested_at=START - timedelta(hours=5),
            profile=harness.profile.name,
        )
    )
    journal.upsert(
        TrackedOperation.new(
            kind="refresh",
            project_id=demo.PROJECT_ID,
            poll_environment_id=env,
            environment_name=HOSTILE["csi-2j"],
            source_name=HOSTILE["bidi"],
            backup_name=HOSTILE["c1-csi"],
            activity_id=OSC52,
            status=HOSTILE["bel"],
            discovered=True,
            started_at=START - timedelta(hours=1),
            message=HOSTILE["nul"],
            profile=harness.profile.name,
        )
    )
    # The export's checks settle the "Starting" entry and poll the adopted one.
    exported = inert_everywhere(harness.run("export", "--env", env, "--name", "y", "--yes"))
    assert inert(HOSTILE["osc0"]) in exported.err  # the settled entry's note
    status = inert_everywhere(harness.run("status", OSC52, "--env", env))
    assert status.code == exit_codes.REJECTED
    assert inert(OSC52) in status.err
    stored = json.loads(journal.path.read_text())["operations"]
    assert {op["environment_name"] for op in stored} >= {HOSTILE["osc0"], HOSTILE["csi-2j"]}


# ------------------------------------------------------------------ profiles


def test_profile_list_and_show_of_a_hand_edited_profile(harness: Harness) -> None:
    config = load_config()
    hostile = make_profile(
        name="edited",
        tenant=demo.TENANT_DOMAIN,
        client_id=demo.CLIENT_ID,
        username=f"ana{OSC52}@contoso.com",
        project_id=demo.PROJECT_ID,
        geography="global",
        sign_in_method="password",
        secret_store="session",
        proxy=f"https://proxy.example/{HOSTILE['bidi']}",
    )
    save_config(config.with_profile(hostile))
    for argv in (("profile", "list"), ("profile", "show", "edited")):
        plain = inert_everywhere(harness.run(*argv))
        assert plain.code == 0, plain.err
        assert inert(f"ana{OSC52}@contoso.com") in plain.out
        as_json = inert_everywhere(harness.run(*argv, "--json"))
        shown = as_json.json if isinstance(as_json.json, list) else [as_json.json]
        assert f"ana{OSC52}@contoso.com" in [p["username"] for p in shown]
