"""The processes `bench/startup.py` times: `lcs-tui --demo` and a bare Textual app.

    python -m bench.startup_apps lcs    # the real `lcs-tui --demo` entry point
    python -m bench.startup_apps bare   # the same widgets, static rows, no network

`lcs` opens $BENCH_WORKSPACES demo-like projects (default 1: Contoso alone;
bench/projects.py, bench/hooks.py), the first one shown, with the demo's jobs.

Each runs in a terminal (startup.py gives it a pseudo-terminal), exits by
itself right after its first *full* frame, and writes one JSON line of
CLOCK_MONOTONIC stamps to the file descriptor named by $BENCH_MARK_FD — the
parent compares them with the moment it launched the process.

"Full frame" is the first frame handed to the terminal driver in which
everything is on screen: for lcs-tui, the shown workspace's
`load_generation >= 1` (environments, backups and sandbox quotas); for the
bare app, its rows; for both, the footer's keys (Textual's footer adds them
after the first frame, so the bare app's first frame had none). LcsApp has
no "exit after the first full screen" switch, so this module calls the real
`lcs_tui.cli.main(["--demo"])` and, through import hooks, swaps in a
subclass the moment `lcs_tui.tui.app` has been imported and the benchmark's
projects for the demo's two the moment `lcs_tui.startup` has: argument
parsing, the launch steps, `open_demo`, the sign-in and the start of the
other workspaces are the real ones.

Only the standard library is imported at module level, so both processes pay
the same fixed cost before their own imports.
"""

from __future__ import annotations

import time

STARTED = time.monotonic()  # first thing: the interpreter is up and running this module

import json  # noqa: E402
import os  # noqa: E402
import sys  # noqa: E402
from typing import Any  # noqa: E402

ENV_FD = "BENCH_MARK_FD"
#: How many demo-like projects `lcs` opens (bench/projects.py).
ENV_WORKSPACES = "BENCH_WORKSPACES"
#: An experiment, not the app: "others-after-frame" holds the other
#: workspaces' start until the shown one's full frame is out.
EXPERIMENT = os.environ.get("BENCH_EXPERIMENT")
#: A path: profile this process's main thread with cProfile until the full frame.
ENV_PROFILE = "BENCH_PROFILE"


class Stamps:
    """Named CLOCK_MONOTONIC readings and a frame count, written once to the parent's pipe."""

    def __init__(self) -> None:
        self.values: dict[str, float] = {"main": STARTED}
        self.frames = 0
        #: Workspaces the app opened (lcs only).
        self.workspaces = 0
        self.sent = False
        self.closed = False
        self.profiler: Any = None

    def mark(self, name: str) -> None:
        self.values.setdefault(name, time.monotonic())

    def send(self, *, last: bool = True) -> None:
        """Report once; called at the end of the first full frame. Not `last`:
        `send_later` adds stamps taken after it (the report's arrival is the figure)."""
        if self.sent:
            return
        self.sent = True
        if self.profiler is not None:
            # Stop here: what follows (shutting down, joining threads) is not start-up.
            self.profiler.disable()
            self.profiler.dump_stats(os.environ[ENV_PROFILE])
        self._write(
            {"stamps": self.values, "frames": self.frames, "workspaces": self.workspaces}, last
        )

    def send_later(self, *names: str) -> None:
        """After the report: these stamps (those taken), and the end of the reports."""
        self._write({"stamps": {n: self.values[n] for n in names if n in self.values}}, True)

    def _write(self, report: dict[str, Any], last: bool) -> None:
        fd = os.environ.get(ENV_FD)
        if fd is None or self.closed:
            return  # run by hand: main() prints the figures once the terminal is back
        os.write(int(fd), (json.dumps(report) + "\n").encode())
        if last:
            self.closed = True
            os.close(int(fd))

    def show(self) -> None:
        base = self.values["main"]
        for key, value in self.values.items():
            sys.stdout.write(f"{key:>16}: {(value - base) * 1000:8.1f} ms\n")
        sys.stdout.write(f"{'frames':>16}: {self.frames}\n")


STAMPS = Stamps()


def run_lcs() -> None:
    # The real entry point runs first, exactly as `lcs-tui --demo` would (its
    # own start-up steps, such as pausing the garbage collector, included);
    # the subclass below is swapped in the moment lcs_tui.tui.app has been
    # imported, before launch.py looks LcsApp up, and the demo's projects
    # are the benchmark's the moment lcs_tui.startup has.
    from bench.hooks import after_import, demo_opens

    demo_opens(
        int(os.environ.get(ENV_WORKSPACES, "1")),
        on_built=lambda: STAMPS.mark("workspaces_built"),
        # As `lcs-tui --demo`: its job runner starts after the first screen.
        jobs=True,
    )
    after_import("lcs_tui.tui.app", _swap_in_exit_after_first_load)
    from lcs_tui.cli import main

    main(["--demo"])


