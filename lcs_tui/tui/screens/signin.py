"""Sign-in dialogs: password (and client secret), device code."""

from __future__ import annotations

import threading

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label, Static

from lcs_tui.tui.format import safe, safe_block
from lcs_tui.tui.screens.common import Dialog


class PasswordDialog(Dialog):
    """Asks for the password (and the client secret when the method needs one).

    The values leave this screen only through `self.password` / `self.secret`
    and are never shown, logged or kept after the sign-in call.
    """

    def __init__(
        self,
        username: str,
        *,
        need_secret: bool,
        error: str | None = None,
        workspace: str | None = None,
    ) -> None:
        """`workspace`: which profile and project this signs in (several may be open)."""
        super().__init__()
        self._username = username
        self._workspace = workspace
        self._need_secret = need_secret
        self._error = error
        self.password = ""
        self.secret: str | None = None
        self.remember = True

    def compose(self) -> ComposeResult:
        with Vertical():
            where = f" for {self._workspace}" if self._workspace else ""
            yield Label(safe(f"Sign in as {self._username}{where}"), classes="title")
            if self._error:
                yield Static(safe_block(self._error), classes="problems")
            yield Label("Password", classes="field-label")
            yield Input(password=True, id="password")
            if self._need_secret:
                yield Label("Client secret of the app registration", classes="field-label")
                yield Input(password=True, id="secret")
            with Horizontal(classes="buttons"):
                yield Button("Cancel", id="cancel")
                yield Button("Sign in", id="confirm", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#password", Input).focus()

    @on(Input.Submitted)
    def confirm(self) -> None:
        self.password = self.query_one("#password", Input).value
        if self._need_secret:
            self.secret = self.query_one("#secret", Input).value
        if self.password:
            self.dismiss(True)


class DeviceCodeDialog(Dialog):
    """Shows the code and URL; waits for the device flow in a thread; cancellable."""

    def __init__(self, message: str, user_code: str, url: str, cancel: threading.Event) -> None:
        super().__init__()
        self._message = message
        self._user_code = user_code
        self._url = url
        self._cancel_event = cancel
        #: Set when the sign-in ends while another screen is on top of this one.
        self._outcome: bool | None = None

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("Sign in with a code (works with MFA)", classes="title")
            yield Static(
                Text.assemble(
                    "1. Open ",
                    safe(self._url, "bold underline"),
                    " in a browser\n",
                    "2. Enter the code  ",
                    safe(self._user_code, "bold reverse"),
                    "\n",
                    "3. Sign in there; this dialog closes by itself.\n\n",
                    safe_block(self._message, "dim"),
                )
            )
            yield Static(Text("waiting for the browser sign-in…", style="italic"), id="state")
            with Horizontal(classes="buttons"):
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        self.query_one("#cancel", Button).focus()

    def action_cancel(self) -> None:
        self._cancel_event.set()
        self.dismiss(False)

    def finish(self, signed_in: bool) -> None:
        """The sign-in is over: close now, or as soon as the screen on top closes."""
        if self.app.screen is self:  # not `is_current`: also true under a modal on top
            self.dismiss(signed_in)
        else:
            self._outcome = signed_in

    def on_screen_resume(self) -> None:
        if self._outcome is not None:
            self.dismiss(self._outcome)


class ErrorDialog(Dialog):
    """A failure with what happened and what to do, plus an optional retry."""

    def __init__(
        self, title: str, message: str, hint: str | None, *, retry_label: str | None = "Try again"
    ) -> None:
        super().__init__()
        self._title = title
        self._message = message
        self._hint = hint
        self._retry_label = retry_label

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(safe(self._title), classes="title")
            yield Static(safe_block(self._message))
            if self._hint:
                yield Static(
                    Text.assemble(("What to do: ", "bold"), safe_block(self._hint)),
                    classes="warning",
                )
            with Horizontal(classes="buttons"):
                yield Button("Close", id="cancel")
                if self._retry_label:
                    yield Button(self._retry_label, id="confirm", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#confirm" if self._retry_label else "#cancel", Button).focus()
