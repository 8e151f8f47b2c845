"""`[keys]`: the user's own keys for the app's actions, from the profiles file.

    [keys]
    refresh = "R"                 # one key
    quit = ["q", "ctrl+q"]        # several
    import_info = []              # none: the action stays in the command palette

Keys are written as Textual names them: `ctrl+r`, `f5`, `escape`,
`question_mark` (or the character itself, `?`), `R` for a capital R. This
module checks the *shape* of the table — a table of names, each a key or a
list of keys, each key a known key name after optional modifiers — and
reports the file and line of what is wrong, without importing Textual (the
headless layers never do). Which action names exist is the app's to know:
`Keymap.check(known_actions)` reports the unknown ones, with their lines.
"""

from __future__ import annotations

import difflib
import itertools
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from lcs_tui.config.store import ConfigError

MODIFIERS = ("ctrl", "shift", "alt", "meta", "super", "hyper")
#: Textual's names of keys that are not characters (textual/keys.py).
SPECIAL_KEYS = frozenset(
    {
        "escape",
        "return",
        "enter",
        "tab",
        "space",
        "backspace",
        "newline",
        "up",
        "down",
        "left",
        "right",
        "home",
        "end",
        "insert",
        "delete",
        "pageup",
        "pagedown",
        *(f"f{n}" for n in range(1, 25)),
    }
)
#: Textual's short names for some characters (its KEY_NAME_REPLACEMENTS).
CHARACTER_NAMES = {
    "slash": "/",
    "backslash": "\\",
    "at": "@",
    "minus": "-",
    "plus": "+",
    "underscore": "_",
}
_ACTION = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*$")
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")

#: Makes a ConfigError for a message, the table ("keys") and the key (an action).
Fail = Callable[[str, "str | None", "str | None"], Exception]
#: Finds the line of an action in the file (None: unknown).
LineOf = Callable[[str], "int | None"]


class Keymap(Mapping[str, tuple[str, ...]]):
    """Action name → the keys the user gave it, in their order (an empty tuple: none).

    Only the actions the file names are here; every other action keeps the
    app's own keys.
    """

    def __init__(
        self,
        bindings: Mapping[str, tuple[str, ...]] | None = None,
        *,
        path: Path | None = None,
        lines: Mapping[str, int] | None = None,
    ) -> None:
        self._bindings = dict(bindings or {})
        self.path = path
        self._lines = dict(lines or {})

    def __getitem__(self, action: str) -> tuple[str, ...]:
        return self._bindings[action]

    def __iter__(self) -> Iterator[str]:
        return iter(self._bindings)

    def __len__(self) -> int:
        return len(self._bindings)

    def __repr__(self) -> str:
        return f"Keymap({self._bindings!r})"

    def line_of(self, action: str) -> int | None:
        """The line of the profiles file that maps `action`."""
        return self._lines.get(action)

    def check(self, known_actions: Iterable[str]) -> list[ConfigError]:
        """A ConfigError (file, line, key) for each action name the app does not have.

        The app reports them and keeps its own keys for everything else; a
        mistyped name must not go unnoticed, nor stop the app.
        """
        from lcs_tui.config.store import ConfigError

        known = sorted(set(known_actions))
        problems: list[ConfigError] = []
        for action in self._bindings:
            if action in known:
                continue
            close = difflib.get_close_matches(action, known, n=1)
            guess = f"; did you mean {close[0]!r}?" if close else ""
            problems.append(
                ConfigError(
                    f"[keys] names an action lcs-tui does not have: {action!r}{guess}",
                    path=self.path,
                    line=self.line_of(action),
                    key=action,
                    hint="actions: " + ", ".join(known),
                )
            )
        return problems


