"""The app died during the POST: a "Starting" entry is reconciled, never re-sent.

Also: entries whose environment history cannot be checked yet stay "Starting"
(never wrongly "outcome unknown"), history read lazily or not far enough back
does not lead to a wrong conclusion, and unfinished operations are watched
again after a restart.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from lcs_tui.api import LcsConnectionError
from lcs_tui.service import project as project_module
from lcs_tui.service.journal import Journal
from lcs_tui.service.operations import OUTCOME_UNKNOWN, STARTING, TrackedOperation
from lcs_tui.simulator import demo
from tests.recovery.support import PROD, TEST, FakeTime, Rig, demo_sim, load, make_rig


def starting_refresh(rig: Rig, *, target: str = TEST) -> TrackedOperation:
    """What `_start` journals before its POST, written as a crashed app left it."""
    op = TrackedOperation.new(
        kind="refresh",
        project_id=demo.PROJECT_ID,
        poll_environment_id=target,
        environment_name="CONTOSO-TEST",
        source_name="CONTOSO-PROD",
        source_environment_id=PROD,
        requested_at=rig.sim.clock.now(),
        profile="contoso",
    )
    rig.journal.upsert(op)
    return op


async def post_refresh_without_the_service(rig: Rig, target: str = TEST) -> str:
    """The POST of the process that then died: LCS started the operation."""
    started = await rig.client.start_refresh(demo.PROJECT_ID, PROD, target)
    return started.activity_id


async def test_crash_during_the_post_is_found_in_history_on_restart(tmp_path: Path) -> None:
    first = make_rig(tmp_path / "journal.json")
    op = starting_refresh(first)
    activity = await post_refresh_without_the_service(first)
    await first.aclose()
    operations_in_lcs = len(first.sim.operations())

    first.advance(timedelta(minutes=3))
    again = first.reopen()
    assert again.service.operations[op.key].status == STARTING
    await load(again, TEST)
    found = again.service.operations[op.key]
    assert found.activity_id == activity
    assert found.status in ("NotStarted", "InProgress")  # what the history says now
    assert found.message and "after a restart" in found.message
    assert found in again.service.active_operations()
    # The journal says so too, and LCS was never asked again.
    assert [o.activity_id for o in Journal(first.journal.path).load()] == [activity]
    assert len(again.sim.operations()) == operations_in_lcs
    # Adopting running operations from the same history does not track it twice.
    adopted = again.service.adopt_running_from_history()
    assert all(o.activity_id != activity for o in adopted)
    assert sum(1 for o in again.service.operations.values() if o.activity_id == activity) == 1
    await again.aclose()


async def test_adopting_first_does_not_track_a_starting_entry_twice(tmp_path: Path) -> None:
    first = make_rig(tmp_path / "journal.json")
    op = starting_refresh(first)
    activity = await post_refresh_without_the_service(first)
    await first.aclose()
    again = first.reopen()
    await again.service.load_environments()
    await again.service.load_recent_history(TEST)
    # A caller that adopts before reconciling: the journal entry still gets it.
    again.service.adopt_running_from_history()
    matching = [o for o in again.service.operations.values() if o.activity_id == activity]
    assert [o.key for o in matching] == [op.key]
    await again.aclose()


async def test_crash_before_the_post_reached_lcs_ends_as_outcome_unknown(tmp_path: Path) -> None:
    first = make_rig(tmp_path / "journal.json")
    op = starting_refresh(first)  # and the process died before sending anything
    await first.aclose()
    operations_in_lcs = len(first.sim.operations())

    again = first.reopen()
    await load(again, TEST)
    # A moment after the request it might still be on its way (another copy
    # of the app, a slow network): too early to say anything.
    assert again.service.operations[op.key].status == STARTING
    await again.aclose()

    first.advance(timedelta(minutes=5))
    third = first.reopen()
    await load(third, TEST)
    unknown = third.service.operations[op.key]
    assert unknown.status == OUTCOME_UNKNOWN and unknown.activity_id is None
    assert unknown.message and "check the environment's history in the LCS portal" in (
        unknown.message
    )
    assert len(third.sim.operations()) == operations_in_lcs  # never sent again
    await third.aclose()


async def test_history_that_cannot_be_loaded_leaves_the_entry_starting(tmp_path: Path) -> None:
    first = make_rig(tmp_path / "journal.json")
    op = starting_refresh(first)
    activity = await post_refresh_without_the_service(first)
    await first.aclose()
    first.advance(timedelta(minutes=30))

    again = first.reopen()
    await again.service.load_environments()
    again.sim.faults.offline = True
    with pytest.raises(LcsConnectionError):
        await again.service.load_recent_history(TEST)
    assert again.service.reconcile_starting() == []
    assert again.service.operations[op.key].status == STARTING
    assert Journal(first.journal.path).load()[0].status == STARTING
    # Histories loaded one at a time (as the app does): another environment's
    # history says nothing about this entry.
    again.sim.faults.offline = False
    await again.service.load_recent_history(demo.UAT_ENVIRONMENT_ID)
    assert again.service.reconcile_starting() == []
    assert again.service.operations[op.key].status == STARTING
    # Once its own history can be read, it is found.
    await again.service.load_recent_history(TEST)
    (changed,) = again.service.reconcile_starting()
    assert changed.key == op.key and changed.activity_id == activity
    await again.aclose()


async def test_an_old_entry_reads_enough_history_to_decide(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = FakeTime()
    sim = demo_sim(fake)  # the simulator's rate limits run on the test's time
    first = make_rig(tmp_path / "journal.json", sim=sim, fake=fake)
    op = starting_refresh(first)
    activity = await post_refresh_without_the_service(first)
    await first.aclose()
    # Two days later, with many newer history lines (servicing) in between:
    # the 24-hour read for the quota alone would stop before reaching it.
    assert op.requested_at is not None
    for hour in range(1, 45):
        sim.add_history_entry(
            TEST,
            name=f"Servicing {hour}",
            type="Servicing",
            type_display="Servicing",
            started_at=op.requested_at + timedelta(hours=hour),
            ended_at=op.requested_at + timedelta(hours=hour, minutes=5),
            status="Completed",
        )
    first.advance(timedelta(days=2))

    # Reading too few pages to reach it proves nothing: it stays "Starting".
    monkeypatch.setattr(project_module, "HISTORY_PAGES_FOR_RECONCILE", 2)
    again = first.reopen()
    await load(again, TEST)
    assert again.service.operations[op.key].status == STARTING
    await again.aclose()

    # Reading as far back as the entry needs finds it.
    monkeypatch.setattr(project_module, "HISTORY_PAGES_FOR_RECONCILE", 10)
    third = first.reopen()
    await load(third, TEST)
    assert third.service.operations[op.key].activity_id == activity
    assert third.service.operations[op.key].status == "Completed"
    await third.aclose()


async def test_scripting_reconcile_reads_the_missing_history_itself(tmp_path: Path) -> None:
    first = make_rig(tmp_path / "journal.json")
    op = starting_refresh(first)
    activity = await post_refresh_without_the_service(first)
    await first.aclose()
    again = first.reopen()
    (changed,) = await again.service.reconcile()  # no environments or history loaded before
    assert changed.key == op.key and changed.activity_id == activity
    await again.aclose()


async def test_unfinished_operations_are_watched_again_after_a_restart(tmp_path: Path) -> None:
    first = make_rig(tmp_path / "journal.json")
    await load(first, TEST, demo.UAT_ENVIRONMENT_ID)
    refresh = await first.service.start_refresh(PROD, TEST)
    first.advance(timedelta(minutes=30))
    await first.service.poll(refresh)
    assert first.service.operations[refresh.key].status == "InProgress"
    await first.aclose()  # the terminal closes

    again = first.reopen()
    (resumed,) = again.service.active_operations()
    assert resumed.key == refresh.key and resumed.activity_id == refresh.activity_id
    first.advance(timedelta(hours=4))
    change = await again.service.poll(resumed)
    assert change is not None and change.after.status == "Completed"
    assert again.service.active_operations() == []
    await again.aclose()


async def test_two_copies_of_the_app_do_not_duplicate_an_operation(tmp_path: Path) -> None:
    # A scripting command starts a refresh while the TUI is open on the same profile.
    tui = make_rig(tmp_path / "journal.json")
    await load(tui, TEST)
    script = make_rig(tmp_path / "journal.json", sim=tui.sim, fake=tui.time, session=tui.session)
    await load(script, TEST)
    started = await script.service.start_refresh(PROD, TEST)
    # The TUI's next reload sees it running in the history: it takes the
    # journal's entry (with its source and title) instead of a second copy.
    await load(tui, TEST)
    adopted = tui.service.adopt_running_from_history()
    assert all(o.activity_id != started.activity_id for o in adopted)
    mine = [o for o in tui.service.operations.values() if o.activity_id == started.activity_id]
    assert [o.key for o in mine] == [started.key]
    assert mine[0].title() == "refresh CONTOSO-PROD→CONTOSO-TEST"
    keys = [o.key for o in Journal(tui.journal.path).load()]
    assert len(keys) == len(set(keys))
    assert (
        sum(1 for o in Journal(tui.journal.path).load() if o.activity_id == started.activity_id)
        == 1
    )
    await tui.aclose()
    await script.aclose()
