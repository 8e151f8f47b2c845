"""Network: watching operations for a simulated hour — which calls, how many, any 429.

    .venv/bin/python -m bench.network [--quick] [--ops 1,5,20] [--projects 10x20] [--interval 30]

The real LcsApp runs headless against the in-process simulator on a
ManualClock. `--ops N`: one workspace (Contoso) with N operations running
(the demo's refresh of CONTOSO-PERF plus N-1 exports "started in the
portal", each lasting hours), so the app finds them in the history and
watches them. `--projects PxN` (issue 14): P workspaces on one simulator,
Contoso and P-1 projects in its shape (bench/projects.py), each watching N
operations the same way.

Each workspace's own poll loop calls its watcher's `tick`; this benchmark
wraps that tick and only moves the simulated clock: an interval (30 s, the
interval against real LCS) begins when every workspace has finished its
poll of the previous one, with the clock moved one interval, and in it each
workspace's next tick starts that workspace's poll. So a simulated hour is
120 polls of every workspace, run in seconds (the rule: bench/hour.py).
Every request the simulator saw (`sim.request_log`) is then sorted by path,
per interval and per operation.

Nothing here waits on the machine being fast: before the hour, once every
workspace has loaded, no new poll begins and the running ones are waited
for; the hour ends when the last interval's polls have, and stays ended
whenever the waiter looks. A wait gives up with an error only when nothing
has moved for QUIET_LIMIT real seconds.

Two liberties, both so that compressed time does not invent calls real time
would not make: the poll loops tick every 0.1 real seconds, and a tick that
finds its workspace's previous poll still running is skipped by the app as
designed (counted here, the clock does not move); the simulator's tokens
last 2 hours of simulated time, because MSAL judges expiry by real seconds
and would not renew a token the simulated hour had expired (renewal is
tested elsewhere).

Targets (issues 3 and 14): one status call per watched operation per
interval, nothing else, zero 429s during the hour — and none while the
workspaces loaded either.
"""

from __future__ import annotations

import asyncio
import re
import sys
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from time import perf_counter
from typing import Any, Literal

from textual.pilot import Pilot

from bench import projects
from bench.common import Target, arguments, table, write_result
from bench.hour import SimulatedHour
from bench.scenario import START
from lcs_tui.simulator import ManualClock, Simulator
from lcs_tui.tui.app import LcsApp
from lcs_tui.tui.controllers.runtime import WorkspaceRuntime
from lcs_tui.tui.workspace_screen import WorkspaceScreen
from lcs_tui.workspace import DEFAULT_POLL_INTERVAL, Workspace, open_demo

REAL_TICK = 0.1
#: Real seconds a wait may see no progress before the benchmark stops with an
#: error: more than the client's own pacing may hold a call at start-up (its
#: windows are a minute of real time), far less than a stalled run's patience.
QUIET_LIMIT = 150.0
Phase = Literal["start-up", "settling", "hour"]
STATUS_PATH = re.compile(
    r"^/databasemovement/v1/fetchstatus/project/[^/]+/environment/[^/]+/operationactivity/([^/]+)$"
)
LCS_PREFIXES = ("/databasemovement/", "/environmentinfo/", "/environment/")


class SimulatedHourApp(LcsApp):
    """The real app; the simulated clock moves one interval when every workspace has polled."""

    def __init__(
        self,
        workspaces: list[Workspace],
        sim: Simulator,
        clock: ManualClock,
        step: timedelta,
        intervals: int,
    ) -> None:
        super().__init__(workspaces, bell=False)
        self.sim = sim
        self.clock = clock
        self.step = step
        #: "start-up": ticks are the app's own; "settling": the polls after the
        #: loads finish and none begins; "hour": ticks go by `self.hour`.
        self.phase: Phase = "start-up"
        #: len(sim.request_log) as each interval of the hour began.
        self.boundaries: list[int] = []
        self.hour = SimulatedHour(list(self.runtimes), intervals, self._interval_begins)
        for runtime in self.runtimes.values():
            self._wrap(runtime)

    def _interval_begins(self) -> None:
        self.clock.advance(self.step)
        self.boundaries.append(len(self.sim.request_log))

    def _wrap(self, runtime: WorkspaceRuntime) -> None:
        # The watcher's tick (controllers/watcher.py), wrapped on the
        # instance: the runtime's poll loop calls it every interval.
        watcher = runtime.watcher
        tick = watcher.tick

        def hour_tick() -> None:
            if self.phase == "start-up":
                tick()  # the polls right after the loads: the app's own
            elif self.phase == "hour" and self.hour.may_poll(
                runtime.name, busy=watcher.polling, anyone_busy=self.polling
            ):
                tick()

        watcher.tick = hour_tick  # type: ignore[method-assign]

    @property
    def polling(self) -> bool:
        return any(rt.watcher.polling for rt in self.runtimes.values())

    @property
    def hour_over(self) -> bool:
        return self.hour.over(anyone_busy=self.polling)

    @property
    def skipped(self) -> int:
        return self.hour.skipped


