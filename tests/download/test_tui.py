"""The downloads panel and the destination dialog, in a tiny app (Pilot)."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import pytest
from textual.app import App, ComposeResult
from textual.message import Message
from textual.pilot import Pilot
from textual.widgets import Button, Checkbox, Input, Label, Static

from lcs_tui.api import DatabaseBackup
from lcs_tui.download import (
    BlobDownload,
    DownloadOptions,
    NoticeCallback,
    ProgressCallback,
)
from lcs_tui.download.backups import backup_file_name
from lcs_tui.download.prefs import remember_folder
from lcs_tui.simulator import Simulator
from lcs_tui.tui.screens.download import DownloadDialog
from lcs_tui.tui.widgets.downloads import DownloadsPanel

from .support import FAST, MIB, Watcher, file_md5, location, served_md5

M = TypeVar("M", bound=Message)


@pytest.fixture(autouse=True)
def state_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    state = tmp_path / "state"
    monkeypatch.setenv("LCS_TUI_STATE_DIR", str(state))
    return state


class PanelApp(App[None]):
    def __init__(self, panel: DownloadsPanel) -> None:
        super().__init__()
        self.panel = panel

    def compose(self) -> ComposeResult:
        yield self.panel


def backup_of(sim: Simulator, name: str, size: int) -> DatabaseBackup:
    record = sim.add_backup(name, size=size)
    return DatabaseBackup(
        id=record.backup_id,
        name=name,
        file_name=f"{name}.bacpac",
        file_location=location(sim, record.backup_id),
    )


def starter_for(net: Watcher) -> Callable[..., BlobDownload]:
    def start(
        backup: DatabaseBackup,
        folder: Path,
        options: DownloadOptions,
        on_progress: ProgressCallback,
        on_notice: NoticeCallback,
    ) -> BlobDownload:
        assert backup.file_location is not None
        return BlobDownload(
            backup.file_location,
            folder / f"{backup.name}.bacpac",
            http=net.settings(),
            options=options,
            on_progress=on_progress,
            on_notice=on_notice,
        )

    return start


async def until(pilot: Pilot[None], condition: Callable[[], bool], seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        await pilot.pause(0.02)


def posted(seen: list[Message], kind: type[M]) -> list[M]:
    """Each message once (the hook sees it at every node it bubbles through)."""
    unique: dict[int, M] = {}
    for message in seen:
        if isinstance(message, kind):
            unique.setdefault(id(message), message)
    return list(unique.values())


def cell(panel: DownloadsPanel, key: str, column: str) -> str:
    return str(panel.table.get_cell(key, column))


async def test_start_progress_cancel_and_resume(sim: Simulator, tmp_path: Path) -> None:
    backup = backup_of(sim, "uat-golden", 24 * MIB)
    net = Watcher(sim.sync_transport(), delay_per_chunk=0.02)
    panel = DownloadsPanel(starter_for(net), options=dataclasses.replace(FAST, connections=2))
    seen: list[Message] = []
    app = PanelApp(panel)

    async with app.run_test(size=(140, 20), message_hook=seen.append) as pilot:
        assert not panel.display  # nothing to show yet
        key = panel.start(backup, tmp_path)
        await until(pilot, lambda: "downloading" in cell(panel, key, "state"))
        await until(pilot, lambda: "MB/s" in cell(panel, key, "rate"))
        assert cell(panel, key, "conns") in ("1", "2", "1/2", "0/2")  # working / wanted
        assert panel.display
        assert "/ 25.2 MB" in cell(panel, key, "bytes")
        assert panel.unfinished == 1

        panel.table.focus()
        await pilot.press("x")
        await until(pilot, lambda: panel.unfinished == 0)
        assert cell(panel, key, "state") == "cancelled"
        assert len(posted(seen, DownloadsPanel.Cancelled)) == 1
        assert (tmp_path / "uat-golden.bacpac.part").exists()

        net.delay_per_chunk = 0.0
        panel.start(backup, tmp_path)
        await until(pilot, lambda: panel.unfinished == 0)
        assert cell(panel, key, "state") == "done"
        assert cell(panel, key, "note") == str(tmp_path / "uat-golden.bacpac")

    finished = posted(seen, DownloadsPanel.Finished)
    assert len(finished) == 1 and finished[0].result.resumed_from > 0
    notices = [m.text for m in posted(seen, DownloadsPanel.Notice)]
    assert notices and notices[0].startswith("Resuming: ")
    assert file_md5(tmp_path / "uat-golden.bacpac") == served_md5(sim, backup.file_location or "")


async def test_a_failure_is_shown_in_the_row(sim: Simulator, tmp_path: Path) -> None:
    backup = backup_of(sim, "exists", MIB)
    (tmp_path / "exists.bacpac").write_bytes(b"keep me")
    panel = DownloadsPanel(starter_for(Watcher(sim.sync_transport())), options=FAST)
    seen: list[Message] = []

    async with PanelApp(panel).run_test(message_hook=seen.append) as pilot:
        key = panel.start(backup, tmp_path)
        await until(pilot, lambda: panel.unfinished == 0)
        assert cell(panel, key, "state") == "failed"
        assert "already exists" in cell(panel, key, "note")
        panel.clear_finished()
        await pilot.pause()
        assert panel.table.row_count == 0 and not panel.display

    failed = posted(seen, DownloadsPanel.Failed)
    assert len(failed) == 1 and "already exists" in failed[0].error.message


class DialogApp(App[None]):
    def __init__(self, dialog: DownloadDialog) -> None:
        super().__init__()
        self.dialog = dialog
        self.answer: bool | None = None

    def on_mount(self) -> None:
        def done(answer: bool | None) -> None:
            self.answer = answer

        self.push_screen(self.dialog, done)


async def settle(pilot: Pilot[None]) -> None:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def test_dialog_defaults_to_the_remembered_folder(tmp_path: Path) -> None:
    remember_folder(tmp_path)
    dialog = DownloadDialog(DatabaseBackup(id="1", name="prod-copy", file_name="prod.bacpac"))
    app = DialogApp(dialog)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert dialog.query_one("#folder", Input).value == str(tmp_path)
        assert not dialog.query_one("#confirm", Button).disabled
        await pilot.press("enter")
        await pilot.pause()
    assert app.answer is True
    assert dialog.choice is not None and dialog.choice.folder == tmp_path
    assert dialog.choice.overwrite is False


async def test_dialog_checks_the_folder_as_you_type(tmp_path: Path) -> None:
    (tmp_path / "prod.bacpac").write_bytes(b"old")
    dialog = DownloadDialog(
        DatabaseBackup(id="1", name="prod-copy", file_name="prod.bacpac"), tmp_path / "nope"
    )
    app = DialogApp(dialog)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        state = dialog.query_one("#folder-state", Static)
        assert "does not exist" in str(state.render())
        assert dialog.query_one("#confirm", Button).disabled

        dialog.query_one("#folder", Input).value = str(tmp_path)
        await settle(pilot)
        assert "already in this folder" in str(state.render())
        assert dialog.query_one("#confirm", Button).disabled  # not without consent
        dialog.query_one("#overwrite", Checkbox).value = True
        await pilot.pause()
        assert not dialog.query_one("#confirm", Button).disabled
        await pilot.click("#confirm")
        await pilot.pause()
    assert app.answer is True
    assert dialog.choice is not None and dialog.choice.overwrite is True


async def test_server_text_in_the_panel_and_dialog_is_inert(sim: Simulator, tmp_path: Path) -> None:
    from tests.hostile import HOSTILE, assert_inert

    name = "".join(HOSTILE[k] for k in ("osc52", "osc0", "csi-2j", "c1-csi", "bidi", "nul"))
    record = sim.add_backup("hostile", size=MIB)
    backup = DatabaseBackup(
        id=record.backup_id,
        name=name,
        file_name=f"{name}.bacpac",
        file_location=location(sim, record.backup_id),
    )
    net = Watcher(sim.sync_transport())

    def start(
        backup: DatabaseBackup,
        folder: Path,
        options: DownloadOptions,
        on_progress: ProgressCallback,
        on_notice: NoticeCallback,
    ) -> BlobDownload:
        assert backup.file_location is not None
        return BlobDownload(
            backup.file_location,
            folder / backup_file_name(backup),
            http=net.settings(),
            options=options,
            on_progress=on_progress,
            on_notice=on_notice,
        )

    panel = DownloadsPanel(start, options=FAST)
    async with PanelApp(panel).run_test(size=(200, 20)) as pilot:
        key = panel.start(backup, tmp_path)
        await until(pilot, lambda: panel.unfinished == 0)
        assert cell(panel, key, "state") == "done"
        shown = [cell(panel, key, column) for column in ("backup", "note")]
        for text in shown:
            assert_inert(text)
        assert "\\x1b]52;c;UFdORUQ=" in shown[0]  # visible as what it is

    dialog = DownloadDialog(backup, tmp_path)
    async with DialogApp(dialog).run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        title = str(dialog.query_one(".title", Label).render())
        assert_inert(title)
        assert_inert(dialog.file_name)


async def test_enter_on_an_existing_file_says_why_nothing_happens(tmp_path: Path) -> None:
    (tmp_path / "prod.bacpac").write_bytes(b"old")
    dialog = DownloadDialog(DatabaseBackup(id="1", name="p", file_name="prod.bacpac"), tmp_path)
    app = DialogApp(dialog)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        state = dialog.query_one("#folder-state", Static)
        assert "tick “Replace the existing file”" in str(state.render())
        dialog.query_one("#folder", Input).focus()
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is dialog and app.answer is None  # still asking
        said = str(state.render())
        assert "Not downloading: prod.bacpac is already in this folder" in said
        assert "Replace the existing file" in said and "another folder" in said

        dialog.query_one("#overwrite", Checkbox).value = True
        await pilot.pause()
        dialog.query_one("#folder", Input).focus()
        await pilot.press("enter")
        await pilot.pause()
    assert app.answer is True
    assert dialog.choice is not None and dialog.choice.overwrite is True


async def test_enter_looks_again_at_a_folder_made_meanwhile(tmp_path: Path) -> None:
    later = tmp_path / "made-later"
    dialog = DownloadDialog(DatabaseBackup(id="1", name="p", file_name="prod.bacpac"), later)
    app = DialogApp(dialog)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert "does not exist" in str(dialog.query_one("#folder-state", Static).render())
        later.mkdir()  # in another window, while the dialog is open
        dialog.query_one("#folder", Input).focus()
        await pilot.press("enter")
        for _ in range(600):  # ends on the answer; the bound only stops a hang
            if app.answer is not None:
                break
            await settle(pilot)
    assert app.answer is True
    assert dialog.choice is not None and dialog.choice.folder == later


async def test_the_quit_question_follows_the_downloads_and_goes_when_they_end(
    tmp_path: Path,
) -> None:
    from lcs_tui.tui.screens.download import QuitWhileDownloading
    from lcs_tui.tui.widgets.downloads import InterruptedDownload

    backup = DatabaseBackup(id="1", name="prod-copy", file_name="prod.bacpac")
    standing = [InterruptedDownload(backup, tmp_path, None, 0, 100 * 1024 * 1024)]
    question = QuitWhileDownloading(standing, lambda: standing)

    class QuestionApp(App[None]):
        answer: bool | None = None

        def on_mount(self) -> None:
            def done(answer: bool | None) -> None:
                self.answer = answer

            self.push_screen(question, done)

    app = QuestionApp()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        body = question.query_one("#quit-downloads", Static)
        assert "0 B" in str(body.render())
        standing[:] = [
            InterruptedDownload(
                backup, tmp_path, tmp_path / "x.part", 50 * 1024 * 1024, 100 * 1024 * 1024
            )
        ]
        for _ in range(600):
            if "52.4 MB" in str(body.render()):
                break
            await pilot.pause(0.05)
        assert "52.4 MB" in str(body.render())
        standing.clear()  # it finished while the question was open: quit as asked
        for _ in range(600):
            if app.answer is not None:
                break
            await pilot.pause(0.05)
    assert app.answer is True


def test_the_farewell_points_at_no_part_file_when_nothing_arrived(tmp_path: Path) -> None:
    from lcs_tui.tui.widgets.downloads import InterruptedDownload, farewell_downloads

    backup = DatabaseBackup(id="1", name="prod-copy", file_name="prod.bacpac")
    missing = tmp_path / "prod.bacpac.part"
    said = farewell_downloads(
        [InterruptedDownload(backup, tmp_path, missing, 0, None)], profile="contoso", demo=False
    )
    assert "nothing arrived yet" in said and str(missing) not in said
