"""Running `lcs-tui` commands in tests, as a user would, capturing what they print."""

from __future__ import annotations

import io
from dataclasses import dataclass

import pytest

from lcs_tui.cli import main


class TerminalInput(io.StringIO):
    """Standard input that claims to be a terminal, with the user's answers."""

    def isatty(self) -> bool:
        return True


class PipedInput(io.StringIO):
    def isatty(self) -> bool:
        return False


@dataclass
class Result:
    code: int
    out: str
    err: str


def run(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    *argv: str,
    answers: str | None = None,
    stdin: str = "",
) -> Result:
    """Run lcs-tui with `argv`; `answers` makes stdin a terminal with those lines."""
    monkeypatch.setattr(
        "sys.stdin", TerminalInput(answers) if answers is not None else PipedInput(stdin)
    )
    capsys.readouterr()
    try:
        code = main(list(argv))
    except SystemExit as exc:  # argparse usage errors
        code = int(exc.code or 0)
    captured = capsys.readouterr()
    return Result(code, captured.out, captured.err)
