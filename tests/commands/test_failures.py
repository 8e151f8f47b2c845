"""Exit codes 3, 4 and 10, the table itself, and the documentation's schemas."""

from __future__ import annotations

import re

import pytest

from lcs_tui.commands import exit_codes, runtime
from lcs_tui.simulator import demo
from tests.commands.conftest import PROD, TEST, Harness, contoso_profile
from tests.commands.schemas import DOC, assert_valid, documented_schemas, problems

pytestmark = pytest.mark.filterwarnings(
    "ignore:This API has been deprecated for public client flows:DeprecationWarning"
)

COMMANDS = [
    ("envs",),
    ("backups",),
    ("history", TEST),
    ("refresh", "--source", PROD, "--target", TEST, "--yes"),
    ("export", "--env", TEST, "--name", "x1", "--yes"),
    ("status", "abc", "--env", TEST),
    ("start", demo.BUILD_ENVIRONMENT_NAME, "--yes"),
    ("stop", demo.DEV_ENVIRONMENT_NAME, "--yes"),
]


# ------------------------------------------------------------------- sign-in: 3


@pytest.mark.parametrize("argv", COMMANDS, ids=lambda argv: argv[0])
def test_not_signed_in_is_3_and_says_login(harness: Harness, argv: tuple[str, ...]) -> None:
    harness.monkeypatch.delenv(runtime.PASSWORD_ENV)
    result = harness.run(*argv, "--json")
    assert result.code == exit_codes.SIGN_IN, result.err
    doc = result.json
    assert_valid(doc, "lcs-tui/error/v1")
    assert doc["command"] == argv[0] and doc["error"]["kind"] == "sign_in"
    assert "lcs-tui login" in result.err
    assert "Traceback" not in result.err
    assert harness.api_operations() == []


def test_wrong_password_in_the_environment_is_3(harness: Harness) -> None:
    harness.monkeypatch.setenv(runtime.PASSWORD_ENV, "not-the-password")
    result = harness.run("envs")
    assert result.code == exit_codes.SIGN_IN
    assert "AADSTS50126" in result.err
    assert "not-the-password" not in result.err + result.out


def test_pipeline_password_is_not_stored(harness: Harness) -> None:
    from lcs_tui.secrets import open_secret_store

    assert harness.run("envs").code == exit_codes.OK
    store = open_secret_store("session")
    assert store.get("contoso", "password") is None
    assert store.get("contoso", "token-cache") is not None  # the tokens are kept


def test_tokens_from_an_earlier_sign_in_need_no_password(harness: Harness) -> None:
    assert harness.run("envs").code == exit_codes.OK
    harness.monkeypatch.delenv(runtime.PASSWORD_ENV)
    assert harness.run("backups", "--latest").code == exit_codes.OK


def test_user_outside_the_project_gets_lcs_answer(harness: Harness) -> None:
    harness.profile = contoso_profile(username=demo.NOT_IN_PROJECT_USERNAME)
    harness.monkeypatch.setenv(runtime.PASSWORD_ENV, demo.NOT_IN_PROJECT_PASSWORD)
    result = harness.run("envs", "--json")
    assert result.code == exit_codes.REJECTED
    assert_valid(result.json, "lcs-tui/error/v1")
    assert "does not exist or you do not have access" in result.json["error"]["message"]


# ------------------------------------------------------------------- config: 4


def test_no_profile_is_4(harness: Harness) -> None:
    harness.monkeypatch.setattr(runtime.RUNTIME, "open_workspace", runtime._open_workspace)
    result = harness.run("envs", "--json")
    assert result.code == exit_codes.CONFIG
    assert_valid(result.json, "lcs-tui/error/v1")
    assert "lcs-tui profile add" in result.err


def test_unknown_profile_is_4(harness: Harness) -> None:
    harness.monkeypatch.setattr(runtime.RUNTIME, "open_workspace", runtime._open_workspace)
    added = harness.run(
        "profile", "add", "real", "--tenant", demo.TENANT_DOMAIN, "--client-id", demo.CLIENT_ID,
        "--username", demo.USERNAME, "--project-id", str(demo.PROJECT_ID), "--geography",
        "global", "--method", "password", "--secret-store", "session", "--no-input",
    )  # fmt: skip
    assert added.code == exit_codes.OK, added.err
    result = harness.run("backups", "--profile", "nope")
    assert result.code == exit_codes.CONFIG
    assert "nope" in result.err


# ------------------------------------------------------------------- network: 10


def test_offline_is_10_even_before_signing_in(harness: Harness) -> None:
    harness.sim.faults.offline = True
    result = harness.run("envs", "--json")
    assert result.code == exit_codes.UNAVAILABLE, result.err
    assert_valid(result.json, "lcs-tui/error/v1")
    assert "sign-in service" in result.err


