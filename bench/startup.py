"""Start-up: `lcs-tui --demo` until the first full screen, with one and with several
workspaces, against a bare Textual app.

    .venv/bin/python -m bench.startup [--quick] [--runs N] [--workspaces 5] [--profile]

Three kinds of process, all launched in turn under a pseudo-terminal of
160×48, so they see a real terminal driver and the same machine noise:

- `lcs`: the real `lcs-tui --demo` entry point opening one workspace
  (Contoso, the demo's project);
- `many`: the same, opening --workspaces (5) simulator-backed workspaces on
  one simulator, Contoso shown and the others in Contoso's shape
  (bench/projects.py; the real demo opens two);
- `bare`: a bare Textual app drawing the same widget tree with the same rows.

Each process stamps its phases with CLOCK_MONOTONIC, which on Linux is
shared by all processes, and exits by itself after its first full frame
(see bench/startup_apps.py): for lcs-tui the shown workspace's first frame
with its project loaded. The figure is the time from just before the launch
to the arrival of that stamp.

Targets (issues 3 and 14): one workspace at most 1.5× the bare app (medians);
several workspaces at most 1.2× one workspace (medians, same run).

Also reported: the phases inside lcs-tui's process (imports, workspaces,
Textual start, sign-in, load and paint, when the other workspaces start),
the heaviest imports (`python -X importtime`) and, with --profile, the
functions that dominate one start (cProfile).
"""

from __future__ import annotations

import contextlib
import re
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.common import REPO, Summary, Target, arguments, table, write_result
from bench.terminal import COLUMNS, ROWS, run_in_pty

TARGET_RATIO = 1.5
TARGET_MANY_RATIO = 1.2
WORKSPACES = 5
TIMEOUT = 60.0
APPS = ("lcs", "many", "bare")

#: Phases inside one process, as (name, from stamp, to stamp). "launch" is the
#: parent's reading just before the process was created.
PHASES = (
    ("interpreter start", "launch", "main"),
    ("cli, simulator, open_demo", "main", "workspaces_built"),
    ("msal, app imports", "workspaces_built", "app_imported"),
    ("main → app module imported", "main", "app_imported"),
    ("app object created", "app_imported", "app_created"),
    ("Textual start → mounted", "app_created", "mounted"),
    ("mounted → first frame", "mounted", "first_frame"),
    # The bare app's first frame is not its full one: its footer keys come later.
    ("first frame → full frame", "first_frame", "loaded_frame"),
    ("sign-in (from mount)", "mounted", "signed_in"),
    ("load + paint (from sign-in)", "signed_in", "loaded_frame"),
    ("full frame → others start", "loaded_frame", "background_started"),
    ("total: launch → full frame", "launch", "loaded_frame"),
)


@dataclass
class Run:
    app: str
    stamps: dict[str, float]
    #: Frames the app painted up to and including its first full one.
    frames: int
    received: float
    #: Workspaces the app had open (0 for the bare app).
    workspaces: int

    @property
    def total(self) -> float:
        return self.received - self.stamps["launch"]


@dataclass
class Series:
    runs: list[Run] = field(default_factory=list)

    def totals(self) -> list[float]:
        return [r.total for r in self.runs]

    def phase(self, start: str, end: str) -> list[float]:
        return [
            r.stamps[end] - r.stamps[start]
            for r in self.runs
            if start in r.stamps and end in r.stamps
        ]


def launch(app: str, state_dir: Path, *, workspaces: int, profile: Path | None = None) -> Run:
    """Run one app in a fresh pseudo-terminal and collect its stamps."""
    env = {"BENCH_WORKSPACES": str(workspaces if app == "many" else 1)}
    if profile is not None:
        env["BENCH_PROFILE"] = str(profile)
    kind = "bare" if app == "bare" else "lcs"
    report = run_in_pty(["bench.startup_apps", kind], state_dir, timeout=TIMEOUT, env=env)
    stamps = {
        "launch": report.launched,
        **{str(k): float(v) for k, v in report.data["stamps"].items()},
    }
    return Run(
        app,
        stamps,
        int(report.data["frames"]),
        report.received,
        int(report.data.get("workspaces", 0)),
    )


# -- imports -------------------------------------------------------------------------

