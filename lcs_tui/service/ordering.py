"""The one order in which lcs-tui lists a project's environments.

The app's environments pane shows them as LCS lists them (the portal's own
order: LCS documents none, and users know their project by it), and so do
the scripting commands; both take the order from here, so that `lcs-tui
envs` and the app can never disagree again. Standard library only.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from lcs_tui.api import Environment


def display_order(environments: Iterable[Environment]) -> list[Environment]:
    """`environments` in the order lcs-tui shows them: as LCS listed them.

    A function rather than a habit, so that a later change of order (say,
    production first) happens for the app and the commands at once.
    """
    return list(environments)
