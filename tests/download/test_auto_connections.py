"""The default download chooses its connection count: pieces, back-off, reports.

The ramp's decisions are tested on scripted paths (test_ramp.py); here the
engine around it, against the simulator: what it asks for and what it tells.
Nothing here depends on timing: 503s and pieces are counted, not timed.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from lcs_tui.download import BlobDownload, ConnectionLost, DownloadOptions, DownloadProgress
from lcs_tui.download.ramp import RampSettings
from lcs_tui.simulator import Simulator

from .support import FAST, MIB, Watcher, file_md5, location, served_md5

#: The defaults of a real download, but without pauses between retries.
AUTO = dataclasses.replace(
    DownloadOptions(), backoff=lambda failure: 0.0, progress_interval=0.02, checkpoint_interval=0.05
)


def range_of(header: str | None) -> tuple[int, int]:
    assert header is not None
    first, last = header.removeprefix("bytes=").split("-")
    return int(first), int(last) + 1


async def test_the_default_fetches_pieces_of_at_most_16_mib_byte_exactly(
    sim: Simulator, tmp_path: Path
) -> None:
    backup = sim.add_backup("auto", size=80 * MIB + 777)
    url = location(sim, backup.backup_id)
    net = Watcher(sim.sync_transport())
    seen: list[DownloadProgress] = []

    result = await BlobDownload(
        url, tmp_path / "a.bacpac", http=net.settings(), options=AUTO, on_progress=seen.append
    ).run()

    assert file_md5(tmp_path / "a.bacpac") == served_md5(sim, url)
    pieces = [range_of(g.range) for g in net.gets()]
    assert all(0 < end - start <= 16 * MIB for start, end in pieces)
    assert result.peak_connections >= 1
    assert {p.wanted for p in seen if p.wanted} >= {RampSettings().initial}


async def test_several_connections_share_the_end_in_small_pieces(
    sim: Simulator, tmp_path: Path
) -> None:
    backup = sim.add_backup("tail", size=64 * MIB)
    url = location(sim, backup.backup_id)
    net = Watcher(sim.sync_transport())
    options = dataclasses.replace(AUTO, connections=8)

    await BlobDownload(url, tmp_path / "t.bacpac", http=net.settings(), options=options).run()

    sizes = [end - start for start, end in (range_of(g.range) for g in net.gets())]
    assert max(sizes) <= 16 * MIB
    assert min(sizes) <= 2 * MIB  # the last pieces are small: nobody finishes alone
    assert file_md5(tmp_path / "t.bacpac") == served_md5(sim, url)


class _Busy(httpx.BaseTransport):
    """The storage service answers 503 ServerBusy to the first `count` GETs."""

    def __init__(self, inner: httpx.BaseTransport, count: int) -> None:
        self.inner = inner
        self.left = count
        self.lock = threading.Lock()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        with self.lock:
            busy = request.method == "GET" and self.left > 0
            self.left -= busy
        if busy:
            return httpx.Response(503, headers={"x-ms-error-code": "ServerBusy"}, request=request)
        return self.inner.handle_request(request)


async def test_503s_from_the_storage_service_halve_the_connections(
    sim: Simulator, tmp_path: Path
) -> None:
    backup = sim.add_backup("busy", size=64 * MIB)
    url = location(sim, backup.backup_id)
    seen: list[DownloadProgress] = []
    options = dataclasses.replace(AUTO, ramp=RampSettings(initial=8))
    # Fewer 503s than one connection's tries: each is retried, none gives up.
    http = Watcher(_Busy(sim.sync_transport(), FAST.attempts - 1)).settings()

    await BlobDownload(url, tmp_path / "b.bacpac", http=http, options=options,
                       on_progress=seen.append).run()  # fmt: skip

    wanted = [p.wanted for p in seen if p.wanted]
    assert wanted[0] == 8
    assert 4 in wanted and max(wanted[wanted.index(4) :]) <= 4  # halved once, not 8 times
    assert file_md5(tmp_path / "b.bacpac") == served_md5(sim, url)


class _OneBadConnection(httpx.BaseTransport):
    """Every request of the first connection (thread) that asks fails; the
    others work. `others_got_bytes` is set once another one received a body."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner
        # The thread object, not its ident: idents are reused by later threads.
        self.bad: threading.Thread | None = None
        self.lock = threading.Lock()
        self.others_got_bytes = threading.Event()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        with self.lock:
            if request.method == "GET" and self.bad is None:
                self.bad = threading.current_thread()
        if threading.current_thread() is self.bad:
            raise httpx.ConnectError("connection reset by peer", request=request)
        response = self.inner.handle_request(request)
        if request.method != "GET":
            return response
        return httpx.Response(
            response.status_code,
            headers=response.headers,
            stream=_Counted(response, self.others_got_bytes),
            request=request,
        )


class _Counted(httpx.SyncByteStream):
    """Sets `seen` once the downloader has taken (and counted) a first chunk."""

    def __init__(self, response: httpx.Response, seen: threading.Event) -> None:
        self.response, self.seen = response, seen

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self.response.iter_raw():
            yield chunk
            self.seen.set()  # the consumer has handled the chunk by now

    def close(self) -> None:
        self.response.close()


async def test_one_connection_giving_up_does_not_end_the_download(
    sim: Simulator, tmp_path: Path
) -> None:
    backup = sim.add_backup("flaky", size=40 * MIB)
    url = location(sim, backup.backup_id)
    net = _OneBadConnection(sim.sync_transport())

    def backoff(failure: int) -> float:
        net.others_got_bytes.wait(30)  # the bad one's tries run out while others work
        return 0.0

    options = dataclasses.replace(AUTO, connections=4, backoff=backoff)
    result = await BlobDownload(
        url, tmp_path / "f.bacpac", http=Watcher(net).settings(), options=options
    ).run()

    assert result.size == 40 * MIB
    assert file_md5(tmp_path / "f.bacpac") == served_md5(sim, url)


async def test_when_every_connection_fails_the_download_gives_up(
    sim: Simulator, tmp_path: Path
) -> None:
    backup = sim.add_backup("down", size=40 * MIB)
    sim.faults.blob_cut_after(0, n=1000)  # nothing gets through
    options = dataclasses.replace(AUTO, connections=4)

    with pytest.raises(ConnectionLost, match="gave up after 5 tries"):
        await BlobDownload(location(sim, backup.backup_id), tmp_path / "d.bacpac",
                           http=Watcher(sim.sync_transport()).settings(),
                           options=options).run()  # fmt: skip
