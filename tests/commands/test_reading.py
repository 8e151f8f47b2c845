"""`lcs-tui envs`, `backups`, `history` against the seeded demo project."""

from __future__ import annotations

import pytest

from lcs_tui.commands import exit_codes
from lcs_tui.simulator import demo
from tests.commands.conftest import PROD, TEST, TRAIN, UAT, Harness
from tests.commands.schemas import assert_valid

pytestmark = pytest.mark.filterwarnings(
    "ignore:This API has been deprecated for public client flows:DeprecationWarning"
)


def test_envs_table_lists_every_environment_as_lcs_lists_them(harness: Harness) -> None:
    result = harness.run("envs")
    assert result.code == exit_codes.OK, result.err
    lines = result.out.splitlines()
    assert lines[0].split() == ["NAME", "TYPE", "STATE", "INFRASTRUCTURE", "RELEASE", "ID"]
    names = [line.split()[0] for line in lines[1:]]
    # The app's order (tests/commands/test_same_order_as_app.py): LCS's own.
    assert names == [e.name for e in harness.sim.environments()] and len(names) == 7
    assert names[0] == PROD and names != sorted(names)
    assert any(demo.UAT_ENVIRONMENT_ID in line for line in lines)
    assert not any(line != line.rstrip() for line in lines)  # no trailing blanks


def test_envs_json_matches_its_schema(harness: Harness) -> None:
    result = harness.run("envs", "--json")
    assert result.code == exit_codes.OK
    doc = result.json
    assert_valid(doc, "lcs-tui/envs/v1")
    by_name = {e["name"]: e for e in doc["environments"]}
    assert by_name[PROD]["type"] == "Production"
    assert by_name[UAT]["id"] == demo.UAT_ENVIRONMENT_ID  # ids exactly as LCS sent them
    assert by_name[UAT]["quota"] is None and by_name[UAT]["busy"] is None
    assert by_name[demo.BUILD_ENVIRONMENT_NAME]["can_start"] is True


def test_envs_quota_reads_sandbox_history(harness: Harness) -> None:
    result = harness.run("envs", "--quota", "--json")
    assert result.code == exit_codes.OK
    doc = result.json
    assert_valid(doc, "lcs-tui/envs/v1")
    by_name = {e["name"]: e for e in doc["environments"]}
    assert by_name[UAT]["quota"]["left"] == 1
    assert by_name[TRAIN]["quota"]["left"] == 0
    assert by_name[TRAIN]["quota"]["frees_at"] == "2026-11-20T09:00:00Z"
    assert by_name[demo.PERF_ENVIRONMENT_NAME]["busy"] is True
    assert by_name[TEST]["busy"] is False
    assert by_name[PROD]["quota"] is None  # only sandboxes: the history limit
    table = harness.run("envs", "--quota")
    assert "0/3 left until 09:00 UTC" in table.out


def test_backups_newest_first_and_latest(harness: Harness) -> None:
    every = harness.run("backups", "--json")
    assert every.code == exit_codes.OK
    assert_valid(every.json, "lcs-tui/backups/v1")
    backups = every.json["backups"]
    assert len(backups) > 20
    created = [b["created"] for b in backups]
    assert created == sorted(created, reverse=True)
    latest = harness.run("backups", "--latest", "--json")
    assert_valid(latest.json, "lcs-tui/backups/v1")
    assert latest.json["backups"] == backups[:1]
    table = harness.run("backups", "--latest")
    assert table.out.splitlines()[1].startswith(backups[0]["name"])
    # The SAS link is a credential: never printed.
    assert "sig=" not in every.out and "blob.core" not in every.out


