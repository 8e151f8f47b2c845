"""A corpus of hostile server text, and the check that none of it arrived raw.

Every printing path is fed these strings (as an environment name, a backup
name, an error message, a status word, an activity id …); what reaches the
terminal must contain none of the dangerous characters.
"""

from __future__ import annotations

import re

#: OSC 52: writes "PWNED" to the user's clipboard.
OSC52 = "\x1b]52;c;UFdORUQ=\x07"
#: OSC 0: retitles the terminal window.
OSC0 = "\x1b]0;owned title\x07"
#: OSC 8: a hyperlink, terminated by ST (ESC \\).
OSC8 = "\x1b]8;;https://evil.example/\x1b\\click\x1b]8;;\x1b\\"
#: CSI 2J: blanks the screen.
CSI_CLEAR = "\x1b[2J"
#: C1 CSI (U+009B): a one-byte CSI some terminals honour.
C1_CSI = "\x9b2J"
#: Right-to-left override: "gpj.exe" reads as "exe.jpg".
BIDI = "report\u202egpj.exe"
NUL = "a\x00b"
BEL = "ding\x07"
LONG = "x" * 10_000

HOSTILE: dict[str, str] = {
    "osc52": f"PROD{OSC52}",
    "osc0": f"UAT{OSC0}",
    "osc8": f"TEST{OSC8}",
    "csi-2j": f"DEV{CSI_CLEAR}",
    "c1-csi": f"PERF{C1_CSI}",
    "bidi": BIDI,
    "nul": NUL,
    "bel": BEL,
    "long": LONG,
}

#: What must never reach a terminal from server text: C0 but newline (and
#: tab/CR, which the TUI never writes inside cells), DEL, C1, bidi controls.
DANGEROUS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")

#: The payloads that must not arrive in the raw bytes the TUI writes (the
#: TUI's own escape sequences are fine; these are not Textual's).
RAW_PAYLOADS = (
    b"\x1b]52;c;UFdORUQ",
    b"\x1b]0;owned title",
    b"\x1b]8;;https://evil.example",
    "\u202e".encode(),
    "\x9b2J".encode(),
)


def assert_inert(text: str) -> None:
    """No dangerous character in `text` (output meant for a person)."""
    found = DANGEROUS.search(text)
    assert found is None, f"raw control {found.group()!r} in output: {text[:200]!r}"
