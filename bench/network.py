"""Network: watching N operations for a simulated hour — which calls, how many, any 429.

    .venv/bin/python -m bench.network [--quick] [--ops 1,5,20] [--interval 30]

The real LcsApp runs headless against the in-process simulator on a
ManualClock. N operations are running (the demo's refresh of CONTOSO-PERF
plus N-1 exports "started in the portal", each lasting hours), so the app
finds them in the history and watches them. The app's own timer drives its
own `_tick`; this benchmark only moves the simulated clock: each tick that
starts a poll first advances the clock by one interval (30 s, the interval
against real LCS), so a simulated hour is 120 polls, run in a few real
seconds. Every request the simulator saw (`sim.request_log`) is then sorted
by path, per interval and per operation.

Two liberties, both so that compressed time does not invent calls real time
would not make: the timer fires every 0.1 real seconds, and a tick that finds
the previous poll still running is skipped by the app as designed (counted
here, the clock does not move); the simulator's tokens last 2 hours of
simulated time, because MSAL judges expiry by real seconds and would not
renew a token the simulated hour had expired (renewal is tested elsewhere).

Target (issue 3): one status call per operation per interval, nothing else,
zero 429s.
"""

from __future__ import annotations

import asyncio
import re
import sys
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from time import perf_counter
from typing import Any

from textual.pilot import Pilot

from bench.common import Target, arguments, table, write_result
from bench.scenario import START, add_portal_exports
from lcs_tui.simulator import ManualClock, Simulator
from lcs_tui.tui.app import LcsApp
from lcs_tui.workspace import DEFAULT_POLL_INTERVAL, Workspace, open_demo

REAL_TICK = 0.1
STATUS_PATH = re.compile(
    r"^/databasemovement/v1/fetchstatus/project/[^/]+/environment/[^/]+/operationactivity/([^/]+)$"
)
LCS_PREFIXES = ("/databasemovement/", "/environmentinfo/", "/environment/")


class SimulatedHourApp(LcsApp):
    """The real app; each poll its watcher starts first moves the simulated clock one interval."""

    def __init__(
        self, workspace: Workspace, clock: ManualClock, step: timedelta, intervals: int
    ) -> None:
        super().__init__(workspace, bell=False)
        self.clock = clock
        self.step = step
        self.intervals = intervals
        self.running = False
        #: len(sim.request_log) as each poll of the hour started.
        self.boundaries: list[int] = []
        self.skipped = 0
        # The watcher's tick (controllers/watcher.py), wrapped: the runtime's
        # poll loop calls it every interval.
        watcher = self.current.watcher
        tick = watcher.tick

        def hour_tick() -> None:
            if not self.running:
                tick()  # before the hour (the poll right after the load) it is itself
                return
            if len(self.boundaries) >= self.intervals:
                return  # the hour is over: no more polls to count
            if watcher.polling:
                self.skipped += 1  # the app skips this tick; so does the simulated clock
                return
            sim = self.workspace.simulator
            assert sim is not None
            self.clock.advance(self.step)
            self.boundaries.append(len(sim.request_log))
            tick()

        watcher.tick = hour_tick  # type: ignore[method-assign]

    @property
    def polling(self) -> bool:
        return self.current.watcher.polling


@dataclass
class HourResult:
    operations: int
    intervals: int
    status_calls: int
    calls_by_kind: dict[str, int]
    statuses: dict[str, int]
    per_operation: dict[str, int]
    #: Intervals in which some operation was asked about other than exactly once.
    irregular_intervals: list[int]
    skipped_ticks: int
    real_seconds: float
    other_paths: list[str] = field(default_factory=list)

    @property
    def calls_per_op_per_interval(self) -> float:
        return round(self.status_calls / (self.operations * self.intervals), 4)

    @property
    def throttled(self) -> int:
        return self.statuses.get("429", 0)

    @property
    def other_calls(self) -> int:
        return sum(n for kind, n in self.calls_by_kind.items() if kind != "status")

    def as_dict(self) -> dict[str, Any]:
        return {
            "operations": self.operations,
            "intervals": self.intervals,
            "status_calls": self.status_calls,
            "calls_per_op_per_interval": self.calls_per_op_per_interval,
            "other_calls": self.other_calls,
            "calls_by_kind": self.calls_by_kind,
            "statuses": self.statuses,
            "throttled_429": self.throttled,
            "per_operation_min": min(self.per_operation.values(), default=0),
            "per_operation_max": max(self.per_operation.values(), default=0),
            "irregular_intervals": self.irregular_intervals,
            "skipped_ticks": self.skipped_ticks,
            "real_seconds": round(self.real_seconds, 2),
            "other_paths": self.other_paths,
        }


def simulator(operations: int) -> Simulator:
    clock = ManualClock(START)
    sim = Simulator.demo(clock=clock, failure_rate=0.0, token_lifetime=timedelta(hours=2))
    # The demo's own refresh of CONTOSO-PERF runs for about two simulated
    # hours from START; these add the rest, all running past the hour.
    add_portal_exports(sim, operations - 1, prefix="bench-watch")
    return sim


