"""The project switcher: every profile, with how its workspace is doing.

Like k9s's contexts: a list, Enter shows one (opening its profile first
when it is not open yet), Esc goes back.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Label, Static

from lcs_tui.tui.format import safe

if TYPE_CHECKING:
    from lcs_tui.tui.controllers.runtime import WorkspaceRuntime


class ProjectSwitcher(ModalScreen[str | None]):
    BINDINGS = [Binding("escape", "dismiss_none", "Back")]
    DEFAULT_CSS = """
    ProjectSwitcher { align: center middle; }
    ProjectSwitcher > Vertical {
        width: 90; max-width: 100%; height: auto; max-height: 90%;
        border: thick $primary; background: $surface; padding: 1 2;
    }
    ProjectSwitcher .title { text-style: bold; margin-bottom: 1; }
    ProjectSwitcher DataTable { height: auto; max-height: 20; }
    ProjectSwitcher #hint { color: $text-muted; margin-top: 1; }
    """

    def __init__(
        self,
        profiles: Sequence[str],
        runtimes: Mapping[str, WorkspaceRuntime],
        shown: str,
    ) -> None:
        super().__init__()
        # Open ones first, in the order they were opened; then the others.
        self._names = [*runtimes, *(p for p in profiles if p not in runtimes)]
        self._runtimes = runtimes
        self._shown = shown

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("Projects", classes="title")
            yield DataTable(id="projects", cursor_type="row", zebra_stripes=True)
            yield Static(
                "Enter shows a project (and opens it if needed) · Esc goes back", id="hint"
            )

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for key, label in (("name", "Profile"), ("project", "Project"), ("state", "State")):
            table.add_column(label, key=key)
        for name in self._names:
            runtime = self._runtimes.get(name)
            marker = "▸ " if name == self._shown else "  "
            if runtime is None:
                cells: list[Any] = [
                    safe(marker + name),
                    Text("—", style="dim"),
                    Text("not open", style="dim"),
                ]
            else:
                state = runtime.state()
                style = (
                    "bold red"
                    if "needs" in state or "failed" in state
                    else "yellow"
                    if state.startswith(("offline", "throttled", "pacing", "error"))
                    else "green"
                )
                cells = [
                    safe(marker + name, "bold" if name == self._shown else ""),
                    safe(
                        f"tenant {runtime.workspace.profile.tenant}"
                        if runtime.workspace.is_powerplatform
                        else runtime.workspace.profile.project_id,
                        limit=40,
                    ),
                    safe(state, style),
                ]
            table.add_row(*cells, key=name)
        table.move_cursor(row=self._names.index(self._shown) if self._shown in self._names else 0)
        table.focus()

    @on(DataTable.RowSelected)
    def _chosen(self, event: DataTable.RowSelected) -> None:
        self.dismiss(str(event.row_key.value))

    def action_dismiss_none(self) -> None:
        self.dismiss(None)
