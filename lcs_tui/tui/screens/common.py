"""Small shared dialogs: a yes/no confirmation and a text page."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from lcs_tui.tui.format import safe, safe_block


class Dialog(ModalScreen[bool]):
    """Base: a centred box, Escape cancels."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]
    DEFAULT_CSS = """
    Dialog { align: center middle; }
    Dialog > Vertical {
        width: 84; max-width: 100%; height: auto; max-height: 100%;
        border: thick $primary; background: $surface; padding: 1 2;
    }
    Dialog .title { text-style: bold; margin-bottom: 1; }
    Dialog .buttons { height: auto; margin-top: 1; align-horizontal: right; }
    Dialog .buttons Button { margin-left: 2; }
    Dialog .problems { color: $error; height: auto; }
    Dialog .warning { color: $warning; }
    Dialog .field-label { margin-top: 1; }
    """

    def action_cancel(self) -> None:
        self.dismiss(False)

    # Every dialog names its buttons #confirm and #cancel (or #close): one
    # place decides what they do.
    @on(Button.Pressed, "#cancel, #close")
    def _cancel_pressed(self) -> None:
        self.action_cancel()

    @on(Button.Pressed, "#confirm")
    def _confirm_pressed(self) -> None:
        self.confirm()

    def confirm(self) -> None:
        """What the #confirm button does; by default, close with True."""
        self.dismiss(True)


class TypedNameDialog(Dialog):
    """A dialog confirmed by typing a name exactly (#typed, #confirm, #mismatch):
    the button is enabled only by an exact match, and Enter on a near miss says so."""

    #: The name to type (set by the subclass).
    typed_name: str = ""

    def typed_matches(self) -> bool:
        return self.query_one("#typed", Input).value.strip() == self.typed_name

    @on(Input.Changed, "#typed")
    def _typed(self, event: Input.Changed) -> None:
        self.query_one("#confirm", Button).disabled = event.value.strip() != self.typed_name
        self.query_one("#mismatch", Static).update("")  # a complaint about the old text

    @on(Input.Submitted, "#typed")
    def _submitted(self, event: Input.Submitted) -> None:
        if event.value.strip() == self.typed_name:
            self.confirm()
        else:
            # Exactly as LCS shows it: a near miss is not a confirmation.
            self.query_one("#mismatch", Static).update(
                safe(f"That is not {self.typed_name} (the name must match exactly).")
            )


class ConfirmDialog(Dialog):
    def __init__(
        self,
        title: str,
        body: str | Text,
        confirm_label: str = "Confirm",
        variant: str = "warning",
        cancel_label: str = "Cancel",
    ) -> None:
        super().__init__()
        self._cancel_label = cancel_label
        self._title = title
        self._body = body
        self._confirm_label = confirm_label
        self._variant = variant

    def compose(self) -> ComposeResult:
        # A plain str body may hold server text (names, ids): inert, no markup.
        body = safe_block(self._body) if isinstance(self._body, str) else self._body
        with Vertical():
            yield Label(safe(self._title), classes="title")
            yield Static(body)
            with Horizontal(classes="buttons"):
                yield Button(self._cancel_label, id="cancel")
                yield Button(self._confirm_label, id="confirm", variant=self._variant)  # type: ignore[arg-type]

    def on_mount(self) -> None:
        self.query_one("#cancel", Button).focus()


class TextPage(Dialog):
    """A scrollable page of text with a Close button (help, details, import)."""

    DEFAULT_CSS = """
    TextPage > Vertical { width: 96; }
    TextPage VerticalScroll { height: auto; max-height: 70vh; }
    /* Below 32 rows (the app's "-short" breakpoint) the text scrolls in a
       smaller box, so the title and the Close button stay on screen. */
    TextPage.-short VerticalScroll { max-height: 12; }
    """

    def __init__(self, title: str, body: str | Text) -> None:
        super().__init__()
        self._title = title
        self._body = body

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(safe(self._title), classes="title")
            with VerticalScroll():
                # Plain text keeps its indentation and line breaks as written.
                body = (
                    safe_block(self._body, limit=20_000)
                    if isinstance(self._body, str)
                    else self._body
                )
                yield Static(body)
            with Horizontal(classes="buttons"):
                yield Button("Close", id="close", variant="primary")

    def on_mount(self) -> None:
        # The text has focus: arrows and PageUp/PageDown scroll it, Escape
        # closes the page, Tab reaches the button.
        self.query_one(VerticalScroll).focus()
