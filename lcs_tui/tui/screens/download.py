"""Where to save a backup: a folder, checked as you type.

The folder defaults to the one used last time, else the user's downloads
folder. Every check touches the file system (a network share can hang), so
it runs in a thread worker; the answer comes back as a message and is used
only if the folder typed is still the same.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Button, Checkbox, Input, Label, Static

from lcs_tui.api import DatabaseBackup
from lcs_tui.download.backups import backup_file_name
from lcs_tui.download.prefs import FolderCheck, check_folder, default_folder
from lcs_tui.tui.screens.common import Dialog
from lcs_tui.untrusted import inert

if TYPE_CHECKING:
    from lcs_tui.tui.widgets.downloads import InterruptedDownload


@dataclass(frozen=True)
class DownloadChoice:
    folder: Path
    overwrite: bool


class DownloadDialog(Dialog):
    """`push_screen(DownloadDialog(backup), callback)`: the callback gets True
    when the user chose a folder; the choice is then in `dialog.choice`."""

    DEFAULT_CSS = """
    DownloadDialog #folder-state { height: auto; margin-top: 1; }
    DownloadDialog #overwrite { display: none; }
    DownloadDialog.exists #overwrite { display: block; }
    """

    class FolderChecked(Message):
        def __init__(self, typed: str, check: FolderCheck) -> None:
            super().__init__()
            self.typed = typed
            self.check = check

    def __init__(self, backup: DatabaseBackup, folder: Path | None = None) -> None:
        super().__init__()
        self.backup = backup
        self.file_name = backup_file_name(backup)
        self._initial = folder
        self._check: FolderCheck | None = None
        self._checked_text: str | None = None
        #: Enter was pressed on a folder that did not pass: look again (it may
        #: have been made meanwhile, in another window) and go ahead if it does.
        self._accept_when_checked = False
        self.choice: DownloadChoice | None = None

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(
                Text(f"Download backup {inert(self.backup.name, limit=200)}"), classes="title"
            )
            about = Text.assemble(("File  ", "dim"), (self.file_name, "bold"))
            if self.backup.created:
                about.append(f"   created {self.backup.created:%Y-%m-%d %H:%M} UTC", style="dim")
            yield Static(about)
            yield Label("Save into folder", classes="field-label")
            yield Input(
                value=str(self._initial) if self._initial else "",
                placeholder="a folder, e.g. ~/Downloads",
                id="folder",
            )
            yield Static(id="folder-state")
            yield Checkbox("Replace the existing file", id="overwrite")
            with Horizontal(classes="buttons"):
                yield Button("Cancel", id="cancel")
                yield Button("Download", id="confirm", variant="primary", disabled=True)

    def on_mount(self) -> None:
        self.query_one("#folder", Input).focus()
        if self._initial is None:
            self._find_default_folder()
        else:
            self._check_folder(str(self._initial))

    @work(thread=True, exclusive=True, group="download-folder", exit_on_error=False)
    def _find_default_folder(self) -> None:
        folder = str(default_folder())
        self.post_message(self.FolderChecked(folder, check_folder(folder, self.file_name)))

    @work(thread=True, exclusive=True, group="download-folder", exit_on_error=False)
    def _check_folder(self, typed: str) -> None:
        self.post_message(self.FolderChecked(typed, check_folder(typed, self.file_name)))

    @on(Input.Changed, "#folder")
    def _folder_typed(self, event: Input.Changed) -> None:
        if event.value != self._checked_text:
            self.query_one("#confirm", Button).disabled = True
            self._check_folder(event.value)

    @on(FolderChecked)
    def _folder_checked(self, message: FolderChecked) -> None:
        folder_input = self.query_one("#folder", Input)
        if not folder_input.value:  # the default folder arrived
            self._checked_text = message.typed
            folder_input.value = message.typed
        elif message.typed != folder_input.value:
            return  # typed on since: a newer check is coming
        self._check, self._checked_text = message.check, message.typed
        self._show(message.check)
        if self._accept_when_checked:
            self._accept_when_checked = False
            if self._acceptable():
                self._accept()

    @on(Checkbox.Changed, "#overwrite")
    def _overwrite_toggled(self) -> None:
        if self._check is not None:
            self._show(self._check)

    def _show(self, check: FolderCheck) -> None:
        state = self.query_one("#folder-state", Static)
        self.set_class(check.problem is None and check.exists, "exists")
        replace = self.query_one("#overwrite", Checkbox).value
        if check.problem is not None:
            state.update(Text(f"✘ {check.problem}", style="red"))
        elif check.exists:
            state.update(
                Text(
                    f"{self.file_name} is already in this folder: tick “Replace the existing "
                    "file” to replace it when the download completes, or type another folder.",
                    style="yellow",
                )
                if not replace
                else Text(f"{self.file_name} will be replaced when the download completes.")
            )
        elif check.partial:
            state.update(Text("✔ A partial download is there: it will resume.", style="green"))
        else:
            state.update(Text(f"✔ {check.folder / self.file_name}", style="green"))
        self.query_one("#confirm", Button).disabled = not self._acceptable()

    def _acceptable(self) -> bool:
        check = self._check
        if check is None or check.problem is not None:
            return False
        if self._checked_text != self.query_one("#folder", Input).value:
            return False
        return not check.exists or self.query_one("#overwrite", Checkbox).value

    def _accept(self) -> None:
        if not self._acceptable():
            self._say_why_not()
            check = self._check
            if check is not None and check.problem is not None and not self._accept_when_checked:
                self._accept_when_checked = True
                self._check_folder(self.query_one("#folder", Input).value)
            return
        assert self._check is not None
        overwrite = self._check.exists and self.query_one("#overwrite", Checkbox).value
        self.choice = DownloadChoice(self._check.folder, overwrite)
        self.dismiss(True)

    def _say_why_not(self) -> None:
        """Enter (or Download) was pressed but cannot go ahead: say why, where it was pressed."""
        state = self.query_one("#folder-state", Static)
        check = self._check
        if check is None or self._checked_text != self.query_one("#folder", Input).value:
            state.update(Text("Still checking the folder: press Enter again in a moment.",
                              style="yellow"))  # fmt: skip
        elif check.problem is not None:
            state.update(Text(f"✘ {check.problem}: the download needs a folder it can use.",
                              style="bold red"))  # fmt: skip
        elif check.exists:
            state.update(
                Text(
                    f"✘ Not downloading: {self.file_name} is already in this folder. Tick "
                    "“Replace the existing file” (Tab, then Space) to replace it, or type "
                    "another folder.",
                    style="bold red",
                )
            )

    @on(Input.Submitted, "#folder")
    def _submitted(self) -> None:
        self._accept()

    def confirm(self) -> None:
        self._accept()


class QuitWhileDownloading(Dialog):
    """Asked when `q` is pressed while downloads run: what stops, what stays.
    `q` again quits (k9s-style), Escape keeps downloading."""

    BINDINGS = [Binding("q", "confirm_quit", "Quit", show=False)]

    def __init__(
        self,
        running: Sequence[InterruptedDownload],
        now: Callable[[], Sequence[InterruptedDownload]] | None = None,
    ) -> None:
        """`now`: how the downloads stand at this moment; the figures follow
        it (a download may get far, or finish, while the question is open)."""
        super().__init__()
        self.running = list(running)
        self._now = now

    def compose(self) -> ComposeResult:
        count = len(self.running)
        plural = "s" if count > 1 else ""
        with Vertical():
            yield Label(f"Quit while {count} download{plural} run{'' if plural else 's'}?",
                        classes="title")  # fmt: skip
            yield Static(quit_text(self.running), id="quit-downloads")
            with Horizontal(classes="buttons"):
                yield Button("Keep downloading", id="cancel")
                yield Button("Quit", id="confirm", variant="warning")

    def on_mount(self) -> None:
        self.query_one("#cancel", Button).focus()
        if self._now is not None:
            self.set_interval(0.5, self._follow)

    def _follow(self) -> None:
        assert self._now is not None
        running = list(self._now())
        if not running:
            self.dismiss(True)  # nothing left to stop: quit as asked
            return
        self.running = running
        self.query_one("#quit-downloads", Static).update(quit_text(running))

    def action_confirm_quit(self) -> None:
        self.dismiss(True)


def quit_text(running: Sequence[InterruptedDownload]) -> Text:
    """The dialog's body: each download, then what quitting does to them."""
    text = Text()
    for item in running[:8]:
        text.append("  " + inert(item.backup.name, limit=60), style="bold")
        text.append(f"  {_so_far(item)}\n", style="dim")
    if len(running) > 8:
        text.append(f"  … and {len(running) - 8} more\n", style="dim")
    text.append(
        "\nQuitting stops them. What has arrived stays on disk (the .part file), and each "
        "resumes where it stopped the next time you download the same backup into the same "
        "folder: press d on it, or run lcs-tui backups download. Press q again to quit now."
    )
    return text


def _so_far(item: InterruptedDownload) -> str:
    from lcs_tui.units import human_bytes

    total = f" of {human_bytes(item.total)}" if item.total else ""
    return f"{human_bytes(item.done)}{total} so far, into {inert(item.folder)}"
