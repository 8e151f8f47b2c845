"""Start-up: `lcs-tui --demo` until the first full screen, against a bare Textual app.

    .venv/bin/python -m bench.startup [--quick] [--runs N] [--profile]

Both are whole processes (interpreter start, imports, first frame) launched
alternately under a pseudo-terminal of 160×48, so they see a real terminal
driver and the same machine noise. Each process stamps its phases with
CLOCK_MONOTONIC, which on Linux is shared by all processes, and exits by
itself after its first full frame (see bench/startup_apps.py); the figure is
the time from just before the launch to the arrival of that stamp.

Target (issue 3): lcs-tui's median at most 1.5× the bare app's median.

Also reported: the phases inside lcs-tui's process (imports, workspace, Textual
start, sign-in, load and paint), the heaviest imports (`python -X importtime`)
and, with --profile, the functions that dominate one start (cProfile).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import select
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.common import REPO, Summary, Target, arguments, now, table, write_result

TARGET_RATIO = 1.5
COLUMNS, ROWS = 160, 48
TIMEOUT = 60.0
APPS = ("lcs", "bare")

#: Phases inside one process, as (name, from stamp, to stamp). "launch" is the
#: parent's reading just before the process was created.
PHASES = (
    ("interpreter start", "launch", "main"),
    ("cli, open_demo, imports", "main", "app_imported"),
    ("app object created", "app_imported", "workspace_ready"),
    ("Textual start → mounted", "workspace_ready", "mounted"),
    ("mounted → first frame", "mounted", "first_frame"),
    ("sign-in (from mount)", "mounted", "signed_in"),
    ("load + paint (from sign-in)", "signed_in", "loaded_frame"),
    ("total: launch → full frame", "launch", "loaded_frame"),
)


@dataclass
class Run:
    app: str
    stamps: dict[str, float]
    #: Frames the app painted up to and including its first full one.
    frames: int
    received: float
    exit_code: int | None

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


def launch(app: str, state_dir: Path, *, profile: Path | None = None) -> Run:
    """Run one app in a fresh pseudo-terminal and collect its stamps."""
    master, slave = os.openpty()
    # The size a Textual app reads at start; without it a pty reports 0×0.
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLUMNS, 0, 0))
    mark_read, mark_write = os.pipe()
    # PYTHONDONTWRITEBYTECODE (set on some CI machines) is dropped so the
    # warm-up start writes the byte-code, as every start after the first does
    # on a user's machine; otherwise lcs-tui's own modules, unlike the
    # installed libraries, would be compiled from source in every run.
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("TEXTUAL") and k != "PYTHONDONTWRITEBYTECODE"
    }
    env.update(
        TERM="xterm-256color",
        COLORTERM="truecolor",
        BENCH_MARK_FD=str(mark_write),
        LCS_TUI_STATE_DIR=str(state_dir),  # never the user's own journal or config
    )
    if profile is not None:
        env["BENCH_PROFILE"] = str(profile)
    command = [sys.executable, "-m", "bench.startup_apps", app]
    launched = now()
    proc = subprocess.Popen(
        command,
        stdin=slave,
        stdout=slave,
        stderr=slave,
        pass_fds=(mark_write,),
        cwd=REPO,
        env=env,
        start_new_session=True,
    )
    os.close(slave)
    os.close(mark_write)
    mark = b""
    received: float | None = None
    screen_tail = b""
    deadline = launched + TIMEOUT
    try:
        open_fds = {master, mark_read}
        # Drain the terminal all along: a full pty buffer would stall the app's writes.
        while open_fds and now() < deadline:
            ready, _, _ = select.select(list(open_fds), [], [], 0.5)
            for fd in ready:
                try:
                    chunk = os.read(fd, 65536)
                except OSError:  # EIO: the child closed its terminal
                    chunk = b""
                if fd == mark_read:
                    if chunk:
                        mark += chunk
                        if received is None and mark.endswith(b"\n"):
                            received = now()
                    else:
                        open_fds.discard(fd)
                else:
                    if chunk:
                        screen_tail = (screen_tail + chunk)[-4000:]
                    else:
                        open_fds.discard(fd)
            if received is not None and proc.poll() is not None:
                break
        try:
            exit_code: int | None = proc.wait(timeout=max(1.0, deadline - now()))
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)  # only the process group we started
            proc.wait()
            exit_code = None
    finally:
        os.close(master)
        os.close(mark_read)
    if received is None:
        tail = re.sub(rb"\x1b\[[0-9;?]*[a-zA-Z]", b"", screen_tail)[-1500:]
        raise RuntimeError(
            f"{app}: no full frame within {TIMEOUT:.0f} s (exit {exit_code}); "
            f"terminal tail: {tail.decode(errors='replace')!r}"
        )
    if exit_code != 0:
        # A crash after the full frame would leave a plausible figure: refuse it.
        raise RuntimeError(f"{app}: exit status {exit_code} after its full frame")
    report = json.loads(mark.decode())
    stamps = {"launch": launched, **{str(k): float(v) for k, v in report["stamps"].items()}}
    return Run(app, stamps, int(report["frames"]), received, exit_code)


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
        launch("lcs", state_dir, profile=out)
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


def main(argv: list[str] | None = None) -> int:
    parser = arguments(__doc__.splitlines()[0] if __doc__ else "start-up benchmark")
    parser.add_argument("--runs", type=int, default=None, help="measured runs per app")
    parser.add_argument(
        "--profile", action="store_true", help="also profile one lcs-tui start with cProfile"
    )
    args = parser.parse_args(argv)
    runs = args.runs or (2 if args.quick else 15)
    series = {app: Series() for app in APPS}
    with tempfile.TemporaryDirectory(prefix="lcs-bench-") as tmp:
        state_dir = Path(tmp)
        # One unmeasured start each: byte-code compiled, files in the page cache.
        for app in APPS:
            launch(app, state_dir)
        for i in range(runs):
            # Alternate who goes first, so neither always follows the other.
            order = APPS if i % 2 == 0 else APPS[::-1]
            for app in order:
                series[app].runs.append(launch(app, state_dir))
                print(
                    f"  run {i + 1}/{runs} {app}: {series[app].runs[-1].total * 1000:.0f} ms",
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
    print(f"\nStart-up, {runs} runs each, alternating, {COLUMNS}×{ROWS} pty (medians, ms)\n")
    print(table(["phase", "lcs-tui --demo", "bare Textual app"], rows))
    print()
    print(
        table(
            ["process total", "median", "p95", "min", "max"],
            [
                [
                    app,
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
    target = Target("lcs-tui / bare Textual app (median)", ratio, TARGET_RATIO, "×")
    print("\n" + target.line())

    path = write_result(
        args.out,
        "startup",
        quick=args.quick,
        params={"runs": runs, "terminal": f"{COLUMNS}x{ROWS}", "python": sys.executable},
        results={
            "total": {app: totals[app].as_dict() for app in APPS},
            "ratio": ratio,
            "phases": phases,
            "imports": imports,
            "profile": profile,
            "frames_until_full": frames,
            "raw_totals_ms": {
                app: [round(t * 1000, 1) for t in series[app].totals()] for app in APPS
            },
        },
        targets=[target],
    )
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        sys.exit(main())