@dataclass
class HourResult:
    #: Workspaces (projects), and operations watched in all of them.
    projects: int
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
    #: 429 answers while the workspaces signed in and loaded, before the hour.
    throttled_at_start: int
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
            "projects": self.projects,
            "operations": self.operations,
            "intervals": self.intervals,
            "status_calls": self.status_calls,
            "calls_per_op_per_interval": self.calls_per_op_per_interval,
            "other_calls": self.other_calls,
            "calls_by_kind": self.calls_by_kind,
            "statuses": self.statuses,
            "throttled_429": self.throttled,
            "throttled_429_at_start": self.throttled_at_start,
            "per_operation_min": min(self.per_operation.values(), default=0),
            "per_operation_max": max(self.per_operation.values(), default=0),
            "irregular_intervals": self.irregular_intervals,
            "skipped_ticks": self.skipped_ticks,
            "real_seconds": round(self.real_seconds, 2),
            "other_paths": self.other_paths,
        }


def simulator(count: int, operations: int) -> tuple[Simulator, list[Workspace]]:
    """`count` projects (Contoso first) watching `operations` each, one workspace each."""
    sim, opened = projects.simulator(
        count,
        clock=ManualClock(START),
        failure_rate=0.0,
        token_lifetime=timedelta(hours=2),
    )
    for project in opened:
        # Each project's own refresh (CONTOSO-PERF's runs for about two
        # simulated hours from START) and these make `operations`, all
        # running past the hour.
        projects.add_watched(sim, project, operations - 1, start=START)
    return sim, [open_demo(simulator=sim, project=p.demo) for p in opened]


def classify(path: str) -> str:
    if STATUS_PATH.match(path):
        return "status"
    if path.startswith(LCS_PREFIXES):
        return "other LCS"
    return "sign-in / other"


async def wait_for(
    pilot: Pilot[None],
    condition: Callable[[], bool],
    what: str,
    *,
    progress: Callable[[], object] = lambda: None,
    detail: Callable[[], str] = lambda: "",
) -> None:
    """Wait until `condition()` holds; give up (an error, never a hang) only after
    QUIET_LIMIT real seconds in which `progress()` did not change: a slow or
    loaded machine takes longer, it does not fail."""
    last = progress()
    deadline = perf_counter() + QUIET_LIMIT
    while not condition():
        seen = progress()
        if seen != last:
            last, deadline = seen, perf_counter() + QUIET_LIMIT
        elif perf_counter() > deadline:
            quiet = f"nothing moved for {QUIET_LIMIT:.0f} s"
            raise RuntimeError(f"{quiet} waiting for {what}{detail()}")
        await pilot.pause(0.02)


def highlighted_history_read(app: SimulatedHourApp) -> bool:
    screen = app.screen
    if not isinstance(screen, WorkspaceScreen):
        return True
    env = screen.highlighted_env()
    return env is None or env.id in screen.service.history


async def simulated_hour(
    count: int, operations: int, intervals: int, interval: float
) -> HourResult:
    sim, workspaces = simulator(count, operations)
    assert isinstance(sim.clock, ManualClock)
    for workspace in workspaces:
        workspace.poll_interval = REAL_TICK
    app = SimulatedHourApp(workspaces, sim, sim.clock, timedelta(seconds=interval), intervals)
    async with app.run_test(size=(160, 48)) as pilot:
        runtimes = list(app.runtimes.values())

        def ready() -> bool:
            return all(
                rt.load_generation >= 1 and len(rt.service.active_operations()) >= operations
                for rt in runtimes
            )

        def loaded() -> tuple[int, int]:
            return (
                sum(1 for rt in runtimes if rt.load_generation >= 1),
                sum(len(rt.service.active_operations()) for rt in runtimes),
            )

        await wait_for(
            pilot, ready, f"{count} workspaces watching {operations} each", progress=loaded
        )
        # The polls right after the loads, and the one history read of the
        # environment the shown screen highlights (read once, after the cursor
        # rests), belong to start-up, not to the hour.
        await wait_for(pilot, lambda: highlighted_history_read(app), "the highlighted history")
        # Then no poll begins until the hour does, and the running ones end:
        # the moment they all rest does not depend on the machine's speed.
        app.phase = "settling"
        await wait_for(
            pilot,
            lambda: all(rt.idle for rt in runtimes),
            "the first polls",
            progress=lambda: sum(1 for rt in runtimes if rt.idle),
        )
        first = len(sim.request_log)
        started = perf_counter()
        app.phase = "hour"
        # Each interval begun and each workspace's poll in it is progress: the
        # hour ends, or an interval that stops moving ends the run with an error.
        hour = app.hour
        await wait_for(
            pilot,
            lambda: app.hour_over,
            "the simulated hour",
            progress=lambda: (hour.begun, len(hour.polled)),
            detail=lambda: (
                f" (interval {hour.begun} of {hour.intervals}; not polled in it: "
                f"{', '.join(hour.waiting_for()) or 'none'}; polling: "
                f"{', '.join(rt.name for rt in runtimes if rt.watcher.polling) or 'none'})"
            ),
        )
        real_seconds = perf_counter() - started
        await pilot.pause()
        everything = list(sim.request_log)
        watched_ids = {op.activity_id for rt in runtimes for op in rt.service.active_operations()}
        watched_ids.discard(None)
    start_up, log = everything[:first], everything[first:]

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
        projects=len(runtimes),
        operations=len(watched_ids),
        intervals=len(app.boundaries),
        status_calls=kinds.get("status", 0),
        calls_by_kind=dict(kinds),
        statuses=dict(statuses),
        per_operation=dict(per_op),
        irregular_intervals=irregular,
        skipped_ticks=app.skipped,
        real_seconds=real_seconds,
        throttled_at_start=sum(1 for entry in start_up if entry.status == 429),
        other_paths=sorted({e.path for e in log if classify(e.path) != "status"})[:20],
    )


