"""Copy and restore steps: a Power Platform profile's jobs, on the simulator's manual clock."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from lcs_tui.jobs import Job, JobError, Schedule, job_view, plan_job
from lcs_tui.jobs.model import Copy, Restore, step_to_json
from lcs_tui.jobs.pp_creation import load_for_plan
from lcs_tui.jobs.state import RunState, StepState
from tests.jobs.pp_support import (
    PROFILE,
    UDE,
    UDE_BUSY,
    UPE,
    USE,
    PpBench,
    pp_bench,
    pp_create,
    pp_posts,
    pp_simulator,
    starts,
)
from tests.jobs.support import Wall, job_state


def copy_job(source: str = UPE, target: str = UDE, name: str = "ana") -> Job:
    return Job(name, PROFILE, (Copy(source, target, "full"),), Schedule.asap())


async def run_until_done(b: PpBench, name: str, *, hours: int = 30) -> list[str]:
    """Tick every 15 simulated minutes until the run ends; the step messages seen."""
    seen: list[str] = []
    for _ in range(hours * 4):
        state = job_state(b, name)
        if state.run is not None and state.run.steps:
            message = state.run.steps[state.run.step if state.run.active else -1].message
            if message and (not seen or seen[-1] != message):
                seen.append(message)
        if state.run is not None and not state.run.active:
            return seen
        await b.advance(timedelta(minutes=15))
    raise AssertionError(f"the run did not end: {job_state(b, name).run}")


async def test_a_copy_job_validates_starts_and_follows_the_stages_to_succeeded(
    tmp_path: Path,
) -> None:
    sim = pp_simulator()
    b = pp_bench(sim, tmp_path)
    job = await pp_create(b, copy_job())
    assert job.steps[0].confirmed == UDE
    await b.tick()
    # Validate-only first (200), then the one start (202), in that order.
    copies = [e.status for e in sim.pp_request_log if e.method == "POST" and "/copy" in e.path]
    assert copies == [200, 202]
    st = job_state(b, "ana").run.steps[0]
    assert st.status == "running" and st.activity_id is not None
    seen = await run_until_done(b, "ana")
    state = job_state(b, "ana")
    assert state.run.status == "completed", state.run
    assert state.run.steps[0].message == "Succeeded"
    stages = [m.split("stage ")[1].split(" ")[0] for m in seen if "stage " in m]
    assert [s for i, s in enumerate(stages) if i == 0 or stages[i - 1] != s] == [
        "Prepare",
        "Run",
        "Finalize",
    ]
    assert starts(sim, "copy") == 1
    finished = [n for n in b.desktop.got if "Completed" in n.title]
    assert finished and finished[0].activity_id == st.activity_id
    await b.aclose()


async def test_a_running_copy_step_is_described_with_its_stage(tmp_path: Path) -> None:
    sim = pp_simulator()
    b = pp_bench(sim, tmp_path)
    await pp_create(b, copy_job())
    await b.tick()
    await b.advance(timedelta(minutes=45))
    view = job_view(
        b.runner.store.get("ana"), job_state(b, "ana"), now=b.ppac.now(), service=b.ppac
    )
    assert view.steps[0].text == f"copy {UPE} → {UDE} (everything)"
    assert view.summary.startswith(f"running (1/1): copy {UPE} → {UDE} (everything): InProgress")
    assert "stage " in view.summary and "/4)" in view.summary
    # ETA from the target's own history: ANA's copy three days ago took 4h12m.
    assert view.eta is not None
    assert "typical 4h12m, from 1 past copy" in view.eta.describe(), view.eta.describe()
    await b.aclose()


async def test_a_refused_direction_fails_the_step_without_any_post(tmp_path: Path) -> None:
    sim = pp_simulator()
    b = pp_bench(sim, tmp_path)
    # Written by hand (job add refuses it, see below): a UDE is no source.
    b.runner.store.add(
        Job("back", PROFILE, (Copy(UDE, USE, "full", confirmed=USE),), Schedule.asap())
    )
    await b.tick()
    state = job_state(b, "back")
    assert state.run.status == "failed"
    message = state.run.steps[0].message or ""
    assert "a UDE cannot be the source of a copy" in message
    assert pp_posts(sim, "copy") == 0  # not even validate-only
    assert any("Failed" in n.title for n in b.desktop.got)
    await b.aclose()


async def test_job_add_refuses_a_direction_with_the_rule(tmp_path: Path) -> None:
    sim = pp_simulator()
    b = pp_bench(sim, tmp_path)
    job = Job("back", PROFILE, (Copy(UDE, USE, "full"),), Schedule.asap())
    await load_for_plan(job, b.ppac)
    with pytest.raises(JobError, match="a UDE cannot be the source"):
        plan_job(job, b.ppac, now=b.ppac.now())
    into_prod = Job("prod", PROFILE, (Restore(USE, UPE, backup="before-data-fix"),))
    await load_for_plan(into_prod, b.ppac)
    with pytest.raises(JobError, match="production environment"):
        plan_job(into_prod, b.ppac, now=b.ppac.now())
    assert pp_posts(sim, "copy") == pp_posts(sim, "restore") == 0
    await b.aclose()


async def test_a_busy_target_waits_with_its_reason_then_starts_once(tmp_path: Path) -> None:
    sim = pp_simulator()
    b = pp_bench(sim, tmp_path)
    await pp_create(b, copy_job(USE, UDE_BUSY, name="ben"))
    await b.tick()
    st = job_state(b, "ben").run.steps[0]
    assert st.status == "waiting"
    assert (st.message or "").startswith(f"{UDE_BUSY} busy with copy")
    assert st.look_again_at == b.ppac.now() + timedelta(minutes=5)
    assert pp_posts(sim, "copy") == 0
    # Its running copy ends about 3h25m later; then the job's copy starts, once.
    await run_until_done(b, "ben")
    assert job_state(b, "ben").run.status == "completed"
    assert starts(sim, "copy") == 1
    await b.aclose()


async def test_a_crash_between_intent_and_journal_starts_the_copy_once(tmp_path: Path) -> None:
    """Killed after the step recorded its intent, before the service journalled the key:
    the request never left, so the step starts — once, with a new key."""
    sim = pp_simulator()
    b = pp_bench(sim, tmp_path)
    job = await pp_create(b, copy_job())
    now = b.ppac.now()
    intent = StepState(status="starting", intent_key="k" * 32, intent_at=now, intent_holder="gone")
    run = RunState(
        "r1", "asap", now, now, steps=(intent,), definition=(step_to_json(job.steps[0]),)
    )
    b.runner.states.update("ana", lambda s: replace(s, run=run, last_due=now))
    await run_until_done(b, "ana")
    state = job_state(b, "ana")
    assert state.run.status == "completed", state.run
    assert starts(sim, "copy") == 1
    assert "k" * 32 not in b.ppac.operations
    await b.aclose()


async def test_a_lost_start_answer_is_reconciled_after_a_restart_not_sent_again(
    tmp_path: Path,
) -> None:
    sim = pp_simulator()
    wall = Wall()
    first = pp_bench(sim, tmp_path, wall=wall)
    await pp_create(first, copy_job())
    assert first.lose is not None
    first.lose.n = 1  # Power Platform starts the copy; its answer never arrives
    await first.tick()
    st = job_state(first, "ana").run.steps[0]
    assert st.status == "running" and st.activity_id is None and st.operation_key
    assert starts(sim, "copy") == 1
    # The process dies here (its lease lapses); another runner takes over.
    wall.now += 600
    second = pp_bench(sim, tmp_path, wall=wall)
    await run_until_done(second, "ana")
    state = job_state(second, "ana")
    assert state.run.status == "completed", state.run
    assert state.run.steps[0].activity_id is not None
    assert starts(sim, "copy") == 1
    await first.aclose()
    await second.aclose()


async def test_a_restore_job_restores_a_labelled_backup_into_a_sandbox(tmp_path: Path) -> None:
    sim = pp_simulator()
    b = pp_bench(sim, tmp_path)
    job = Job("uat-back", PROFILE, (Restore(USE, USE, backup="before-data-fix"),), Schedule.asap())
    saved = await pp_create(b, job)
    assert saved.steps[0].describe() == f"restore {USE} → {USE} (backup before-data-fix)"
    await b.tick()
    restores = [e.status for e in sim.pp_request_log if e.method == "POST" and "/restore" in e.path]
    assert restores == [200, 202]
    await run_until_done(b, "uat-back")
    assert job_state(b, "uat-back").run.status == "completed"
    assert starts(sim, "restore") == 1
    op = next(o for o in b.ppac.operations.values() if o.kind == "restore")
    wanted = next(x for x in b.ppac.backups[op.poll_environment_id] if x.label == "before-data-fix")
    assert op.extra["restore_point"] == wanted.point_text
    await b.aclose()


async def test_a_restore_of_a_backup_gone_by_run_time_fails_without_any_post(
    tmp_path: Path,
) -> None:
    sim = pp_simulator()
    b = pp_bench(sim, tmp_path)
    b.runner.store.add(
        Job(
            "gone",
            PROFILE,
            (Restore(USE, USE, backup="no-such-label", confirmed=USE),),
            Schedule.asap(),
        )
    )
    await b.tick()
    state = job_state(b, "gone")
    assert state.run.status == "failed"
    assert "has no backup 'no-such-label'" in (state.run.steps[0].message or "")
    assert pp_posts(sim, "restore") == 0
    await b.aclose()


async def test_an_unconfirmed_target_waits_for_you(tmp_path: Path) -> None:
    sim = pp_simulator()
    b = pp_bench(sim, tmp_path)
    b.runner.store.add(Job("hand", PROFILE, (Copy(UPE, UDE, "minimal"),), Schedule.asap()))
    await b.tick()
    st = job_state(b, "hand").run.steps[0]
    assert st.status == "needs_you" and "not confirmed by typing its name" in (st.message or "")
    assert pp_posts(sim, "copy") == 0
    await b.aclose()


async def test_lcs_steps_on_a_power_platform_profile_are_refused(tmp_path: Path) -> None:
    from lcs_tui.jobs import Export, Refresh

    sim = pp_simulator()
    b = pp_bench(sim, tmp_path)
    job = Job("mixed", PROFILE, (Refresh(UPE, UDE),), Schedule.asap())
    with pytest.raises(JobError, match="is a Power Platform profile"):
        plan_job(job, b.ppac, now=b.ppac.now())
    with pytest.raises(JobError, match="mixes LCS steps"):
        Job("both", PROFILE, (Copy(UPE, UDE, "full"), Export(UDE, "x"))).check_shape()
    await b.aclose()
