"""Keys for the actions in actions.py: bindings, the user's remapping, display.

Every binding is made here from the one list of actions, with the action's
name as its id. A user's `[keys]` table in the config file becomes Textual's
keymap (binding id → keys), so a remapped key works, shows in the footer,
and is the one the help page and the palette name.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from textual.binding import Binding, BindingType

from lcs_tui.tui.actions import ACTIONS, BY_NAME, SECTIONS, Action, Scope, in_scope, offered

#: How keys are written for people (Textual's names on the left).
_KEY_NAMES = {
    "question_mark": "?",
    "slash": "/",
    "right_square_bracket": "]",
    "left_square_bracket": "[",
    "escape": "Esc",
    "enter": "Enter",
    "tab": "Tab",
    "home": "Home",
    "end": "End",
    "pageup": "PgUp",
    "pagedown": "PgDn",
    "space": "Space",
    "delete": "Del",
}
#: The id of the twin binding that says why a mutating action is off.
READ_ONLY_SUFFIX = ".read-only"


def read_only_id(name: str) -> str:
    return name + READ_ONLY_SUFFIX


def bindings(scope: Scope) -> list[BindingType]:
    """The bindings of one scope, as a widget's or screen's BINDINGS.

    A mutating action gets a hidden twin on the same keys: with --read-only
    the action is off (check_action) and the twin says why instead.
    """
    return bindings_of(in_scope(scope))


def bindings_of(actions: tuple[Action, ...]) -> list[BindingType]:
    """`bindings` for a chosen list of actions."""
    result: list[BindingType] = []
    for action in actions:
        result.append(
            Binding(
                ",".join(action.keys),
                action.target,
                action.label,
                show=action.footer and bool(action.label),
                id=action.name,
            )
        )
        if action.mutating:
            result.append(
                Binding(
                    ",".join(action.keys),
                    # On the same node as the action (a pane's may run on its screen).
                    action.target[: action.target.find(".") + 1]
                    + f"read_only({(action.off_label or action.label or action.title)!r})",
                    show=False,
                    id=read_only_id(action.name),
                )
            )
    return result


def key_display(key: str) -> str:
    if key in _KEY_NAMES:
        return _KEY_NAMES[key]
    if "+" in key:
        *mods, last = key.split("+")
        return "+".join([*(m.capitalize() for m in mods), key_display(last).upper()])
    return key


@dataclass(frozen=True)
class Keymap:
    """The keys in force: the defaults, with the user's `[keys]` over them."""

    overrides: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    @classmethod
    def from_config(cls, keys: Mapping[str, tuple[str, ...]]) -> tuple[Keymap, list[str]]:
        """The keymap and what was wrong in the config (unknown action names)."""
        known = {name: value for name, value in keys.items() if name in BY_NAME}
        problems = [
            f"[keys] {name}: no such action; the actions are: " + ", ".join(sorted(BY_NAME))
            for name in keys
            if name not in BY_NAME
        ]
        return cls(known), problems

    def keys(self, name: str) -> tuple[str, ...]:
        return self.overrides.get(name) or BY_NAME[name].keys

    def shown(self, name: str) -> str:
        """The keys of an action as a person reads them ("g / Home")."""
        return " / ".join(key_display(key) for key in self.keys(name))

    def textual(self) -> dict[str, str]:
        """Textual's keymap: binding id → keys, for the remapped actions only."""
        mapping: dict[str, str] = {}
        for name, keys in self.overrides.items():
            mapping[name] = ",".join(keys)
            if BY_NAME[name].mutating:
                mapping[read_only_id(name)] = ",".join(keys)
        return mapping

    def help_text(self, *, unified: bool = False) -> str:
        """The help page's list of keys, section by section, from the actions
        (those of an LCS workspace, or with `unified` of a Power Platform one)."""
        lines: list[str] = []
        for section in SECTIONS:
            actions = [a for a in ACTIONS if a.section == section and offered(a, unified=unified)]
            if not actions:
                continue
            lines.append(section)
            for action in actions:
                said = (action.unified_help or action.help) if unified else action.help
                lines.append(f"  {self.shown(action.name):<10} {said}")
            lines.append("")
        return "\n".join(lines).rstrip() + "\n"


def action_for(name: str) -> Action:
    return BY_NAME[name]
