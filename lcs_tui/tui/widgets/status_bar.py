"""The top line: profile, project, geography and API host, user and connection state."""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widgets import Static

from lcs_tui.untrusted import inert


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
    #: What `project` is: an LCS project's id, or a Power Platform tenant.
    project_word: reactive[str] = reactive("project")
    #: The geography's name, e.g. "Europe" ("custom" for a host of one's own).
    geography: reactive[str] = reactive("")
    host: reactive[str] = reactive("")
    user: reactive[str] = reactive("signing in…")
    #: "online", "offline", "throttled until 10:42:07", "retrying", "signing in"
    connection: reactive[str] = reactive("connecting")
    read_only: reactive[bool] = reactive(False)
    #: The demo's simulated clock ("demo clock ×120 · 14:32 UTC"), else "";
    #: `clock_short` is the same for narrow terminals ("×120 14:32").
    clock: reactive[str] = reactive("")
    clock_short: reactive[str] = reactive("")

    def render(self) -> Text:
        state = self.connection
        colour = (
            "green" if state == "online" else "red" if state.startswith("offline") else "yellow"
        )
        width = max(self.size.width - 2, 20)
        # Parts in the order they are given up when the terminal is narrow:
        # the API host first, then the "signed in as" wording, then the
        # geography; the connection state always stays.
        # The username comes from Entra's answer; the rest is the profile's.
        user_text = inert(self.user, limit=80)
        short_user = user_text.removeprefix("signed in as ")
        # (…, whether the name and the word "project" still fit.)
        for geography, host, user, clock, wordy in (
            (True, True, user_text, self.clock, True),
            (True, False, user_text, self.clock, True),
            (True, False, short_user, self.clock, True),
            (False, False, short_user, self.clock, True),
            (False, False, short_user, self.clock_short, True),
            (False, False, short_user, self.clock_short, False),
        ):
            text = Text.assemble(
                ("lcs-tui ─ " if wordy else "", "bold"),
                (inert(self.profile, limit=40), "bold"),
                f" ─ {self.project_word} " if wordy else " ─ ",
                (inert(self.project, limit=80), "bold"),
            )
            if geography and self.geography:
                text.append(" ─ ")
                text.append(self.geography)
                if host:
                    text.append(f" ({inert(self.host, limit=80)})", style="dim")
            elif host:
                text.append(" ─ ")
                text.append(inert(self.host, limit=80), style="dim")
            text.append(" ─ ")
            text.append(user)
            text.append(" ─ ")
            text.append("● ", style=colour)
            text.append(inert(state, limit=120), style=colour)
            if self.read_only:
                text.append("  READ-ONLY", style="bold reverse")
            if clock:
                text.append(f"  {clock}", style="italic magenta")
            if text.cell_len <= width:
                return text
        text.truncate(width, overflow="ellipsis")
        return text
