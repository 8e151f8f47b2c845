"""Bench-only hooks into the real start path (standard library only).

The benchmarks start lcs-tui through its real entry point (`cli.main`) and
change what they must the moment a module has been executed: the App gains
"exit after the first full frame", the demo opens the benchmark's projects.
Only the standard library is imported here, so a child process that uses
this pays nothing before its own imports.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import sys
from collections.abc import Callable
from typing import Any


def after_import(name: str, then: Callable[[Any], None]) -> None:
    """Call `then(module)` as soon as module `name` has been executed (once)."""

    class Finder(importlib.abc.MetaPathFinder):
        def find_spec(self, fullname: str, path: Any, target: Any = None) -> Any:
            if fullname != name:
                return None
            sys.meta_path.remove(self)
            spec = importlib.machinery.PathFinder.find_spec(fullname, path)
            assert spec is not None and spec.loader is not None
            real_exec = spec.loader.exec_module

            def exec_module(module: Any) -> None:
                real_exec(module)
                then(module)

            spec.loader.exec_module = exec_module  # type: ignore[method-assign]
            return spec

    sys.meta_path.insert(0, Finder())


def demo_opens(
    count: int,
    *,
    on_built: Callable[[], None] | None = None,
    jobs: bool = False,
    **options: Any,
) -> None:
    """`lcs-tui --demo` opens `count` demo-like projects (bench/projects.py), Contoso shown.

    The real `demo_start` opens Contoso and Fabrikam; this one builds the
    same kind of simulator (the demo's clock and token lifetime unless
    `options` say otherwise: `time_scale`, `poll_interval`, `watched`,
    `failure_rate`) with `count` projects in Contoso's shape, and opens one
    demo workspace for each, as `demo_start` does; with `jobs`, the demo's
    jobs too.
    """

    def patch(startup_module: Any) -> None:
        def bench_demo_start(*, read_only: bool) -> Any:
            from datetime import timedelta

            from bench import projects
            from lcs_tui.workspace import open_demo

            time_scale = float(options.get("time_scale", 120.0))
            sim, opened = projects.simulator(
                count,
                time_scale=time_scale,
                token_lifetime=timedelta(hours=max(1.0, time_scale)),
                failure_rate=float(options.get("failure_rate", 0.1)),
            )
            for project in opened:
                projects.add_watched(sim, project, int(options.get("watched", 0)))
            workspaces = [
                open_demo(read_only=read_only, simulator=sim, project=p.demo) for p in opened
            ]
            if "poll_interval" in options:
                for workspace in workspaces:
                    workspace.poll_interval = float(options["poll_interval"])
            demo_jobs = startup_module.demo_jobs() if jobs else None
            if on_built is not None:
                on_built()
            return startup_module.StartUp(
                workspaces, [p.demo.profile for p in opened], remember=False, jobs=demo_jobs
            )

        startup_module.demo_start = bench_demo_start

    after_import("lcs_tui.startup", patch)
