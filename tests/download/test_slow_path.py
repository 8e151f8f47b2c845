"""The direct transport over a slow, long path (bench/netem.py's relay, in-process).

Reads there wait for a batch of bytes (SO_RCVLOWAT) instead of waking per TLS
record; they must never wait for bytes that will not come — the end of each
piece. A read timeout far below the test's own bound turns any such wait
into a retry, which the test would see.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from bench.netem import PathModel, Relay
from lcs_tui.download import BlobDownload, DownloadProgress
from lcs_tui.http import HttpSettings
from lcs_tui.simulator import LoopbackServer, Simulator

from .support import FAST, MIB, file_md5
from .test_loopback import link, served_md5

pytestmark = pytest.mark.slow


@pytest.fixture
def served() -> Iterator[tuple[Simulator, LoopbackServer]]:
    sim = Simulator(seed=13)
    with sim.serve_https() as server:
        yield sim, server


@pytest.fixture
def relay_port(served: tuple[Simulator, LoopbackServer]) -> Iterator[int]:
    """A 10 ms path with a 4 MB/s loss-bound rate per connection."""
    _, server = served
    upstream = ("127.0.0.1", int(server.base_url.rsplit(":", 1)[1]))
    model = PathModel(rtt=0.01, loss=0.0002 * 3.2**2, bottleneck=125e6)
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()

    deliveries: list[asyncio.Task[None]] = []

    async def listen() -> int:
        relay = Relay(model, upstream)
        listening = await asyncio.start_server(relay.handle, "127.0.0.1", 0)
        deliveries.append(loop.create_task(relay.run_deliveries()))
        port: int = listening.sockets[0].getsockname()[1]
        return port

    yield asyncio.run_coroutine_threadsafe(listen(), loop).result(timeout=10)

    async def close() -> None:
        for task in asyncio.all_tasks():
            if task is not asyncio.current_task():
                task.cancel()

    asyncio.run_coroutine_threadsafe(close(), loop).result(timeout=10)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(timeout=10)


def test_slow_pieces_end_without_waiting_for_bytes_that_never_come(
    served: tuple[Simulator, LoopbackServer],
    relay_port: int,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="lcs_tui.download.transport")
    sim, server = served
    backup = sim.add_backup("slow", size=9 * MIB + 4321, content_md5=False)
    url = link(server, backup.backup_id)
    far = url.replace(url.split("/")[2], f"{url.split('/')[2].rsplit(':', 1)[0]}:{relay_port}")
    notes: list[str] = []

    def seen(progress: DownloadProgress) -> None:
        if progress.message:
            notes.append(progress.message)

    http = HttpSettings(ca_bundle=server.ca_file, timeout=httpx.Timeout(3.0, connect=3.0))
    options = dataclasses.replace(FAST, connections=3, min_piece=MIB, max_piece=2 * MIB)
    result = asyncio.run(
        BlobDownload(far, tmp_path / "slow.bacpac", http=http, options=options,
                     on_progress=seen).run()
    )  # fmt: skip

    assert notes == []  # not one read timed out
    assert "did not come" not in caplog.text  # no read waited past a piece's end
    assert result.size == 9 * MIB + 4321
    assert file_md5(tmp_path / "slow.bacpac") == served_md5(server, url)
