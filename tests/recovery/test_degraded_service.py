"""Watching and loading through a degraded service: nothing is lost, nothing crashes.

5xx bursts, the network down for five simulated minutes, 429 storms on the
environment endpoints, malformed JSON and HTML pages, undocumented status
words. Every failure is a typed `LcsError`; the operation is still watched
afterwards and reaches its real final status.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path

import pytest

from lcs_tui.api import (
    LcsConnectionError,
    LcsError,
    LcsHttpError,
    LcsMalformedResponse,
    LcsThrottled,
    RetryPolicy,
)
from lcs_tui.service.journal import Journal
from lcs_tui.service.operations import TrackedOperation
from lcs_tui.simulator.faults import MALFORMED_KINDS
from tests.recovery.support import PROD, TEST, UAT, Rig, load, make_rig

STATUS_PATH = "/databasemovement/v1/fetchstatus/"


async def running_refresh(tmp_path: Path) -> tuple[Rig, TrackedOperation]:
    rig = make_rig(tmp_path / "journal.json")
    await load(rig, TEST)
    op = await rig.service.start_refresh(PROD, TEST)
    rig.advance(timedelta(minutes=5))
    change = await rig.service.poll(op)
    assert change is not None and change.after.status == "InProgress"
    return rig, change.after


async def watch_to_the_end(rig: Rig, op: TrackedOperation) -> TrackedOperation:
    """Poll every 10 simulated minutes until LCS says it finished (at most 6 h)."""
    for _ in range(36):
        if not op.needs_watching:
            break
        rig.advance(timedelta(minutes=10))
        await rig.service.poll(op)
        op = rig.service.operations[op.key]
    assert op.finished
    return op


def assert_one_journal_entry(rig: Rig, op: TrackedOperation) -> None:
    (stored,) = Journal(rig.journal.path).load()
    assert stored.key == op.key and stored.activity_id == op.activity_id
    assert stored.status == rig.service.operations[op.key].status


async def test_a_short_5xx_burst_is_absorbed_by_the_retries(tmp_path: Path) -> None:
    rig, op = await running_refresh(tmp_path)
    rig.sim.faults.server_errors(3, status=503, path_prefix=STATUS_PATH)
    rig.advance(timedelta(minutes=10))
    await rig.service.poll(op)  # three retries with backoff: the fourth answer counts
    assert rig.service.operations[op.key].status == "InProgress"
    backoffs = rig.time.sleeps
    assert len(backoffs) == 3 and all(0 < s <= RetryPolicy().backoff_max for s in backoffs)
    done = await watch_to_the_end(rig, op)
    assert done.status == "Completed"
    assert_one_journal_entry(rig, done)
    await rig.aclose()


async def test_a_long_5xx_burst_fails_polls_without_losing_the_operation(tmp_path: Path) -> None:
    rig, op = await running_refresh(tmp_path)
    for status in (502, 503, 504, 500):
        # 502-504 are retried three times, so four in a row fail the poll; 500 is not retried.
        burst = 1 if status == 500 else 4
        rig.sim.faults.server_errors(burst, status=status, path_prefix=STATUS_PATH)
        with pytest.raises(LcsHttpError) as caught:
            await rig.service.poll(op)
        assert caught.value.status == status
        # The HTML gateway page is not pasted into the message.
        assert "<" not in caught.value.message
        assert rig.service.operations[op.key].status == "InProgress"
        assert op in rig.service.active_operations()
    done = await watch_to_the_end(rig, op)
    assert done.status == "Completed"
    assert_one_journal_entry(rig, done)
    await rig.aclose()


async def test_five_minutes_offline_then_watching_resumes(tmp_path: Path) -> None:
    rig, op = await running_refresh(tmp_path)
    rig.sim.faults.offline = True
    failures = 0
    for _ in range(10):  # a tick every 30 s for five simulated minutes
        rig.advance(timedelta(seconds=30))
        with pytest.raises(LcsConnectionError) as caught:
            await rig.service.poll(op)
        assert caught.value.hint and "retries by itself" in caught.value.hint
        failures += 1
        assert rig.service.active_operations() == [rig.service.operations[op.key]]
    assert failures == 10
    rig.sim.faults.offline = False
    # The very next tick works again: nothing to restart, nothing lost.
    rig.advance(timedelta(seconds=30))
    await rig.service.poll(op)
    done = await watch_to_the_end(rig, rig.service.operations[op.key])
    assert done.status == "Completed"
    assert_one_journal_entry(rig, done)
    await rig.aclose()


async def test_offline_while_loading_then_the_load_succeeds(tmp_path: Path) -> None:
    rig = make_rig(tmp_path / "journal.json")
    rig.sim.faults.offline = True
    with pytest.raises(LcsConnectionError):
        await rig.service.load_environments()
    rig.advance(timedelta(minutes=5))
    rig.sim.faults.offline = False
    await load(rig, TEST, UAT)
    assert TEST in rig.service.environments and rig.service.quota(TEST) is not None
    await rig.aclose()


async def test_a_429_storm_on_the_environment_endpoints_is_waited_out(tmp_path: Path) -> None:
    rig = make_rig(tmp_path / "journal.json")
    rig.sim.faults.throttle(12, retry_after=20)
    # Loading environments and histories: every call is throttled a few times.
    await load(rig, TEST, UAT, PROD)
    assert {TEST, UAT, PROD} <= set(rig.service.history)
    waits = [e for e in rig.events if e.kind == "wait" and e.status == 429]
    assert len(waits) == 12  # every 429 was reported (the status bar shows them)
    assert all(e.waited == 20 for e in waits)
    assert all(e.note and "throttled" in e.note for e in waits)
    # Waits are bounded per call by the retry policy.
    assert sum(s for s in rig.time.sleeps if s == 20) <= RetryPolicy().max_throttle_total
    await rig.aclose()


async def test_an_endless_429_storm_ends_in_a_typed_error_with_its_end_time(
    tmp_path: Path,
) -> None:
    rig = make_rig(tmp_path / "journal.json")
    rig.sim.faults.throttle(1000, retry_after=60)
    with pytest.raises(LcsThrottled) as caught:
        await rig.service.load_environments()
    # Bounded: the client gave up after its total budget, not after 1000 waits.
    assert sum(rig.time.sleeps) <= RetryPolicy().max_throttle_total
    assert caught.value.retry_at is not None
    # A Retry-After longer than the client will wait is not waited at all.
    rig.sim.faults.clear()
    rig.sim.faults.throttle(1, retry_after=3600)
    before = len(rig.time.sleeps)
    with pytest.raises(LcsThrottled):
        await rig.service.load_environments()
    assert len(rig.time.sleeps) == before
    rig.sim.faults.clear()
    await load(rig, TEST)  # and once it stops, everything loads
    await rig.aclose()


async def test_throttled_watching_keeps_the_operation(tmp_path: Path) -> None:
    # The status endpoint is not rate limited, but the history endpoint that
    # reconciliation reads is: a storm there must not lose the entry.
    rig = make_rig(tmp_path / "journal.json")
    await load(rig, TEST)
    rig.sim.faults.drop_after_action(1, path_prefix="/databasemovement/v1/refresh/")
    with pytest.raises(LcsError):
        await rig.service.start_refresh(PROD, TEST)
    (op,) = rig.service.active_operations()
    rig.sim.faults.throttle(1000, retry_after=60)
    with pytest.raises(LcsThrottled):
        await rig.service.poll(op)
    assert rig.service.active_operations() == [op]
    rig.sim.faults.clear()
    change = await rig.service.poll(op)
    assert change is not None and change.after.activity_id is not None
    await rig.aclose()


@pytest.mark.parametrize("kind", MALFORMED_KINDS)
async def test_malformed_status_answers_are_typed_and_watching_continues(
    tmp_path: Path, kind: str
) -> None:
    rig, op = await running_refresh(tmp_path)
    rig.sim.faults.malformed(2, kind=kind, path_prefix=STATUS_PATH)  # type: ignore[arg-type]
    for _ in range(2):
        rig.advance(timedelta(minutes=1))
        if kind == "wrong-types":
            # Strings for booleans and numbers: the tolerant parser reads them.
            await rig.service.poll(op)
        else:
            with pytest.raises(LcsMalformedResponse) as caught:
                await rig.service.poll(op)
            assert "cannot read" in caught.value.message
        # Either way the operation keeps a real status word, never garbage.
        assert rig.service.operations[op.key].status == "InProgress"
        assert op.key in {o.key for o in rig.service.active_operations()}
    done = await watch_to_the_end(rig, op)
    assert done.status == "Completed"
    assert_one_journal_entry(rig, done)
    await rig.aclose()


@pytest.mark.parametrize("kind", MALFORMED_KINDS)
async def test_malformed_answers_while_loading_are_typed_and_the_retry_loads(
    tmp_path: Path, kind: str
) -> None:
    rig = make_rig(tmp_path / "journal.json")
    service = rig.service
    loaders: list[Callable[[], Awaitable[object]]] = [
        service.load_environments,
        service.load_backups,
        lambda: service.load_recent_history(TEST),
    ]
    for load_one in loaders:
        rig.sim.faults.malformed(1, kind=kind)  # type: ignore[arg-type]
        with pytest.raises(LcsMalformedResponse):
            await load_one()
        await load_one()  # the app's next attempt
    assert service.environments and service.backups and service.history[TEST]
    await rig.aclose()


async def test_unknown_status_words_are_shown_as_they_are_until_a_real_end(
    tmp_path: Path,
) -> None:
    rig, op = await running_refresh(tmp_path)
    rig.sim.faults.unknown_status("ServicingInProgress", minutes=40)
    rig.advance(timedelta(minutes=1))
    change = await rig.service.poll(op)
    assert change is not None
    shown = change.after
    assert shown.status == "ServicingInProgress"  # as LCS said it, not mapped
    assert not shown.finished and shown.needs_watching
    assert TEST in rig.service.busy_environment_ids()
    assert Journal(rig.journal.path).load()[0].status == "ServicingInProgress"
    # A restart in the middle reads it back and keeps watching.
    again = rig.reopen()
    assert [o.status for o in again.service.active_operations()] == ["ServicingInProgress"]
    done = await watch_to_the_end(again, again.service.operations[op.key])
    assert done.status == "Completed"
    await rig.aclose()
    await again.aclose()
