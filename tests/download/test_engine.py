"""The downloader against the simulator's blob endpoint (in-process transport)."""

from __future__ import annotations

import dataclasses
import errno
import json
import logging
import os
from datetime import timedelta
from pathlib import Path

import pytest

from lcs_tui.download import (
    BlobDownload,
    ConnectionLost,
    DestinationExists,
    DiskFull,
    DownloadCancelled,
    DownloadProgress,
    DownloadState,
    IntegrityError,
    LinkExpired,
)
from lcs_tui.download.sidecar import sidecar_path
from lcs_tui.simulator import ManualClock, Simulator

from .support import FAST, MIB, Watcher, file_md5, location, names, renewer, served_md5


def watcher(sim: Simulator) -> Watcher:
    return Watcher(sim.sync_transport())


def range_start(header: str | None) -> int:
    assert header is not None and header.startswith("bytes=")
    return int(header.removeprefix("bytes=").split("-")[0])


async def test_parallel_ranges_reassemble_byte_exactly(sim: Simulator, tmp_path: Path) -> None:
    backup = sim.add_backup("big", size=40 * MIB + 12_345)
    url = location(sim, backup.backup_id)
    net = watcher(sim)
    target = tmp_path / "big.bacpac"

    result = await BlobDownload(
        url, target, http=net.settings(), options=dataclasses.replace(FAST, connections=4)
    ).run()

    assert file_md5(target) == served_md5(sim, url)
    assert result.size == target.stat().st_size == 40 * MIB + 12_345
    assert result.md5_checked  # the simulator sends Content-MD5 below 256 MiB
    gets = net.gets()
    assert len({g.range for g in gets}) >= 4  # several ranges, each its own request
    assert all(g.status == 206 for g in gets)
    # A worker that runs out of work takes half of another's segment (a new
    # request); the other stops at the new end, within the chunk it was reading.
    steals = len(gets) - 4
    assert result.size <= net.received <= result.size + steals * MIB
    assert names(tmp_path) == ["big.bacpac"]


async def test_small_blob_comes_in_one_stream(sim: Simulator, tmp_path: Path) -> None:
    backup = sim.add_backup("small", size=3 * MIB)
    net = watcher(sim)
    await BlobDownload(
        location(sim, backup.backup_id), tmp_path / "s.bacpac", http=net.settings(), options=FAST
    ).run()
    assert [(g.range, g.status) for g in net.gets()] == [(f"bytes=0-{3 * MIB - 1}", 206)]


async def test_a_cut_is_retried_from_where_it_stopped(sim: Simulator, tmp_path: Path) -> None:
    backup = sim.add_backup("cut", size=12 * MIB)
    url = location(sim, backup.backup_id)
    sim.faults.blob_cut_after(5 * MIB)
    net = watcher(sim)

    result = await BlobDownload(url, tmp_path / "c.bacpac", http=net.settings(), options=FAST).run()

    starts = [range_start(g.range) for g in net.gets()]
    assert starts == [0, 5 * MIB]
    assert net.received == result.size
    assert file_md5(tmp_path / "c.bacpac") == served_md5(sim, url)


async def test_resume_after_giving_up_fetches_only_the_rest(sim: Simulator, tmp_path: Path) -> None:
    backup = sim.add_backup("resume", size=12 * MIB)
    url = location(sim, backup.backup_id)
    target = tmp_path / "r.bacpac"
    sim.faults.blob_cut_after(7 * MIB)
    sim.faults.blob_cut_after(0, n=50)  # then the link stays dead

    with pytest.raises(ConnectionLost) as failed:
        await BlobDownload(url, target, http=watcher(sim).settings(), options=FAST).run()

    part = failed.value.part
    assert part is not None and part.exists() and failed.value.resumable
    kept = json.loads(sidecar_path(part).read_text())["done"]
    assert kept == [[0, 7 * MIB]]
    assert "gave up after 5 tries" in failed.value.message

    sim.faults.clear()
    net = watcher(sim)
    notices: list[str] = []
    result = await BlobDownload(
        url, target, http=net.settings(), options=FAST, on_notice=notices.append
    ).run()

    assert [range_start(g.range) for g in net.gets()] == [7 * MIB]
    assert net.received == 5 * MIB
    assert result.resumed_from == 7 * MIB
    assert notices == ["Resuming: 7.3 MB of 12.6 MB already downloaded."]
    assert file_md5(target) == served_md5(sim, url)
    assert not part.exists() and not sidecar_path(part).exists()


