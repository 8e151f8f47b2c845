"""The journal survives what users do to it: restarts, corruption, two writers."""

from __future__ import annotations

import json
import threading
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from lcs_tui.service.journal import SCHEMA_VERSION, Journal, JournalError
from lcs_tui.service.operations import (
    NOT_STARTED_LOCALLY,
    OUTCOME_UNKNOWN,
    STARTING,
    TrackedOperation,
)


def make_op(**changes: object) -> TrackedOperation:
    values: dict[str, object] = dict(
        kind="refresh",
        project_id=1,
        poll_environment_id="uat",
        environment_name="UAT",
        source_name="PROD",
        source_environment_id="prod",
        requested_at=datetime(2026, 11, 29, 10, 0, 0, 123456),
    )
    values.update(changes)
    return TrackedOperation.new(**values)


def test_round_trip_keeps_every_field(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "journal.json")
    op = make_op(activity_id="55eb", status="InProgress", message="ok")
    journal.upsert(op)
    assert Journal(tmp_path / "journal.json").load() == [op]
    data = json.loads((tmp_path / "journal.json").read_text())
    assert data["schema"] == SCHEMA_VERSION


def test_upsert_replaces_by_key_and_remove_forgets(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "j.json")
    op = make_op()
    journal.upsert(op)
    assert journal.load()[0].status == STARTING
    journal.upsert(op.with_changes(activity_id="a1", status="NotStarted"))
    (loaded,) = journal.load()
    assert loaded.activity_id == "a1"
    journal.remove(op.key)
    assert journal.load() == []


def test_corrupt_journal_is_set_aside_with_a_message(tmp_path: Path) -> None:
    path = tmp_path / "j.json"
    path.write_text('{"schema": 1, "operations": [{"kind": ')
    journal = Journal(path)
    assert journal.load() == []
    assert journal.recovered_from is not None
    assert "could not be read" in journal.recovered_from
    aside = list(tmp_path.glob("j.json.corrupt-*"))
    assert len(aside) == 1 and aside[0].read_text().startswith('{"schema"')
    journal.upsert(make_op())  # the app keeps working
    assert len(Journal(path).load()) == 1


def test_unknown_schema_is_not_misread(tmp_path: Path) -> None:
    path = tmp_path / "j.json"
    path.write_text(json.dumps({"schema": 99, "operations": []}))
    journal = Journal(path)
    assert journal.load() == []
    assert journal.recovered_from and "schema" in journal.recovered_from


def test_no_temporary_files_left_behind(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "j.json")
    for _ in range(5):
        journal.upsert(make_op())
    leftovers = [p.name for p in tmp_path.iterdir() if p.suffix == ".tmp"]
    assert leftovers == []
    assert len(journal.load()) == 5


def test_leftover_temporary_file_of_a_killed_write_is_removed(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "j.json")
    op = make_op()
    journal.upsert(op)
    # What a write killed between mkstemp and rename leaves behind.
    orphan = tmp_path / ".j.json.abc123.tmp"
    orphan.write_text('{"schema": 1, "operations": [')
    other = tmp_path / ".other.json.abc123.tmp"  # another journal's: not ours to touch
    other.write_text("x")
    assert Journal(tmp_path / "j.json").load() == [op]
    assert not orphan.exists()
    assert other.exists()


def test_two_set_asides_in_the_same_second_keep_both_files(tmp_path: Path) -> None:
    path = tmp_path / "j.json"
    for text in ("first garbage", "second garbage"):
        path.write_text(text)
        assert Journal(path).load() == []
    aside = sorted(p.read_text() for p in tmp_path.glob("j.json.corrupt-*"))
    assert aside == ["first garbage", "second garbage"]


def test_an_unreadable_entry_costs_only_itself_and_is_kept_verbatim(tmp_path: Path) -> None:
    path = tmp_path / "j.json"
    good = make_op(activity_id="a1", status="InProgress")
    weird = {"key": "k2", "kind": "refresh", "project_id": "not a number"}
    path.write_text(
        json.dumps({"schema": SCHEMA_VERSION, "operations": [good.to_json(), weird, 42]})
    )
    journal = Journal(path)
    assert journal.load() == [good]
    assert journal.recovered_from and "2 entries" in journal.recovered_from
    assert not list(tmp_path.glob("*.corrupt-*"))  # not set aside: the good one is watched
    journal.upsert(make_op())
    kept = json.loads(path.read_text())["operations"]
    assert weird in kept and 42 in kept and len(kept) == 4


