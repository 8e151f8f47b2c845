"""The top line: profile, project, API host, user and connection state."""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widgets import Static


class StatusBar(Static):
    DEFAULT_CSS = """
    StatusBar {
        dock: top;
        height: 1;
        background: $panel;
        color: $foreground;
        padding: 0 1;
    }
    """

    profile: reactive[str] = reactive("")
    project: reactive[str] = reactive("")
    host: reactive[str] = reactive("")
    user: reactive[str] = reactive("signing in…")
    #: "online", "offline", "throttled until 10:42:07", "retrying", "signing in"
    connection: reactive[str] = reactive("connecting")
    read_only: reactive[bool] = reactive(False)

    def render(self) -> Text:
        state = self.connection
        colour = (
            "green" if state == "online" else "red" if state.startswith("offline") else "yellow"
        )
        text = Text.assemble(
            ("lcs-tui", "bold"),
            " ─ profile: ",
            (self.profile, "bold"),
            " ─ project ",
            (self.project, "bold"),
            " ─ ",
            (self.host, "dim"),
            " ─ ",
            (self.user, ""),
            " ─ ",
            ("● ", colour),
            (state, colour),
        )
        if self.read_only:
            text.append("  READ-ONLY", style="bold reverse")
        text.truncate(max(self.size.width, 20), overflow="ellipsis")
        return text
