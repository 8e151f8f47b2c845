"""Long texts shown in the help and import pages."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lcs_tui.tui.keymap import key_display

if TYPE_CHECKING:
    from lcs_tui.tui.keymap import Keymap


def help_page(keys: Keymap, *, unified: bool = False) -> str:
    """The help page: how to move, then every action's keys (from the one list
    of actions and the user's key map), then what each pane shows."""
    down, up, zoom = keys.shown("cursor_down"), keys.shown("cursor_up"), keys.shown("zoom")
    ends = " or ".join(
        f"{key_display(first)} / {key_display(last)}"
        for first, last in zip(keys.keys("first_row"), keys.keys("last_row"), strict=False)
    )
    # One paragraph each: the page wraps them to its width (a narrow
    # terminal re-wrapped hard line breaks into ragged lines).
    intro = (
        "Move between panes with Tab / Shift+Tab, within a pane with the arrow keys "
        f"or {down} / {up}; {ends} go to the first / last row, ←/→ "
        f"scroll a wide table sideways, and {zoom} gives the focused pane the whole "
        "screen (again, or Esc, gives it back). Enter opens the details of the "
        "highlighted row: an environment with its whole history, a backup, or an "
        "operation with its full activity id (c copies it). In the Downloads pane, "
        "x cancels a download and c clears the finished ones. Ctrl+P opens the command "
        "palette: every action by name, and the themes.\n\n"
    )
    if unified:
        return intro_unified(keys) + keys.help_text(unified=True) + "\n" + NOTES_UNIFIED
    return intro + keys.help_text() + "\n" + NOTES


def intro_unified(keys: Keymap) -> str:
    down, up = keys.shown("cursor_down"), keys.shown("cursor_up")
    return (
        "A Power Platform workspace: the tenant's environments with finance and operations "
        "apps, the unified ones first, then those linked from LCS (Enter on one shows it "
        "in its LCS project when that is open). Move between panes with Tab / Shift+Tab, "
        f"within a pane with the arrow keys or {down} / {up}. The backups pane shows the "
        "highlighted environment's system and manual backups.\n\n"
    )


NOTES_UNIFIED = (
    "A copy or restore is checked here first (which directions Power Platform allows, "
    "busy targets, retention), then validated by Power Platform, and only then — with "
    "the target's name typed — started. It is journaled before it is sent and never "
    "sent twice; it is watched through its stages (Validate, Prepare, Run, Finalize) "
    "in the background, shown or not, for as long as it takes. Unified environments "
    "have no .bacpac export or download.\n"
)


NOTES = (
    "Every operation started here or found running in the history is polled in the "
    "background within LCS's limits, in every open project, shown or not. A "
    "notification and a bell tell you when one finishes. Each environment allows 3 "
    'operations per rolling 24 hours; the "Ops today" column shows what is left. '
    "Keys can be changed in the config file's [keys] table (docs/configuration.md).\n\n"
    "Quote the activity id from the request log or the Operations pane when you "
    "contact Microsoft support.\n"
)

IMPORT = """\
LCS has no API for importing a database: a .bacpac can only be imported into a
sandbox through the LCS portal (and production can only be refreshed from a
sandbox there as well). lcs-tui therefore does not offer an import.

In the LCS portal:
  1. Open the project and go to the environment's details page.
  2. Choose Maintain → Move database.
  3. Pick "Import database" and select the backup from the asset library.
  4. Confirm; the target sandbox goes offline until the import finishes.

Once it runs, you can watch it here: press w and paste its activity id from
the portal. (Refreshes and exports found running in an environment's history
are watched automatically.)
"""
