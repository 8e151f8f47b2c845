"""The process `bench/idle.py` measures: `lcs-tui --demo` watching, doing nothing else.

    python -m bench.idle_app    # settings from the environment, see below

The real entry point (`lcs_tui.cli.main(["--demo"])`) opens
$BENCH_WORKSPACES demo-like projects (bench/projects.py; Contoso shown),
each watching $BENCH_WATCHED operations and polling every $BENCH_INTERVAL
seconds, on a simulator whose clock runs in real time (so nothing finishes
during the window). Once every workspace has loaded, watches its operations
and is idle, the process waits $BENCH_SETTLE seconds, then measures over
$BENCH_WINDOW seconds of real time:

- its CPU time (`time.process_time()`: every thread) and the main thread's;
- the CPU time the in-process simulator spent answering (its `Service.handle`,
  timed on whichever thread called it) — a real LCS is not in the process;
- frames painted, requests by kind;

and then its memory (VmRSS, VmHWM from /proc/self/status, after a
collection), writes one JSON line to $BENCH_MARK_FD and exits. With
$BENCH_PROFILE (a path) the main thread runs under cProfile during the window.

$BENCH_EXPERIMENT=no-elapsed is an experiment, not the app: the Operations
table's Elapsed cells are never updated (the App redraws them every second),
to show what that redraw costs.
"""

from __future__ import annotations

import time

STARTED = time.monotonic()

import json  # noqa: E402
import os  # noqa: E402
import sys  # noqa: E402
from typing import Any  # noqa: E402

from bench.hooks import after_import, demo_opens  # noqa: E402

ENV_FD = "BENCH_MARK_FD"
STATUS_MARK = "/databasemovement/v1/fetchstatus/"


def setting(name: str, default: float) -> float:
    return float(os.environ.get(f"BENCH_{name}", default))


WORKSPACES = int(setting("WORKSPACES", 10))
WATCHED = int(setting("WATCHED", 20))
INTERVAL = setting("INTERVAL", 30.0)
SETTLE = setting("SETTLE", 5.0)
WINDOW = setting("WINDOW", 120.0)
READY_TIMEOUT = 120.0


class SimulatorCpu:
    """CPU seconds spent inside the simulator's request handling, any thread."""

    seconds = 0.0


def _time_simulator(service_module: Any) -> None:
    real_handle = service_module.Service.handle

    def handle(self: Any, request: Any) -> Any:
        before = time.thread_time()
        try:
            return real_handle(self, request)
        finally:
            SimulatorCpu.seconds += time.thread_time() - before

    service_module.Service.handle = handle


def _no_elapsed_updates(operations_module: Any) -> None:
    table = operations_module.OperationsTable
    real_update = table.update_cell

    def update_cell(self: Any, row_key: Any, column_key: Any, *args: Any, **kwargs: Any) -> None:
        if column_key != "elapsed":
            real_update(self, row_key, column_key, *args, **kwargs)

    table.update_cell = update_cell


def memory() -> dict[str, int]:
    """VmRSS and VmHWM (peak) in KiB."""
    values: dict[str, int] = {}
    with open("/proc/self/status") as status:
        for line in status:
            key, _, rest = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                values[key] = int(rest.split()[0])
    return values


