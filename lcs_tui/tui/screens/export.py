"""Starting an export: pick a sandbox, name the backup (validated as you type)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label, Select, Static

from lcs_tui.api import Environment
from lcs_tui.service.checks import Problem
from lcs_tui.tui.format import safe
from lcs_tui.tui.screens.common import Dialog

ExportCheck = Callable[[str, str], list[Problem]]


def suggested_name(env: Environment, now: datetime) -> str:
    # ASCII only: the name rule (service/checks.py) allows nothing else.
    stem = "".join(
        c if c.isascii() and (c.isalnum() or c in "-_") else "-" for c in env.name.lower()
    )
    return f"{stem}-{now:%Y%m%d-%H%M}"


class ExportDialog(Dialog):
    def __init__(
        self,
        envs: list[Environment],
        check: ExportCheck,
        env_id: str | None,
        now: datetime,
        quota: Callable[[Environment], str] | None = None,
    ) -> None:
        super().__init__()
        self._quota = quota
        self._envs = {e.id: e for e in envs}
        self._check = check
        self._env_id = env_id
        self._now = now
        self.chosen: tuple[str, str] | None = None
        #: The name this dialog last suggested: replaced when the sandbox
        #: changes, unless the user has edited it meanwhile.
        self._suggested = ""

    def compose(self) -> ComposeResult:
        sandboxes = [e for e in self._envs.values() if e.is_sandbox]
        start = self._env_id if self._env_id in {e.id for e in sandboxes} else None
        with Vertical():
            yield Label("Export a sandbox database to a backup (.bacpac)", classes="title")
            yield Static(
                "The backup appears in the project's asset library when the export "
                "completes. Exports run only from sandboxes."
            )
            yield Label("Sandbox", classes="field-label")
            yield Select(
                [(safe(f"{e.name}  ({e.type})"), e.id) for e in sandboxes],
                id="env",
                value=start if start else Select.NULL,
                prompt="choose a sandbox",
            )
            yield Label("Backup name (letters, digits, - and _)", classes="field-label")
            self._suggested = suggested_name(self._envs[start], self._now) if start else ""
            yield Input(value=self._suggested, id="name")
            yield Static(id="problems", classes="problems")
            with Horizontal(classes="buttons"):
                yield Button("Cancel", id="cancel")
                yield Button("Export", id="confirm", variant="warning", disabled=True)

    def on_mount(self) -> None:
        self._recheck()
        self.query_one("#name" if self._env_id else "#env").focus()

    @on(Select.Changed, "#env")
    def _env_changed(self, event: Select.Changed) -> None:
        name_input = self.query_one("#name", Input)
        # A backup named after another environment is how people later
        # restore the wrong database: the suggestion follows the sandbox.
        if isinstance(event.value, str) and name_input.value.strip() in ("", self._suggested):
            self._suggested = suggested_name(self._envs[event.value], self._now)
            name_input.value = self._suggested
        self._recheck()

    @on(Input.Changed, "#name")
    def _name_changed(self) -> None:
        self._recheck()

    def _selection(self) -> tuple[str, str] | None:
        env = self.query_one("#env", Select).value
        if not isinstance(env, str):
            return None
        return env, self.query_one("#name", Input).value.strip()

    def _recheck(self) -> None:
        chosen = self._selection()
        out = self.query_one("#problems", Static)
        button = self.query_one("#confirm", Button)
        if chosen is None:
            out.update(Text("Choose a sandbox.", style="dim"))
            button.disabled = True
            return
        problems = self._check(*chosen)
        env = self._envs[chosen[0]]
        button.label = safe(f"Export {env.name}", limit=60)
        if problems:
            out.update(Text("\n").join(safe(f"✘ {p.message}", limit=400) for p in problems))
        else:
            left = self._quota(env) if self._quota else ""
            out.update(
                Text.assemble(
                    safe(f"✔ {env.name} → {chosen[1]}.bacpac", "green"),
                    "\n",
                    safe(
                        f"Uses one of {env.name}'s 3 operations per 24 hours"
                        + (f" (now {left})" if left else "")
                        + "."
                    ),
                )
            )
        button.disabled = bool(problems)

    def _accept(self) -> None:
        chosen = self._selection()
        if chosen and not self._check(*chosen):
            self.chosen = chosen
            self.dismiss(True)

    @on(Input.Submitted, "#name")
    def _submitted(self) -> None:
        self._accept()

    def confirm(self) -> None:
        self._accept()
