"""What the scripting commands print: tables and one JSON document on stdout,
everything else (progress, warnings, errors) on stderr.

Keeping stdout to the result alone lets a pipeline pipe it into `jq` while a
person still sees what happens.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from datetime import datetime, timezone
from typing import Any

SCHEMA_PREFIX = "lcs-tui"


def schema_id(command: str) -> str:
    return f"{SCHEMA_PREFIX}/{command}/v1"


def err(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def emit_json(document: dict[str, Any]) -> None:
    """The one JSON document of a run, on stdout."""
    print(json.dumps(document, indent=2, ensure_ascii=False), flush=True)


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


def table(headers: Sequence[str], rows: Sequence[Sequence[str | None]]) -> str:
    """Plain aligned columns; the last column is not padded (no trailing blanks)."""
    cells = [list(headers), *[[value if value else "-" for value in row] for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = []
    for row in cells:
        padded = [cell.ljust(width) for cell, width in zip(row, widths, strict=True)]
        lines.append("  ".join(padded).rstrip())
    return "\n".join(lines)


def print_table(headers: Sequence[str], rows: Sequence[Sequence[str | None]]) -> None:
    print(table(headers, rows), flush=True)


def print_fields(fields: Sequence[tuple[str, str | None]]) -> None:
    """`key  value` lines, keys aligned: the human form of one record."""
    width = max(len(key) for key, _ in fields)
    for key, value in fields:
        print(f"{key:<{width}}  {value if value else '-'}")
    sys.stdout.flush()
