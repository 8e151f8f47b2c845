"""Exactly once: two runners at once, a lease that expires, lost answers, hand edits."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

from lcs_tui.jobs import Export, Job, JobStore, Refresh, Schedule, control
from lcs_tui.jobs.model import step_to_json
from lcs_tui.jobs.state import LEASE_SECONDS, RunState, StepState
from lcs_tui.service.operations import STARTING, TrackedOperation
from tests.jobs.support import (
    EXPORT_PATH,
    PROD,
    REFRESH_PATH,
    TEST,
    UAT,
    Wall,
    bench,
    clean_simulator,
    create,
    env_id,
    job_state,
    posts,
)


def two_steps(name: str = "copy") -> Job:
    return Job(name, "contoso", (Refresh(PROD, UAT), Export(UAT, "uat-{date}")), Schedule.asap())


async def run_out(benches: list, hours: int = 30) -> None:
    for _ in range(hours * 6):
        await benches[0].advance(timedelta(minutes=10), ticks=1)
        await asyncio.gather(*(b.runner.tick() for b in benches[1:]))
        state = job_state(benches[0], "copy")
        if state.run is not None and not state.run.active:
            return


async def test_two_runners_at_once_run_each_step_once(tmp_path: Path) -> None:
    sim = clean_simulator()
    wall = Wall()
    first, second = bench(sim, tmp_path, wall=wall), bench(sim, tmp_path, wall=wall)
    await create(first, two_steps())
    # Both tick at the same moment, over and over, until the job is done.
    for _ in range(200):
        await asyncio.gather(first.runner.tick(), second.runner.tick())
        first.sim.clock.advance(timedelta(minutes=10))  # type: ignore[attr-defined]
        wall.now += 600
        state = job_state(first, "copy")
        if state.run is not None and not state.run.active:
            break
    state = job_state(first, "copy")
    assert state.run is not None and state.run.status == "completed", state.run
    assert posts(sim, REFRESH_PATH) == 1
    assert posts(sim, EXPORT_PATH) == 1
    await first.aclose()
    await second.aclose()


async def test_a_live_holders_lease_is_respected_until_it_expires(tmp_path: Path) -> None:
    sim = clean_simulator()
    wall = Wall()
    first, second = bench(sim, tmp_path, wall=wall), bench(sim, tmp_path, wall=wall)
    await create(first, two_steps())
    await first.tick()
    assert posts(sim, REFRESH_PATH) == 1
    holder = job_state(first, "copy").lease.holder
    assert holder == first.runner.holder
    # `first` stops ticking (hung, or its laptop asleep): `second` waits out the lease.
    result = await second.runner.tick()
    assert result.elsewhere == 1
    view = {v.name: v for v in second.runner.views()}["copy"]
    assert view.lease_holder == holder
    wall.now += LEASE_SECONDS + 1
    result = await second.runner.tick()
    assert job_state(second, "copy").lease.holder == second.runner.holder
    # The one that lost the lease does not write over the new holder's moves.
    await first.tick()
    assert job_state(first, "copy").lease.holder == second.runner.holder
    await run_out([second])
    assert job_state(second, "copy").run.status == "completed"
    assert posts(sim, REFRESH_PATH) == 1 and posts(sim, EXPORT_PATH) == 1
    await first.aclose()
    await second.aclose()


async def test_a_lost_answer_is_found_in_the_history_and_not_sent_again(tmp_path: Path) -> None:
    sim = clean_simulator()
    b = bench(sim, tmp_path)
    await create(b, two_steps())
    sim.faults.drop_after_action(1, path_prefix=REFRESH_PATH)
    await b.tick()
    st = job_state(b, "copy").run.steps[0]
    assert st.status == "running" and st.activity_id is None
    await run_out([b])
    state = job_state(b, "copy")
    assert state.run.status == "completed", state.run
    assert state.run.steps[0].activity_id is not None
    assert posts(sim, REFRESH_PATH) == 1
    await b.aclose()


async def test_journalled_but_never_sent_waits_for_you_instead_of_sending(tmp_path: Path) -> None:
    """The process died between the journal write and the POST: only a person can tell."""
    sim = clean_simulator()
    b = bench(sim, tmp_path)
    job = await create(b, two_steps())
    # What a runner killed there leaves: the step's intent, and a "Starting" entry.
    key = "k" * 32
    now = sim.clock.now()
    intent = StepState(status="starting", intent_key=key, intent_at=now, intent_holder="gone")
    definition = tuple(step_to_json(s) for s in job.steps)
    run = RunState("r1", "asap", now, now, steps=(intent, StepState()), definition=definition)
    b.runner.states.update("copy", lambda s: replace(s, run=run, last_due=now))
    b.service.journal.upsert(
        TrackedOperation(
            key=key,
            kind="refresh",
            project_id=b.service.project_id,
            poll_environment_id=env_id(sim, UAT),
            environment_name=UAT,
            source_name=PROD,
            source_environment_id=env_id(sim, PROD),
            status=STARTING,
            requested_at=now,
            profile="contoso",
        )
    )
    for _ in range(12):
        await b.advance(timedelta(minutes=10))
    state = job_state(b, "copy")
    assert state.run.steps[0].status == "needs_you"
    assert "LCS portal" in (state.run.steps[0].message or "")
    assert posts(sim, REFRESH_PATH) == 0  # never sent, never sent again
    assert any("waiting for you" in n.title for n in b.desktop.got)
    await b.aclose()


async def test_a_hand_edited_target_is_not_refreshed_until_confirmed(tmp_path: Path) -> None:
    sim = clean_simulator()
    b = bench(sim, tmp_path)
    job = await create(b, Job("edit", "contoso", (Refresh(PROD, UAT),), Schedule.asap()))
    assert job.steps[0].confirmed == UAT
    store: JobStore = b.runner.store
    text = store.path.read_text().replace(f'target = "{UAT}"', f'target = "{TEST}"')
    store.path.write_text(text)
    await b.tick()
    state = job_state(b, "edit")
    assert state.run.steps[0].status == "needs_you"
    assert "not confirmed" in state.run.steps[0].message
    assert posts(sim, REFRESH_PATH) == 0
    await b.aclose()


async def test_read_only_runs_no_job_that_changes_anything(tmp_path: Path) -> None:
    sim = clean_simulator()
    b = bench(sim, tmp_path, read_only=True)
    await create(b, two_steps())
    for _ in range(3):
        await b.advance(timedelta(minutes=10))
    assert posts(sim, REFRESH_PATH) == 0
    assert job_state(b, "copy").run is None
    await b.aclose()


async def test_pause_stops_before_the_next_step_and_cancel_ends_the_run(tmp_path: Path) -> None:
    sim = clean_simulator()
    b = bench(sim, tmp_path)
    await create(b, two_steps())
    await b.tick()
    control.pause(b.runner.states, "copy")
    await run_out([b], hours=12)  # the refresh finishes meanwhile; the export does not start
    state = job_state(b, "copy")
    assert state.run.steps[0].status == "done"
    assert state.run.steps[1].status == "pending" and state.run.active
    assert posts(sim, EXPORT_PATH) == 0
    assert {v.name: v for v in b.runner.views()}["copy"].status == "paused"
    control.cancel(b.runner.states, "copy")
    await b.tick()
    state = job_state(b, "copy")
    assert state.run.status == "cancelled"
    assert posts(sim, EXPORT_PATH) == 0
    assert any("Cancelled" in n.title for n in b.desktop.got)
    await b.aclose()
