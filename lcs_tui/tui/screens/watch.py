"""Watching an operation started elsewhere (portal, pipeline) by its activity id."""

from __future__ import annotations

import re

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label, Select, Static

from lcs_tui.api import Environment
from lcs_tui.tui.format import safe
from lcs_tui.tui.screens.common import Dialog

ACTIVITY_ID = re.compile(
    r"^[0-9A-Fa-f]{8}-?[0-9A-Fa-f]{4}-?[0-9A-Fa-f]{4}-?[0-9A-Fa-f]{4}-?"
    r"[0-9A-Fa-f]{12}$"
)


class WatchDialog(Dialog):
    def __init__(self, envs: list[Environment], env_id: str | None) -> None:
        super().__init__()
        self._envs = envs
        self._env_id = env_id
        self.chosen: tuple[str, str] | None = None

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("Watch an operation by its activity id", classes="title")
            yield Static(
                "For a refresh, choose its target environment; for an export, "
                "the environment it exports."
            )
            yield Label("Environment", classes="field-label")
            yield Select(
                [(safe(e.name), e.id) for e in self._envs],
                id="env",
                value=self._env_id or Select.NULL,
            )
            yield Label("Activity id (a GUID, as shown in LCS)", classes="field-label")
            yield Input(placeholder="55eb0d5c-7e4f-4c51-9a1b-4d9b2a7c3e11", id="activity")
            yield Static(id="problems", classes="problems")
            with Horizontal(classes="buttons"):
                yield Button("Cancel", id="cancel")
                yield Button("Watch", id="confirm", variant="primary", disabled=True)

    def on_mount(self) -> None:
        self.query_one("#activity", Input).focus()

    @on(Input.Changed)
    @on(Select.Changed)
    def _check(self) -> None:
        self.query_one("#confirm", Button).disabled = self._selection() is None
        value = self.query_one("#activity", Input).value.strip()
        message = "" if not value or ACTIVITY_ID.match(value) else "an activity id is a GUID"
        self.query_one("#problems", Static).update(message)

    def _selection(self) -> tuple[str, str] | None:
        env = self.query_one("#env", Select).value
        activity = self.query_one("#activity", Input).value.strip()
        if isinstance(env, str) and ACTIVITY_ID.match(activity):
            return env, activity
        return None

    @on(Input.Submitted)
    def confirm(self) -> None:
        chosen = self._selection()
        if chosen:
            self.chosen = chosen
            self.dismiss(True)
