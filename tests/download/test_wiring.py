"""Downloads in the real app on the demo: arrow to a backup, press d, pick a
folder, watch it arrive."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual import on
from textual.widgets import Input

from lcs_tui.tui.app import LcsApp
from lcs_tui.tui.screens.download import DownloadDialog
from lcs_tui.tui.widgets.backups import BackupsPane
from lcs_tui.tui.widgets.downloads import DownloadsPanel
from lcs_tui.workspace import Workspace, open_demo
from tests.tui.support import demo_simulator, loaded, screen_text, wait_until

from .support import file_md5


class WiredApp(LcsApp):
    """The real app, recording finished downloads."""

    def __init__(self, workspace: Workspace) -> None:
        super().__init__(workspace)
        self.finished: list[DownloadsPanel.Finished] = []

    @on(DownloadsPanel.Finished)
    def _record(self, message: DownloadsPanel.Finished) -> None:
        self.finished.append(message)


async def test_d_on_a_backup_downloads_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LCS_TUI_STATE_DIR", str(tmp_path / "state"))
    sim = demo_simulator()
    app = WiredApp(open_demo(simulator=sim))
    async with app.run_test(size=(160, 48)) as pilot:
        await loaded(pilot)
        await pilot.press("tab")  # to the backups pane
        await pilot.press("down")
        backup = app.query_one(BackupsPane).highlighted()
        assert backup is not None

        await pilot.press("d")
        await wait_until(pilot, lambda: isinstance(app.screen, DownloadDialog), what="dialog")
        dialog = app.screen
        await app.workers.wait_for_complete()
        await pilot.pause()
        dialog.query_one("#folder", Input).value = str(tmp_path)
        await app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.press("enter")

        await wait_until(pilot, lambda: bool(app.finished), what="the download")
        await pilot.pause()
        text = screen_text(app)
        assert "Downloads" in text and "done" in text and backup.name in text

    path = app.finished[0].result.path
    record = next(b for b in sim.backups() if b.backup_id == backup.id)
    assert path.parent == tmp_path and path.stat().st_size == record.size
    assert app.finished[0].result.md5_checked
    assert file_md5(path)  # readable, complete (the MD5 was checked against the server's)
