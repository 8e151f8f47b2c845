"""The connection drops after LCS acted on the POST that starts an operation.

The rule: exactly one operation exists in LCS afterwards (never retried), the
user is told that the outcome is unknown and what to check, and reconciliation
against the environment history later finds the operation and watches it
under its real activity id.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from lcs_tui.api import LcsConnectionError, OutcomeUnknown
from lcs_tui.service.journal import Journal
from lcs_tui.service.operations import NOT_STARTED_LOCALLY, OUTCOME_UNKNOWN
from lcs_tui.simulator import Simulator
from tests.recovery.support import (
    PROD,
    TEST,
    FakeTime,
    Rig,
    demo_sim,
    load,
    make_rig,
)

REFRESH_PATH = "/databasemovement/v1/refresh/"


def refresh_posts(sim: Simulator) -> int:
    return sum(1 for e in sim.request_log if e.method == "POST" and e.path.startswith(REFRESH_PATH))


def history_reads(sim: Simulator) -> int:
    return sum(1 for e in sim.request_log if e.path.startswith("/environmentinfo/v1/history/"))


async def drop_the_answer_of_a_refresh(rig: Rig) -> None:
    sim = rig.sim
    await load(rig, TEST)
    before = len(sim.operations())
    sim.faults.drop_after_action(1, path_prefix=REFRESH_PATH)
    with pytest.raises(OutcomeUnknown) as caught:
        await rig.service.start_refresh(PROD, TEST)
    # The user is told: the error says the operation may have started and what to check.
    assert "may have started" in caught.value.message
    assert caught.value.hint and "history" in caught.value.hint
    # Exactly one operation in LCS, one POST: never retried.
    assert len(sim.operations()) == before + 1
    assert refresh_posts(sim) == 1


def assert_journalled_as_unknown(path: Path) -> None:
    (entry,) = Journal(path).load()
    assert entry.status == OUTCOME_UNKNOWN
    assert entry.activity_id is None
    assert entry.message is not None
    assert "may or may not have started" in entry.message
    assert "LCS portal" in entry.message and "history" in entry.message


async def assert_found_and_watched(rig: Rig) -> None:
    sim, service = rig.sim, rig.service
    started = sim.operations()[-1]
    (op,) = service.active_operations()  # the unresolved entry is still being checked
    change = await service.poll(op)
    assert change is not None
    after = change.after
    assert after.activity_id == started.activity_id
    assert after.needs_watching and not after.needs_reconciling
    assert after.message and "answer was lost" in after.message
    (stored,) = Journal(rig.journal.path).load()
    assert stored.activity_id == started.activity_id
    # Watched to the end like any other operation; still never sent again.
    rig.advance(timedelta(hours=4))
    change = await service.poll(after)
    assert change is not None and change.after.status == "Completed"
    assert refresh_posts(sim) == 1
    assert [op.activity_id for op in Journal(rig.journal.path).load()] == [started.activity_id]


async def test_dropped_answer_is_reported_then_found_in_history_and_watched(
    tmp_path: Path,
) -> None:
    rig = make_rig(tmp_path / "journal.json")
    await drop_the_answer_of_a_refresh(rig)
    assert_journalled_as_unknown(rig.journal.path)
    await assert_found_and_watched(rig)
    await rig.aclose()


async def test_dropped_answer_then_app_closed_is_found_after_restart(tmp_path: Path) -> None:
    rig = make_rig(tmp_path / "journal.json")
    await drop_the_answer_of_a_refresh(rig)
    await rig.aclose()
    rig.advance(timedelta(minutes=20))
    again = rig.reopen()
    await load(again, TEST)  # the reload reconciles against the history it loaded
    (op,) = again.service.operations.values()
    assert op.activity_id == again.sim.operations()[-1].activity_id
    assert op in again.service.active_operations()
    assert refresh_posts(again.sim) == 1
    await again.aclose()


async def test_dropped_answer_over_loopback_https(tmp_path: Path) -> None:
    fake = FakeTime()
    sim = demo_sim(fake)
    with sim.serve_https() as server:
        rig = make_rig(tmp_path / "journal.json", sim=sim, fake=fake, server=server)
        await drop_the_answer_of_a_refresh(rig)
        assert_journalled_as_unknown(rig.journal.path)
        # The whole exchange went over the real TLS socket, MSAL's sign-in included.
        assert any(e.path.endswith("/oauth2/v2.0/token") for e in sim.request_log)
        await assert_found_and_watched(rig)
        await rig.aclose()


async def test_connection_refused_before_sending_is_not_started(tmp_path: Path) -> None:
    rig = make_rig(tmp_path / "journal.json")
    await load(rig, TEST)
    before = len(rig.sim.operations())
    rig.sim.faults.drop_before_action(1, path_prefix=REFRESH_PATH)
    with pytest.raises(LcsConnectionError):
        await rig.service.start_refresh(PROD, TEST)
    assert len(rig.sim.operations()) == before
    (entry,) = Journal(rig.journal.path).load()
    assert entry.status == NOT_STARTED_LOCALLY and entry.finished
    assert rig.service.active_operations() == []
    await rig.aclose()


async def test_an_answer_lost_for_a_request_lcs_never_got_ends_as_unknown(
    tmp_path: Path,
) -> None:
    # A 5xx from a gateway: LCS may or may not have acted. Here it did not
    # (the simulator's server_errors do nothing), so the history never shows it.
    rig = make_rig(tmp_path / "journal.json")
    await load(rig, TEST)
    before = len(rig.sim.operations())
    rig.sim.faults.server_errors(1, status=502, path_prefix=REFRESH_PATH)
    with pytest.raises(OutcomeUnknown):
        await rig.service.start_refresh(PROD, TEST)
    assert len(rig.sim.operations()) == before
    service = rig.service
    (op,) = service.active_operations()
    # Checked now and then; not found, it stays "outcome unknown" (never
    # "not started": the history might lag) until an hour has passed.
    # Right after the failure the history is read again (the one loaded before
    # the request cannot show it); a second tick at once does not read it again.
    await service.poll(op)
    reads = history_reads(rig.sim)
    await service.poll(op)
    assert history_reads(rig.sim) == reads
    for minutes in (1, 5, 30):
        rig.advance(timedelta(minutes=minutes))
        rig.time.now += 120  # past the real-time interval between history reads
        await service.poll(op)
        op = service.operations[op.key]
        assert op.status == OUTCOME_UNKNOWN and op.activity_id is None
        assert op in service.active_operations()
    rig.advance(timedelta(minutes=30))
    rig.time.now += 120
    await service.poll(op)
    op = service.operations[op.key]
    assert op.status == OUTCOME_UNKNOWN
    assert op.message and "most likely not started" in op.message
    assert "LCS portal" in op.message
    # Settled: no more history reads for it (a reload still re-checks for free).
    assert service.active_operations() == []
    assert refresh_posts(rig.sim) == 1
    await rig.aclose()


async def test_watching_the_lost_operation_by_hand_does_not_track_it_twice(
    tmp_path: Path,
) -> None:
    # The user looked in the portal and typed the activity id into "Watch id"
    # before lcs-tui matched the entry itself.
    rig = make_rig(tmp_path / "journal.json")
    await drop_the_answer_of_a_refresh(rig)
    (unknown,) = rig.service.operations.values()
    activity = rig.sim.operations()[-1].activity_id
    watched = rig.service.watch(activity, TEST, kind="operation")
    assert len(rig.service.operations) == 2
    # The app's watch loop polls both, in this order: the second poll (which
    # sees a new status) must not bring back the entry the first one merged away.
    rig.advance(timedelta(minutes=10))
    for op in rig.service.active_operations():
        await rig.service.poll(op)
    assert watched.key not in rig.service.operations
    (only,) = rig.service.operations.values()
    assert only.key == unknown.key and only.activity_id == activity
    assert only.title() == "refresh CONTOSO-PROD→CONTOSO-TEST"  # what the user asked for
    assert [o.key for o in Journal(rig.journal.path).load()] == [unknown.key]
    await rig.aclose()
