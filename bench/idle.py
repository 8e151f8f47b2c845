"""Idle: CPU and memory of lcs-tui watching ten workspaces, against one workspace.

    .venv/bin/python -m bench.idle [--quick] [--runs 3] [--workspaces 10] [--watched 20]
                                   [--interval 30] [--window 120] [--profile]

Each measurement is a whole process (bench/idle_app.py) under a pseudo-terminal
of 160×48: the real `lcs-tui --demo` entry point, opening --workspaces
demo-like projects (Contoso shown, the others in its shape; bench/projects.py)
each watching --watched operations and polling them every --interval
seconds — by default 30 s, the app's interval against real LCS (the demo's
own is 2 s) — on a simulator whose clock runs in real time. Once every
workspace has loaded, watches its operations and is idle, and a few seconds
more have passed, the process measures itself over --window seconds of real
time (by default four intervals, so every workspace polls four times in it)
and reports:

- CPU: process CPU time (every thread) / wall time, as a share of one core.
  The in-process simulator's own CPU (its request handling, timed where it
  runs) is subtracted for the figure that is judged — a real LCS is not in
  the app's process — and reported beside it;
- memory: resident set size (VmRSS) at the end of the window, after a
  collection, and its peak (VmHWM), in MiB.

The one-workspace and the several-workspace processes alternate, --runs
times each; figures are medians over the runs.

Then, for reading the figure against real LCS: the client's CPU per status
call in-process and over loopback HTTPS (bench/call_cost.py), and from the
difference an estimate of the several-workspace figure with every one of
its calls going over HTTPS (an estimate, not a measurement of the app).

Targets (issue 14): with ten workspaces watching, idle CPU < 1 % of a core;
memory (RSS) at most 2× one workspace's.
"""

from __future__ import annotations

import contextlib
import statistics
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench import call_cost
from bench.common import Target, arguments, table, write_result
from bench.terminal import run_in_pty

TARGET_CPU_PERCENT = 1.0
TARGET_MEMORY_RATIO = 2.0
CONFIGS = ("one", "many")


@dataclass
class Idle:
    report: dict[str, Any]

    @property
    def cpu_percent(self) -> float:
        """The app's share of one core: the process minus the simulator."""
        r = self.report
        return 100.0 * float(r["cpu_s"] - r["simulator_cpu_s"]) / float(r["wall_s"])

    @property
    def process_cpu_percent(self) -> float:
        return 100.0 * float(self.report["cpu_s"]) / float(self.report["wall_s"])

    @property
    def main_thread_percent(self) -> float:
        r = self.report
        return 100.0 * float(r["main_thread_cpu_s"] - r["simulator_cpu_s"]) / float(r["wall_s"])

    @property
    def simulator_percent(self) -> float:
        return 100.0 * float(self.report["simulator_cpu_s"]) / float(self.report["wall_s"])

    @property
    def rss_mib(self) -> float:
        return float(self.report["memory_kib"]["VmRSS"]) / 1024

    @property
    def peak_mib(self) -> float:
        return float(self.report["memory_kib"]["VmHWM"]) / 1024

    @property
    def frames_per_second(self) -> float:
        return float(self.report["frames"]) / float(self.report["wall_s"])


def measure(
    state_dir: Path,
    *,
    workspaces: int,
    watched: int,
    interval: float,
    window: float,
    settle: float,
    profile: Path | None = None,
    experiment: str | None = None,
) -> Idle:
    env = {
        "BENCH_WORKSPACES": str(workspaces),
        "BENCH_WATCHED": str(watched),
        "BENCH_INTERVAL": str(interval),
        "BENCH_WINDOW": str(window),
        "BENCH_SETTLE": str(settle),
    }
    if profile is not None:
        env["BENCH_PROFILE"] = str(profile)
    if experiment is not None:
        env["BENCH_EXPERIMENT"] = experiment
    report = run_in_pty(["bench.idle_app"], state_dir, timeout=window + 180, env=env)
    if "error" in report.data:
        raise RuntimeError(f"{workspaces} workspaces: {report.data['error']}")
    return Idle(report.data)


def profile_rows(path: Path, limit: int = 20) -> dict[str, list[dict[str, Any]]]:
    """cProfile of the main thread over one window: own time, and lcs-tui's by cumulative."""
    import pstats

    entries = pstats.Stats(str(path)).stats  # type: ignore[attr-defined]

    def rows(items: list[Any]) -> list[dict[str, Any]]:
        return [
            {
                "function": f"{_short(filename)}:{line}({name})",
                "calls": calls,
                "tottime_ms": round(tottime * 1000, 1),
                "cumtime_ms": round(cumtime * 1000, 1),
            }
            for (filename, line, name), (_cc, calls, tottime, cumtime, _callers) in items
        ]

    by_own = sorted(entries.items(), key=lambda item: item[1][2], reverse=True)
    ours = [item for item in entries.items() if "/lcs_tui/" in item[0][0]]
    ours.sort(key=lambda item: item[1][3], reverse=True)
    return {"by_own_time": rows(by_own[:limit]), "lcs_tui_by_cumulative": rows(ours[:limit])}


def _short(filename: str) -> str:
    for marker in ("site-packages/", "lcs_tui/", "lib/python"):
        index = filename.find(marker)
        if index >= 0:
            return filename[index:]
    return filename


