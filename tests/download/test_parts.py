"""The small pieces: range sets, the ledger, the sidecar, names, the progress line."""

from __future__ import annotations

import itertools
import json
import logging
import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lcs_tui.api import DatabaseBackup
from lcs_tui.commands.download_progress import render
from lcs_tui.download import (
    BackupLookupError,
    DownloadProgress,
    DownloadState,
    backup_file_name,
    find_backup,
    human_bytes,
    human_duration,
    sidecar,
)
from lcs_tui.download.ledger import Ledger
from lcs_tui.download.partfile import PartFile
from lcs_tui.download.progress import RateMeter
from lcs_tui.download.ranges import RangeSet
from lcs_tui.download.redaction import install_httpx_log_redaction
from lcs_tui.download.sidecar import BlobIdentity, PartState

SIZE = 200
ranges = st.lists(
    st.tuples(st.integers(0, SIZE), st.integers(0, SIZE)).map(lambda r: (min(r), max(r))),
    max_size=20,
)


@given(ranges)
def test_a_range_set_is_the_union_of_its_ranges(added: list[tuple[int, int]]) -> None:
    model: set[int] = set()
    rs = RangeSet()
    for start, end in added:
        rs.add(start, end)
        model.update(range(start, end))
    assert rs.total == len(model)
    covered = {i for s, e in rs for i in range(s, e)}
    assert covered == model
    assert all(e1 < s2 for (_, e1), (s2, _) in itertools.pairwise(rs))  # merged
    gaps = {i for s, e in rs.missing(SIZE) for i in range(s, e)}
    assert gaps == set(range(SIZE)) - model


def test_pieces_shrink_towards_the_end_so_connections_finish_together() -> None:
    ledger = Ledger(100, RangeSet(), min_piece=5, max_piece=20)
    pieces = []
    while (segment := ledger.next_segment(2)) is not None:
        pieces.append((segment.start, segment.end))
        ledger.record(segment, segment.end - segment.start)
        ledger.release(segment)
    sizes = [e - s for s, e in pieces]
    assert sizes == [20, 20, 15, 11, 8, 6, 5, 5, 5, 5]  # max, then a share of what is left
    assert ledger.finished and ledger.done_bytes == 100


def test_one_connection_takes_the_biggest_pieces() -> None:
    ledger = Ledger(50, RangeSet([(10, 20)]), min_piece=5, max_piece=30)
    first = ledger.next_segment(1)
    assert first is not None and (first.start, first.end) == (0, 10)  # a gap ends it
    second = ledger.next_segment(1)
    assert second is not None and (second.start, second.end) == (20, 50)


def test_an_idle_connection_takes_half_of_the_biggest_piece_in_flight() -> None:
    ledger = Ledger(100, RangeSet(), min_piece=10, max_piece=50)
    first, second = ledger.next_segment(1), ledger.next_segment(1)
    assert first is not None and second is not None
    assert (first.start, first.end, second.start, second.end) == (0, 50, 50, 100)
    ledger.record(first, 50)
    ledger.release(first)
    ledger.record(second, 10)
    stolen = ledger.next_segment(2)
    assert stolen is not None and (stolen.start, stolen.end) == (80, 100)
    assert ledger.end_of(second) == 80
    again = ledger.next_segment(2)  # 20 left in each: the first of them is split
    assert again is not None and (again.start, again.end) == (70, 80)
    third = ledger.next_segment(2)
    assert third is not None and (third.start, third.end) == (90, 100)
    assert ledger.next_segment(2) is None  # 10 left in each: not worth it below 2 × 10
    assert ledger.done_bytes == 60 and ledger.connections == 4


def test_what_a_stopped_connection_did_not_fetch_is_handed_out_again() -> None:
    ledger = Ledger(100, RangeSet(), min_piece=10, max_piece=40)
    segment = ledger.next_segment(1)
    assert segment is not None and (segment.start, segment.end) == (0, 40)
    ledger.record(segment, 15)
    ledger.release(segment)  # retired or failed after 15 bytes
    assert ledger.unassigned == 85 and not ledger.finished
    again = ledger.next_segment(1)
    assert again is not None and (again.start, again.end) == (15, 55)


