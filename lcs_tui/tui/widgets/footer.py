"""The footer, fitted to the terminal: what does not fit is left out, least needed first.

Textual's footer scrolls sideways when its keys are wider than the
terminal, so at 80 columns `? Help` and `q Quit` fell off the end (and a
stray character stayed behind). Here the keys a user can least do without
stay; the others (all of them are on the help page and in the palette) give
way, pane keys and views first.
"""

from __future__ import annotations

from collections.abc import Hashable

from textual.app import ComposeResult
from textual.widget import Widget
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

#: Actions in the order they are kept when room runs out (first: kept longest).
KEPT_LONGEST = (
    "quit",
    "help",
    "refresh",
    "copy",
    "export",
    "restore",
    "watch",
    "download",
    "create_backup",
    "projects",
    "overview",
    "filter",
    "toggle_log",
)


def _cost(item: Widget) -> int:
    if not isinstance(item, FooterKey):
        return 0
    # The key and its description, each with one cell of air either side.
    return len(item.key_display) + len(item.description) + (2 if item.compact else 4)


def _rank(item: Widget) -> int:
    """Lower is kept longer; the palette key is never dropped."""
    if not isinstance(item, FooterKey) or "-command-palette" in item.classes:
        return -1
    action = item.action.split("(")[0].removeprefix("app.").removeprefix("screen.")
    return KEPT_LONGEST.index(action) if action in KEPT_LONGEST else len(KEPT_LONGEST)


class FittedFooter(Footer):
    #: What the keys on show were composed from (see `recompose`).
    _composed_from: Hashable = None

    def _keys_wanted(self) -> Hashable:
        """Everything `compose` draws from: the screen's keys, the width, the style."""
        keys = tuple(
            (b.key, b.key_display, b.action, b.description, b.show, b.group, enabled, tooltip)
            for (_, b, enabled, tooltip) in self.screen.active_bindings.values()
        )
        return (self._bindings_ready, self.compact, self.app.size.width, keys)

    async def recompose(self) -> None:
        # Textual recomposes the footer whenever the screen's bindings may have
        # changed (every focus change, every refresh of the bindings) and the
        # screen asks again at every resize: its keys removed, made, mounted
        # and styled again, then a layout, mostly for the same keys (half the
        # recompositions before the first full screen). Only a change is redrawn.
        if self.is_attached and self._keys_wanted() == self._composed_from:
            return
        await super().recompose()

    def compose(self) -> ComposeResult:
        self._composed_from = self._keys_wanted()
        items = list(super().compose())
        room = self.app.size.width - 1
        # Each item's width once: Textual recomposes the footer at every focus
        # and bindings change (dozens of times during start-up), and a key's
        # display text is looked up through the keymap each time it is read.
        costs = {id(item): _cost(item) for item in items}
        total = sum(costs.values())
        # Dropped from the end of this list: the least needed, the first of equals.
        droppable = [
            item
            for _, _, item in sorted(
                (_rank(item), -index, item) for index, item in enumerate(items) if _rank(item) >= 0
            )
        ]
        while total > room and droppable:
            dropped = droppable.pop()
            items.remove(dropped)
            total -= costs[id(dropped)]
        yield from items
