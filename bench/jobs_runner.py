"""The headless job runner over 24 simulated hours: CPU per tick, memory, LCS calls.

Five jobs wait (a wait step until two days later, then a refresh) and two
jobs each have a refresh running that LCS reports as an undocumented status
for the whole time (so it neither ends nor fails). The runner ticks every
poll interval (30 simulated seconds, as against real LCS) on the
simulator's manual clock, with its lease clock moving along; the process's
CPU time spent in the ticks and its Python heap (tracemalloc) are measured.

Targets (issue 13): CPU < 1 % of one core at one tick per interval, and the
heap does not grow over 24 simulated hours (< 5 MB). The LCS call counts are
exact: one status call per running operation per tick, nothing at all for
the waiting jobs.

    python -m bench.jobs_runner            # 24 simulated hours
    python -m bench.jobs_runner --quick    # one simulated hour (the smoke test)
"""

from __future__ import annotations

import asyncio
import gc
import tempfile
import time
import tracemalloc
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from bench.common import Target, arguments, table, write_result

START = datetime(2026, 11, 20, 8, 0)
INTERVAL = 30.0
WAITING_JOBS = 5
RUNNING_JOBS = 2


def build(root: Path) -> tuple[Any, Any, Any, dict[str, float]]:
    from lcs_tui.api import LcsClient
    from lcs_tui.auth import Session, async_token_source
    from lcs_tui.config import make_profile
    from lcs_tui.http import HttpSettings
    from lcs_tui.jobs import Job, JobRunner, JobStateStore, JobStore, Refresh, Schedule, Wait
    from lcs_tui.jobs.notify import NotificationCenter
    from lcs_tui.secrets import MemoryStore
    from lcs_tui.service.journal import Journal
    from lcs_tui.service.project import ProjectService
    from lcs_tui.simulator import ManualClock, Simulator, demo
    from lcs_tui.simulator.records import PRODUCTION
    from lcs_tui.workspace import Workspace

    clock = ManualClock(START)
    sim = Simulator(clock=clock, seed=11, token_lifetime=timedelta(days=30))
    sim.faults.limits_enabled = False
    sim.add_environment("BENCH-PROD", environment_type=PRODUCTION)
    sandboxes = [f"BENCH-SB{i}" for i in range(WAITING_JOBS + RUNNING_JOBS)]
    for name in sandboxes:
        sim.add_environment(name)
    profile = make_profile(
        name="bench",
        tenant=demo.TENANT_DOMAIN,
        client_id=demo.CLIENT_ID,
        username=demo.USERNAME,
        project_id=demo.PROJECT_ID,
        geography="global",
        sign_in_method="password",
        secret_store="session",
    )
    http = HttpSettings(async_transport=sim.async_transport(), sync_transport=sim.sync_transport())
    session = Session(profile, MemoryStore(), http)
    session.sign_in_with_password(demo.PASSWORD, remember=False)

    def mono() -> float:
        return (clock.now() - START).total_seconds()

    client = LcsClient(
        api_host=profile.api_host, token_source=async_token_source(session), http=http, clock=mono
    )
    service = ProjectService(
        client,
        demo.PROJECT_ID,
        profile="bench",
        journal=Journal(root / "journal-bench.json"),
        now=clock.now,
        monotonic=mono,
    )
    workspace = Workspace(profile, session, client, service, simulator=sim)
    store = JobStore(root / "jobs.toml")
    later = START + timedelta(days=2)
    for i, name in enumerate(sandboxes):
        steps: tuple[Any, ...] = (Refresh("BENCH-PROD", name, confirmed=name),)
        if i < WAITING_JOBS:
            steps = (Wait(until=later), *steps)
        store.add(Job(f"job-{i}", "bench", steps, Schedule.asap(), created_at=START))
    wall = {"now": 1_000_000.0}

    class Quiet:
        async def send(self, note: Any) -> str | None:
            return None

    runner = JobRunner(
        {"bench": workspace},
        store=store,
        states=JobStateStore(root / "jobs"),
        notifier=NotificationCenter(desktop=Quiet(), terminal=Quiet()),
        wall=lambda: wall["now"],
        monotonic=mono,
    )
    return sim, runner, workspace, wall


