"""Assembling one open profile: sign-in session, LCS client, project service.

The TUI and the scripting commands both start here; the demo builds the same
thing on top of the in-process simulator, so the demo runs the real sign-in,
client and service code — only the network is simulated.

A Power Platform profile (`backend = "powerplatform"`) is one more
workspace: its `backend` says so, `ppac` is its PowerPlatformService (with
its PowerPlatformClient), and `client`/`service` — the LCS ones — refuse to
be used, saying why. What every workspace has (sign-in, the request log's
observers, the journal's notices, the clock, closing) works for both.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from lcs_tui.api import LcsClient
from lcs_tui.http import HttpSettings
from lcs_tui.service.journal import Journal
from lcs_tui.service.project import ProjectService

if TYPE_CHECKING:
    from lcs_tui.api.client import Observer
    from lcs_tui.api.ratelimit import RateLimiter
    from lcs_tui.auth import Session
    from lcs_tui.config import Profile
    from lcs_tui.ppac.service import PowerPlatformService
    from lcs_tui.simulator import Simulator
    from lcs_tui.simulator.demo import DemoProject

#: Seconds between status polls of running operations against real LCS. The
#: Database Movement API documents no limit; twice a minute is plenty for
#: operations that take hours.
DEFAULT_POLL_INTERVAL = 30.0
DEMO_POLL_INTERVAL = 2.0


class NotThisBackend(AttributeError):
    """An LCS part of a Power Platform workspace was used (or the other way round)."""


class _OtherBackend:
    """Stands in for the LCS client and service of a Power Platform workspace."""

    def __init__(self, what: str) -> None:
        self._what = what

    def __getattr__(self, name: str) -> Any:
        raise NotThisBackend(
            f"this is a Power Platform workspace: it has no LCS {self._what} "
            f"(asked for {name!r}); use workspace.ppac"
        )


@dataclass
class Workspace:
    """Everything one profile needs: sign-in, client, service, journal."""

    profile: Profile
    session: Session
    client: LcsClient
    service: ProjectService
    read_only: bool = False
    demo: bool = False
    poll_interval: float = DEFAULT_POLL_INTERVAL
    #: The demo signs in with the simulator's demo password, through the real code.
    demo_password: str | None = field(default=None, repr=False)
    simulator: Simulator | None = None

    #: A sign-in started before the UI, so it overlaps Textual's start-up.
    early_sign_in: Future[str] | None = None
    #: "lcs", or "powerplatform" (then `ppac` is the service and `client`/`service` refuse).
    backend: str = "lcs"
    ppac: PowerPlatformService | None = None

    @property
    def is_powerplatform(self) -> bool:
        return self.ppac is not None

    @property
    def now(self) -> Callable[[], datetime]:
        if self.ppac is not None:
            return self.ppac.now
        return self.service.now

    @property
    def journal_notice(self) -> str | None:
        """Something the user should know about the journal (either backend), or None."""
        if self.ppac is not None:
            return self.ppac.journal_notice
        return self.service.journal_notice

    @property
    def journal_problem(self) -> str | None:
        if self.ppac is not None:
            return self.ppac.journal_problem
        return self.service.journal_problem

    def add_observer(self, observer: Observer) -> None:
        """The request log (or a command's stderr) hears this workspace's requests."""
        if self.ppac is not None:
            self.ppac.client.add_observer(observer)
        else:
            self.client.add_observer(observer)

    def sign_in_without_asking(self) -> str:
        """Sign in without a person (blocking): the demo's password, or the token cache.

        Returns the username; raises the sign-in errors (SignInRequired when
        only the user can help).
        """
        session = self.session
        if self.demo_password and session.account is None:
            return session.sign_in_with_password(self.demo_password).username
        session.acquire_token()
        account = session.account
        return account.username if account else (self.profile.username or "signed in")

    def start_sign_in_early(self) -> None:
        """Begin `sign_in_without_asking` in a thread; the app collects the result."""
        executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="lcs-tui-sign-in")
        self.early_sign_in = executor.submit(self.sign_in_without_asking)
        executor.shutdown(wait=False)

    def take_early_sign_in(self) -> Future[str] | None:
        early, self.early_sign_in = self.early_sign_in, None
        return early

    async def aclose(self) -> None:
        if self.ppac is not None:
            await self.ppac.client.aclose()
            return
        await self.client.aclose()


def state_dir() -> Path:
    from lcs_tui.config.session_state import state_dir as platform_state_dir

    return platform_state_dir()


def journal_for(profile_name: str) -> Journal:
    safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in profile_name)
    return Journal(state_dir() / f"journal-{safe}.json")


def open_profile(
    profile: Profile,
    *,
    read_only: bool = False,
    http: HttpSettings | None = None,
    journal: Journal | None = None,
    now: Callable[[], datetime] | None = None,
    poll_interval: float = DEFAULT_POLL_INTERVAL,
    limiter: RateLimiter | None = None,
) -> Workspace:
    """Build the workspace of a configured profile. No network until used.

    `now` defaults to LCS's clock as its answers tell it (`server_now`).
    `limiter`: one pacing for every workspace of the process — LCS's limits
    are per project *and per user*, so two projects of one user share the
    per-user one (the limiter's keys name project and user).
    """
    from lcs_tui.auth import Session, async_token_source
    from lcs_tui.secrets import open_secret_store

    settings = http if http is not None else profile.http_settings()
    session = Session(profile, open_secret_store(profile.secret_store), settings)
    if profile.is_powerplatform:
        return _open_powerplatform(
            profile,
            session,
            settings,
            read_only=read_only,
            journal=journal,
            now=now,
            poll_interval=poll_interval,
        )
    client = LcsClient(
        api_host=profile.api_host,
        token_source=async_token_source(session),
        http=settings,
        user_key=profile.username or profile.name,
        limiter=limiter,
    )
    service = ProjectService(
        client,
        profile.project_id,
        profile=profile.name,
        journal=journal if journal is not None else journal_for(profile.name),
        now=now or client.server_now,
    )
    return Workspace(
        profile, session, client, service, read_only=read_only, poll_interval=poll_interval
    )


def _open_powerplatform(
    profile: Profile,
    session: Session,
    settings: HttpSettings,
    *,
    read_only: bool,
    journal: Journal | None,
    now: Callable[[], datetime] | None,
    poll_interval: float,
) -> Workspace:
    """A Power Platform workspace: its client (two audiences, one sign-in) and service."""
    from lcs_tui.auth import scoped_token_source
    from lcs_tui.ppac.client import PowerPlatformClient
    from lcs_tui.ppac.service import PowerPlatformService

    client = PowerPlatformClient(
        api_host=profile.api_host,
        bap_host=profile.bap_host,
        scope=profile.scope,
        bap_scope=profile.bap_scope,
        token_source=scoped_token_source(session),
        http=settings,
    )
    service = PowerPlatformService(
        client,
        profile=profile.name,
        journal=journal if journal is not None else journal_for(profile.name),
        now=now or client.server_now,
    )
    return powerplatform_workspace(
        profile, session, service, read_only=read_only, poll_interval=poll_interval
    )


def powerplatform_workspace(
    profile: Profile,
    session: Session,
    service: PowerPlatformService,
    *,
    read_only: bool = False,
    demo: bool = False,
    poll_interval: float = DEFAULT_POLL_INTERVAL,
) -> Workspace:
    """The workspace of a Power Platform service (its LCS parts refuse to be used)."""
    return Workspace(
        profile,
        session,
        cast(LcsClient, _OtherBackend("client")),
        cast(ProjectService, _OtherBackend("service")),
        read_only=read_only,
        demo=demo,
        poll_interval=poll_interval,
        backend="powerplatform",
        ppac=service,
    )


def open_demo(
    *,
    read_only: bool = False,
    time_scale: float = 120.0,
    simulator: Simulator | None = None,
    journal: Journal | None = None,
    sign_in_method: str = "password",
    sign_in_automatically: bool = True,
    project: DemoProject | None = None,
    limiter: RateLimiter | None = None,
) -> Workspace:
    """The demo: a seeded simulated project, signed in through the real MSAL code.

    By default the demo signs in with its own password; with
    `sign_in_automatically=False` the app asks, as it would for a real
    profile (used to show and test the sign-in screens). `project`: which of
    the simulator's demo projects (demo.DEMO_PROJECTS), named after it; by
    default Contoso, as a profile called "demo". `limiter`: the client's
    pacing, shared by several workspaces (tests give one on a fake clock).
    """
    from lcs_tui.auth import Session, async_token_source
    from lcs_tui.config import make_profile
    from lcs_tui.secrets import MemoryStore
    from lcs_tui.simulator import Simulator, demo

    # Tokens last an hour of *real* time in the demo: at 120x a simulated hour
    # would expire every 30 s and every call would renew it.
    sim = simulator or Simulator.demo(
        time_scale=time_scale, token_lifetime=timedelta(hours=max(1.0, time_scale))
    )
    profile = make_profile(
        name=project.profile if project is not None else "demo",
        tenant=demo.TENANT_DOMAIN,
        client_id=demo.CLIENT_ID,
        username=demo.USERNAME,
        project_id=project.project_id if project is not None else demo.PROJECT_ID,
        geography="global",
        sign_in_method=sign_in_method,
        secret_store="session",
    )
    settings = HttpSettings(
        async_transport=sim.async_transport(), sync_transport=sim.sync_transport()
    )
    session = Session(profile, MemoryStore(), settings)
    client = LcsClient(
        api_host=profile.api_host,
        token_source=async_token_source(session),
        http=settings,
        user_key=demo.USERNAME,
        limiter=limiter,
    )
    service = ProjectService(
        client, profile.project_id, profile=profile.name, journal=journal, now=sim.clock.now
    )
    return Workspace(
        profile,
        session,
        client,
        service,
        read_only=read_only,
        demo=True,
        poll_interval=DEMO_POLL_INTERVAL,
        demo_password=demo.PASSWORD if sign_in_automatically else None,
        simulator=sim,
    )


def open_demo_tenant(
    simulator: Simulator, *, read_only: bool = False, name: str = "unified"
) -> Workspace:
    """The demo's unified tenant: the simulator's Power Platform side, signed in
    with the demo password through the real MSAL code, like the demo projects.

    `simulator` must be made with `powerplatform=True` (the same tenant and
    clock as the LCS projects, so their linked environments match).
    """
    from lcs_tui.auth import Session, scoped_token_source
    from lcs_tui.config import make_profile
    from lcs_tui.ppac.client import PowerPlatformClient
    from lcs_tui.ppac.service import PowerPlatformService
    from lcs_tui.secrets import MemoryStore
    from lcs_tui.simulator import demo

    profile = make_profile(
        name=name,
        backend="powerplatform",
        tenant=demo.TENANT_DOMAIN,
        client_id=demo.CLIENT_ID,
        username=demo.USERNAME,
        sign_in_method="password",
        secret_store="session",
    )
    settings = HttpSettings(
        async_transport=simulator.async_transport(), sync_transport=simulator.sync_transport()
    )
    session = Session(profile, MemoryStore(), settings)
    client = PowerPlatformClient(
        api_host=profile.api_host,
        bap_host=profile.bap_host,
        scope=profile.scope,
        bap_scope=profile.bap_scope,
        token_source=scoped_token_source(session),
        http=settings,
    )
    service = PowerPlatformService(client, profile=name, journal=None, now=simulator.clock.now)
    workspace = powerplatform_workspace(
        profile,
        session,
        service,
        read_only=read_only,
        demo=True,
        poll_interval=DEMO_POLL_INTERVAL,
    )
    workspace.demo_password = demo.PASSWORD
    workspace.simulator = simulator
    return workspace