def _swap_in_exit_after_first_load(app_module: Any) -> None:
    from lcs_tui.tui.controllers.events import SignedIn

    STAMPS.mark("app_imported")

    class ExitAfterFirstLoad(app_module.LcsApp):  # type: ignore[misc]
        """The real app; leaves right after the first frame that shows the loaded project."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            STAMPS.mark("app_created")  # the app object is being created
            super().__init__(*args, **kwargs)

            def signed_in(event: Any) -> None:
                if isinstance(event, SignedIn):
                    STAMPS.mark("signed_in")

            self.current.subscribe(signed_in)

        def on_mount(self) -> None:
            STAMPS.mark("mounted")

        def _start_background(self) -> None:
            # Private: the App starts the workspaces not shown (and the job
            # runner) once the shown one's first screen is up (or after a
            # limit); when, against the full frame?
            if EXPERIMENT == "others-after-frame" and "loaded_frame" not in STAMPS.values:
                return  # an experiment, not the app: they wait for the full frame
            started = self._background_started
            super()._start_background()
            if self._background_started and not started:
                STAMPS.mark("background_started")
                if STAMPS.sent:
                    self._leave()

        def _leave(self) -> None:
            STAMPS.send_later("background_started")
            self.exit()

        # Private Textual API (8.2.8): `_display` is where a composed frame is
        # handed to the driver. It is the one place that sees every frame.
        def _display(self, screen: Any, renderable: Any) -> None:
            super()._display(screen, renderable)
            if renderable is None or STAMPS.sent:
                return
            STAMPS.frames += 1
            STAMPS.mark("first_frame")
            if self.load_generation >= 1 and _footer_keys(self):
                STAMPS.mark("loaded_frame")
                STAMPS.workspaces = len(self.runtimes)
                if self._background_started:
                    STAMPS.send()
                    self.exit()
                    return
                # The figure is this report's arrival; the process stays on
                # until the others start, to stamp when (at most a few seconds).
                STAMPS.send(last=False)
                self.set_timer(5.0, self._leave)

    app_module.LcsApp = ExitAfterFirstLoad


def _footer_keys(app: Any) -> int:
    """The keys the footer shows. Textual's footer composes them only once the
    screen's bindings are known, after the first frame: a full frame has them."""
    from textual.widgets._footer import FooterKey

    return len(app.query(FooterKey))


