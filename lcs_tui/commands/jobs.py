"""`lcs-tui job add|list|show|run|cancel|pause|resume|remove` and `job notify …`.

`job add` checks the job against the project (signing in like every other
command), shows exactly what it will do, and — like `refresh` — asks for
the typed name of every sandbox it refreshes; a script passes
`--confirm-target NAME` for each (and `--yes` for the yes/no of an export).
On a Power Platform profile the job copies and restores unified
environments (`--copy`, `--restore`; job_steps.py), checked by the same
rules as `lcs-tui copy` and `restore`, each target typed the same way.
The others read and write only local files (jobs.toml, the job's state):
whichever runner drives the job, in this process or another, obeys at its
next tick. `job run` runs a job now, in the foreground (runner.py).
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from lcs_tui.commands import exit_codes
from lcs_tui.commands.failures import CommandFailure, Failure
from lcs_tui.commands.job_output import emit_job, emit_jobs, print_job, print_jobs
from lcs_tui.commands.output import err, prompt
from lcs_tui.commands.runtime import (
    Context,
    add_common_options,
    confirm_yes_no,
    refuse_early,
    report_failure,
    run_command,
)

if TYPE_CHECKING:
    from lcs_tui.jobs import Job, JobView


class _StepAction(argparse.Action):
    """Keeps the step options (job_steps.py) in command-line order."""

    def __call__(self, parser: Any, namespace: Any, values: Any, option: Any = None) -> None:
        steps = list(getattr(namespace, "steps", None) or [])
        steps.append((self.dest, values))
        namespace.steps = steps


def register(subparsers: Any) -> None:
    job = subparsers.add_parser(
        "job",
        help="routines that run while nobody watches: add, list, show, run, cancel, ...",
        description="Jobs: refresh, export and download steps on a schedule (docs/jobs.md). "
        "They run in the app or in `lcs-tui run`.",
    )
    verbs = job.add_subparsers(dest="job_command", metavar="ACTION")
    verbs.required = True
    add = verbs.add_parser(
        "add",
        help="create a job (steps in the order given)",
        description="Create a job. Steps run in the order given; schedule with --at, "
        "--cron or --asap (the default). A job that refreshes, copies or restores asks you to "
        "type the target's name now, not at 3 a.m.; in a script pass --confirm-target NAME. "
        "LCS profiles refresh, export and download; Power Platform profiles copy and restore.",
    )
    add.add_argument("name", metavar="NAME", help="the job's name (letters, digits, - and _)")
    from lcs_tui.commands.job_steps import STEP_OPTIONS

    for option, metavar, text in STEP_OPTIONS:
        add.add_argument(option, metavar=metavar, action=_StepAction, help=text)
    add.add_argument(
        "--keep-audit-data",
        action="store_true",
        help="copy or restore the audit data too (left out by default, as in the admin center)",
    )
    when = add.add_mutually_exclusive_group()
    when.add_argument("--at", metavar="TIME", help="run once at TIME ('2026-11-22 22:00')")
    when.add_argument("--cron", metavar="EXPR", help="run on a cron schedule ('0 22 * * SUN')")
    when.add_argument("--asap", action="store_true", help="run as soon as possible (default)")
    add.add_argument("--zone", default="UTC", help="zone of --at/--cron: UTC, local, or IANA")
    add.add_argument("--notify", metavar="TARGETS", help="desktop,terminal,WEBHOOK,...")
    add.add_argument("--notify-on", metavar="EVENTS", help="finish,failure,waiting (default: all)")
    add.add_argument("--description", default="", help="a note for people")
    add.add_argument(
        "--confirm-target",
        metavar="NAME",
        action="append",
        default=[],
        help="the name of an environment the job overwrites (refresh, copy, restore), "
        "typed for a script",
    )
    add.add_argument("--yes", "-y", action="store_true", help="no yes/no question (scripts)")
    add.add_argument("--replace", action="store_true", help="replace a job of the same name")
    add_common_options(add)
    add.set_defaults(func=_add, steps=[])

    listing = verbs.add_parser(
        "list",
        help="list the jobs: status, step, next run",
        description="List the jobs of jobs.toml: status, current step, next run, and what "
        "each waits for.",
    )
    add_common_options(listing)
    listing.set_defaults(func=_local("job list", _list))
    for verb, text in (
        ("show", "show a job: its steps, what it waits for, ETA"),
        ("pause", "start no further step or run of a job (a running LCS operation goes on)"),
        ("resume", "undo pause"),
        ("cancel", "end a job's current run (its running LCS operation goes on)"),
        ("remove", "delete a job (its current run ends)"),
    ):
        parser = verbs.add_parser(verb, help=text, description=text[0].upper() + text[1:] + ".")
        parser.add_argument("name", metavar="NAME")
        if verb in ("cancel", "remove"):
            parser.add_argument("--yes", "-y", action="store_true", help="do not ask")
        add_common_options(parser)
        parser.set_defaults(func=_local(f"job {verb}", _VERBS[verb]))
    from lcs_tui.commands.job_notify import register_notify
    from lcs_tui.commands.job_run import register_job_run

    register_job_run(verbs)
    register_notify(verbs)


# ------------------------------------------------------------ add


def _add(args: argparse.Namespace) -> int:
    from lcs_tui.config import ConfigError
    from lcs_tui.jobs import JobError

    try:
        job = _job_from_args(args)
    except JobError as exc:
        return refuse_early(args, "job add", Failure(exit_codes.USAGE, exc.message, exc.hint))
    except ConfigError as exc:
        return refuse_early(args, "job add", Failure(exit_codes.CONFIG, str(exc), exc.hint))
    if getattr(args, "read_only", False) and job.changes_lcs:
        return refuse_early(
            args,
            "job add",
            Failure(
                exit_codes.USAGE, "--read-only: will not create a job that refreshes or exports"
            ),
        )

    async def body(ctx: Context) -> int:
        return await _create(ctx, job)

    # Either kind of profile; the plan says when the steps do not fit it.
    return run_command(args, "job add", body, backend=None)


def _job_from_args(args: argparse.Namespace) -> Job:
    from lcs_tui.commands.job_steps import steps_from_args
    from lcs_tui.jobs import Job, JobError, Schedule
    from lcs_tui.jobs.schedule import ScheduleError, check_zone, parse_moment

    try:
        zone = check_zone(args.zone)
        steps = steps_from_args(args, zone)
        if args.at:
            schedule = Schedule.once(parse_moment(args.at), zone)
        elif args.cron:
            schedule = Schedule.every(args.cron, zone)
        else:
            schedule = Schedule.asap()
    except ScheduleError as exc:
        raise JobError(str(exc)) from None
    profile = getattr(args, "profile", None)
    if getattr(args, "demo", False):
        profile = "demo"
    if profile is None:
        from lcs_tui.config import load_config

        profile = load_config().get(None).name  # ConfigError: no (default) profile
    notify = tuple(n for n in (args.notify or "").split(",") if n)
    on = tuple(e for e in (args.notify_on or "").split(",") if e)
    job = Job(args.name, profile, tuple(steps), schedule, notify, description=args.description)
    if on:
        from dataclasses import replace

        job = replace(job, notify_on=on)
    try:
        job.check_shape()
    except ScheduleError as exc:
        raise JobError(str(exc)) from None
    return job


async def _create(ctx: Context, job: Job) -> int:
    from lcs_tui.jobs import JobError, JobStateStore, JobStore, add_job, job_view, plan_job

    service: Any
    if ctx.backend == "powerplatform":
        from lcs_tui.jobs.pp_creation import load_for_plan

        service = ctx.ppac
        await load_for_plan(job, service)
    else:
        service = ctx.service
        await service.load_environments()
        await service.load_backups()
    try:
        plan = plan_job(job, service, now=ctx.now())
    except JobError as exc:
        raise CommandFailure(
            Failure(exit_codes.REFUSED, exc.message, exc.hint, problems=exc.problems)
        ) from None
    for line in plan.lines:
        err(line)
    for note in plan.notes:
        err(f"note: {note}")
    typed = set(ctx.args.confirm_target)
    interactive = sys.stdin.isatty()
    for name in plan.must_type:
        if name in typed:
            continue
        if not interactive:
            raise CommandFailure(
                Failure(
                    exit_codes.USAGE,
                    f"refusing to create a job that overwrites {name} without its name typed: "
                    "standard input is not a terminal",
                    f"add --confirm-target {name} (the environment the job will overwrite)",
                )
            )
        prompt(f"Type {name} to confirm that this job may overwrite it: ")
        if sys.stdin.readline().strip() != name:
            raise CommandFailure(
                Failure(exit_codes.USAGE, "not confirmed (the name did not match); no job created")
            )
        typed.add(name)
    if plan.asks and not ctx.args.yes:
        if not interactive:
            raise CommandFailure(
                Failure(
                    exit_codes.USAGE,
                    "refusing to create a job that exports without confirmation: standard "
                    "input is not a terminal",
                    "add --yes to confirm from a script",
                )
            )
        confirm_yes_no(f"Create job {job.name}?", [])
    store = JobStore()
    try:
        saved = add_job(store, plan, typed=typed, replace_existing=ctx.args.replace)
    except JobError as exc:
        raise CommandFailure(Failure(exit_codes.USAGE, exc.message, exc.hint)) from None
    err(f"job {saved.name} created in {store.path}")
    view = job_view(saved, JobStateStore().read(saved.name), now=ctx.now(), service=service)
    _report(ctx.args, "job add", saved, view)
    return exit_codes.OK


def _report(args: argparse.Namespace, command: str, job: Job, view: JobView) -> None:
    if args.json:
        emit_job(command, exit_codes.OK, None, job, view)
    else:
        print_job(job, view)


# ------------------------------------------------------------ local verbs


def _local(command: str, body: Any) -> Any:
    """A verb that needs no sign-in: jobs.toml and the state files only."""

    def func(args: argparse.Namespace) -> int:
        from lcs_tui.config import ConfigError
        from lcs_tui.jobs import JobError

        try:
            return int(body(args, command))
        except CommandFailure as exc:
            report_failure(args, command, exc.failure)
            return exc.failure.code
        except JobError as exc:
            failure = Failure(exit_codes.USAGE, exc.message, exc.hint)
        except ConfigError as exc:
            failure = Failure(exit_codes.CONFIG, str(exc), exc.hint)
        report_failure(args, command, failure)
        return failure.code

    return func


def _now() -> Any:
    from lcs_tui.service.project import utc_now

    return utc_now()


def _list(args: argparse.Namespace, command: str) -> int:
    from lcs_tui.jobs import JobStateStore, JobStore, job_view

    states = JobStateStore()
    pairs = [(j, job_view(j, states.read(j.name), now=_now())) for j in JobStore().jobs()]
    if args.json:
        emit_jobs(exit_codes.OK, None, pairs)
    elif pairs:
        print_jobs([v for _, v in pairs])
    else:
        err("no jobs yet; create one with: lcs-tui job add NAME --refresh SOURCE:TARGET ...")
    return exit_codes.OK


def _show(args: argparse.Namespace, command: str) -> int:
    from lcs_tui.jobs import JobStateStore, JobStore, job_view

    job = JobStore().get(args.name)
    view = job_view(
        job, JobStateStore().read(job.name), now=_now(), service=_history_for(args, job)
    )
    _report(args, command, job, view)
    return exit_codes.OK


def _history_for(args: argparse.Namespace, job: Job) -> Any:
    """A service with the job's environments' history (for the ETA), or None.

    Best effort: without a sign-in `job show` still shows everything else.
    Either backend: LCS refreshes and exports, Power Platform copies and restores.
    """
    import asyncio

    from lcs_tui.commands.runtime import RUNTIME, sign_in
    from lcs_tui.jobs import Export, Refresh
    from lcs_tui.jobs.model import Copy, Restore
    from lcs_tui.jobs.steps import find_environment

    wanted = {
        s.environment if isinstance(s, Export) else s.target
        for s in job.steps
        if isinstance(s, (Refresh, Export, Copy, Restore))
    }
    if not wanted:
        return None
    try:
        ns = argparse.Namespace(**{**vars(args), "profile": job.profile})
        workspace = RUNTIME.open_workspace(ns)
    except Exception as exc:
        err(f"note: no ETA ({exc})")
        return None

    async def read() -> Any:
        try:
            await asyncio.to_thread(sign_in, workspace)
            pp = workspace.ppac
            if pp is not None:
                await pp.load_environments(include_all=True, details=False)
                for name in wanted:
                    found = pp.environment(name)
                    if found is not None:
                        await pp.load_history(found.id)
                return pp
            await workspace.service.load_environments()
            for name in wanted:
                env = find_environment(workspace.service, name)
                if env is not None:
                    await workspace.service.load_recent_history(env.id)
            return workspace.service
        finally:
            await workspace.aclose()

    try:
        return asyncio.run(read())
    except Exception as exc:
        err(f"note: no ETA: the service could not be read ({type(exc).__name__}: {exc})")
        return None
    finally:
        workspace.session.close()


def _change(verb: str) -> Any:
    def body(args: argparse.Namespace, command: str) -> int:
        from lcs_tui.jobs import JobStateStore, JobStore, control, job_view

        store, states = JobStore(), JobStateStore()
        job = store.get(args.name)
        if verb in ("cancel", "remove") and not args.yes:
            if not sys.stdin.isatty():
                raise CommandFailure(
                    Failure(
                        exit_codes.USAGE,
                        f"refusing to {verb} job {job.name} without "
                        "confirmation: standard input is not a terminal",
                        "add --yes",
                    )
                )
            confirm_yes_no(
                f"{verb.capitalize()} job {job.name}?",
                [
                    "  A refresh or export already running in LCS goes on (LCS cannot cancel it).",
                ],
            )
        if verb == "remove":
            state = states.read(job.name)
            if state.run is not None and state.run.active:
                control.cancel(states, job.name)
            store.remove(job.name)
            states.remove(job.name)
            err(f"job {job.name} removed")
        else:
            {"pause": control.pause, "resume": control.resume, "cancel": control.cancel}[verb](
                states, job.name
            )
            err(f"job {job.name}: {verb} {'requested' if verb == 'cancel' else 'done'}")
        view = job_view(job, states.read(job.name), now=_now())
        _report(args, command, job, view)
        return exit_codes.OK

    return body


_VERBS: dict[str, Any] = {
    "show": _show,
    "pause": _change("pause"),
    "resume": _change("resume"),
    "cancel": _change("cancel"),
    "remove": _change("remove"),
}
