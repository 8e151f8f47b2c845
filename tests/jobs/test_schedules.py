"""Schedules on the manual clock: once, cron across a DST change, as soon as the quota frees."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest

from lcs_tui.jobs import Job, Refresh, Schedule
from lcs_tui.jobs.schedule import shown, to_utc
from tests.jobs.support import (
    HISTORY_PATH,
    PROD,
    REFRESH_PATH,
    STATUS_PATH,
    TEST,
    bench,
    calls,
    clean_simulator,
    clock,
    create,
    env_id,
    job_state,
    posts,
)

POLL = timedelta(seconds=30)


def refresh_job(schedule: Schedule, name: str = "nightly") -> Job:
    return Job(name, "contoso", (Refresh(PROD, TEST),), schedule)


# ------------------------------------------------------------ pure schedule rules


def test_cron_in_a_zone_keeps_its_wall_time_across_the_autumn_change() -> None:
    sunday_22 = Schedule.every("0 22 * * SUN", "Europe/Amsterdam")
    before = datetime(2026, 10, 24, 12, 0)  # Saturday, summer time (UTC+2)
    first = sunday_22.next_after(before)
    assert first == datetime(2026, 10, 25, 21, 0)  # winter time already: 22:00 CET = 21:00 UTC
    assert sunday_22.next_after(first) == datetime(2026, 11, 1, 21, 0)
    assert shown(first, "Europe/Amsterdam") == "2026-10-25 22:00 CET (21:00 UTC)"


def test_a_time_that_does_not_exist_runs_at_the_first_minute_that_does() -> None:
    spring = Schedule.every("30 2 * * SUN", "Europe/Amsterdam")
    # 2026-03-29: clocks jump from 02:00 to 03:00; 02:30 does not happen.
    assert spring.next_after(datetime(2026, 3, 28, 12, 0)) == datetime(2026, 3, 29, 1, 0)


def test_bad_cron_and_zone_say_what_to_write() -> None:
    from lcs_tui.jobs import ScheduleError

    with pytest.raises(ScheduleError, match="5 fields"):
        Schedule.every("0 22 * *")
    with pytest.raises(ScheduleError, match="Bad hour"):
        Schedule.every("0 25 * * *")
    with pytest.raises(ScheduleError, match="unknown time zone 'Mars/Base'"):
        Schedule.once(datetime(2026, 1, 1), "Mars/Base")


# ------------------------------------------------------------ on the runner


async def test_cron_job_fires_at_its_local_time_across_dst(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TZ", "Europe/Amsterdam")  # "local" is this machine's zone
    sim = clean_simulator(datetime(2026, 10, 24, 12, 0))
    b = bench(sim, tmp_path)
    await create(b, refresh_job(Schedule.every("0 22 * * SUN", "local")))
    fires = to_utc(datetime(2026, 10, 25, 22, 0), "Europe/Amsterdam")
    assert fires == datetime(2026, 10, 25, 21, 0)
    # Up to a poll before 21:00 UTC (a fixed +02:00 would have fired at 20:00): nothing.
    clock(sim).set(fires - POLL)
    await b.tick()
    assert posts(sim, REFRESH_PATH) == 0
    await b.advance(POLL)
    assert posts(sim, REFRESH_PATH) == 1
    run = job_state(b, "nightly").run
    assert run is not None and run.due_at == fires and run.trigger == "schedule"
    await b.aclose()


async def test_once_fires_at_its_time_and_never_again(tmp_path: Path) -> None:
    sim = clean_simulator()
    b = bench(sim, tmp_path)
    start = sim.clock.now()
    at = start + timedelta(hours=2)
    await create(b, refresh_job(Schedule.once(at, "UTC")))
    await b.advance(timedelta(hours=2) - POLL, ticks=4)
    assert posts(sim, REFRESH_PATH) == 0
    await b.advance(POLL)
    assert posts(sim, REFRESH_PATH) == 1
    await b.advance(timedelta(days=2), ticks=40)
    assert posts(sim, REFRESH_PATH) == 1
    assert job_state(b, "nightly").run.status == "completed"
    await b.aclose()


async def test_a_run_missed_by_more_than_an_hour_is_not_started_late(tmp_path: Path) -> None:
    sim = clean_simulator()
    b = bench(sim, tmp_path)
    at = sim.clock.now() + timedelta(hours=1)
    await create(b, refresh_job(Schedule.once(at, "UTC")))
    clock(sim).advance(timedelta(hours=3))  # nobody ran a runner meanwhile
    await b.tick()
    assert posts(sim, REFRESH_PATH) == 0
    state = job_state(b, "nightly")
    assert state.history[-1]["status"] == "missed"
    assert "was missed" in state.history[-1]["message"]
    assert any("missed" in n.title for n in b.desktop.got)
    await b.aclose()


async def test_asap_waits_for_the_quota_without_calls_then_starts_within_one_poll(
    tmp_path: Path,
) -> None:
    sim = clean_simulator()
    now = sim.clock.now()
    prod, test = env_id(sim, PROD), env_id(sim, TEST)
    for hours in (23, 20, 10):  # three operations in the last 24 h: the quota is used up
        sim.add_operation(
            "refresh",
            environment_id=test,
            source_environment_id=prod,
            started_at=now - timedelta(hours=hours),
            duration=timedelta(hours=1),
            outcome="success",
        )
    frees_at = now - timedelta(hours=23) + timedelta(hours=24)
    b = bench(sim, tmp_path)
    await create(b, refresh_job(Schedule.asap(), "asap"))
    await b.tick()
    views = {v.name: v for v in b.runner.views()}
    assert views["asap"].status == "waiting"
    assert views["asap"].waiting == f"{TEST}'s quota frees at {frees_at:%H:%M} UTC"
    mark = len(sim.request_log)
    await b.advance(frees_at - sim.clock.now() - POLL / 2, ticks=100)
    # An hour of ticks: no history read, no status call, no POST while it waits.
    assert calls(sim, HISTORY_PATH, mark) == 0
    assert calls(sim, STATUS_PATH, mark) == 0
    assert posts(sim, REFRESH_PATH) == 0
    await b.advance(POLL)  # the first tick after the quota freed
    assert posts(sim, REFRESH_PATH) == 1
    await b.aclose()


async def test_busy_environment_makes_the_step_wait_with_what_it_is_busy_with(
    tmp_path: Path,
) -> None:
    sim = clean_simulator()
    now = sim.clock.now()
    running = sim.add_operation(
        "export",
        environment_id=env_id(sim, TEST),
        started_at=now - timedelta(hours=1, minutes=12),
        duration=timedelta(hours=3),
        outcome="success",
        backup_name="someone-elses",
    )
    b = bench(sim, tmp_path)
    await create(b, refresh_job(Schedule.asap(), "asap"))
    await b.tick()
    view = {v.name: v for v in b.runner.views()}["asap"]
    assert view.status == "waiting"
    assert view.waiting is not None
    assert view.waiting.startswith(f"{TEST} busy with ")
    assert running.activity_id[:8] in view.waiting and "1h12m" in view.waiting
    assert posts(sim, REFRESH_PATH) == 0
    await b.advance(timedelta(hours=2), ticks=24)  # the export ends; the refresh starts
    assert posts(sim, REFRESH_PATH) == 1
    await b.aclose()