async def test_expired_link_before_start_is_renewed(
    sim: Simulator, clock: ManualClock, tmp_path: Path
) -> None:
    backup = sim.add_backup("old-link", size=6 * MIB)
    url = location(sim, backup.backup_id)
    clock.advance(timedelta(days=1, minutes=1))  # past the SAS expiry
    notices: list[str] = []

    await BlobDownload(
        url,
        tmp_path / "o.bacpac",
        renew=renewer(sim, backup.backup_id),
        http=watcher(sim).settings(),
        options=FAST,
        on_notice=notices.append,
    ).run()

    assert notices == ["The download link had expired: continuing with a fresh one from LCS."]
    assert file_md5(tmp_path / "o.bacpac") == served_md5(sim, location(sim, backup.backup_id))


async def test_link_expiring_mid_download_is_renewed(
    sim: Simulator, clock: ManualClock, tmp_path: Path
) -> None:
    backup = sim.add_backup("mid", size=24 * MIB)
    url = location(sim, backup.backup_id)
    sim.faults.blob_cut_after(3 * MIB)

    def backoff(failure: int) -> float:
        # The cut happens; while the worker waits to retry, a day goes by.
        clock.advance(timedelta(days=2))
        return 0.0

    net = watcher(sim)
    states: list[DownloadState] = []
    result = await BlobDownload(
        url,
        tmp_path / "m.bacpac",
        renew=renewer(sim, backup.backup_id),
        http=net.settings(),
        options=dataclasses.replace(FAST, connections=1, backoff=backoff),
        on_progress=lambda p: states.append(p.state),
    ).run()

    statuses = [g.status for g in net.gets()]
    # Cut, refused (expired), then the rest with the fresh link (16 MiB pieces).
    assert statuses == [206, 403, 206, 206]
    assert DownloadState.RENEWING in states
    assert net.received == result.size
    assert file_md5(tmp_path / "m.bacpac") == served_md5(sim, location(sim, backup.backup_id))


