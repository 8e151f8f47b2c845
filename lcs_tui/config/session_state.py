"""What the app remembers between launches: the open workspaces, the one shown, the theme.

One small JSON file, `session.json`, in the platform state directory (the
operation journals' directory; `LCS_TUI_STATE_DIR` overrides it):

    {"version": 1, "workspaces": ["contoso", "fabrikam"], "shown": "fabrikam",
     "theme": "textual-dark"}

It is a convenience, never a reason not to start: a missing, unreadable or
hand-broken file gives the defaults (nothing remembered) and a message in
`SessionState.problem` for the app to show; a field of the wrong type costs
only that field. A newer version's file is read for the fields this one
knows. Writes are atomic (lcs_tui/atomic.py: a temporary file in the same
directory, fsynced, renamed over the old one): a crash leaves the old state
or the new, never half. A symbolic link (or any other non-file) planted
under the file's name is never followed: reading it gives the defaults with
a message, and saving replaces the link itself, never what it points to.

Standard library, platformdirs and lcs_tui.atomic only; callable from a
thread worker (one lock serialises this process's reads and writes; between
two processes the last save wins, each file complete).
"""

from __future__ import annotations

import contextlib
import json
import os
import stat
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from lcs_tui.atomic import write_atomically

APP_NAME = "lcs-tui"
STATE_DIR_ENV = "LCS_TUI_STATE_DIR"
FILE_NAME = "session.json"
FORMAT_VERSION = 1
#: Far more than any real state (a few hundred bytes); a bigger file is not ours.
MAX_BYTES = 64 * 1024
#: More workspaces than anyone opens; a longer list is cut (and said).
MAX_WORKSPACES = 200
#: Longest profile or theme name kept.
MAX_NAME = 200
#: A temporary file of a save killed before its rename is removed after this long.
_LEFTOVER_AGE = 60.0

_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
_LOCK = threading.Lock()


class SessionStateError(Exception):
    """The session state could not be saved; the message says where and why."""


@dataclass(frozen=True)
class SessionState:
    """Which workspaces were open (profile names, in their order), the one shown, the theme."""

    workspaces: tuple[str, ...] = ()
    #: The workspace shown last; one of `workspaces`, or None.
    shown: str | None = None
    #: The Textual theme's name; None: the app's default.
    theme: str | None = None
    #: Set by `load_session_state` when the file was not what it should be:
    #: what happened, for the user. Not saved, not compared.
    problem: str | None = field(default=None, compare=False)

    def restricted_to(self, names: Iterable[str]) -> SessionState:
        """Only the workspaces whose profiles still exist (`names`); `shown` follows.

        A profile removed since the last launch is simply not reopened.
        """
        known = set(names)
        kept = tuple(name for name in self.workspaces if name in known)
        shown = self.shown if self.shown in kept else (kept[0] if kept else None)
        return replace(self, workspaces=kept, shown=shown)


def state_dir() -> Path:
    """The platform state directory of lcs-tui (the journals live there too)."""
    override = os.environ.get(STATE_DIR_ENV)
    if override:
        return Path(override)
    from platformdirs import user_state_dir

    return Path(user_state_dir(APP_NAME, appauthor=False))


def session_state_path() -> Path:
    return state_dir() / FILE_NAME


def load_session_state(path: Path | None = None) -> SessionState:
    """The remembered state, or the defaults (with `problem` set when the file was bad).

    Never raises for anything the file holds or is; blocking file I/O: call
    it from a thread in the UI.
    """
    path = path or session_state_path()
    with _LOCK:
        try:
            raw = _read(path)
        except FileNotFoundError:
            return SessionState()
        except _NotOurs as exc:
            return SessionState(problem=_ignored(path, str(exc)))
        except OSError as exc:
            return SessionState(
                problem=_ignored(path, f"it cannot be read ({exc.strerror or exc})")
            )
    return _parse(raw, path)


def save_session_state(state: SessionState, path: Path | None = None) -> None:
    """Write the state atomically; SessionStateError when the directory refuses it."""
    path = path or session_state_path()
    payload = json.dumps(_to_json(state), indent=1, ensure_ascii=False).encode("utf-8") + b"\n"
    with _LOCK:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            _remove_leftovers(path)
            write_atomically(path, payload)
        except OSError as exc:
            raise SessionStateError(
                f"could not remember the open workspaces in {path}: {exc.strerror or exc}; "
                f"check that {path.parent} can be written (or set {STATE_DIR_ENV})"
            ) from exc


