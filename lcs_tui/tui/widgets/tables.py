"""What the app's tables share: vi-style keys, first/last row, the cursor kept in view."""

from __future__ import annotations

from typing import Any, ClassVar

from textual import events
from textual.binding import BindingType
from textual.widgets import DataTable
from textual.widgets.data_table import CellDoesNotExist

from lcs_tui.tui.keymap import bindings


def highlighted_key(table: DataTable[Any]) -> str | None:
    """The key of the row under the cursor, or None in an empty table."""
    if table.row_count == 0:
        return None
    try:
        row_key, _ = table.coordinate_to_cell_key(table.cursor_coordinate)
    except CellDoesNotExist:
        return None
    return None if row_key.value is None else str(row_key.value)


class PaneTable(DataTable[Any]):
    """A row table as k9s and lazygit users expect one to move.

    j/k move down and up; g/G and Home/End go to the first and last row
    (DataTable's own Home/End scroll sideways, which in a row table is
    rarely what anyone means; ←/→ still do that). After a resize the
    highlighted row stays in view.
    """

    # From the one list of actions (actions.py), so a remapped key works here too.
    BINDINGS: ClassVar[list[BindingType]] = bindings("tables")

    def on_resize(self, event: events.Resize) -> None:
        if self.row_count:
            self.call_after_refresh(self._keep_cursor_in_view)

    def _keep_cursor_in_view(self) -> None:
        if self.is_mounted and self.row_count:
            # DataTable's own routine for a cursor that moved out of view.
            self._scroll_cursor_into_view()