def test_history_by_undashed_id_with_pages(harness: Harness) -> None:
    undashed = demo.UAT_ENVIRONMENT_ID.replace("-", "").upper()
    one = harness.run("history", undashed, "--json")
    assert one.code == exit_codes.OK, one.err
    doc = one.json
    assert_valid(doc, "lcs-tui/history/v1")
    assert doc["environment"] == {"id": demo.UAT_ENVIRONMENT_ID, "name": UAT}
    assert doc["pages_read"] == 1
    two = harness.run("history", "contoso-uat", "--pages", "2", "--json")
    assert_valid(two.json, "lcs-tui/history/v1")
    assert two.json["entries"][: len(doc["entries"])] == doc["entries"]
    if doc["has_more"]:
        assert len(two.json["entries"]) > len(doc["entries"])
    types = {e["type"] for e in two.json["entries"]}
    assert "SFSourceDbToSandbox" in types and "SFExportSandboxDb" in types


def test_history_table(harness: Harness) -> None:
    result = harness.run("history", PROD)
    assert result.code == exit_codes.OK
    assert result.out.splitlines()[0].split()[:2] == ["STARTED", "(UTC)"]


def test_unknown_environment_is_a_usage_error_naming_the_known_ones(harness: Harness) -> None:
    result = harness.run("history", "CONTOSO-NOPE", "--json")
    assert result.code == exit_codes.USAGE
    assert "CONTOSO-NOPE" in result.err and UAT in result.err
    assert_valid(result.json, "lcs-tui/error/v1")
    assert result.json["error"]["kind"] == "usage"
    assert result.json["command"] == "history"


def test_history_pages_out_of_range_is_rejected_by_the_parser(harness: Harness) -> None:
    result = harness.run("history", UAT, "--pages", "9")
    assert result.code == exit_codes.USAGE
    assert result.out == ""


def test_profile_given_before_or_after_the_command(harness: Harness) -> None:
    # The harness ignores the profile name; the parser must keep it either way.
    seen: list[object] = []
    original = harness.open_workspace

    def spy(args: object) -> object:
        seen.append(getattr(args, "profile", None))
        return original(args)  # type: ignore[arg-type]

    harness.monkeypatch.setattr("lcs_tui.commands.runtime.RUNTIME.open_workspace", spy)
    harness.run("--profile", "before", "envs")
    harness.run("envs", "--profile", "after")
    assert seen == ["before", "after"]


def test_backups_download_is_wired_under_backups_when_its_module_exists(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Another part of the project provides `add_download_parser(subparsers)`."""
    import argparse
    import sys
    import types

    from lcs_tui.cli import build_parser
    from lcs_tui.commands.reading import DOWNLOAD_MODULE

    def add_download_parser(actions: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
        download = actions.add_parser("download")
        download.add_argument("name")
        download.set_defaults(func=lambda args: 42)

    fake = types.ModuleType(DOWNLOAD_MODULE)
    fake.add_download_parser = add_download_parser  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, DOWNLOAD_MODULE, fake)
    parser = build_parser()
    download = parser.parse_args(["backups", "download", "uat-golden"])
    assert download.func(download) == 42 and download.name == "uat-golden"
    listing = parser.parse_args(["backups", "--latest", "--json"])
    assert listing.latest and listing.json and listing.func is not download.func


@pytest.mark.parametrize(
    ("typed", "meant"),
    [("contoso-ua", UAT), ("CONTSO-TEST", TEST), ("uat", UAT), ("train", TRAIN)],
)
def test_an_unknown_environment_name_gets_a_did_you_mean(
    harness: Harness, typed: str, meant: str
) -> None:
    result = harness.run("history", typed, "--json")
    assert result.code == exit_codes.USAGE
    assert_valid(result.json, "lcs-tui/error/v1")
    assert f"did you mean {meant}?" in result.json["error"]["message"]
    assert f"did you mean {meant}?" in result.err
    assert PROD in result.json["error"]["hint"]  # and the whole list, as before


def test_a_name_like_none_gets_only_the_list(harness: Harness) -> None:
    result = harness.run("refresh", "--source", PROD, "--target", "zzzz", "--yes")
    assert result.code == exit_codes.USAGE
    assert "no environment 'zzzz'" in result.err and "did you mean" not in result.err
    assert "the project's environments: " + PROD in result.err
