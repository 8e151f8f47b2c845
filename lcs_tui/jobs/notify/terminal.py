"""The terminal's own notification escape, as a fallback when no desktop service answers.

OSC 9 (`ESC ] 9 ; text BEL`: iTerm2, Windows Terminal, WezTerm, ConEmu,
kitty) by default; OSC 777 (`ESC ] 777 ; notify ; title ; body BEL`:
GNOME Terminal and other VTE terminals, foot, urxvt) where the terminal says
it is one of those. Written only to a real terminal: into a pipe or a log
file the bytes would be garbage. The text is inert already (message.py); the
characters that end or split the sequence (BEL, ESC, `;` for OSC 777) are
removed on top, so nothing a server sent can close the sequence early.
"""

from __future__ import annotations

import os
import sys
from typing import TextIO

from lcs_tui.jobs.notify.message import Notification

_VTE_TERMS = ("foot", "rxvt")


def osc_sequence(note: Notification, *, environ: dict[str, str] | None = None) -> str:
    env = os.environ if environ is None else environ
    term = env.get("TERM", "")
    vte = bool(env.get("VTE_VERSION")) or any(t in term for t in _VTE_TERMS)
    body = " — ".join(note.lines)
    if vte:
        return f"\x1b]777;notify;{_clean(note.title, semi=True)};{_clean(body, semi=True)}\x07"
    return f"\x1b]9;{_clean(note.title + ': ' + body)}\x07"


def _clean(text: str, *, semi: bool = False) -> str:
    cleaned = "".join(c for c in text if c.isprintable())
    return cleaned.replace(";", ",") if semi else cleaned


class TerminalChannel:
    """Writes the escape to `stream` (stderr by default) when it is a terminal."""

    name = "terminal"

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream

    async def send(self, note: Notification) -> str | None:
        stream = self.stream if self.stream is not None else sys.stderr
        try:
            if not stream.isatty():
                return "terminal notification: not writing to a terminal"
            stream.write(osc_sequence(note))
            stream.flush()
        except (OSError, ValueError) as exc:
            return f"terminal notification failed: {type(exc).__name__}"
        return None
