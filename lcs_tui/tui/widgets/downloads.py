"""The Downloads panel: every backup download of this session, live.

Self-contained: give it a way to start downloads (`DownloadsPanel.for_workspace`
does that for an open workspace), call `start(backup, folder)`, and listen
for its messages if the app wants to notify. Keys inside the panel: `x`
cancels the highlighted download, `c` clears finished ones.

Each download runs in an async worker on the app's loop, but the worker only
awaits: the bytes move in the download's own threads (network reads and
`pwrite`s), so the UI never waits for the network or the disk. Progress
callbacks arrive on the loop thread, about four times a second per download,
and update rows in place.

Quitting while downloads run asks first (`ask_before_quitting`, called by
the app's quit action): the dialog says what stops and that it resumes.
When the panel goes away with the app, the downloads still running are
handed to `on_interrupted` (the app prints them after the terminal is back,
launch.py) and stopped; their `.part` files stay and the next download of
the same backup into the same folder resumes. From then on the panel
ignores the downloads' last callbacks: its table is gone.
"""

from __future__ import annotations

import asyncio
import shlex
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.css.query import NoMatches
from textual.message import Message
from textual.widgets import DataTable, Static

from lcs_tui.api import DatabaseBackup
from lcs_tui.api.redact import redact_text
from lcs_tui.download import (
    BlobDownload,
    DownloadCancelled,
    DownloadError,
    DownloadOptions,
    DownloadProgress,
    DownloadResult,
    DownloadState,
    NoticeCallback,
    ProgressCallback,
    backup_download,
    backup_file_name,
    human_bytes,
    human_duration,
    human_rate,
)
from lcs_tui.download.prefs import remember_folder
from lcs_tui.tui.widgets.tables import highlighted_key
from lcs_tui.untrusted import inert

if TYPE_CHECKING:
    from lcs_tui.workspace import Workspace

#: Builds a ready-to-run download (the panel passes its own callbacks).
DownloadStarter = Callable[
    [DatabaseBackup, Path, DownloadOptions, ProgressCallback, NoticeCallback], BlobDownload
]

#: key, label, width (fixed, so that nothing jumps as numbers change; the
#: note takes what is left).
COLUMNS: tuple[tuple[str, str, int | None], ...] = (
    ("backup", "Backup", 36),
    ("state", "State", 13),
    ("progress", "Progress", 17),
    ("bytes", "Size", 17),
    ("rate", "Rate", 10),
    ("conns", "Conns", 5),
    ("eta", "ETA", 6),
    ("note", "Where / note", None),
)
BAR_WIDTH = 12
STATE_STYLES = {
    DownloadState.STARTING: "cyan",
    DownloadState.DOWNLOADING: "bold yellow",
    DownloadState.RENEWING: "cyan",
    DownloadState.RETRYING: "dark_orange",
    DownloadState.VERIFYING: "cyan",
    DownloadState.DONE: "bold green",
    DownloadState.FAILED: "bold red",
    DownloadState.CANCELLED: "dim",
}


@dataclass(frozen=True)
class InterruptedDownload:
    """A download stopped by quitting: what to tell the user afterwards."""

    backup: DatabaseBackup
    folder: Path
    part: Path | None
    done: int
    total: int | None


@dataclass
class _Entry:
    key: str
    backup: DatabaseBackup
    folder: Path
    download: BlobDownload | None = None
    progress: DownloadProgress | None = None
    note: Text = field(default_factory=Text)
    finished: bool = False


class DownloadsTable(DataTable[Text]):
    BINDINGS = [
        Binding("x", "cancel", "Cancel download"),
        Binding("c", "clear_finished", "Clear finished"),
    ]

    def action_cancel(self) -> None:
        panel = self.parent
        if isinstance(panel, DownloadsPanel):
            panel.cancel()

    def action_clear_finished(self) -> None:
        panel = self.parent
        if isinstance(panel, DownloadsPanel):
            panel.clear_finished()


