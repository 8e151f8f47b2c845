"""When the journal itself fails: nothing is sent without it, watching goes on without it."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from lcs_tui.service.journal import SCHEMA_VERSION, Journal, JournalError
from lcs_tui.service.operations import TrackedOperation
from lcs_tui.service.project import ActionRefused
from tests.recovery.support import PROD, TEST, Rig, load, make_rig


class BrokenJournal(Journal):
    """A journal whose writes fail from a given moment (disk full, permissions)."""

    broken = False

    def upsert(self, operation: TrackedOperation) -> None:
        if self.broken:
            raise JournalError(f"cannot write the journal {self.path}: No space left on device")
        super().upsert(operation)


def with_broken_journal(rig: Rig) -> BrokenJournal:
    journal = BrokenJournal(rig.journal.path)
    rig.service.journal = rig.journal = journal
    return journal


async def test_no_journal_no_request(tmp_path: Path) -> None:
    rig = make_rig(tmp_path / "journal.json")
    await load(rig, TEST)
    with_broken_journal(rig).broken = True
    before = len(rig.sim.operations())
    with pytest.raises(ActionRefused) as caught:
        await rig.service.start_refresh(PROD, TEST)
    assert "nothing was sent" in caught.value.problems[0].message
    assert "No space left" in caught.value.problems[0].message
    assert isinstance(caught.value.__cause__, JournalError)
    assert len(rig.sim.operations()) == before
    assert not any(
        e.method == "POST" and e.path.startswith("/databasemovement/") for e in rig.sim.request_log
    )
    assert rig.service.operations == {}
    await rig.aclose()


async def test_a_journal_failing_after_the_post_does_not_stop_watching(tmp_path: Path) -> None:
    rig = make_rig(tmp_path / "journal.json")
    await load(rig, TEST)
    journal = with_broken_journal(rig)
    op = await rig.service.start_refresh(PROD, TEST)
    journal.broken = True
    rig.advance(timedelta(minutes=10))
    change = await rig.service.poll(op)
    assert change is not None and change.after.status == "InProgress"
    assert rig.service.journal_problem and "in memory only" in rig.service.journal_problem
    assert rig.service.journal_notice and "No space left" in rig.service.journal_notice
    assert Journal(journal.path).load()[0].status == "NotStarted"  # the last good write
    journal.broken = False
    rig.advance(timedelta(hours=4))
    await rig.service.poll(change.after)
    assert rig.service.journal_problem is None  # healed: the next write went through
    assert Journal(journal.path).load()[0].status == "Completed"
    await rig.aclose()


async def test_a_journal_from_a_newer_version_refuses_starts(tmp_path: Path) -> None:
    path = tmp_path / "journal.json"
    path.write_text(json.dumps({"schema": SCHEMA_VERSION + 1, "operations": []}))
    rig = make_rig(path)
    assert rig.service.journal_notice and "newer version" in rig.service.journal_notice
    await load(rig, TEST)
    with pytest.raises(ActionRefused) as caught:
        await rig.service.start_refresh(PROD, TEST)
    assert "newer version" in caught.value.problems[0].message
    assert json.loads(path.read_text())["schema"] == SCHEMA_VERSION + 1
    await rig.aclose()


def test_a_locked_journal_at_start_is_reported_not_fatal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fcntl = pytest.importorskip("fcntl")
    path = tmp_path / "journal.json"
    Journal(path).upsert(
        TrackedOperation.new(
            kind="export", project_id=1, poll_environment_id=TEST, environment_name="CONTOSO-TEST"
        )
    )
    monkeypatch.setattr("lcs_tui.service.journal.LOCK_TIMEOUT", 0.1)
    with open(path.with_name(path.name + ".lock"), "a+b") as held:
        fcntl.flock(held.fileno(), fcntl.LOCK_EX)  # a copy of the app suspended mid-write
        rig = make_rig(path)
    assert rig.service.journal_problem
    assert "another lcs-tui process" in rig.service.journal_problem
    asyncio.run(rig.aclose())


class SlowJournal(Journal):
    """Writes as slowly as a busy disk's fsync, or a lock another copy holds."""

    def upsert(self, operation: TrackedOperation) -> None:
        time.sleep(0.2)
        super().upsert(operation)

    def remove(self, key: str) -> None:
        time.sleep(0.2)
        super().remove(key)

    def load(self) -> list[TrackedOperation]:
        time.sleep(0.2)
        return super().load()