def parse_keys(table: Any, path: Path, fail: Fail, line_of: LineOf) -> Keymap:
    """The `[keys]` table as read by tomllib; `fail` makes the error for a wrong shape."""
    if not isinstance(table, dict):
        raise fail('"keys" must be a table: [keys] with lines like refresh = "R"', None, "keys")
    bindings: dict[str, tuple[str, ...]] = {}
    lines: dict[str, int] = {}
    for action, value in table.items():
        if not _ACTION.match(action):
            raise fail(
                f"[keys]: {action!r} is not an action name (letters, digits, _ and -)",
                "keys",
                action,
            )
        values = value if isinstance(value, list) else [value]
        if not all(isinstance(v, str) for v in values):
            raise fail(
                f'[keys] {action} must be a key in quotes ("R") or a list of them '
                f'(["q", "ctrl+q"]), not {value!r}',
                "keys",
                action,
            )
        keys: list[str] = []
        for key in values:
            problem = key_problem(key)
            if problem is not None:
                raise fail(f"[keys] {action}: {problem}", "keys", action)
            if key not in keys:
                keys.append(key)
        bindings[action] = tuple(keys)
        line = line_of(action)
        if line is not None:
            lines[action] = line
    return Keymap(bindings, path=path, lines=lines)


def key_problem(key: str) -> str | None:
    """Why `key` is not a key Textual can bind, or None when it is one."""
    if key == "":
        return 'an empty key; leave the action out, or write [] for "no key"'
    if any(ch.isspace() for ch in key):
        return f"{key!r} holds a blank; the space bar is 'space'"
    if key == ",":
        return "',' is written 'comma'"
    if "," in key:
        return f'{key!r}: one key per string; several keys go in a list: ["a", "b"]'
    if len(key) == 1:
        return None if key.isprintable() else f"{key!r} is not a key"
    *modifiers, name = key.split("+")
    if name == "":
        return f"{key!r}: the '+' key is written 'plus' (ctrl+plus)"
    for modifier in modifiers:
        if modifier.lower() not in MODIFIERS:
            return f"{key!r}: {modifier!r} is not a modifier ({', '.join(MODIFIERS)})"
        if modifier != modifier.lower():
            return f"{key!r}: modifiers are written in lower case: {key.lower()!r}"
    if len(set(modifiers)) != len(modifiers):
        return f"{key!r} repeats a modifier"
    if len(name) == 1:
        return None if name.isprintable() else f"{key!r} is not a key"
    if not _NAME.match(name.lower()):
        return f"{key!r}: {name!r} is not a key name"
    if name != name.lower():
        lowered = "+".join([*modifiers, name.lower()])
        return f"{key!r}: key names are written in lower case: {lowered!r}"
    if _known_name(name):
        return None
    close = difflib.get_close_matches(name, [*SPECIAL_KEYS, *CHARACTER_NAMES], n=1)
    guess = f"; did you mean {close[0]!r}?" if close else ""
    return (
        f"{key!r}: {name!r} is not a key name Textual knows{guess} (names: escape, enter, "
        "tab, space, up, pageup, f1…f24, or a character's name such as question_mark)"
    )


def _known_name(name: str) -> bool:
    if name in SPECIAL_KEYS or name in CHARACTER_NAMES:
        return True
    # Textual names every other character by its Unicode name, blanks and
    # hyphens made underscores: question_mark, full_stop, less_than_sign.
    words = name.upper().split("_")
    if len(words) > 8:
        return False
    for joints in itertools.product(" -", repeat=len(words) - 1):
        candidate = words[0] + "".join(j + w for j, w in zip(joints, words[1:], strict=True))
        try:
            unicodedata.lookup(candidate)
        except KeyError:
            continue
        return True
    return False


def render_keys(keymap: Mapping[str, tuple[str, ...]], quote: Callable[[str], str]) -> list[str]:
    """The `[keys]` table as TOML lines (empty when nothing is mapped)."""
    if not keymap:
        return []
    lines = ["", "[keys]"]
    for action, keys in keymap.items():
        value = quote(keys[0]) if len(keys) == 1 else "[" + ", ".join(map(quote, keys)) + "]"
        lines.append(f"{action} = {value}")
    return lines