def classify(path: str) -> str:
    if STATUS_PATH.match(path):
        return "status"
    if path.startswith(LCS_PREFIXES):
        return "other LCS"
    return "sign-in / other"


async def wait_for(pilot: Pilot[None], condition: Any, what: str, timeout: float = 60) -> None:
    deadline = perf_counter() + timeout
    while not condition():
        if perf_counter() > deadline:
            raise RuntimeError(f"timed out waiting for {what}")
        await pilot.pause(0.02)


async def simulated_hour(operations: int, intervals: int, interval: float) -> HourResult:
    sim = simulator(operations)
    assert isinstance(sim.clock, ManualClock)
    workspace = open_demo(simulator=sim)
    workspace.poll_interval = REAL_TICK
    app = SimulatedHourApp(workspace, sim.clock, timedelta(seconds=interval), intervals)
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_for(pilot, lambda: app.load_generation >= 1, "the project to load")
        watched = app.service.active_operations
        await wait_for(pilot, lambda: len(watched()) >= operations, f"{operations} operations")
        # The poll right after the load belongs to start-up, not to the hour.
        await wait_for(pilot, lambda: not app.polling, "the first poll")
        first = len(sim.request_log)
        started = perf_counter()
        app.running = True
        await wait_for(
            pilot,
            lambda: len(app.boundaries) >= intervals and not app.polling,
            "the simulated hour",
            timeout=60 + intervals * 2,
        )
        real_seconds = perf_counter() - started
        await pilot.pause()
        log = list(sim.request_log)[first:]
        watched_ids = {op.activity_id for op in watched() if op.activity_id}

    kinds = Counter(classify(entry.path) for entry in log)
    statuses = Counter(str(entry.status) for entry in log)
    per_op: Counter[str] = Counter()
    irregular: list[int] = []
    bounds = [b - first for b in app.boundaries] + [len(log)]
    for i in range(len(app.boundaries)):
        in_interval: Counter[str] = Counter()
        for entry in log[bounds[i] : bounds[i + 1]]:
            m = STATUS_PATH.match(entry.path)
            if m:
                in_interval[m.group(1)] += 1
        per_op.update(in_interval)
        if set(in_interval) != watched_ids or any(n != 1 for n in in_interval.values()):
            irregular.append(i)
    return HourResult(
        operations=len(watched_ids),
        intervals=len(app.boundaries),
        status_calls=kinds.get("status", 0),
        calls_by_kind=dict(kinds),
        statuses=dict(statuses),
        per_operation=dict(per_op),
        irregular_intervals=irregular,
        skipped_ticks=app.skipped,
        real_seconds=real_seconds,
        other_paths=sorted({e.path for e in log if classify(e.path) != "status"})[:20],
    )


def main(argv: list[str] | None = None) -> int:
    parser = arguments("network calls benchmark")
    parser.add_argument("--ops", default=None, help="comma-separated N values (default 1,5,20)")
    parser.add_argument(
        "--interval",
        type=float,
        default=DEFAULT_POLL_INTERVAL,
        help="simulated seconds per poll interval (default: the app's interval for real LCS)",
    )
    args = parser.parse_args(argv)
    counts = [int(n) for n in (args.ops or ("1,3" if args.quick else "1,5,20")).split(",")]
    hour = 3600.0
    intervals = 6 if args.quick else round(hour / args.interval)

    results: dict[int, HourResult] = {}
    for n in counts:
        results[n] = asyncio.run(simulated_hour(n, intervals, args.interval))
        print(f"  N={n}: {results[n].real_seconds:.1f} real s", file=sys.stderr)

    simulated = intervals * args.interval / 60
    print(
        f"\nWatching N operations for {simulated:g} simulated minutes, one poll every "
        f"{args.interval:g} s ({intervals} intervals)\n"
    )
    print(
        table(
            [
                "N",
                "status calls",
                "per op per interval",
                "other calls",
                "429s",
                "irregular",
                "skipped ticks",
            ],
            [
                [
                    n,
                    r.status_calls,
                    r.calls_per_op_per_interval,
                    r.other_calls,
                    r.throttled,
                    len(r.irregular_intervals),
                    r.skipped_ticks,
                ]
                for n, r in results.items()
            ],
        )
    )
    targets: list[Target] = []
    for n, r in results.items():
        targets += [
            Target(
                f"N={n}: status calls per operation per interval",
                r.calls_per_op_per_interval,
                1.0,
                "calls",
                kind="equal",
            ),
            Target(
                f"N={n}: intervals not exactly one call per operation",
                len(r.irregular_intervals),
                0,
                "intervals",
                kind="equal",
            ),
            Target(f"N={n}: calls other than status", r.other_calls, 0, "calls", kind="equal"),
            Target(f"N={n}: 429 answers", r.throttled, 0, "answers", kind="equal"),
        ]
    print()
    for t in targets:
        print(t.line())
    path = write_result(
        args.out,
        "network",
        quick=args.quick,
        params={
            "operations": counts,
            "interval_s": args.interval,
            "intervals": intervals,
            "real_tick_s": REAL_TICK,
        },
        results={str(n): r.as_dict() for n, r in results.items()},
        targets=targets,
    )
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
