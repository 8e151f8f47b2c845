"""`lcs-tui run` (the headless runner) and `lcs-tui job run NAME` (one job, now).

`lcs-tui run` hosts the jobs of every profile that has some (or of
`--profile a,b`), in the foreground, for cron, systemd or Task Scheduler:
each profile is opened and signed in without a person like every other
command (token cache, stored password, LCS_TUI_PASSWORD), then the runner
ticks every --interval seconds until interrupted (Ctrl+C, SIGTERM) or, with
`--once`, until no job is due or running. What happens is said on stderr,
one line per change; `--json` prints `lcs-tui/run/v1` at the end.

`lcs-tui job run NAME` starts a run of NAME now and follows it in the
foreground until it ends (exit 0 completed, 1 failed or cancelled);
`--detach` only asks for the run, for the runner already going (the app or
`lcs-tui run`) to pick up.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from lcs_tui.commands import exit_codes
from lcs_tui.commands.failures import Failure, failure_from
from lcs_tui.commands.output import emit_json, err, schema_id, speaking_for
from lcs_tui.commands.runtime import (
    MIN_LCS_INTERVAL,
    RUNTIME,
    add_common_options,
    positive_seconds,
    report_failure,
    sign_in,
    wait_reporter,
)

if TYPE_CHECKING:
    from lcs_tui.jobs import JobEvent, JobRunner
    from lcs_tui.workspace import Workspace


def register(subparsers: Any) -> None:
    run = subparsers.add_parser(
        "run",
        help="run due jobs in the foreground (for cron, systemd, Task Scheduler)",
        description="Run the jobs of jobs.toml as they come due, until interrupted; with "
        "--once, until no job is due or running. Signs in without a person, like the other "
        "commands. See docs/jobs.md for a systemd unit and a Task Scheduler line.",
    )
    run.add_argument("--once", action="store_true", help="stop once no job is due or running")
    _interval(run)
    add_common_options(run)
    run.set_defaults(func=_run_all)


def register_job_run(verbs: Any) -> None:
    run = verbs.add_parser(
        "run",
        help="run a job now, in the foreground",
        description="Start a run of NAME now and follow it until it ends. With --detach, "
        "only ask for it: the runner already going (the app, lcs-tui run) starts it.",
    )
    run.add_argument("name", metavar="NAME")
    run.add_argument("--detach", action="store_true", help="only ask for the run")
    _interval(run)
    add_common_options(run)
    run.set_defaults(func=_run_one)


def _interval(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--interval",
        type=positive_seconds,
        metavar="S",
        help=f"seconds between ticks (default 30; at least {MIN_LCS_INTERVAL:g} against LCS; "
        "2 with --demo)",
    )


# ------------------------------------------------------------ entry points


def _run_all(args: argparse.Namespace) -> int:
    from lcs_tui.jobs import JobStore

    try:
        jobs = JobStore().jobs()
    except Exception as exc:
        return _fail(args, "run", exc)
    wanted = _profile_filter(args)
    profiles = sorted({j.profile for j in jobs if wanted is None or j.profile in wanted})
    if not profiles:
        err("no jobs to run" + (f" for {', '.join(sorted(wanted))}" if wanted else ""))
        if args.json:
            emit_json({"schema": schema_id("run"), "exit_code": 0, "error": None, "jobs": []})
        return exit_codes.OK
    return _host(args, "run", profiles, only=None, follow=None)


def _run_one(args: argparse.Namespace) -> int:
    from lcs_tui.jobs import JobError, JobStateStore, JobStore, control

    try:
        job = JobStore().get(args.name)
        if getattr(args, "read_only", False) and job.changes_lcs:
            raise JobError("--read-only: will not run a job that refreshes or exports")
        control.request_run(JobStateStore(), job.name)
    except Exception as exc:
        return _fail(args, "job run", exc)
    if args.detach:
        err(f"job {job.name}: run requested; the app or lcs-tui run starts it at its next tick")
        return exit_codes.OK
    return _host(args, "job run", [job.profile], only={job.name}, follow=job.name)


def _fail(args: argparse.Namespace, command: str, exc: Exception) -> int:
    from lcs_tui.jobs import JobError

    if isinstance(exc, JobError):
        failure = Failure(exit_codes.USAGE, exc.message, exc.hint)
    else:
        found = failure_from(exc)
        failure = found or Failure(exit_codes.CONFIG, str(exc))
    report_failure(args, command, failure)
    return failure.code


def _profile_filter(args: argparse.Namespace) -> set[str] | None:
    if getattr(args, "demo", False):
        return {"demo"}
    given = getattr(args, "profile", None)
    if getattr(args, "all_profiles", False) or not given:
        return None
    return {p for p in given.split(",") if p}


# ------------------------------------------------------------ hosting


def _host(
    args: argparse.Namespace,
    command: str,
    profiles: list[str],
    *,
    only: set[str] | None,
    follow: str | None,
) -> int:
    try:
        return asyncio.run(_serve(args, command, profiles, only, follow))
    except KeyboardInterrupt:
        err("\ninterrupted; jobs continue at the next start of a runner (the app or lcs-tui run)")
        return exit_codes.INTERRUPTED


async def _open(args: argparse.Namespace, profiles: list[str]) -> dict[str, Workspace]:
    opened: dict[str, Workspace] = {}
    for name in profiles:
        ns = argparse.Namespace(**{**vars(args), "profile": name})
        with speaking_for(name):
            try:
                workspace = RUNTIME.open_workspace(ns)
                workspace.add_observer(wait_reporter(workspace.backend))
                await asyncio.to_thread(sign_in, workspace)
            except Exception as exc:
                failure = failure_from(exc) or Failure(exit_codes.UNAVAILABLE, str(exc))
                failure.print()
                err("its jobs are not run by this runner")
                continue
        opened[name] = workspace
    return opened


async def _serve(
    args: argparse.Namespace,
    command: str,
    profiles: list[str],
    only: set[str] | None,
    follow: str | None,
) -> int:
    from lcs_tui.jobs import JobRunner, JobStateStore, JobStore
    from lcs_tui.jobs.notify import NotificationCenter

    workspaces = await _open(args, profiles)
    if not workspaces:
        report_failure(args, command, Failure(exit_codes.SIGN_IN, "no profile could be opened"))
        return exit_codes.SIGN_IN
    store, states = JobStore(), JobStateStore()
    runner = JobRunner(
        workspaces,
        store=store,
        states=states,
        notifier=NotificationCenter.from_store(store),
        polls_operations=True,
        read_only=bool(getattr(args, "read_only", False)),
        only=only,
        monotonic=RUNTIME.monotonic,
    )
    runner.subscribe(_printer())
    stop = asyncio.Event()
    with contextlib.suppress(NotImplementedError, RuntimeError, AttributeError):
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    interval = _tick_interval(args, list(workspaces.values()))
    code = exit_codes.OK
    try:
        while not stop.is_set():
            result = await runner.tick()
            if follow is not None:
                done = _followed_end(states.read(follow))
                if done is not None:
                    code = done
                    break
            elif args.once and result.active == 0:
                break
            await _pause(interval, stop)
    finally:
        await runner.aclose()
        await runner.notifier.aclose()
        for workspace in workspaces.values():
            await workspace.aclose()
            for warning in workspace.session.warnings:
                err(f"warning: {warning}")
            workspace.session.close()
    _final(args, command, code, runner, follow)
    return code


def _tick_interval(args: argparse.Namespace, workspaces: list[Workspace]) -> float:
    from lcs_tui.config import CUSTOM

    given = getattr(args, "interval", None)
    default = min(w.poll_interval for w in workspaces)
    if given is None:
        return default
    real = any(not w.demo and w.profile.geography != CUSTOM for w in workspaces)
    return max(float(given), MIN_LCS_INTERVAL) if real else float(given)


async def _pause(seconds: float, stop: asyncio.Event) -> None:
    sleeper = asyncio.ensure_future(RUNTIME.sleep(seconds))
    waiter = asyncio.ensure_future(stop.wait())
    try:
        await asyncio.wait({sleeper, waiter}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in (sleeper, waiter):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


def _followed_end(state: Any) -> int | None:
    from lcs_tui.jobs.state import COMPLETED, NEEDS_YOU

    if state.run_requested:
        return None
    run = state.run
    if run is None:
        return None
    if run.status == COMPLETED:
        return exit_codes.OK
    if run.status == NEEDS_YOU:
        err("the job waits for you (see above); its run stays, and goes on in the next runner")
        return exit_codes.REFUSED
    return None if run.active else exit_codes.OPERATION_FAILED


def _printer() -> Any:
    from lcs_tui.jobs import JobChanged

    said: dict[str, str] = {}

    def listen(event: JobEvent) -> None:
        stamp = f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M:%S}Z"
        if isinstance(event, JobChanged):
            line = event.view.summary
            if said.get(event.job) != line:
                said[event.job] = line
                err(f"{stamp}  job {event.job}: {line}")
        else:
            err(f"{stamp}  warning: {event.text}")

    return listen


def _final(
    args: argparse.Namespace, command: str, code: int, runner: JobRunner, follow: str | None
) -> None:
    from lcs_tui.commands.job_output import emit_job, job_json

    if not args.json:
        return
    views = {v.name: v for v in runner.views()}
    jobs = {j.name: j for j in runner.store.jobs()}
    if follow is not None and follow in jobs and follow in views:
        emit_job(command, code, None, jobs[follow], views[follow])
        return
    emit_json(
        {
            "schema": schema_id("run"),
            "exit_code": code,
            "error": None,
            "jobs": [job_json(jobs[n], views[n]) for n in sorted(views) if n in jobs],
        }
    )