@contextlib.asynccontextmanager
async def loop_ticks() -> AsyncIterator[list[int]]:
    """Counts 10 ms ticks of the event loop while the block runs: a loop
    blocked by disk work would tick about never."""
    ticks = [0]

    async def ticker() -> None:
        while True:
            await asyncio.sleep(0.01)
            ticks[0] += 1

    task = asyncio.create_task(ticker())
    try:
        yield ticks
    finally:
        task.cancel()


async def test_journal_writes_do_not_stall_the_event_loop(tmp_path: Path) -> None:
    rig = make_rig(tmp_path / "journal.json")
    await load(rig, TEST)
    rig.service.journal = rig.journal = SlowJournal(rig.journal.path)
    async with loop_ticks() as ticks:
        started = time.perf_counter()
        op = await rig.service.start_refresh(PROD, TEST)  # two writes: before and after the POST
        elapsed = time.perf_counter() - started
    assert elapsed >= 0.4
    assert ticks[0] >= 10, ticks
    assert Journal(rig.journal.path).load()[0].activity_id == op.activity_id
    await rig.aclose()


ACTIVITY = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"


async def test_with_background_writes_watch_and_forget_return_at_once(tmp_path: Path) -> None:
    # What the TUI does: its event loop must not wait for a slow journal.
    rig = make_rig(tmp_path / "journal.json")
    await load(rig, TEST)
    rig.service.write_journal_in_background()
    rig.service.journal = rig.journal = SlowJournal(rig.journal.path)
    started = time.perf_counter()
    watched = rig.service.watch(ACTIVITY, TEST, kind="refresh")
    other = rig.service.watch(ACTIVITY.replace("0a", "ff", 1), TEST, kind="export")
    rig.service.forget(other.key)
    assert time.perf_counter() - started < 0.1  # three slow writes (0.2 s each) queued
    await asyncio.to_thread(rig.service.close)  # the queued writes land, in order
    stored = Journal(rig.journal.path).load()
    # The forgotten one is not brought back by its own earlier write.
    assert [op.activity_id for op in stored if op.activity_id] == [watched.activity_id]
    await rig.aclose()


async def test_reading_the_journal_does_not_stall_the_event_loop(tmp_path: Path) -> None:
    rig = make_rig(tmp_path / "journal.json")
    await load(rig, TEST)
    # Another copy of the app watches an operation and journals it.
    other = rig.reopen()
    await load(other, TEST)
    other.service.watch(ACTIVITY, TEST, kind="refresh")
    rig.service.journal = rig.journal = SlowJournal(rig.journal.path)
    async with loop_ticks() as ticks:
        await rig.service.read_journal()
    assert ticks[0] >= 10, ticks  # the 0.2 s read ran beside the loop, not on it
    assert any(op.activity_id == ACTIVITY for op in rig.service.operations.values())
    await other.aclose()
    await rig.aclose()


async def test_an_operation_no_longer_watched_does_not_come_back_from_the_journal(
    tmp_path: Path,
) -> None:
    # Stop watching, then reload while the removal is still on its way to the
    # disk (a slow fsync, or another copy holding the lock).
    rig = make_rig(tmp_path / "journal.json")
    await load(rig, TEST)
    rig.service.write_journal_in_background()
    op = rig.service.watch(ACTIVITY, TEST, kind="refresh")
    await asyncio.to_thread(rig.service.close)  # journalled
    rig.service.write_journal_in_background()
    rig.service.journal = rig.journal = SlowJournal(rig.journal.path)
    rig.service.forget(op.key)
    await rig.service.read_journal()
    assert op.key not in rig.service.operations
    await asyncio.to_thread(rig.service.close)
    assert all(o.key != op.key for o in Journal(rig.journal.path).load())
    await rig.aclose()