def test_lcs_unreachable_is_10(harness: Harness) -> None:
    harness.sim.faults.drop_before_action(n=100)  # LCS paths only: sign-in works
    result = harness.run("refresh", "--source", PROD, "--target", TEST, "--yes", "--json")
    assert result.code == exit_codes.UNAVAILABLE, result.err
    assert_valid(result.json, "lcs-tui/error/v1")
    assert "could not reach LCS" in result.err
    assert harness.api_operations() == []


def test_service_errors_are_10(harness: Harness) -> None:
    harness.sim.faults.server_errors(n=100, status=503)
    result = harness.run("backups")
    assert result.code == exit_codes.UNAVAILABLE
    assert "HTTP 503" in result.err and "Traceback" not in result.err


def test_throttled_longer_than_patience_is_10(harness: Harness) -> None:
    harness.sim.faults.throttle(n=1, retry_after=3600)
    result = harness.run("envs", "--json")
    assert result.code == exit_codes.UNAVAILABLE
    assert "try again after" in result.json["error"]["hint"]


def test_connection_drop_after_start_of_stop_is_outcome_unknown(harness: Harness) -> None:
    harness.sim.faults.drop_after_action(path_prefix="/environment/v1/stop/")
    result = harness.run("stop", demo.DEV_ENVIRONMENT_NAME, "--yes", "--json")
    assert result.code == exit_codes.OUTCOME_UNKNOWN
    assert_valid(result.json, "lcs-tui/stop/v1")
    # The hint names the environment to check, not a placeholder.
    assert f"lcs-tui history {demo.DEV_ENVIRONMENT_NAME}" in result.json["error"]["hint"]
    assert "history ENV" not in result.err


# ------------------------------------------------------------------- the table


def test_exit_codes_are_distinct_and_named() -> None:
    codes = [
        value
        for name, value in vars(exit_codes).items()
        if name.isupper() and isinstance(value, int)
    ]
    assert len(codes) == len(set(codes))
    assert set(codes) == set(exit_codes.KINDS)


def test_exit_code_table_in_the_docs_matches_the_constants() -> None:
    text = DOC.read_text(encoding="utf-8")
    rows = re.findall(r"^\| (\d+) \| (?:`(\w+)`|—) \|", text, re.MULTILINE)
    documented = {int(code): kind or "ok" for code, kind in rows}
    assert documented == exit_codes.KINDS


def test_error_kinds_in_the_schema_match_the_constants() -> None:
    error = documented_schemas()["lcs-tui/defs"]["$defs"]["error"]
    assert set(error["properties"]["kind"]["enum"]) == set(exit_codes.KINDS.values()) - {"ok"}


def test_every_command_has_a_documented_schema() -> None:
    ids = set(documented_schemas())
    for command in ("envs", "backups", "history", "refresh", "export", "status", "start", "stop"):
        assert f"lcs-tui/{command}/v1" in ids
    assert "lcs-tui/error/v1" in ids


def test_the_validator_rejects_what_it_should() -> None:
    good = {
        "schema": "lcs-tui/error/v1",
        "command": "envs",
        "exit_code": 3,
        "error": {
            "kind": "sign_in",
            "message": "m",
            "hint": None,
            "activity_id": None,
            "frees_at": None,
            "problems": [],
        },
    }
    assert problems(good, "lcs-tui/error/v1") == []
    bad: dict[str, object] = {**good, "extra": 1, "exit_code": True}
    bad["error"] = {**good["error"], "frees_at": "2026-11-20 08:00", "kind": "nope"}  # type: ignore[dict-item]
    found = "\n".join(problems(bad, "lcs-tui/error/v1"))
    for expected in ("undocumented key 'extra'", "exit_code", "frees_at", "kind"):
        assert expected in found
    assert problems({}, "lcs-tui/error/v1")


def test_unwritable_journal_is_4_and_nothing_is_sent(
    harness: Harness, isolated_dirs: dict[str, object]
) -> None:
    from pathlib import Path

    blocker = Path(str(isolated_dirs["state"])) / "a-file"
    blocker.write_text("not a directory")
    harness.monkeypatch.setenv("LCS_TUI_STATE_DIR", str(blocker / "lcs-tui"))
    result = harness.run("refresh", "--source", PROD, "--target", TEST, "--yes", "--json")
    assert result.code == exit_codes.CONFIG, result.err
    assert_valid(result.json, "lcs-tui/refresh/v1")
    assert "nothing was sent" in result.json["error"]["message"]
    assert harness.api_operations() == []