def _swap_in_idle_app(app_module: Any) -> None:
    class IdleApp(app_module.LcsApp):  # type: ignore[misc]
        """The real app, measured once every workspace watches and is idle."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.frames = 0
            self.report: dict[str, Any] = {"ready_s": None}
            self._window_start: dict[str, float] = {}
            self._profiler: Any = None

        def on_mount(self) -> None:
            self._waiting = self.set_interval(0.5, self._check_ready)

        def _all_watching(self) -> bool:
            return all(
                rt.load_generation >= 1
                and len(rt.service.active_operations()) >= WATCHED
                and rt.idle
                for rt in self.runtimes.values()
            )

        def _check_ready(self) -> None:
            if time.monotonic() - STARTED > READY_TIMEOUT:
                self.report["error"] = "the workspaces did not load and watch in time"
                self._finish()
            elif self._all_watching():
                self._waiting.stop()
                self.report["ready_s"] = round(time.monotonic() - STARTED, 3)
                self.set_timer(SETTLE, self._begin)

        def _sim(self) -> Any:
            return self.current.workspace.simulator

        def _begin(self) -> None:
            import gc

            gc.collect()  # as the collector would, sometime: not inside the window
            self.frames = 0
            self._window_start = {
                "wall": time.monotonic(),
                "cpu": time.process_time(),
                "main": time.thread_time(),
                "sim": SimulatorCpu.seconds,
                "log": len(self._sim().request_log),
            }
            self.report["memory_kib_at_start"] = memory()
            # Resident memory every 10 s of the window: does it level off?
            self.report["rss_kib_every_10_s"] = []
            self.set_interval(10.0, self._sample_memory)
            if os.environ.get("BENCH_PROFILE"):
                import cProfile

                self._profiler = cProfile.Profile()
                self._profiler.enable()
            self.set_timer(WINDOW, self._end)

        def _sample_memory(self) -> None:
            self.report["rss_kib_every_10_s"].append(memory()["VmRSS"])

        def _end(self) -> None:
            wall = time.monotonic() - self._window_start["wall"]
            cpu = time.process_time() - self._window_start["cpu"]
            main = time.thread_time() - self._window_start["main"]
            if self._profiler is not None:
                self._profiler.disable()
                self._profiler.dump_stats(os.environ["BENCH_PROFILE"])
            sim_cpu = SimulatorCpu.seconds - self._window_start["sim"]
            log = self._sim().request_log[int(self._window_start["log"]) :]
            import gc

            gc.collect()
            self.report.update(
                {
                    "wall_s": wall,
                    "cpu_s": cpu,
                    "main_thread_cpu_s": main,
                    "simulator_cpu_s": sim_cpu,
                    "frames": self.frames,
                    "status_calls": sum(1 for e in log if e.path.startswith(STATUS_MARK)),
                    "other_calls": sum(1 for e in log if not e.path.startswith(STATUS_MARK)),
                    "throttled_429": sum(1 for e in log if e.status == 429),
                    "memory_kib": memory(),
                    "gc_objects": len(gc.get_objects()),
                }
            )
            self._finish()

        def _finish(self) -> None:
            self.report.update(
                {
                    "workspaces": len(self.runtimes),
                    "loaded": sum(1 for rt in self.runtimes.values() if rt.load_generation),
                    "watched": [
                        len(rt.service.active_operations()) for rt in self.runtimes.values()
                    ],
                    "interval_s": [rt.workspace.poll_interval for rt in self.runtimes.values()],
                    "experiment": os.environ.get("BENCH_EXPERIMENT"),
                }
            )
            fd = os.environ.get(ENV_FD)
            if fd is not None:
                os.write(int(fd), (json.dumps(self.report) + "\n").encode())
                os.close(int(fd))
            self.exit()

        # Private Textual API (8.2.8): every composed frame passes here.
        def _display(self, screen: Any, renderable: Any) -> None:
            super()._display(screen, renderable)
            if renderable is not None:
                self.frames += 1

    app_module.LcsApp = IdleApp


def main() -> None:
    after_import("lcs_tui.simulator.service", _time_simulator)
    if os.environ.get("BENCH_EXPERIMENT") == "no-elapsed":
        after_import("lcs_tui.tui.widgets.operations", _no_elapsed_updates)
    demo_opens(
        WORKSPACES,
        time_scale=1.0,  # real time: nothing finishes, the watching goes on
        failure_rate=0.0,
        watched=WATCHED - 1,  # each project's own running refresh is the first
        poll_interval=INTERVAL,
    )
    after_import("lcs_tui.tui.app", _swap_in_idle_app)
    from lcs_tui.cli import main as cli_main

    cli_main(["--demo"])
    if os.environ.get(ENV_FD) is None:
        sys.stdout.write("run by bench.idle; nothing to show by hand\n")


if __name__ == "__main__":
    main()