#: What `lcs-tui --demo` imports before its first frame, as one statement.
LCS_IMPORTS = (
    # As in launch.py, the collector is paused during start-up.
    "import gc; gc.disable(); "
    "import lcs_tui.cli as c; c.build_parser(); import lcs_tui.tui.launch, lcs_tui.workspace, "
    "lcs_tui.tui.app, lcs_tui.auth, lcs_tui.config, lcs_tui.secrets, lcs_tui.simulator; "
    # The sign-in worker imports msal when it first runs.
    "import msal"
)
BARE_IMPORTS = (
    "import rich.text, textual.app, textual.binding, textual.containers; "
    "from textual.widgets import DataTable, Footer, Input, RichLog, Static"
)
IMPORT_LINE = re.compile(r"import time:\s+(\d+) \|\s+(\d+) \| +(\S+)$")


def import_profile(statement: str, repeats: int) -> dict[str, Any]:
    """Where import time goes: self time summed per top-level package (median of runs).

    Self times do not overlap, so the packages add up to the total — unlike
    cumulative times, where textual's figure would also hold rich's.
    """
    per_package: dict[str, list[float]] = {}
    per_module: dict[str, list[float]] = {}
    totals: list[float] = []
    for _ in range(repeats):
        out = subprocess.run(
            [sys.executable, "-X", "importtime", "-c", statement],
            cwd=REPO,
            capture_output=True,
            text=True,
            check=True,
            timeout=120,
        ).stderr
        run: dict[str, float] = {}
        own: dict[str, float] = {}
        for line in out.splitlines():
            m = IMPORT_LINE.match(line)
            if m is None:
                continue
            module, seconds = m.group(3), int(m.group(1)) / 1e6
            root = module.split(".")[0]
            run[root] = run.get(root, 0.0) + seconds
            if root == "lcs_tui":
                own[module] = seconds
        totals.append(sum(run.values()))
        for name, seconds in run.items():
            per_package.setdefault(name, []).append(seconds)
        for name, seconds in own.items():
            per_module.setdefault(name, []).append(seconds)
    return {
        "total_ms": round(statistics.median(totals) * 1000, 1),
        "self_ms_by_package": _top(per_package, 12),
        "self_ms_lcs_tui_modules": _top(per_module, 8),
    }


def _top(samples: dict[str, list[float]], limit: int) -> dict[str, float]:
    medians = sorted(
        ((name, statistics.median(v)) for name, v in samples.items()),
        key=lambda item: item[1],
        reverse=True,
    )
    return {name: round(seconds * 1000, 1) for name, seconds in medians[:limit]}


# -- profile ---------------------------------------------------------------------------