async def test_expired_link_without_renewal_fails_without_the_signature(
    sim: Simulator, clock: ManualClock, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    backup = sim.add_backup("expired", size=2 * MIB)
    url = location(sim, backup.backup_id)
    signature = url.split("sig=")[1].split("&")[0]
    clock.advance(timedelta(days=2))
    caplog.set_level(logging.DEBUG)

    with pytest.raises(LinkExpired) as failed:
        await BlobDownload(url, tmp_path / "e.bacpac", http=watcher(sim).settings()).run()

    assert "403" in failed.value.message
    assert signature not in failed.value.as_text()
    assert signature not in repr(failed.value.args)
    assert signature not in caplog.text


async def test_httpx_request_logs_are_scrubbed(
    sim: Simulator, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    backup = sim.add_backup("logged", size=2 * MIB)
    url = location(sim, backup.backup_id)
    signature = url.split("sig=")[1].split("&")[0]
    caplog.set_level(logging.INFO, logger="httpx")

    await BlobDownload(url, tmp_path / "l.bacpac", http=watcher(sim).settings()).run()

    assert "HTTP Request: GET" in caplog.text  # httpx did log the requests...
    assert signature not in caplog.text  # ...without the credential
    assert "sig=REDACTED" in caplog.text


async def test_server_ignoring_range_falls_back_to_one_stream(
    sim: Simulator, tmp_path: Path
) -> None:
    backup = sim.add_backup("norange", size=20 * MIB)
    url = location(sim, backup.backup_id)
    sim.faults.blob_ignore_range = True
    notices: list[str] = []
    net = watcher(sim)

    await BlobDownload(
        url,
        tmp_path / "n.bacpac",
        http=net.settings(),
        options=dataclasses.replace(FAST, connections=4),
        on_notice=notices.append,
    ).run()

    assert any("ignored the Range request" in n for n in notices)
    assert net.gets()[-1].range is None and net.gets()[-1].status == 200
    assert file_md5(tmp_path / "n.bacpac") == served_md5(sim, url)


async def test_destination_exists_is_refused_before_any_request(
    sim: Simulator, tmp_path: Path
) -> None:
    backup = sim.add_backup("exists", size=MIB)
    target = tmp_path / "x.bacpac"
    target.write_bytes(b"precious")
    net = watcher(sim)

    with pytest.raises(DestinationExists) as refused:
        await BlobDownload(location(sim, backup.backup_id), target, http=net.settings()).run()

    assert str(target) in refused.value.message
    assert net.seen == [] and target.read_bytes() == b"precious"

    replaced = await BlobDownload(
        location(sim, backup.backup_id),
        target,
        http=net.settings(),
        options=dataclasses.replace(FAST, overwrite=True),
    ).run()
    assert target.stat().st_size == replaced.size == MIB


async def test_md5_mismatch_is_detected(sim: Simulator, tmp_path: Path) -> None:
    backup = sim.add_backup("flipped", size=6 * MIB)
    url = location(sim, backup.backup_id)

    def flip(position: int, chunk: bytes) -> bytes:
        # One bit of one byte, well inside the body: a corrupting middlebox.
        at = 3 * MIB - position
        if 0 <= at < len(chunk):
            return chunk[:at] + bytes([chunk[at] ^ 1]) + chunk[at + 1 :]
        return chunk

    net = Watcher(sim.sync_transport(), tamper=flip)
    with pytest.raises(IntegrityError) as failed:
        await BlobDownload(url, tmp_path / "f.bacpac", http=net.settings(), options=FAST).run()

    assert "MD5" in failed.value.message
    assert not failed.value.resumable
    assert names(tmp_path) == []  # neither the file nor a poisoned .part


async def test_disk_full_keeps_a_resumable_part(sim: Simulator, tmp_path: Path) -> None:
    backup = sim.add_backup("full", size=24 * MIB)
    url = location(sim, backup.backup_id)
    target = tmp_path / "d.bacpac"
    budget = [10 * MIB]

    def small_disk(fd: int, data: memoryview, offset: int) -> int:
        if budget[0] < len(data):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        budget[0] -= len(data)
        return os.pwrite(fd, data, offset)

    with pytest.raises(DiskFull) as failed:
        await BlobDownload(
            url,
            target,
            http=watcher(sim).settings(),
            options=dataclasses.replace(FAST, connections=3),
            write_at=small_disk,
        ).run()

    assert "disk is full" in failed.value.message
    assert failed.value.resumable
    part = failed.value.part
    assert part is not None
    kept = json.loads(sidecar_path(part).read_text())["done"]
    assert 0 < sum(e - s for s, e in kept) <= 10 * MIB

    net = watcher(sim)
    result = await BlobDownload(url, target, http=net.settings(), options=FAST).run()
    assert net.received == result.size - result.resumed_from
    assert file_md5(target) == served_md5(sim, url)


async def test_no_room_for_the_download_is_said_upfront(
    sim: Simulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    backup = sim.add_backup("huge", size=5 * MIB)

    class Usage:
        free = MIB

    monkeypatch.setattr("shutil.disk_usage", lambda path: Usage())
    with pytest.raises(DiskFull) as failed:
        await BlobDownload(
            location(sim, backup.backup_id), tmp_path / "h.bacpac", http=watcher(sim).settings()
        ).run()
    assert "needs 5.2 MB more, 1.0 MB is free" in failed.value.message


async def test_cancel_keeps_the_part_and_a_resume_finishes(sim: Simulator, tmp_path: Path) -> None:
    backup = sim.add_backup("cancel", size=30 * MIB)
    url = location(sim, backup.backup_id)
    target = tmp_path / "k.bacpac"
    slow = Watcher(sim.sync_transport(), delay_per_chunk=0.01)

    def on_progress(p: DownloadProgress) -> None:
        if p.done >= 4 * MIB:
            download.cancel()

    download = BlobDownload(
        url,
        target,
        http=slow.settings(),
        options=dataclasses.replace(FAST, connections=2),
        on_progress=on_progress,
    )
    with pytest.raises(DownloadCancelled) as cancelled:
        await download.run()

    assert download.progress.state is DownloadState.CANCELLED
    assert cancelled.value.part is not None and cancelled.value.part.exists()
    kept = sum(
        e - s
        for s, e in json.loads(sidecar_path(target.with_suffix(".bacpac.part")).read_text())["done"]
    )
    assert kept >= 4 * MIB

    net = watcher(sim)
    result = await BlobDownload(url, target, http=net.settings(), options=FAST).run()
    assert result.resumed_from == kept
    assert net.received == 30 * MIB - kept
    assert file_md5(target) == served_md5(sim, url)


async def test_a_changed_blob_starts_over(sim: Simulator, tmp_path: Path) -> None:
    backup = sim.add_backup("changed", size=8 * MIB)
    url = location(sim, backup.backup_id)
    target = tmp_path / "ch.bacpac"
    sim.faults.blob_cut_after(3 * MIB)
    sim.faults.blob_cut_after(0, n=50)
    with pytest.raises(ConnectionLost):
        await BlobDownload(url, target, http=watcher(sim).settings(), options=FAST).run()
    sim.faults.clear()
    record = sidecar_path(target.with_name(target.name + ".part"))
    data = json.loads(record.read_text())
    record.write_text(json.dumps({**data, "etag": '"0x8DOLDERVERSION"'}))
    notices: list[str] = []
    net = watcher(sim)

    result = await BlobDownload(
        url, target, http=net.settings(), options=FAST, on_notice=notices.append
    ).run()

    assert notices == [
        "The backup changed on the server since the partial download: starting over."
    ]
    assert result.resumed_from == 0 and net.received == 8 * MIB
    assert file_md5(target) == served_md5(sim, url)


async def test_progress_reports_bytes_rate_and_eta(sim: Simulator, tmp_path: Path) -> None:
    backup = sim.add_backup("progress", size=12 * MIB)
    seen: list[DownloadProgress] = []
    slow = Watcher(sim.sync_transport(), delay_per_chunk=0.01)
    await BlobDownload(
        location(sim, backup.backup_id),
        tmp_path / "p.bacpac",
        http=slow.settings(),
        options=FAST,
        on_progress=seen.append,
    ).run()

    moving = [p for p in seen if p.state is DownloadState.DOWNLOADING and p.rate]
    assert moving, seen
    assert all(p.total == 12 * MIB for p in moving)
    assert any(p.eta is not None and p.eta > 0 for p in moving)
    assert [p.done for p in seen] == sorted(p.done for p in seen)
    assert seen[-1].state is DownloadState.DONE and seen[-1].done == 12 * MIB


async def test_a_burst_of_503s_is_waited_out(sim: Simulator, tmp_path: Path) -> None:
    backup = sim.add_backup("busy", size=6 * MIB)
    url = location(sim, backup.backup_id)
    sim.faults.server_errors(n=3, status=503, path_prefix="/lcsdbbackups/")
    net = watcher(sim)

    await BlobDownload(url, tmp_path / "b.bacpac", http=net.settings(), options=FAST).run()

    assert [s.status for s in net.seen] == [503, 503, 503, 200, 206]
    assert file_md5(tmp_path / "b.bacpac") == served_md5(sim, url)


async def test_a_storage_outage_ends_with_a_clear_message(sim: Simulator, tmp_path: Path) -> None:
    backup = sim.add_backup("down", size=MIB)
    sim.faults.server_errors(n=50, status=503, path_prefix="/lcsdbbackups/")
    with pytest.raises(ConnectionLost) as failed:
        await BlobDownload(
            location(sim, backup.backup_id), tmp_path / "d.bacpac", http=watcher(sim).settings(),
            options=FAST,
        ).run()  # fmt: skip
    assert "kept failing (HTTP 503)" in failed.value.message
