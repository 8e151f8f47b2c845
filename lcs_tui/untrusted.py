"""The one sanitiser for text that came from outside the app.

Names, descriptions, error messages, status words and ids come from LCS,
Entra ID, blob hosts and files other programs wrote; any member of an LCS
project can name a backup. Printed raw, such text can drive the terminal:
`ESC ] 52` writes the user's clipboard, `ESC ] 0` retitles the window,
`ESC [ 2J` blanks the screen, U+009B is a one-byte CSI, and bidi overrides
make a name read as another. Every path that prints server text — the TUI's
tables, dialogs and notifications, plain CLI output, stderr, suggested
command lines and `--json` — goes through this module.

What is made visible (never passed through): C0 controls (newline and tab
only where a multi-line text is meant), DEL, C1 controls, the bidi controls,
the Unicode line and paragraph separators, and lone surrogates (which a
terminal cannot even encode). Escaping ESC itself makes the rest of any ESC
sequence plain printable characters, so no sequence survives in part.

Standard library only: the CLI, the TUI and the service layer all import it.
"""

from __future__ import annotations

import json
import re
from typing import Any

#: Bidi controls: ALM, LRM, RLM, LRE/RLE/PDF/LRO/RLO, LRI/RLI/FSI/PDI.
_BIDI = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
#: Unicode's own line breaks: a terminal may take them as one, a table must not.
_SEPARATORS = "\u2028\u2029"
_SURROGATES = "\ud800-\udfff"

_UNSAFE_LINE = re.compile(f"[\x00-\x1f\x7f-\x9f{_BIDI}{_SEPARATORS}{_SURROGATES}]")
#: The same, but newline and tab pass (text meant to span lines).
_UNSAFE_BLOCK = re.compile(
    f"[\x00-\x08\x0b-\x1f\x7f-\x9f{_BIDI}{_SEPARATORS}{_SURROGATES}]"
)
#: What `json.dumps(ensure_ascii=False)` leaves raw but a terminal would obey
#: or misread: DEL, C1, bidi, separators, surrogates (it escapes C0 itself).
_UNSAFE_IN_JSON = re.compile(f"[\x7f-\x9f{_BIDI}{_SEPARATORS}{_SURROGATES}]")

_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}

#: What stands for the rest of a cut text.
ELLIPSIS = "…"


def _visible(match: re.Match[str]) -> str:
    char = match.group()
    named = _NAMED.get(char)
    if named is not None:
        return named
    code = ord(char)
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def inert(value: object, *, newlines: bool = False, limit: int | None = None) -> str:
    """`value` as text that cannot control a terminal.

    Controls become visible escapes (`\\x1b`, `\\x9b`, `\\u202e`, `\\n`), so
    the user sees that something odd was sent instead of the terminal obeying
    it. `newlines=True` keeps line breaks and tabs (multi-line messages);
    `limit` cuts the result to that many characters, ending with "…", for
    places with no room for a 10 kB name.
    """
    text = value if isinstance(value, str) else str(value)
    pattern = _UNSAFE_BLOCK if newlines else _UNSAFE_LINE
    if pattern.search(text) is not None:
        text = pattern.sub(_visible, text)
    if limit is not None and len(text) > limit:
        text = text[: max(0, limit - 1)] + ELLIPSIS
    return text


def inert_or_none(value: object | None, **options: Any) -> str | None:
    """`inert`, passing None through (optional fields)."""
    return None if value is None else inert(value, **options)


def _json_escape(match: re.Match[str]) -> str:
    return f"\\u{ord(match.group()):04x}"


def json_text(document: Any, *, indent: int | None = 2) -> str:
    """`document` as JSON that is safe to print: every control escaped.

    Non-ASCII text stays readable (names in any script); only what a
    terminal would act on is written as a `\\uXXXX` escape. Such characters
    can only occur inside JSON strings, where the escape means the same
    character, so a JSON reader sees exactly what the server sent.
    """
    text = json.dumps(document, indent=indent, ensure_ascii=False)
    return _UNSAFE_IN_JSON.sub(_json_escape, text)


__all__ = ["ELLIPSIS", "inert", "inert_or_none", "json_text"]