def profile_one(state_dir: Path, limit: int = 15) -> dict[str, list[dict[str, Any]]]:
    """One lcs-tui start under cProfile, main thread, from its first line to the full frame.

    The sign-in worker's thread (MSAL) is not in it: see the sign-in phase.

    Two views: where the time is spent (own time, any code) and which of
    lcs-tui's functions hold the most (cumulative).
    """
    import pstats

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "startup.prof"
        launch("lcs", state_dir, workspaces=1, profile=out)
        stats = pstats.Stats(str(out))
    entries = stats.stats  # type: ignore[attr-defined]

    def rows(items: list[Any]) -> list[dict[str, Any]]:
        return [
            {
                "function": f"{_short_path(filename)}:{line}({name})",
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


def _short_path(filename: str) -> str:
    for marker in ("site-packages/", "lcs_tui/", "lib/python"):
        index = filename.find(marker)
        if index >= 0:
            return filename[index:]
    return filename


# -- main --------------------------------------------------------------------------------


LABELS = {"lcs": "lcs-tui, 1 workspace", "many": "lcs-tui, {n} workspaces", "bare": "bare app"}


def main(argv: list[str] | None = None) -> int:
    parser = arguments(__doc__.splitlines()[0] if __doc__ else "start-up benchmark")
    parser.add_argument("--runs", type=int, default=None, help="measured runs per app")
    parser.add_argument(
        "--workspaces",
        type=int,
        default=WORKSPACES,
        help=f"workspaces of the several-workspace start (default {WORKSPACES})",
    )
    parser.add_argument(
        "--profile", action="store_true", help="also profile one lcs-tui start with cProfile"
    )
    args = parser.parse_args(argv)
    runs = args.runs or (2 if args.quick else 15)
    count = args.workspaces
    labels = {app: label.format(n=count) for app, label in LABELS.items()}
    series = {app: Series() for app in APPS}
    with tempfile.TemporaryDirectory(prefix="lcs-bench-") as tmp:
        state_dir = Path(tmp)
        # One unmeasured start each: byte-code compiled, files in the page cache.
        for app in APPS:
            launch(app, state_dir, workspaces=count)
        for i in range(runs):
            # Rotate who goes first, so none always follows another.
            order = APPS[i % len(APPS) :] + APPS[: i % len(APPS)]
            for app in order:
                series[app].runs.append(launch(app, state_dir, workspaces=count))
                print(
                    f"  run {i + 1}/{runs} {labels[app]}: "
                    f"{series[app].runs[-1].total * 1000:.0f} ms",
                    file=sys.stderr,
                )
        profile = profile_one(state_dir) if args.profile else None

    repeats = 1 if args.quick else 5
    imports = {
        "lcs": import_profile(LCS_IMPORTS, repeats),
        "bare": import_profile(BARE_IMPORTS, repeats),
    }

    totals = {app: Summary.of(series[app].totals()) for app in APPS}
    ratio = round(totals["lcs"].median_ms / totals["bare"].median_ms, 3)
    many_ratio = round(totals["many"].median_ms / totals["lcs"].median_ms, 3)
    # The same ratio run by run (each run launches all three back to back).
    per_run = sorted(
        m.total / one.total for m, one in zip(series["many"].runs, series["lcs"].runs, strict=True)
    )
    phases: dict[str, dict[str, dict[str, float | int]]] = {}
    for app in APPS:
        phases[app] = {}
        for name, start, end in PHASES:
            values = series[app].phase(start, end)
            if values:
                phases[app][name] = Summary.of(values).as_dict()

    rows = [
        [name, *(phases[app].get(name, {}).get("median_ms", "—") for app in APPS)]
        for name, _, _ in PHASES
    ]
    frames = {app: statistics.median(r.frames for r in series[app].runs) for app in APPS}
    rows.append(["frames painted up to the full one", *(frames[app] for app in APPS)])
    print(f"\nStart-up, {runs} runs each, in turn, {COLUMNS}×{ROWS} pty (medians, ms)\n")
    print(table(["phase", *(labels[app] for app in APPS)], rows))
    print()
    print(
        table(
            ["process total", "median", "p95", "min", "max"],
            [
                [
                    labels[app],
                    totals[app].median_ms,
                    totals[app].p95_ms,
                    totals[app].min_ms,
                    totals[app].max_ms,
                ]
                for app in APPS
            ],
        )
    )
    print(
        f"\nImports (python -X importtime, median): lcs-tui {imports['lcs']['total_ms']} ms, "
        f"bare {imports['bare']['total_ms']} ms"
    )
    print(
        table(
            ["import self time by package (lcs-tui)", "ms"],
            list(imports["lcs"]["self_ms_by_package"].items()),
        )
    )
    print(
        table(
            ["import self time, lcs_tui modules", "ms"],
            list(imports["lcs"]["self_ms_lcs_tui_modules"].items()),
        )
    )
    if profile:
        for view, rows_ in profile.items():
            print()
            print(
                table(
                    [f"cProfile, one lcs-tui start: {view}", "calls", "own ms", "cum ms"],
                    [[p["function"], p["calls"], p["tottime_ms"], p["cumtime_ms"]] for p in rows_],
                )
            )
    targets = [
        Target("lcs-tui (1 workspace) / bare Textual app (median)", ratio, TARGET_RATIO, "×"),
        Target(
            f"lcs-tui, {count} workspaces / 1 workspace (median)",
            many_ratio,
            TARGET_MANY_RATIO,
            "×",
        ),
    ]
    print(
        f"\n{count} workspaces / 1, run by run: median "
        f"{statistics.median(per_run):.3f}×, range {per_run[0]:.3f}–{per_run[-1]:.3f}×"
    )
    for target in targets:
        print(target.line())

    path = write_result(
        args.out,
        "startup",
        quick=args.quick,
        params={
            "runs": runs,
            "workspaces": count,
            "terminal": f"{COLUMNS}x{ROWS}",
            "python": sys.executable,
        },
        results={
            "total": {app: totals[app].as_dict() for app in APPS},
            "ratio": ratio,
            "many_ratio": many_ratio,
            "many_ratio_per_run": [round(r, 3) for r in per_run],
            "phases": phases,
            "imports": imports,
            "profile": profile,
            "frames_until_full": frames,
            "workspaces_seen": {app: [r.workspaces for r in series[app].runs] for app in APPS},
            "raw_totals_ms": {
                app: [round(t * 1000, 1) for t in series[app].totals()] for app in APPS
            },
        },
        targets=targets,
    )
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        sys.exit(main())
