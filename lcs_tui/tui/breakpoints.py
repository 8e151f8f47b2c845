"""A screen's breakpoint classes, known before it is first drawn.

Textual sets a screen's breakpoint classes ("-wide", "-tall", ...) at its
first resize, once every widget of it has been mounted and styled, and a
class change on the screen restyles every widget below it: for the main
screen that was one more full restyle before its first frame. A screen that
has the classes from the start sees no change at that resize.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from textual.app import App
from textual.screen import Screen


def _pick(dimension: int, breakpoints: Sequence[tuple[int, str]]) -> list[str]:
    # As Textual's Screen._get_breakpoint_classes: the highest one reached.
    for threshold, name in sorted(breakpoints, reverse=True):
        if dimension >= threshold:
            return [name]
    return []


def breakpoint_classes(app: App[Any], screen: Screen[Any]) -> list[str]:
    """The classes the first resize of `screen` would give it at the app's size."""
    width, height = app.size
    horizontal = screen.HORIZONTAL_BREAKPOINTS
    vertical = screen.VERTICAL_BREAKPOINTS
    return [
        *_pick(width, (app.HORIZONTAL_BREAKPOINTS if horizontal is None else horizontal) or []),
        *_pick(height, (app.VERTICAL_BREAKPOINTS if vertical is None else vertical) or []),
    ]