# ------------------------------------------------------------------ reading


class _NotOurs(Exception):
    """Something sits under the file's name that lcs-tui did not write."""


def _read(path: Path) -> bytes:
    if not _NOFOLLOW and path.is_symlink():  # pragma: no cover - platforms without O_NOFOLLOW
        raise _NotOurs("it is a symbolic link")
    try:
        # O_NONBLOCK: a planted FIFO must not hang the start of the app.
        fd = os.open(path, os.O_RDONLY | _NOFOLLOW | _NONBLOCK)
    except OSError as exc:
        if path.is_symlink():  # ELOOP, or EMLINK/EFTYPE on the BSDs
            raise _NotOurs("it is a symbolic link") from None
        raise exc
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise _NotOurs("it is not a regular file")
        if info.st_size > MAX_BYTES:
            raise _NotOurs(f"it is {info.st_size} bytes, far more than lcs-tui ever writes")
        chunks = []
        while data := os.read(fd, MAX_BYTES + 1):
            chunks.append(data)
            if sum(map(len, chunks)) > MAX_BYTES:
                raise _NotOurs("it is far larger than lcs-tui ever writes")
        return b"".join(chunks)
    finally:
        os.close(fd)


def _ignored(path: Path, why: str) -> str:
    return (
        f"The remembered session {path} was not used: {why}. lcs-tui started with "
        "the default workspace; the file is replaced when the session is next saved."
    )


def _parse(raw: bytes, path: Path) -> SessionState:
    try:
        data = json.loads(raw.decode("utf-8"))
    except (ValueError, RecursionError):  # JSON and Unicode errors are ValueErrors
        return SessionState(problem=_ignored(path, "it is not valid JSON"))
    if not isinstance(data, dict):
        return SessionState(problem=_ignored(path, "it is not a JSON object"))
    bad: list[str] = []
    workspaces = _names(data.get("workspaces", []), bad)
    shown = _name(data.get("shown"), "shown", bad)
    theme = _name(data.get("theme"), "theme", bad)
    if shown is not None and shown not in workspaces:
        shown = None  # the app opens the first one instead
    problem = None
    if bad:
        problem = (
            f"Part of the remembered session {path} was not used ({'; '.join(bad)}); "
            "the rest was. The file is rewritten when the session is next saved."
        )
    return SessionState(workspaces, shown, theme, problem)


def _names(value: Any, bad: list[str]) -> tuple[str, ...]:
    if not isinstance(value, list):
        bad.append("'workspaces' is not a list of profile names")
        return ()
    names: list[str] = []
    for item in value:
        name = _name(item, "workspaces", bad)
        if name is not None and name not in names:
            names.append(name)
    if len(names) > MAX_WORKSPACES:
        bad.append(f"more than {MAX_WORKSPACES} workspaces; the first {MAX_WORKSPACES} are kept")
        names = names[:MAX_WORKSPACES]
    return tuple(names)


def _name(value: Any, key: str, bad: list[str]) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not _plain(value):
        problem = f"'{key}' holds something that is not a name"
        if problem not in bad:
            bad.append(problem)
        return None
    return value


def _plain(text: str) -> bool:
    """A name as lcs-tui writes one: not empty, not huge, no control characters."""
    return 0 < len(text) <= MAX_NAME and text.isprintable()


# ------------------------------------------------------------------ writing


def _to_json(state: SessionState) -> dict[str, Any]:
    workspaces = list(dict.fromkeys(n for n in state.workspaces if _plain(n)))[:MAX_WORKSPACES]
    shown = state.shown if state.shown in workspaces else None
    theme = state.theme if state.theme is not None and _plain(state.theme) else None
    return {"version": FORMAT_VERSION, "workspaces": workspaces, "shown": shown, "theme": theme}


def _remove_leftovers(path: Path) -> None:
    """Temporary files of saves killed before their rename (none in normal use)."""
    now = time.time()
    for leftover in path.parent.glob(f".{path.name}.*.tmp"):
        with contextlib.suppress(OSError):
            info = leftover.lstat()
            if stat.S_ISREG(info.st_mode) and now - info.st_mtime > _LEFTOVER_AGE:
                leftover.unlink()