def run_bare() -> None:
    from rich.text import Text
    from textual.app import App, ComposeResult
    from textual.binding import Binding
    from textual.containers import Horizontal, Vertical
    from textual.widgets import DataTable, Footer, Input, RichLog, Static

    STAMPS.mark("app_imported")

    class BareApp(App[None]):
        """lcs-tui's main screen with static rows: the widgets' own cost, nothing else.

        The same widget tree as WorkspaceScreen.compose (and BackupsPane.compose),
        the same borders and heights, the demo's row counts (Contoso's). The
        Jobs pane is mounted and hidden, as lcs-tui's is until its job runner,
        which starts after the first full screen, has shown a job.
        """

        CSS = """
        #status { dock: top; height: 1; background: $panel; padding: 0 1; }
        #top { height: 1fr; min-height: 10; }
        #environments, #backups, #operations { border: round $primary-muted; }
        #environments { width: 90; min-width: 50; max-width: 65%; }
        #environments-table { height: auto; max-height: 1fr; }
        #environment-summary { height: auto; padding: 0 1; border-top: hkey $primary-muted; }
        #environment-history { height: 1fr; border-top: hkey $primary-muted; }
        #backups { width: 1fr; }
        #backup-filter { display: none; height: 3; }
        #backups-table { height: 1fr; }
        #backup-detail { height: 4; padding: 0 1; border-top: hkey $primary-muted; }
        #jobs { height: auto; max-height: 9; border: round $primary-muted; display: none; }
        #jobs-table { height: auto; max-height: 7; }
        #operations { height: auto; min-height: 6; max-height: 40%; }
        #log { height: 10; border: round $secondary; display: none; }
        """
        # One action each: the footer shows one key per action (all "noop"
        # showed as one key, so the bare footer had three keys, not nine).
        BINDINGS = [
            Binding("r", "noop('refresh')", "Refresh"),
            Binding("e", "noop('export')", "Export"),
            Binding("w", "noop('watch')", "Watch"),
            Binding("d", "noop('download')", "Download"),
            Binding("slash", "noop('filter')", "Filter"),
            Binding("l", "noop('log')", "Log"),
            Binding("question_mark", "noop('help')", "Help"),
            Binding("q", "quit", "Quit"),
        ]

        def __init__(self) -> None:
            STAMPS.mark("app_created")
            super().__init__()

        def compose(self) -> ComposeResult:
            yield Static("lcs-tui ─ profile: demo ─ project 1234567 ─ online", id="status")
            with Horizontal(id="top"):
                with Vertical(id="environments"):
                    yield DataTable(id="environments-table", cursor_type="row", zebra_stripes=True)
                    yield Static(
                        "CONTOSO-ENV0 · Sandbox · Microsoft-managed · West Europe\n"
                        "https://contoso-env0.operations.dynamics.com/\n"
                        "App 10.0.45 (10.0.2177.52) · Platform Update69 (7.0.7606.107) · "
                        "deployed 2021-08-05 23:00 UTC\n"
                        "Enter: details & history",
                        id="environment-summary",
                    )
                    yield DataTable(id="environment-history", cursor_type="none")
                with Vertical(id="backups"):
                    yield Input(placeholder="filter backups", id="backup-filter")
                    yield DataTable(id="backups-table", cursor_type="row", zebra_stripes=True)
                    yield Static(
                        "backup-000 · AxDB_000.bacpac · by Ana Admin (demo)", id="backup-detail"
                    )
            with Vertical(id="jobs"):
                yield DataTable(id="jobs-table", cursor_type="row")
            yield DataTable(id="operations", cursor_type="row")
            yield RichLog(id="log")
            yield Footer()

        def on_mount(self) -> None:
            STAMPS.mark("mounted")
            # The demo's sizes: 7 environments, 37 backups, 1 running operation.
            envs = self.query_one("#environments-table", DataTable)
            envs.add_columns("Name", "Type", "State", "Ops today", "Version", "Infra", "Region")
            for i in range(7):
                envs.add_row(
                    Text(f"CONTOSO-ENV{i}"),
                    Text("Sandbox"),
                    Text("Deployed"),
                    Text("1 of 3 used"),
                    Text("10.0.45"),
                    Text("Microsoft"),
                    Text("West Europe"),
                )
            history = self.query_one("#environment-history", DataTable)
            history.add_columns("Started (UTC)", "Operation", "Status", "Took")
            history.add_row(Text("—", style="dim"), Text("Enter: the full history", style="dim"))
            backups = self.query_one("#backups-table", DataTable)
            backups.add_column("Name", width=40)
            backups.add_column("Created (UTC)", width=16)
            for i in range(37):
                backups.add_row(Text(f"backup-{i:03d}", style="bold"), Text("2026-11-19 08:00"))
            jobs = self.query_one("#jobs-table", DataTable)
            jobs.add_columns("Job", "State", "Next run", "ETA")
            ops = self.query_one("#operations", DataTable)
            ops.add_columns("Operation", "Status", "Elapsed", "Activity id", "Note")
            ops.add_row(
                Text("Refresh CONTOSO-PERF"),
                Text("InProgress"),
                Text("1 h 10 min"),
                Text("8dfad9e0-c6d7"),
                Text("found in history"),
            )
            self.query_one("#log", RichLog).write("GET /environmentinfo/v1/detail  200")
            envs.focus()

        def action_noop(self, what: str) -> None:
            pass

        def _display(self, screen: Any, renderable: Any) -> None:
            super()._display(screen, renderable)
            if renderable is None or STAMPS.sent:
                return
            STAMPS.frames += 1
            STAMPS.mark("first_frame")
            # Its rows and every key of its footer (one per binding, the palette's).
            rows = self.query_one("#backups-table", DataTable).row_count
            if rows and _footer_keys(self) > len(self.BINDINGS):
                STAMPS.mark("loaded_frame")
                STAMPS.send()
                self.exit()

    BareApp().run()


def main() -> None:
    which = sys.argv[1] if len(sys.argv) > 1 else ""
    run = {"lcs": run_lcs, "bare": run_bare}.get(which)
    if run is None:
        raise SystemExit("usage: python -m bench.startup_apps lcs|bare")
    if os.environ.get(ENV_PROFILE):
        import cProfile

        STAMPS.profiler = cProfile.Profile()
        STAMPS.profiler.enable()
    run()
    if os.environ.get(ENV_FD) is None:
        STAMPS.show()


if __name__ == "__main__":
    main()