@given(ranges, st.integers(1, 8), st.integers(1, 30), st.integers(1, 60))
def test_pieces_cover_every_missing_byte_exactly_once(
    added: list[tuple[int, int]], connections: int, low: int, high: int
) -> None:
    ledger = Ledger(SIZE, RangeSet(added), min_piece=low, max_piece=max(low, high))
    seen = RangeSet(added)
    fetched = 0
    while (segment := ledger.next_segment(connections)) is not None:
        assert segment.end > segment.start
        assert (
            RangeSet([(segment.start, segment.end)]).total + seen.total
            == RangeSet([*seen, (segment.start, segment.end)]).total
        )  # nothing handed out twice
        seen.add(segment.start, segment.end)
        fetched += segment.end - segment.start
        ledger.record(segment, segment.end - segment.start)
        ledger.release(segment)
    assert seen.covers(SIZE) and ledger.finished
    assert fetched == SIZE - RangeSet(added).total


def test_sidecar_round_trip_and_atomic_replace(tmp_path: Path) -> None:
    part = tmp_path / "x.bacpac.part"
    state = PartState(BlobIdentity(100, '"0x8D1"', "Mon", "md5=="), RangeSet([(0, 10), (50, 60)]))
    sidecar.save(part, state)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.bacpac.part.json"]
    loaded = sidecar.load(part)
    assert loaded is not None
    assert loaded.blob == state.blob and loaded.done == state.done


@pytest.mark.parametrize(
    "text",
    [
        "not json",
        "[]",
        '{"schema": 2, "size": 10, "done": []}',
        '{"schema": 1, "size": 10, "done": [[0, 11]]}',
        '{"schema": 1, "size": 10, "done": [[5, 2]]}',
        '{"schema": 1, "size": "10", "done": []}',
    ],
)
def test_a_sidecar_it_cannot_vouch_for_is_ignored(tmp_path: Path, text: str) -> None:
    part = tmp_path / "x.part"
    sidecar.sidecar_path(part).write_text(text)
    assert sidecar.load(part) is None


def test_blob_identity_needs_something_to_compare() -> None:
    assert BlobIdentity(5, etag='"a"').same_blob(BlobIdentity(5, etag='"a"'))
    assert not BlobIdentity(5, etag='"a"').same_blob(BlobIdentity(5, etag='"b"'))
    assert not BlobIdentity(5, etag='"a"').same_blob(BlobIdentity(6, etag='"a"'))
    assert BlobIdentity(5, last_modified="x").same_blob(BlobIdentity(5, last_modified="x"))
    assert not BlobIdentity(5).same_blob(BlobIdentity(5))


def test_a_held_part_file_closes_when_its_last_writer_lets_go(tmp_path: Path) -> None:
    part = PartFile(tmp_path / "p.part", fresh=True)
    part.hold()
    part.close()
    part.write(0, b"late but safe")  # the descriptor is still ours
    part.release()
    assert part.fd == -1
    assert (tmp_path / "p.part").read_bytes() == b"late but safe"
    with pytest.raises(OSError):
        part.hold()


@pytest.mark.parametrize(
    ("file_name", "name", "expected"),
    [
        ("AxDB_20260801.bacpac", "x", "AxDB_20260801.bacpac"),
        ("../../etc/passwd", "x", "passwd.bacpac"),
        ("C:\\temp\\db.bacpac", "x", "db.bacpac"),
        ('what?<is>"this".bacpac', "x", "what__is__this_.bacpac"),
        (None, "uat-golden", "uat-golden.bacpac"),
        ("..", "uat:golden", "uat_golden.bacpac"),
        # Windows' device names, with or without an extension, in any case.
        ("CON", "x", "_CON.bacpac"),
        ("nul.bacpac", "x", "_nul.bacpac"),
        ("com1.tar.gz", "x", "_com1.tar.gz.bacpac"),
        ("LPT9 .bacpac", "x", "_LPT9.bacpac"),
        ("COM10.bacpac", "x", "COM10.bacpac"),  # not a device
        # Controls, bidi overrides, separators: never in a name.
        ("a\x1b]52;c;UFdORUQ=\x07b.bacpac", "x", "a_]52;c;UFdORUQ=_b.bacpac"),
        ("report\u202egpj.exe", "x", "report_gpj.exe.bacpac"),
        ("line\u2028break\x9b.bacpac", "x", "line_break_.bacpac"),
        # Trailing dots and spaces (Windows drops them), a leading dot (hidden).
        (".hidden. . ", "x", "hidden.bacpac"),
        ("db.bacpac. ", "x", "db.bacpac"),
        ("invoice.pdf.exe", "x", "invoice.pdf.exe.bacpac"),
        ("\x00\x01", "\u202e", "backup-1.bacpac"),
    ],
)
def test_local_file_names_are_safe(file_name: str | None, name: str, expected: str) -> None:
    assert backup_file_name(DatabaseBackup(id="1", name=name, file_name=file_name)) == expected


