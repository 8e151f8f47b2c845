"""Reading several profiles at once: `--profile a,b` and `--all-profiles`.

`envs`, `history` and `status` accept several profiles. Each is opened,
signed in and read in a task of its own, all at once: its own session,
client, pacing and journal, exactly as when it is read alone. A profile
whose sign-in fails, whose LCS throttles it or is down is reported (on
stderr, each line prefixed with its name, and in the JSON document) and
never holds up or fails the others; the exit code is the worst (highest) of
all. LCS's rate limits are per project and per user, so reading profiles
side by side sends nothing more than reading them one after the other.

Each command gives a `read` (one profile's `Context` → its result, printing
nothing on stdout) and a `report` (all the results → the output and the
exit code). One name, or none, is the classic one-profile form and runs as
it always has (`run_command`).
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from lcs_tui.commands import exit_codes
from lcs_tui.commands.failures import Failure, failure_from, unexpected_failure
from lcs_tui.commands.output import err, speaking_for
from lcs_tui.commands.runtime import (
    RUNTIME,
    Body,
    Context,
    refuse_early,
    report_failure,
    run_command,
    sign_in,
    wait_reporter,
)

if TYPE_CHECKING:
    from lcs_tui.config import Profile
    from lcs_tui.workspace import Workspace

T = TypeVar("T")


@dataclass
class ProfileRun(Generic[T]):
    """What reading one of several profiles gave: a result, or the failure that ended it."""

    name: str
    #: The LCS project; None for a Power Platform profile (it has none).
    project_id: int | None
    result: T | None = None
    failure: Failure | None = None
    #: "lcs" or "powerplatform".
    backend: str = "lcs"

    @property
    def code(self) -> int:
        return self.failure.code if self.failure is not None else exit_codes.OK

    def to_json(self) -> dict[str, Any]:
        """The profile's entry in the document's `profiles` list."""
        return {
            "profile": self.name,
            "project_id": self.project_id,
            "backend": self.backend,
            "exit_code": self.code,
            "error": self.failure.to_json() if self.failure is not None else None,
        }


Read = Callable[[Context], Awaitable[T]]
Report = Callable[[argparse.Namespace, list[ProfileRun[T]]], int]


def add_profiles_option(parser: argparse.ArgumentParser) -> None:
    """--all-profiles; --profile (from add_common_options) also takes a list."""
    parser.add_argument(
        "--all-profiles",
        action="store_true",
        default=argparse.SUPPRESS,
        help="read every profile at once (also: --profile NAME,NAME,...)",
    )


def worst(codes: list[int]) -> int:
    """The exit code of a run over several profiles: the highest of them (0 when all are)."""
    return max(codes, default=exit_codes.OK)


def run_for_profiles(
    args: argparse.Namespace, command: str, *, single: Body, read: Read[T], report: Report[T]
) -> int:
    """The one-profile form as always, or every profile asked for, concurrently."""
    from lcs_tui.config import ConfigError, load_config
    from lcs_tui.config.selection import SelectionError, asks_for_several, select_profiles

    given = getattr(args, "profile", None)
    every = bool(getattr(args, "all_profiles", False))
    if not asks_for_several(given, every=every):
        # These commands read either kind of profile; `single` branches on it.
        return run_command(args, command, single, backend=None)
    if getattr(args, "demo", False):
        return refuse_early(
            args,
            command,
            Failure(
                exit_codes.USAGE,
                "--demo is one simulated project; --profile NAME,NAME and --all-profiles "
                "read configured profiles",
                "serve both demo projects with `lcs-tui simulator` and add the profiles it "
                "prints, or leave out --demo",
            ),
        )
    try:
        config = load_config()
        names = select_profiles(config, given, every=every)
    except SelectionError as exc:
        return refuse_early(args, command, Failure(exit_codes.USAGE, exc.message, exc.hint))
    except ConfigError as exc:
        failure = failure_from(exc)
        assert failure is not None
        return refuse_early(args, command, failure)
    assert names is not None
    projects = {name: _identity(config.get(name)) for name in names}
    try:
        runs = asyncio.run(_read_all(args, command, projects, read))
        return report(args, runs)
    except KeyboardInterrupt:
        err("\ninterrupted; anything already started continues in LCS")
        return exit_codes.INTERRUPTED
    except Exception as exc:  # a report that failed: still words, never a traceback
        failure = unexpected_failure(exc, command)
        report_failure(args, command, failure)
        return failure.code


def _identity(profile: Profile) -> tuple[int | None, str]:
    """A profile's project (None for Power Platform) and backend, for its entry."""
    return (None if profile.is_powerplatform else profile.project_id), profile.backend


async def _read_all(
    args: argparse.Namespace,
    command: str,
    projects: dict[str, tuple[int | None, str]],
    read: Read[T],
) -> list[ProfileRun[T]]:
    tasks = [_read_one(args, command, name, *identity, read) for name, identity in projects.items()]
    return list(await asyncio.gather(*tasks))


async def _read_one(
    args: argparse.Namespace,
    command: str,
    name: str,
    project_id: int | None,
    backend: str,
    read: Read[T],
) -> ProfileRun[T]:
    """One profile from opening to closing; every failure stays in its ProfileRun."""
    run: ProfileRun[T] = ProfileRun(name, project_id, backend=backend)
    own = argparse.Namespace(**{**vars(args), "profile": name})
    runtime = RUNTIME
    with speaking_for(name):
        workspace: Workspace | None = None
        notice: str | None = None
        try:
            # Opening reads the journal (a file lock) and the secret store:
            # blocking, so in a thread, like the sign-in.
            workspace = await asyncio.to_thread(runtime.open_workspace, own)
            workspace.add_observer(wait_reporter(workspace.backend))
            notice = workspace.journal_notice
            if notice:
                err(f"warning: {notice}")
            await asyncio.to_thread(sign_in, workspace)
            run.result = await read(Context(command, own, workspace, runtime))
        except Exception as exc:
            profile = workspace.profile if workspace is not None else None
            run.failure = failure_from(exc, profile) or unexpected_failure(exc, command)
            run.failure.print()
        finally:
            if workspace is not None:
                await _close(workspace, notice)
    return run


async def _close(workspace: Workspace, notice: str | None) -> None:
    problem = workspace.journal_problem
    if problem and problem != notice:
        err(f"warning: the operation journal: {problem}")
    for warning in workspace.session.warnings:
        err(f"warning: {warning}")
    try:
        await workspace.aclose()
    finally:
        await asyncio.to_thread(workspace.session.close)


def report_failed_profiles(runs: list[ProfileRun[Any]]) -> None:
    """One closing line on stderr naming the profiles that could not be read."""
    failed = [run for run in runs if run.failure is not None]
    if not failed:
        return
    listed = ", ".join(
        f"{run.name} ({run.failure.kind}, exit {run.code})"
        for run in failed
        if run.failure is not None
    )
    err(f"error: {len(failed)} of {len(runs)} profiles could not be read: {listed}")