def parse_cases(ops: str, several: str) -> list[tuple[str, int, int]]:
    """(label, projects, operations per project): "1,5" one project; "10x20" ten × twenty."""
    cases = [(n.strip(), 1, int(n)) for n in ops.split(",") if n.strip()]
    for spec in several.split(","):
        if spec.strip():
            count, _, per = spec.strip().partition("x")
            cases.append((f"{int(count)}x{int(per)}", int(count), int(per)))
    return cases


def main(argv: list[str] | None = None) -> int:
    parser = arguments("network calls benchmark")
    parser.add_argument(
        "--ops", default=None, help="one project watching N: comma-separated (default 1,5,20)"
    )
    parser.add_argument(
        "--projects",
        default=None,
        help="P projects watching N each, as PxN, comma-separated (default 10x20; '' for none)",
    )
    parser.add_argument(
        "--interval",
        type=float,
        default=DEFAULT_POLL_INTERVAL,
        help="simulated seconds per poll interval (default: the app's interval for real LCS)",
    )
    args = parser.parse_args(argv)
    ops = args.ops if args.ops is not None else ("1,3" if args.quick else "1,5,20")
    several = args.projects if args.projects is not None else ("3x4" if args.quick else "10x20")
    cases = parse_cases(ops, several)
    hour = 3600.0
    intervals = 6 if args.quick else round(hour / args.interval)

    results: dict[str, HourResult] = {}
    for label, count, per in cases:
        results[label] = asyncio.run(simulated_hour(count, per, intervals, args.interval))
        print(f"  {label}: {results[label].real_seconds:.1f} real s", file=sys.stderr)

    simulated = intervals * args.interval / 60
    print(
        f"\nWatching operations for {simulated:g} simulated minutes, one poll every "
        f"{args.interval:g} s ({intervals} intervals); N: operations of one project, "
        "PxN: P projects of N each\n"
    )
    print(
        table(
            [
                "case",
                "watched",
                "status calls",
                "per op per interval",
                "other calls",
                "429s",
                "429s at start",
                "irregular",
                "skipped ticks",
            ],
            [
                [
                    label,
                    r.operations,
                    r.status_calls,
                    r.calls_per_op_per_interval,
                    r.other_calls,
                    r.throttled,
                    r.throttled_at_start,
                    len(r.irregular_intervals),
                    r.skipped_ticks,
                ]
                for label, r in results.items()
            ],
        )
    )
    targets: list[Target] = []
    for label, r in results.items():
        name = f"N={label}" if r.projects == 1 else label
        targets += [
            Target(
                f"{name}: status calls per operation per interval",
                r.calls_per_op_per_interval,
                1.0,
                "calls",
                kind="equal",
            ),
            Target(
                f"{name}: intervals not exactly one call per operation",
                len(r.irregular_intervals),
                0,
                "intervals",
                kind="equal",
            ),
            Target(f"{name}: calls other than status", r.other_calls, 0, "calls", kind="equal"),
            Target(f"{name}: 429 answers", r.throttled, 0, "answers", kind="equal"),
        ]
        if r.projects > 1:
            targets.append(
                Target(
                    f"{name}: 429 answers while signing in and loading",
                    r.throttled_at_start,
                    0,
                    "answers",
                    kind="equal",
                )
            )
    print()
    for t in targets:
        print(t.line())
    path = write_result(
        args.out,
        "network",
        quick=args.quick,
        params={
            "cases": [
                {"label": label, "projects": count, "operations_per_project": per}
                for label, count, per in cases
            ],
            "interval_s": args.interval,
            "intervals": intervals,
            "real_tick_s": REAL_TICK,
        },
        results={label: r.as_dict() for label, r in results.items()},
        targets=targets,
    )
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