async def simulate(hours: float) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="lcs-tui-bench-jobs-") as tmp:
        sim, runner, workspace, wall = build(Path(tmp))
        clock = sim.clock
        # Two refreshes start on the first tick; they then show an undocumented
        # status for the whole run, so they stay running (and polled).
        sim.faults.unknown_status("ServicingInProgress", minutes=hours * 60 + 60)
        await runner.tick()
        # The simulator logs every request it serves; that log is the
        # simulator's memory, not the runner's: counted and emptied per tick.
        sim.request_log.clear()
        calls: Counter[str] = Counter()
        ticks = round(hours * 3600 / INTERVAL)
        gc.collect()
        tracemalloc.start()
        heap_start = tracemalloc.get_traced_memory()[0]
        samples: list[tuple[int, int]] = []
        cpu = 0.0
        begun = time.perf_counter()
        for tick in range(ticks):
            clock.advance(timedelta(seconds=INTERVAL))  # type: ignore[attr-defined]
            wall["now"] += INTERVAL
            before = time.process_time()
            await runner.tick()
            cpu += time.process_time() - before
            calls.update(_kind(e.path) for e in sim.request_log)
            sim.request_log.clear()
            if tick % max(1, ticks // 24) == 0:
                gc.collect()
                samples.append((tick, tracemalloc.get_traced_memory()[0] - heap_start))
        gc.collect()
        heap_end = tracemalloc.get_traced_memory()[0]
        tracemalloc.stop()
        real = time.perf_counter() - begun
        views = runner.views()
        await runner.aclose()
        await workspace.client.aclose()
        workspace.session.close()
    per_tick = cpu / ticks
    return {
        "ticks": ticks,
        "simulated_hours": hours,
        "cpu_seconds": round(cpu, 4),
        "cpu_ms_per_tick": round(per_tick * 1000, 3),
        "cpu_percent_of_one_core": round(per_tick / INTERVAL * 100, 4),
        "heap_growth_bytes": heap_end - heap_start,
        "heap_samples": samples,
        "real_seconds": round(real, 2),
        "calls": dict(calls),
        "status_calls_per_tick": round(calls.get("status", 0) / ticks, 4),
        "states": Counter(v.status for v in views),
    }


def _kind(path: str) -> str:
    for word, kind in (
        ("fetchstatus", "status"),
        ("history", "history"),
        ("refresh", "refresh"),
        ("detail", "environments"),
        ("databases", "backups"),
    ):
        if word in path:
            return kind
    return "other"


def main(argv: list[str] | None = None) -> int:
    parser = arguments("headless job runner benchmark")
    args = parser.parse_args(argv)
    hours = 1.0 if args.quick else 24.0
    result = asyncio.run(simulate(hours))
    print(
        f"\n{WAITING_JOBS} waiting jobs and {RUNNING_JOBS} running operations, one tick every "
        f"{INTERVAL:g} s for {hours:g} simulated hours ({result['ticks']} ticks)\n"
    )
    print(
        table(
            ["what", "value"],
            [
                ["CPU per tick (ms)", result["cpu_ms_per_tick"]],
                ["CPU, % of one core", result["cpu_percent_of_one_core"]],
                ["heap growth (kB)", round(result["heap_growth_bytes"] / 1024, 1)],
                ["status calls per tick", result["status_calls_per_tick"]],
                ["history calls", result["calls"].get("history", 0)],
                ["refresh POSTs", result["calls"].get("refresh", 0)],
                ["real seconds", result["real_seconds"]],
            ],
        )
    )
    targets = [
        Target("CPU, % of one core", result["cpu_percent_of_one_core"], 1.0, "%"),
        Target("heap growth over the run", result["heap_growth_bytes"] / 1e6, 5.0, "MB"),
        Target(
            "status calls per tick (one per running operation)",
            result["status_calls_per_tick"],
            float(RUNNING_JOBS),
            "calls",
            kind="equal",
        ),
        Target(
            "LCS calls for the waiting jobs (history, POSTs)",
            result["calls"].get("history", 0) + result["calls"].get("refresh", 0),
            0,
            "calls",
            kind="equal",
        ),
    ]
    print()
    for target in targets:
        print(target.line())
    path = write_result(
        args.out,
        "jobs_runner",
        quick=args.quick,
        params={
            "hours": hours,
            "interval": INTERVAL,
            "waiting": WAITING_JOBS,
            "running": RUNNING_JOBS,
        },
        results=result,
        targets=targets,
    )
    print(f"\nwrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