def main(argv: list[str] | None = None) -> int:
    parser = arguments(__doc__.splitlines()[0] if __doc__ else "idle benchmark")
    parser.add_argument("--runs", type=int, default=None, help="runs of each (default 3)")
    parser.add_argument("--workspaces", type=int, default=None, help="default 10")
    parser.add_argument("--watched", type=int, default=None, help="per workspace, default 20")
    parser.add_argument(
        "--interval", type=float, default=None, help="seconds between polls (default 30)"
    )
    parser.add_argument(
        "--window", type=float, default=None, help="measured seconds (default 4 intervals)"
    )
    parser.add_argument(
        "--profile", action="store_true", help="one more run of the many, under cProfile"
    )
    parser.add_argument(
        "--experiment",
        choices=["no-elapsed"],
        default=None,
        help="not the app: never update the Operations table's Elapsed cells",
    )
    args = parser.parse_args(argv)
    quick = args.quick
    runs = args.runs or (1 if quick else 3)
    count = args.workspaces or (3 if quick else 10)
    watched = args.watched or (3 if quick else 20)
    interval = args.interval or (1.0 if quick else 30.0)
    window = args.window or (2 * interval if quick else 4 * interval)
    settle = 0.5 if quick else 5.0
    sizes = {"one": 1, "many": count}
    labels = {"one": "1 workspace", "many": f"{count} workspaces"}

    results: dict[str, list[Idle]] = {c: [] for c in CONFIGS}
    profile: dict[str, list[dict[str, Any]]] | None = None
    with tempfile.TemporaryDirectory(prefix="lcs-bench-idle-") as tmp:
        state_dir = Path(tmp)
        for i in range(runs):
            order = CONFIGS if i % 2 == 0 else CONFIGS[::-1]
            for config in order:
                idle = measure(
                    state_dir,
                    workspaces=sizes[config],
                    watched=watched,
                    interval=interval,
                    window=window,
                    settle=settle,
                    experiment=args.experiment,
                )
                results[config].append(idle)
                print(
                    f"  run {i + 1}/{runs} {labels[config]}: {idle.cpu_percent:.2f} % CPU "
                    f"(+ simulator {idle.simulator_percent:.2f} %), RSS {idle.rss_mib:.1f} MiB",
                    file=sys.stderr,
                )
        if args.profile:
            out = state_dir / "idle.prof"
            measure(
                state_dir,
                workspaces=count,
                watched=watched,
                interval=interval,
                window=window,
                settle=settle,
                profile=out,
                experiment=args.experiment,
            )
            profile = profile_rows(out)

    def med(config: str, figure: str) -> float:
        return round(float(statistics.median(getattr(r, figure) for r in results[config])), 3)

    figures = (
        ("app CPU, % of a core (process − simulator)", "cpu_percent"),
        ("  of it the main thread", "main_thread_percent"),
        ("process CPU, % of a core (simulator included)", "process_cpu_percent"),
        ("simulator's CPU, % of a core", "simulator_percent"),
        ("frames painted per second", "frames_per_second"),
        ("RSS at the end, MiB", "rss_mib"),
        ("peak RSS (VmHWM), MiB", "peak_mib"),
    )
    print(
        f"\nIdle, watching {watched} operations per workspace, a poll every {interval:g} s, "
        f"{window:g} s windows, {runs} run(s) each (medians)\n"
    )
    print(
        table(
            ["figure", *(labels[c] for c in CONFIGS)],
            [[name, *(med(c, attr) for c in CONFIGS)] for name, attr in figures],
        )
    )
    calls = {c: [r.report["status_calls"] for r in results[c]] for c in CONFIGS}
    print(
        "\nstatus calls in each window: "
        + "; ".join(f"{labels[c]} {calls[c]}" for c in CONFIGS)
        + f" (expected ≈ workspaces × {watched} × {window / interval:g})"
    )
    if profile:
        for view, rows_ in profile.items():
            print()
            print(
                table(
                    [f"cProfile, main thread, one window: {view}", "calls", "own ms", "cum ms"],
                    [[p["function"], p["calls"], p["tottime_ms"], p["cumtime_ms"]] for p in rows_],
                )
            )
    cost = call_cost.measure(2 if quick else 25)
    calls_per_second = statistics.median(
        r.report["status_calls"] / r.report["wall_s"] for r in results["many"]
    )
    over_https = round(
        med("many", "cpu_percent")
        + 100.0 * calls_per_second * (cost["https_ms"] - cost["in_process_ms"]) / 1000,
        3,
    )
    print(
        f"\nclient CPU per status call ({cost['calls_each']} calls each): in-process "
        f"{cost['in_process_ms']} ms, over loopback HTTPS {cost['https_ms']} ms; "
        f"{count} workspaces' {calls_per_second:.2f} calls/s all over HTTPS: "
        f"about {over_https} % of a core (estimate)"
    )
    memory_ratio = round(med("many", "rss_mib") / med("one", "rss_mib"), 3)
    targets = [
        Target(
            f"idle CPU, {count} workspaces watching (median)",
            med("many", "cpu_percent"),
            TARGET_CPU_PERCENT,
            "% of a core",
        ),
        Target(
            f"memory (RSS), {count} workspaces / 1 (median)",
            memory_ratio,
            TARGET_MEMORY_RATIO,
            "×",
        ),
    ]
    print()
    for target in targets:
        print(target.line())
    path = write_result(
        args.out,
        "idle" if args.experiment is None else f"idle-{args.experiment}",
        quick=quick,
        params={
            "runs": runs,
            "workspaces": count,
            "watched_per_workspace": watched,
            "interval_s": interval,
            "window_s": window,
            "settle_s": settle,
            "experiment": args.experiment,
        },
        results={
            "medians": {c: {attr: med(c, attr) for _, attr in figures} for c in CONFIGS},
            "memory_ratio": memory_ratio,
            "status_call_cpu": cost,
            "many_cpu_percent_over_https_estimate": over_https,
            "runs": {c: [r.report for r in results[c]] for c in CONFIGS},
            "profile": profile,
        },
        targets=targets,
    )
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        sys.exit(main())
