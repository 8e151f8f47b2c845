"""The shared machinery of the scripting commands.

Common options, opening the workspace (a profile, or the demo), signing in
without a person (token cache, stored password, or LCS_TUI_PASSWORD), the
event loop, and the command boundary that turns every known failure into an
exit code and a message — no traceback for anything the app can explain.

Tests replace the hooks in `RUNTIME` to run the commands against their own
simulator and to make `--wait` instant (a sleep that advances the clock).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

from lcs_tui.commands import exit_codes
from lcs_tui.commands.failures import (
    CommandFailure,
    Failure,
    failure_from,
    unexpected_failure,
    usage,
)
from lcs_tui.commands.output import emit_json, err, prompt, schema_id
from lcs_tui.untrusted import inert

if TYPE_CHECKING:
    from lcs_tui.api import Environment, RequestEvent
    from lcs_tui.api.client import Observer
    from lcs_tui.ppac.service import PowerPlatformService
    from lcs_tui.service.project import ProjectService
    from lcs_tui.workspace import Workspace

PASSWORD_ENV = "LCS_TUI_PASSWORD"
CLIENT_SECRET_ENV = "LCS_TUI_CLIENT_SECRET"
#: The shortest --interval used against LCS's own hosts.
MIN_LCS_INTERVAL = 5.0
#: The demo's simulated seconds per real second (the TUI's default).
DEMO_TIME_SCALE = 120.0


def _open_workspace(args: argparse.Namespace) -> Workspace:
    from lcs_tui.workspace import open_demo, open_profile

    read_only = bool(getattr(args, "read_only", False))
    if getattr(args, "demo", False):
        return open_demo(read_only=read_only, time_scale=args.time_scale)
    from lcs_tui.config import load_config

    profile = load_config().get(getattr(args, "profile", None))
    return open_profile(profile, read_only=read_only)


@dataclass
class Runtime:
    """What the commands take from the outside world; tests swap these."""

    open_workspace: Callable[[argparse.Namespace], Workspace] = _open_workspace
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
    #: Measures --timeout; must move with `sleep`.
    monotonic: Callable[[], float] = time.monotonic


RUNTIME = Runtime()


@dataclass
class Context:
    """One run of one command."""

    command: str
    args: argparse.Namespace
    workspace: Workspace
    runtime: Runtime

    @property
    def service(self) -> ProjectService:
        return self.workspace.service

    @property
    def ppac(self) -> PowerPlatformService:
        """The Power Platform service (only for a Power Platform profile)."""
        service = self.workspace.ppac
        if service is None:
            raise CommandFailure(
                Failure(exit_codes.USAGE, f"{self.command}: not for an LCS profile")
            )
        return service

    @property
    def backend(self) -> str:
        return self.workspace.backend

    @property
    def json(self) -> bool:
        return bool(self.args.json)

    @property
    def profile_name(self) -> str:
        return self.workspace.profile.name

    def now(self) -> datetime:
        return self.workspace.now()

    @property
    def interval(self) -> float:
        """Seconds between status polls: --interval, else the workspace's default.

        Against Microsoft's own LCS hosts never below MIN_LCS_INTERVAL: an
        operation takes hours, and a pipeline must not hammer the service.
        """
        from lcs_tui.config import CUSTOM, CUSTOM_CLOUD

        given = getattr(self.args, "interval", None)
        if given is None:
            return self.workspace.poll_interval
        profile = self.workspace.profile
        if profile.is_powerplatform:
            custom = profile.cloud == CUSTOM_CLOUD
        else:
            custom = profile.geography == CUSTOM
        real_service = not self.workspace.demo and not custom
        return max(float(given), MIN_LCS_INTERVAL) if real_service else float(given)

    def failure(self, exc: BaseException) -> Failure | None:
        return failure_from(exc, self.workspace.profile)


Body = Callable[[Context], Awaitable[int]]


# --------------------------------------------------------------------- options


def positive_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError("must be more than 0 seconds")
    return value


def add_common_options(parser: argparse.ArgumentParser) -> None:
    """--profile, --json, --demo on every scripting command.

    SUPPRESS keeps a value given before the subcommand (`lcs-tui --profile X
    envs`): argparse would otherwise reset it to the subparser's default.
    """
    parser.add_argument(
        "--profile", metavar="NAME", default=argparse.SUPPRESS, help="profile to use"
    )
    parser.add_argument(
        "--json",
        action="store_true",
        help="print one JSON document on stdout (see docs/scripting.md)",
    )
    parser.add_argument(
        "--demo",
        action="store_true",
        default=argparse.SUPPRESS,
        help="run against the built-in simulated demo project",
    )
    # For trying --wait on the demo without waiting an hour: simulated seconds
    # per real second. Not for real LCS, hence hidden.
    parser.add_argument(
        "--time-scale",
        type=positive_seconds,
        default=DEMO_TIME_SCALE,
        help=argparse.SUPPRESS,
    )


def add_start_options(parser: argparse.ArgumentParser, *, can_wait: bool) -> None:
    parser.add_argument(
        "--yes",
        "-y",
        action="store_true",
        help="do not ask for confirmation (needed when not run in a terminal)",
    )
    if can_wait:
        add_wait_options(parser, optional_wait=True)


def add_wait_options(parser: argparse.ArgumentParser, *, optional_wait: bool) -> None:
    if optional_wait:
        parser.add_argument(
            "--wait", action="store_true", help="wait until LCS reports a final status"
        )
    parser.add_argument(
        "--timeout",
        type=positive_seconds,
        metavar="S",
        help="with --wait: give up waiting after S seconds (exit 7; the operation continues)",
    )
    parser.add_argument(
        "--interval",
        type=positive_seconds,
        metavar="S",
        help="with --wait: seconds between status checks (default 30, at least "
        f"{MIN_LCS_INTERVAL:g} against LCS; 2 with --demo)",
    )
    from lcs_tui.commands.notify_option import add_notify_option

    add_notify_option(parser)


# --------------------------------------------------------------------- running


def run_command(
    args: argparse.Namespace, command: str, body: Body, *, backend: str | None = "lcs"
) -> int:
    """Open the workspace, sign in, run `body`; every known failure becomes an exit code.

    `backend`: the kind of profile the command is for ("lcs", "powerplatform",
    or None for both); another kind ends it before any sign-in, saying why.
    """
    from lcs_tui.commands.backends import wrong_backend

    runtime = RUNTIME
    profile = None
    try:
        workspace = runtime.open_workspace(args)
        profile = workspace.profile
        mismatch = wrong_backend(command, workspace.backend, backend, profile.name)
        if mismatch is not None:
            workspace.session.close()
            report_failure(args, command, mismatch)
            return mismatch.code
        workspace.add_observer(wait_reporter(workspace.backend))
        notice = workspace.journal_notice
        if notice:
            err(f"warning: {notice}")
        try:
            return asyncio.run(_run(Context(command, args, workspace, runtime), body))
        finally:
            problem = workspace.journal_problem
            if problem and problem != notice:
                # Written after the POST failed: the operation runs; only the
                # local record of it is incomplete.
                err(f"warning: the operation journal: {problem}")
            for warning in workspace.session.warnings:
                err(f"warning: {warning}")
            workspace.session.close()
    except KeyboardInterrupt:
        err("\ninterrupted; anything already started continues in LCS")
        return exit_codes.INTERRUPTED
    except Exception as exc:
        # Never a traceback: what no layer explained is still an exit code
        # and words (and, for a command that starts something, "unknown").
        failure = failure_from(exc, profile) or unexpected_failure(exc, command)
        report_failure(args, command, failure)
        return failure.code


def refuse_early(args: argparse.Namespace, command: str, failure: Failure) -> int:
    """End a command before it opened anything (usage problems)."""
    report_failure(args, command, failure)
    return failure.code


async def _run(ctx: Context, body: Body) -> int:
    try:
        # MSAL and the keyring block; keep them off the event loop.
        await asyncio.to_thread(sign_in, ctx.workspace)
        return await body(ctx)
    finally:
        await ctx.workspace.aclose()


def report_wait(event: RequestEvent) -> None:
    """The client's observer in a command: one line on stderr per wait, and
    the warnings a user must see (a list LCS kept paging).

    Without it a command sits silent for a minute while LCS throttles it.
    """
    _report_wait(event, "LCS")


def wait_reporter(backend: str) -> Observer:
    """`report_wait` for a workspace of `backend` (it names the service that throttles)."""
    if backend == "powerplatform":
        return lambda event: _report_wait(event, "Power Platform")
    return report_wait


def _report_wait(event: RequestEvent, service: str) -> None:
    if event.kind == "wait":
        seconds = max(0.0, min(event.waited, 86400.0))
        until = datetime.now(timezone.utc) + timedelta(seconds=seconds)
        why = (
            f"throttled by {service}"
            if event.status == 429
            else f"pacing to stay under {service}'s rate limits"
        )
        err(
            f"waiting until {until:%H:%M:%S} UTC ({seconds:.0f} s): {why} "
            f"({event.method} {inert(event.path, limit=200)})"
        )
    elif event.warning and event.note:
        err(f"warning: {inert(event.note, limit=400)}")


def report_failure(args: argparse.Namespace, command: str, failure: Failure) -> None:
    failure.print()
    if getattr(args, "json", False):
        emit_json(
            {
                "schema": schema_id("error"),
                "command": command,
                "exit_code": failure.code,
                "error": failure.to_json(),
            }
        )


def sign_in(workspace: Workspace) -> None:
    """Make sure a token can be had, without asking anybody.

    In order: the token cache (renewed silently), the stored password, then
    LCS_TUI_PASSWORD (and LCS_TUI_CLIENT_SECRET) from the environment —
    that is how a pipeline signs in with a session-only secret store.
    """
    from lcs_tui.auth import SignInRequired

    session = workspace.session
    if workspace.demo and workspace.demo_password:
        if session.account is None:
            session.sign_in_with_password(workspace.demo_password, remember=False)
        return
    try:
        session.acquire_token()
        return
    except SignInRequired:
        if workspace.profile.uses_service_principal:
            # A pipeline's service principal: the secret from its secret variables,
            # for this run only (never copied into the keyring).
            secret = os.environ.get(CLIENT_SECRET_ENV)
            if not secret:
                raise
            session.sign_in_with_client_secret(secret, remember=False)
            return
        password = os.environ.get(PASSWORD_ENV)
        if not password or not workspace.profile.uses_password:
            raise
    secret = os.environ.get(CLIENT_SECRET_ENV) if workspace.profile.needs_client_secret else None
    # remember=False: a pipeline's password stays in the pipeline's secret
    # variables; it is not copied into the machine's keyring.
    session.sign_in_with_password(password, secret, remember=False)


# ------------------------------------------------------------ environments


def find_environment(service: ProjectService, wanted: str) -> Environment:
    """ENV on the command line: an id (with or without dashes) or a name (any case)."""
    env = lookup_environment(service, wanted)
    if env is None:
        from lcs_tui.commands.suggest import unknown_environment

        raise unknown_environment(wanted, list(service.environments.values()), service.project_id)
    return env


def lookup_environment(service: ProjectService, wanted: str) -> Environment | None:
    """`find_environment`, but None when the project has no such environment.

    Still a usage error when the name fits several: which one was meant
    only the user can say.
    """
    envs = list(service.environments.values())
    exact = [e for e in envs if e.id == wanted or e.name == wanted]
    if len(exact) == 1:
        return exact[0]
    by_name = [e for e in envs if e.name.lower() == wanted.lower()]
    if len(by_name) > 1:
        raise usage(
            f"{wanted!r} matches several environments: "
            + ", ".join(f"{e.name} ({e.id})" for e in by_name),
            "give the environment's id or its exact name",
        )
    if by_name:
        return by_name[0]
    undashed = wanted.replace("-", "").lower()
    by_id = [e for e in envs if e.id.replace("-", "").lower() == undashed]
    return by_id[0] if by_id else None


def environment_json(env: Environment | None) -> dict[str, Any] | None:
    return None if env is None else {"id": env.id, "name": env.name}


# ------------------------------------------------------------ confirmation


def check_may_change(args: argparse.Namespace, what: str) -> Failure | None:
    """Before anything is opened: can this run change something in LCS at all?"""
    if getattr(args, "read_only", False):
        return Failure(exit_codes.USAGE, f"--read-only: will not {what}")
    if args.yes or sys.stdin.isatty():
        return None
    return Failure(
        exit_codes.USAGE,
        f"refusing to {what} without confirmation: standard input is not a terminal",
        "add --yes to confirm from a script or pipeline",
    )


def confirm_by_typing(name: str, consequences: list[str]) -> None:
    """The refresh rule of the app: type the name of what gets overwritten."""
    for line in consequences:
        err(line)
    answer = _ask(f"Type {name} to confirm: ")
    if answer != name:
        raise CommandFailure(
            Failure(exit_codes.USAGE, "not confirmed (the name did not match); nothing was started")
        )


def confirm_yes_no(question: str, consequences: list[str]) -> None:
    for line in consequences:
        err(line)
    answer = _ask(f"{question} [y/N] ").lower()
    if answer not in ("y", "yes"):
        raise CommandFailure(Failure(exit_codes.USAGE, "not confirmed; nothing was started"))


def _ask(question: str) -> str:
    prompt(question)  # it names environments: server text
    return sys.stdin.readline().strip()
