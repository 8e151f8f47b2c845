"""Downloads in the real app on the demo: arrow to a backup, press d, pick a
folder, watch it arrive."""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Any

import httpx
import pytest
from textual import on
from textual.widgets import Input

from lcs_tui.simulator.service import is_blob_path
from lcs_tui.tui.app import LcsApp
from lcs_tui.tui.screens.download import DownloadDialog, QuitWhileDownloading
from lcs_tui.tui.widgets.backups import BackupsPane
from lcs_tui.tui.widgets.downloads import DownloadsPanel, farewell_downloads
from lcs_tui.workspace import Workspace, open_demo
from tests.tui.support import demo_simulator, loaded, screen_text, wait_until

from .support import file_md5


class WiredApp(LcsApp):
    """The real app, recording finished downloads."""

    def __init__(self, workspace: Workspace) -> None:
        super().__init__(workspace)
        self.finished: list[DownloadsPanel.Finished] = []
        self.exits = 0

    def exit(self, *args: Any, **kwargs: Any) -> None:
        self.exits += 1
        super().exit(*args, **kwargs)

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


class _Gate(httpx.BaseTransport):
    """The demo's blob bodies wait at a gate: a download that runs until released."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner
        self.open = threading.Event()
        self.waiting = threading.Event()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.method == "GET" and is_blob_path(request.url.path):
            self.waiting.set()
            self.open.wait(timeout=60)
        return self.inner.handle_request(request)


async def test_quitting_while_downloading_asks_then_says_they_resume(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("LCS_TUI_STATE_DIR", str(tmp_path / "state"))
    caplog.set_level(logging.WARNING)
    sim = demo_simulator()
    gate = _Gate(sim.sync_transport())
    monkeypatch.setattr(sim, "sync_transport", lambda: gate)
    app = WiredApp(open_demo(simulator=sim))
    async with app.run_test(size=(160, 48)) as pilot:
        await loaded(pilot)
        await pilot.press("tab", "down")
        backup = app.query_one(BackupsPane).highlighted()
        assert backup is not None
        await pilot.press("d")
        await wait_until(pilot, lambda: isinstance(app.screen, DownloadDialog), what="dialog")
        await app.workers.wait_for_complete()
        app.screen.query_one("#folder", Input).value = str(tmp_path)
        await app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.press("enter")
        await wait_until(pilot, gate.waiting.is_set, what="the download to start")

        await pilot.press("q")
        await wait_until(pilot, lambda: isinstance(app.screen, QuitWhileDownloading), what="ask")
        await pilot.pause()
        asked = screen_text(app)
        assert "Quit while 1 download runs?" in asked and backup.name in asked
        assert "resumes where it stopped" in asked
        await pilot.click("#cancel")  # Keep downloading
        await wait_until(pilot, lambda: not isinstance(app.screen, QuitWhileDownloading),
                         what="the question to close")  # fmt: skip
        assert app.exits == 0 and app.query_one(DownloadsPanel).unfinished == 1

        await pilot.press("q")
        await wait_until(pilot, lambda: isinstance(app.screen, QuitWhileDownloading), what="ask")
        await pilot.press("q")  # again: quit
        await wait_until(pilot, lambda: app.exits == 1, what="the app to quit")
    gate.open.set()  # the stopped worker's request may return now

    assert [d.backup.id for d in app.interrupted_downloads] == [backup.id]
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []  # no traceback
    told = farewell_downloads(app.interrupted_downloads, profile="contoso", demo=False)
    assert "1 download interrupted by quitting" in told and backup.name in told
    assert "each resumes where it stopped" in told
    assert f"lcs-tui backups download {backup.id} --profile contoso --dest {tmp_path}" in told
