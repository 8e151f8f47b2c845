"""Which workspaces the app opens at start, and with what (no Textual here).

- `--demo`: the two simulated demo projects (Contoso and Fabrikam) and the
  tenant's unified environments (Power Platform), on one simulator, so the
  switcher and the overview have something to show.
- `--profile a,b` / `--all-profiles`: those profiles.
- `--profile a`: that one.
- nothing: the workspaces open when the app last closed (session.json),
  else the default profile.

Every profile of the file is offered in the project switcher; those not
opened at start open when chosen there. All workspaces of a process share
one rate limiter: LCS's limits are per project and per user, and its keys
name both.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from lcs_tui.config import Config
    from lcs_tui.jobs import JobStateStore, JobStore
    from lcs_tui.workspace import Workspace

#: The jobs file and the jobs' state directory the app runs jobs from.
Jobs = tuple["JobStore", "JobStateStore"]


@dataclass
class StartUp:
    """What the app is started with."""

    workspaces: list[Workspace]
    #: Every profile the switcher offers (open or not), in the file's order.
    profiles: list[str]
    #: Opens a profile not open yet (None: nothing more to open, the demo).
    open_profile: Callable[[str], Workspace] | None = None
    #: The user's `[keys]` (action → keys), and what was wrong with them.
    keys: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    key_problems: list[str] = field(default_factory=list)
    #: The workspace to show first, and the theme, from the last session.
    shown: str | None = None
    theme: str | None = None
    #: Whether to remember the open workspaces when the app closes (not for the demo).
    remember: bool = True
    #: Something to tell the user at start (a session file that could not be read).
    notice: str | None = None
    #: Where the app's jobs are defined and journaled (None: no jobs run).
    jobs: Jobs | None = None


def demo_start(*, read_only: bool) -> StartUp:
    from lcs_tui.simulator import Simulator
    from lcs_tui.simulator.demo import DEMO_PROJECTS
    from lcs_tui.workspace import open_demo, open_demo_tenant

    # One simulator for both projects: one tenant, one clock (at 120x, as
    # the single demo), tokens that last an hour of real time.
    time_scale = 120.0
    from datetime import timedelta

    # No random failures: with the demo's fixed seed one in ten operations
    # failed, and it was always the golden copy's export — a new user's first
    # job ended "failed" every time. Failed operations are in the seeded
    # history; the watch of a failing one is in the tests.
    sim = Simulator.demo(
        time_scale=time_scale,
        token_lifetime=timedelta(hours=time_scale),
        fabrikam=True,
        powerplatform=True,
        failure_rate=0.0,
    )
    workspaces = [
        open_demo(read_only=read_only, simulator=sim, project=project) for project in DEMO_PROJECTS
    ]
    workspaces.append(open_demo_tenant(sim, read_only=read_only, name=DEMO_TENANT))
    return StartUp(
        workspaces,
        [ws.profile.name for ws in workspaces],
        remember=False,
        jobs=demo_jobs(),
    )


#: The demo's Power Platform workspace: the same tenant's unified environments.
DEMO_TENANT = "unified"


def demo_jobs() -> Jobs:
    """The demo's jobs, in a folder of their own that the next demo replaces.

    On Contoso: a golden copy of CONTOSO-TEST, as soon as possible, so a new
    user sees a job go through its refresh, export and download within a few
    minutes (at the demo's pace), the file landing in the same temporary
    folder; and a weekly refresh of CONTOSO-TRAIN on Sunday nights, to show
    a schedule and its next run. On the unified tenant: a copy of unified
    production into the UDE every Monday at 06:00.
    """
    import tempfile
    from pathlib import Path

    from lcs_tui.jobs import PREVIOUS, Download, Export, Job, JobStateStore, JobStore, Refresh
    from lcs_tui.jobs.model import Copy
    from lcs_tui.jobs.schedule import Schedule
    from lcs_tui.simulator.demo import (
        CONTOSO,
        PP_UDE_ENVIRONMENT_NAME,
        PP_UPE_ENVIRONMENT_NAME,
        PROD_ENVIRONMENT_NAME,
        TEST_ENVIRONMENT_NAME,
        TRAIN_ENVIRONMENT_NAME,
    )

    folder = Path(tempfile.mkdtemp(prefix="lcs-tui-demo-jobs-"))
    (folder / "backups").mkdir()  # a download step needs its folder to exist
    store = JobStore(folder / "jobs.toml")
    store.add(
        Job(
            "golden-copy",
            CONTOSO.profile,
            (
                Refresh(PROD_ENVIRONMENT_NAME, TEST_ENVIRONMENT_NAME, TEST_ENVIRONMENT_NAME),
                Export(TEST_ENVIRONMENT_NAME, "test-golden-{date}"),
                Download(PREVIOUS, str(folder / "backups")),
            ),
            Schedule.asap(),
            notify=("terminal",),
            description="Refresh TEST from PROD, export it as the golden copy, download it",
        )
    )
    store.add(
        Job(
            "weekly-train",
            CONTOSO.profile,
            (Refresh(PROD_ENVIRONMENT_NAME, TRAIN_ENVIRONMENT_NAME, TRAIN_ENVIRONMENT_NAME),),
            Schedule.every("0 22 * * SUN"),
            notify=("terminal",),
            description="Refresh TRAIN from PROD on Sunday nights, off-peak",
        )
    )
    store.add(
        Job(
            "monday-ude",
            DEMO_TENANT,
            (
                Copy(
                    PP_UPE_ENVIRONMENT_NAME,
                    PP_UDE_ENVIRONMENT_NAME,
                    "transactionless",
                    confirmed=PP_UDE_ENVIRONMENT_NAME,
                ),
            ),
            Schedule.every("0 6 * * MON"),
            notify=("terminal",),
            description="Copy unified production into the UDE every Monday morning",
        )
    )
    return store, JobStateStore(folder / "state")


def profiles_start(
    config: Config, names: list[str], *, read_only: bool, shown: str | None = None
) -> StartUp:
    """Open `names` (profiles of `config`); the rest open later from the switcher."""
    from lcs_tui.api.ratelimit import RateLimiter
    from lcs_tui.workspace import open_profile

    limiter = RateLimiter(clock=time.monotonic)

    def opener(name: str) -> Workspace:
        return open_profile(config.get(name), read_only=read_only, limiter=limiter)

    from lcs_tui.tui.actions import ACTION_NAMES

    problems = [str(problem) for problem in config.keys.check(ACTION_NAMES)]
    return StartUp(
        workspaces=[opener(name) for name in names],
        profiles=list(config.profiles),
        open_profile=opener,
        keys={name: keys for name, keys in config.keys.items() if name in ACTION_NAMES},
        key_problems=problems,
        shown=shown if shown in names else None,
        jobs=_user_jobs(),
    )


def _user_jobs() -> Jobs:
    from lcs_tui.jobs import JobStateStore, JobStore

    return JobStore(), JobStateStore()


def remembered_start(config: Config, *, read_only: bool) -> StartUp:
    """No profile given: what was open last time, else the default profile."""
    from lcs_tui.config.session_state import load_session_state

    state = load_session_state().restricted_to(config.profiles)
    names = list(state.workspaces) or [config.get(None).name]
    start = profiles_start(config, names, read_only=read_only, shown=state.shown)
    start.theme = state.theme
    start.notice = state.problem
    return start


def remember(shown: str, open_workspaces: list[str], theme: str | None) -> str | None:
    """Save what is open for the next start; the problem, if it could not be saved."""
    from lcs_tui.config.session_state import (
        SessionState,
        SessionStateError,
        save_session_state,
    )

    try:
        save_session_state(SessionState(tuple(open_workspaces), shown, theme))
    except SessionStateError as exc:
        return str(exc)
    return None