class DownloadsPanel(Vertical):
    """Downloads in progress and done. Hidden while it has none (unless
    `hide_when_empty=False`)."""

    DEFAULT_CSS = """
    DownloadsPanel {
        height: auto; max-height: 10;
        border: round $primary-muted; border-title-color: $text; border-title-style: bold;
    }
    DownloadsPanel:focus-within { border: round $accent; }
    DownloadsPanel.empty { display: none; }
    DownloadsPanel DownloadsTable { height: auto; max-height: 8; }
    DownloadsPanel #downloads-empty { color: $text-muted; padding: 0 1; }
    """

    # -- messages (the app may notify on them; the panel already shows them) ----------

    class Started(Message):
        def __init__(self, key: str, backup: DatabaseBackup, folder: Path) -> None:
            super().__init__()
            self.key, self.backup, self.folder = key, backup, folder

    class Finished(Message):
        def __init__(self, key: str, backup: DatabaseBackup, result: DownloadResult) -> None:
            super().__init__()
            self.key, self.backup, self.result = key, backup, result

    class Failed(Message):
        def __init__(self, key: str, backup: DatabaseBackup, error: DownloadError) -> None:
            super().__init__()
            self.key, self.backup, self.error = key, backup, error

    class Cancelled(Message):
        def __init__(self, key: str, backup: DatabaseBackup) -> None:
            super().__init__()
            self.key, self.backup = key, backup

    class Notice(Message):
        """Something the user should know (resuming, link renewed, no Range)."""

        def __init__(self, key: str, backup: DatabaseBackup, text: str) -> None:
            super().__init__()
            self.key, self.backup, self.text = key, backup, text

    # -- construction ---------------------------------------------------------------------

    def __init__(
        self,
        starter: DownloadStarter,
        *,
        options: DownloadOptions | None = None,
        hide_when_empty: bool = True,
        on_interrupted: Callable[[list[InterruptedDownload]], None] | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(id=id, classes=classes)
        self._starter = starter
        self._options = options or DownloadOptions()
        self._hide_when_empty = hide_when_empty
        self._on_interrupted = on_interrupted
        self._entries: dict[str, _Entry] = {}
        #: Set once the panel is going away: callbacks no longer touch widgets.
        self._closed = False

    @classmethod
    def for_workspace(
        cls, workspace: Workspace, *, options: DownloadOptions | None = None, **kwargs: object
    ) -> DownloadsPanel:
        def starter(
            backup: DatabaseBackup,
            folder: Path,
            options: DownloadOptions,
            on_progress: ProgressCallback,
            on_notice: NoticeCallback,
        ) -> BlobDownload:
            return backup_download(
                workspace,
                backup,
                folder,
                options=options,
                on_progress=on_progress,
                on_notice=on_notice,
            )

        return cls(starter, options=options, **kwargs)  # type: ignore[arg-type]

    def compose(self) -> ComposeResult:
        yield DownloadsTable(id="downloads-table", cursor_type="row")
        yield Static("No downloads yet: press d on a backup.", id="downloads-empty")

    def on_mount(self) -> None:
        self.border_title = "Downloads"
        table = self.table
        for key, label, width in COLUMNS:
            table.add_column(label, key=key, width=width)
        self._refresh_empty()

    @property
    def table(self) -> DownloadsTable:
        return self.query_one(DownloadsTable)

    # -- the API ----------------------------------------------------------------------------

    @property
    def unfinished(self) -> int:
        """Downloads not finished yet (ask before quitting, if you like)."""
        return sum(1 for e in self._entries.values() if not e.finished)

    def is_downloading(self, backup: DatabaseBackup, folder: Path) -> bool:
        entry = self._entries.get(_key(backup, folder))
        return entry is not None and not entry.finished

    def start(self, backup: DatabaseBackup, folder: Path, *, overwrite: bool = False) -> str:
        """Start downloading `backup` into `folder`; returns the row key.
        Starting one that is already running only highlights it."""
        key = _key(backup, folder)
        entry = self._entries.get(key)
        if entry is not None and not entry.finished:
            self._highlight(key)
            return key
        entry = _Entry(key, backup, folder, note=Text(inert(folder), style="dim"))
        self._entries[key] = entry
        self._show_entry(entry)
        self._highlight(key)
        self._refresh_empty()
        options = _with_overwrite(self._options, overwrite)
        self.run_worker(self._download(entry, options), group="downloads", exit_on_error=False)
        self.post_message(self.Started(key, backup, folder))
        return key

    def cancel(self, key: str | None = None) -> None:
        """Cancel `key`, or the highlighted download. The `.part` stays."""
        key = key or highlighted_key(self.table)
        entry = self._entries.get(key) if key else None
        if entry is not None and entry.download is not None and not entry.finished:
            entry.download.cancel()

    def cancel_all(self) -> None:
        for entry in self._entries.values():
            if entry.download is not None and not entry.finished:
                entry.download.cancel()

    def running(self) -> list[InterruptedDownload]:
        """The downloads not finished, as they stand now."""
        return [
            InterruptedDownload(
                entry.backup,
                entry.folder,
                entry.download.part_path if entry.download is not None else None,
                entry.progress.done if entry.progress else 0,
                entry.progress.total if entry.progress else None,
            )
            for entry in self._entries.values()
            if not entry.finished
        ]

    def ask_before_quitting(self, quit: Callable[[], None]) -> bool:
        """True when downloads run: a dialog asks (q again quits) and `quit`
        runs if the user confirms. False when nothing runs: quit at once."""
        from lcs_tui.tui.screens.download import QuitWhileDownloading

        running = self.running()
        if not running:
            return False

        def answered(yes: bool | None) -> None:
            if yes:
                quit()

        self.app.push_screen(QuitWhileDownloading(running, self.running), answered)
        return True

    def on_unmount(self) -> None:
        self._closed = True
        interrupted = self.running()
        if interrupted and self._on_interrupted is not None:
            self._on_interrupted(interrupted)
        self.cancel_all()

    def clear_finished(self) -> None:
        for key in [k for k, e in self._entries.items() if e.finished]:
            del self._entries[key]
            self.table.remove_row(key)
        self._refresh_empty()

    # -- running --------------------------------------------------------------------------

    async def _download(self, entry: _Entry, options: DownloadOptions) -> None:
        backup = entry.backup

        def on_progress(progress: DownloadProgress) -> None:
            entry.progress = progress
            self._show_entry(entry)

        def on_notice(text: str) -> None:
            entry.note = Text(inert(text), style="italic")
            self._show_entry(entry)
            if not self._closed:
                self.post_message(self.Notice(entry.key, backup, text))

        try:
            # Tiny file writes, still off the loop: the state dir may be remote.
            await asyncio.to_thread(remember_folder, entry.folder)
            entry.download = self._starter(backup, entry.folder, options, on_progress, on_notice)
            result = await entry.download.run()
        except DownloadCancelled:
            self._finish(entry, Text("cancelled: d on the backup resumes", style="dim"))
            self.post_message(self.Cancelled(entry.key, backup))
        except DownloadError as exc:
            self._finish(entry, Text(inert(exc.message), style="red"), failed=True)
            self.post_message(self.Failed(entry.key, backup, exc))
        except Exception as exc:  # a bug: still a finished row, never a stuck one
            error = DownloadError(
                f"Unexpected error: {redact_text(str(exc)) or type(exc).__name__}"
            )
            self._finish(entry, Text(inert(error.message), style="red"), failed=True)
            self.post_message(self.Failed(entry.key, backup, error))
        else:
            self._finish(entry, Text(inert(result.path)))
            self.post_message(self.Finished(entry.key, backup, result))

    def _finish(self, entry: _Entry, note: Text, *, failed: bool = False) -> None:
        entry.finished = True
        entry.note = note
        if failed and entry.progress is not None:
            entry.progress = _with_state(entry.progress, DownloadState.FAILED)
        elif failed:
            entry.progress = DownloadProgress(DownloadState.FAILED, 0, None)
        self._show_entry(entry)

    # -- showing ---------------------------------------------------------------------------

    def _show_entry(self, entry: _Entry) -> None:
        if self._closed:
            return  # quitting: the table is gone, the download is being stopped
        cells = _cells(entry)
        try:
            table = self.table
        except NoMatches:  # being removed
            return
        if entry.key in table.rows:
            for column, value in cells.items():
                table.update_cell(entry.key, column, value, update_width=column == "note")
        else:
            table.add_row(*(cells[key] for key, _, _ in COLUMNS), key=entry.key)

    def _refresh_empty(self) -> None:
        empty = not self._entries
        self.set_class(empty and self._hide_when_empty, "empty")
        self.query_one("#downloads-empty").display = empty
        self.table.display = not empty

    def _highlight(self, key: str) -> None:
        table = self.table
        if key in table.rows:
            table.move_cursor(row=table.get_row_index(key))

    @on(DataTable.RowSelected, "#downloads-table")
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()


def _key(backup: DatabaseBackup, folder: Path) -> str:
    return str(folder / backup_file_name(backup))


def _with_overwrite(options: DownloadOptions, overwrite: bool) -> DownloadOptions:
    from dataclasses import replace

    return replace(options, overwrite=overwrite)


def _with_state(progress: DownloadProgress, state: DownloadState) -> DownloadProgress:
    from dataclasses import replace

    return replace(progress, state=state, rate=None, eta=None)


def _cells(entry: _Entry) -> dict[str, Text]:
    progress = entry.progress
    state = progress.state if progress else DownloadState.STARTING
    running = state is DownloadState.DOWNLOADING
    return {
        "backup": Text(inert(entry.backup.name, limit=200), style="bold"),
        "state": Text(state.value, style=STATE_STYLES[state]),
        "progress": _bar(progress.fraction if progress else None),
        "bytes": Text(_bytes(progress)),
        "rate": Text(human_rate(progress.rate) if progress and running else "—"),
        "conns": Text(_connections(progress) if progress and running else "—"),
        "eta": Text(human_duration(progress.eta) if progress and running else "—"),
        "note": Text(inert(progress.message), style="dark_orange")
        if progress and progress.message
        else entry.note,
    }


def _connections(progress: DownloadProgress) -> str:
    """Connections receiving bytes; "6/8" while the count is still being reached."""
    if progress.wanted and progress.wanted != progress.connections:
        return f"{progress.connections}/{progress.wanted}"
    return str(progress.connections)


def _bar(fraction: float | None) -> Text:
    if fraction is None:
        return Text("·" * BAR_WIDTH + "    ", style="dim")
    filled = round(BAR_WIDTH * fraction)
    bar = Text("█" * filled, style="green")
    bar.append("░" * (BAR_WIDTH - filled), style="dim")
    bar.append(f" {fraction * 100:3.0f}%")
    return bar


def _bytes(progress: DownloadProgress | None) -> str:
    if progress is None:
        return "—"
    total = human_bytes(progress.total) if progress.total is not None else "?"
    return f"{human_bytes(progress.done)} / {total}"


def farewell_downloads(
    interrupted: Sequence[InterruptedDownload], *, profile: str, demo: bool
) -> str:
    """What `lcs-tui` prints after quitting stopped downloads: which, and how they resume."""
    count = len(interrupted)
    lines = [
        f"lcs-tui: {count} download{'s' if count > 1 else ''} interrupted by quitting "
        "(what arrived is kept; each resumes where it stopped):"
    ]
    for item in interrupted:
        total = f" of {human_bytes(item.total)}" if item.total else ""
        arrived = item.part is not None and item.done > 0 and item.part.exists()
        # Nothing arrived yet: no .part to point at (it is made with the first bytes).
        where = inert(item.part) if arrived and item.part else "nothing arrived yet"
        lines.append(
            f"  {inert(item.backup.name, limit=80)}  {human_bytes(item.done)}{total}  {where}"
        )
    if demo:
        lines.append("(The demo's project went with it: in a real one, d on the backup resumes.)")
        return "\n".join(lines)
    lines.append("To resume: press d on the same backup with the same folder, or run")
    for item in interrupted:
        backup_id = shlex.quote(inert(item.backup.id, limit=80))
        lines.append(
            f"  lcs-tui backups download {backup_id} --profile {shlex.quote(inert(profile))}"
            f" --dest {shlex.quote(inert(item.folder))}"
        )
    return "\n".join(lines)