def test_long_names_are_cut_to_200_bytes_on_a_character_boundary() -> None:
    name = backup_file_name(DatabaseBackup(id="1", name="x", file_name="é" * 300 + ".bacpac"))
    assert name.endswith(".bacpac") and len(name.encode()) <= 200
    assert name == "é" * 96 + ".bacpac"  # 192 bytes + 7: no half character


_FORBIDDEN = re.compile('[<>:"/\\\\|?*\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u2028\u2029]')


@given(st.text(max_size=400), st.text(max_size=50))
def test_any_server_name_gives_a_name_every_platform_accepts(file_name: str, name: str) -> None:
    local = backup_file_name(DatabaseBackup(id="abc", name=name, file_name=file_name))
    assert local.endswith(".bacpac") and len(local.encode("utf-8")) <= 200
    assert _FORBIDDEN.search(local) is None
    stem = local[: -len(".bacpac")]
    assert stem and not stem.startswith((".", " ")) and not stem.endswith((".", " "))
    assert stem.split(".")[0].rstrip(" ").upper() not in {"CON", "PRN", "AUX", "NUL"} | {
        f"{d}{n}" for d in ("COM", "LPT") for n in "123456789"
    }


def test_find_backup_by_id_name_or_file_name() -> None:
    backups = [
        DatabaseBackup(id="A1", name="uat", file_name="uat.bacpac"),
        DatabaseBackup(id="B2", name="twin", file_name="t1.bacpac"),
        DatabaseBackup(id="C3", name="TWIN", file_name="t2.bacpac"),
    ]
    assert find_backup(backups, "a1").id == "A1"
    assert find_backup(backups, "UAT").id == "A1"
    assert find_backup(backups, "t2.bacpac").id == "C3"
    with pytest.raises(BackupLookupError, match=r"2 backups are called 'twin'.*B2, C3"):
        find_backup(backups, "twin")
    with pytest.raises(BackupLookupError, match="no backup"):
        find_backup(backups, "nope")


def test_the_progress_line() -> None:
    moving = DownloadProgress(
        DownloadState.DOWNLOADING, 420_000_000, 1_000_000_000, rate=85e6, eta=7.0, connections=4
    )
    assert render("uat", moving, 100) == (
        "uat  [############..................]  42%  420 MB / 1.0 GB  85.0 MB/s  ETA 7s  ×4"
    )
    assert render("uat", moving, 40) == "uat   42%  420 MB / 1.0 GB  85.0 MB/s  "  # no bar
    ramping = DownloadProgress(
        DownloadState.DOWNLOADING, 1, 10, rate=1e6, eta=9.0, connections=6, wanted=8
    )
    assert render("", ramping, 100).endswith("×6/8")  # still reaching the count it wants
    verifying = DownloadProgress(DownloadState.VERIFYING, 10, 10)
    assert render("", verifying, 80).endswith("100%  10 B / 10 B  verifying")


def test_units() -> None:
    assert [human_bytes(n) for n in (0, 999, 1000, 123_456_789, 5e12)] == [
        "0 B",
        "999 B",
        "1.0 kB",
        "123 MB",
        "5.0 TB",
    ]
    assert [human_duration(s) for s in (None, 0, 61, 3725)] == ["—", "0s", "1m01s", "1h02m"]


def test_rate_is_smoothed() -> None:
    meter = RateMeter(tau=3.0)
    meter.update(0.0, 0)
    assert meter.update(1.0, 100) == 100
    bumpy = meter.update(2.0, 100)  # a second of nothing
    assert bumpy is not None and 60 < bumpy < 100


def test_log_filter_scrubs_signatures(caplog: pytest.LogCaptureFixture) -> None:
    install_httpx_log_redaction()
    caplog.set_level(logging.INFO, logger="httpx")
    logging.getLogger("httpx").info(
        'HTTP Request: %s %s "%s %d"', "GET", "https://b/x?sv=1&sig=SECRET%2B&se=2", "HTTP/1.1", 206
    )
    assert "SECRET" not in caplog.text and "sig=REDACTED" in caplog.text and "206" in caplog.text
    assert json.dumps(caplog.records[0].args)  # still plain values


def test_the_downloader_is_headless() -> None:
    """The CLI and scripts use it without Textual, MSAL or the simulator."""
    import subprocess
    import sys

    code = "import sys, lcs_tui.download, lcs_tui.download.prefs; print(' '.join(sys.modules))"
    loaded = set(
        subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        ).stdout.split()
    )
    assert not {m for m in loaded if m.startswith(("textual", "msal", "lcs_tui.simulator"))}
