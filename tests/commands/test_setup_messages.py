"""What set-up prints: the simulator's ready-made profile line, the package's data."""

from __future__ import annotations

import argparse
import fnmatch
import shlex
import sys
import threading
from pathlib import Path

import pytest

from lcs_tui.cli import build_parser
from lcs_tui.commands import simulator

ROOT = Path(__file__).resolve().parents[2]


def test_the_simulator_profile_line_picks_no_secret_store_silently(
    capsys: pytest.CaptureFixture[str],
) -> None:
    args = build_parser().parse_args(["simulator", "--port", "0"])
    stop = threading.Event()
    stop.set()  # print the banner, then stop at once
    assert simulator.run(args, stop) == 0
    banner = capsys.readouterr().out
    line = next(x.strip() for x in banner.splitlines() if "lcs-tui profile add" in x)
    words = shlex.split(line)
    assert "--secret-store" not in words  # the product's default, not the unencrypted file
    assert "system keyring" in banner and "UNENCRYPTED" in banner  # and it says so
    assert "--secret-store session" in banner
    # The MSAL remark is for people writing their own client, not a task for the user.
    msal = next(x for x in banner.splitlines() if "MSAL" in x)
    assert "lcs-tui does this by itself" in msal and msal.startswith("For your own MSAL code")


def test_every_data_file_of_the_package_is_installed() -> None:
    """`pipx install .` / `uv tool install .` carry what is not Python (the
    stylesheet, py.typed): each such file matches a package-data pattern."""
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    patterns = project["tool"]["setuptools"]["package-data"]["lcs_tui"]
    package = ROOT / "lcs_tui"
    data = [
        p.relative_to(package).as_posix()
        for p in package.rglob("*")
        if p.is_file() and p.suffix not in (".py", ".pyc") and "__pycache__" not in p.parts
    ]
    assert "tui/app.tcss" in data and "py.typed" in data
    missing = [f for f in data if not any(fnmatch.fnmatch(f, pattern) for pattern in patterns)]
    assert missing == []


def _commands(parser: argparse.ArgumentParser, path: str) -> list[tuple[str, str | None]]:
    found: list[tuple[str, str | None]] = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                found.append((f"{path} {name}", sub.description))
                found += _commands(sub, f"{path} {name}")
    return found


def test_every_command_help_says_what_it_does() -> None:
    commands = dict(_commands(build_parser(), "lcs-tui"))
    assert "lcs-tui logout" in commands and "lcs-tui profile set" in commands
    assert [name for name, description in commands.items() if not description] == []
    assert "Forget the profile's sign-in" in (commands["lcs-tui logout"] or "")
