"""What the scripting commands print: tables and one JSON document on stdout,
everything else (progress, warnings, errors) on stderr.

Keeping stdout to the result alone lets a pipeline pipe it into `jq` while a
person still sees what happens.

This module is also the one way out to the terminal for the commands. Names,
descriptions, status words, activity ids and error messages come from LCS,
Entra ID and files other programs wrote; any member of an LCS project can
name a backup `PROD<ESC>]52;c;…`. So every line, cell and document written
here passes through `lcs_tui.untrusted` — `inert` for text, `json_text` for
--json — and the commands never call `print` themselves. Our own words hold
no control characters, so sanitising the whole line costs nothing and
leaves no path that forgets it.
"""

from __future__ import annotations

import os
import shlex
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime, timezone
from typing import Any

from lcs_tui.untrusted import inert, json_text

SCHEMA_PREFIX = "lcs-tui"
#: The widest a table cell or field value gets on a person's screen: LCS
#: names and ids are far shorter; a 10 kB "name" must not make every row of
#: a table 10 kB wide. --json always carries the whole text.
CELL_LIMIT = 200
#: The profile a message on stderr is about, when a command reads several at
#: once (each in its own task, so the prefix follows the task).
_SPEAKER: ContextVar[str | None] = ContextVar("lcs_tui_speaker", default=None)


def schema_id(command: str) -> str:
    return f"{SCHEMA_PREFIX}/{command}/v1"


def _stdout(text: str) -> None:
    """Write a result to stdout; a reader that went away ends the output, not the command.

    `lcs-tui envs | head -1` closes the pipe early. That is no error of the
    command's (and a refresh must not end half-way because its reader left):
    the rest of stdout goes to the null device, the exit code stays the
    command's own.
    """
    try:
        print(text, flush=True)
    except BrokenPipeError:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)


def out(text: str = "") -> None:
    """One line of the result, on stdout."""
    _stdout(inert(text))


def err(text: str) -> None:
    """A message for the person (or the pipeline log), on stderr.

    Line breaks pass (some messages span lines on purpose); every other
    control becomes a visible escape. Within `speaking_for(NAME)` each line
    starts with `NAME: `, so the lines of profiles read at once stay apart.
    """
    speaker = _SPEAKER.get()
    if speaker is not None:
        text = "\n".join(f"{speaker}: {line}" for line in text.split("\n"))
    print(inert(text, newlines=True), file=sys.stderr, flush=True)


@contextmanager
def speaking_for(profile: str) -> Iterator[None]:
    """Messages on stderr in this block (and the tasks and threads it starts) name `profile`."""
    token = _SPEAKER.set(profile)
    try:
        yield
    finally:
        _SPEAKER.reset(token)


def prompt(text: str) -> None:
    """A question on stderr, the answer typed after it on the same line."""
    sys.stderr.write(inert(text))
    sys.stderr.flush()


def emit_json(document: Any) -> None:
    """The one JSON document of a run, on stdout (controls escaped, see json_text)."""
    _stdout(json_text(document))


def command_line(*words: str) -> str:
    """A command to suggest to the user, safe to show and to paste into a shell.

    Each word is made inert first (so an id sent by LCS cannot drive the
    terminal), then quoted for a POSIX shell (so a name with a space, `;` or
    `$(…)` stays one harmless argument).
    """
    return " ".join(shlex.quote(inert(word)) for word in words)


def iso(moment: datetime | None) -> str | None:
    """A naive-UTC moment (as LCS and the app keep them) as ISO 8601 with Z."""
    if moment is None:
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
    return moment.replace(microsecond=0).isoformat() + "Z"


def shown(moment: datetime | None) -> str:
    """A moment for a human table: minutes are enough, UTC said once in the header."""
    return f"{moment:%Y-%m-%d %H:%M}" if moment else "-"


def cell(value: object | None) -> str:
    """One value for a table or a `key  value` line: inert, bounded, "-" when empty."""
    return inert(value, limit=CELL_LIMIT) if value else "-"


def table(headers: Sequence[str], rows: Sequence[Sequence[str | None]]) -> str:
    """Plain aligned columns; the last column is not padded (no trailing blanks)."""
    cells = [list(headers), *[[cell(value) for value in row] for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = []
    for row in cells:
        padded = [text.ljust(width) for text, width in zip(row, widths, strict=True)]
        lines.append("  ".join(padded).rstrip())
    return "\n".join(lines)


def print_table(headers: Sequence[str], rows: Sequence[Sequence[str | None]]) -> None:
    _stdout(table(headers, rows))


def fields_text(fields: Sequence[tuple[str, object | None]], *, separator: str = "  ") -> str:
    """`key  value` lines, keys aligned: the human form of one record."""
    width = max(len(key) for key, _ in fields)
    return "\n".join(f"{key:<{width}}{separator}{cell(value)}" for key, value in fields)


def print_fields(fields: Sequence[tuple[str, object | None]]) -> None:
    _stdout(fields_text(fields))