def test_a_newer_schema_is_left_alone_and_not_written(tmp_path: Path) -> None:
    path = tmp_path / "j.json"
    newer = json.dumps({"schema": SCHEMA_VERSION + 1, "operations": [{"new": "shape"}]})
    path.write_text(newer)
    journal = Journal(path)
    assert journal.load() == []
    assert journal.recovered_from and "newer version" in journal.recovered_from
    with pytest.raises(JournalError, match="newer version"):
        journal.upsert(make_op())
    assert path.read_text() == newer  # downgrading must not hide the newer version's work
    assert not list(tmp_path.glob("*.corrupt-*"))


def test_upsert_replaces_in_place_and_keeps_the_order(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "j.json")
    ops = [make_op() for _ in range(3)]
    for op in ops:
        journal.upsert(op)
    journal.upsert(ops[0].with_changes(status="InProgress", activity_id="a"))
    assert [op.key for op in journal.load()] == [op.key for op in ops]


def test_a_duplicated_key_in_a_hand_edited_file_loads_once(tmp_path: Path) -> None:
    path = tmp_path / "j.json"
    op = make_op()
    later = op.with_changes(status="InProgress", activity_id="a")
    path.write_text(
        json.dumps({"schema": SCHEMA_VERSION, "operations": [op.to_json(), later.to_json()]})
    )
    assert Journal(path).load() == [op]


NOW = datetime(2026, 11, 29, 12, 0)


def test_prune_drops_only_what_is_long_over(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "j.json")
    old_done = make_op(activity_id="a", status="Completed", finished_at=NOW - timedelta(days=8))
    recent_done = make_op(activity_id="b", status="Failed", finished_at=NOW - timedelta(days=6))
    old_not_sent = make_op(status=NOT_STARTED_LOCALLY, finished_at=NOW - timedelta(days=9))
    still_running = make_op(
        activity_id="c", status="InProgress", requested_at=NOW - timedelta(days=40)
    )
    old_unknown = make_op(status=OUTCOME_UNKNOWN, requested_at=NOW - timedelta(days=31))
    young_unknown = make_op(status=OUTCOME_UNKNOWN, requested_at=NOW - timedelta(days=3))
    everything = [old_done, recent_done, old_not_sent, still_running, old_unknown, young_unknown]
    for op in everything:
        journal.upsert(op)
    dropped = journal.prune(NOW)
    assert {op.key for op in dropped} == {old_done.key, old_not_sent.key, old_unknown.key}
    assert journal.load() == [recent_done, still_running, young_unknown]
    assert journal.prune(NOW) == []


def test_a_held_lock_times_out_with_a_clear_error(tmp_path: Path) -> None:
    fcntl = pytest.importorskip("fcntl")
    journal = Journal(tmp_path / "j.json", lock_timeout=0.1)
    journal.upsert(make_op())
    with open(journal.lock_path, "a+b") as other:  # another process, as far as flock knows
        fcntl.flock(other.fileno(), fcntl.LOCK_EX)
        with pytest.raises(JournalError, match="another lcs-tui process"):
            journal.upsert(make_op())
        fcntl.flock(other.fileno(), fcntl.LOCK_UN)
    assert len(journal.load()) == 1


def test_concurrent_writers_lose_nothing(tmp_path: Path) -> None:
    # Each upsert opens its own lock handle, so threads contend exactly like
    # processes do; without the lock, read-modify-write would drop entries.
    path = tmp_path / "j.json"
    written: list[str] = []

    def writer() -> None:
        journal = Journal(path)
        for _ in range(15):
            op = make_op()
            journal.upsert(op)
            written.append(op.key)

    threads = [threading.Thread(target=writer) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(op.key for op in Journal(path).load()) == sorted(written)
    assert len(written) == 60
