"""Jobs against the in-process simulator, on its manual clock.

A `Bench` is one "process": a signed-in workspace (real MSAL sign-in, real
client, real service and journal) on the simulator, a `JobRunner` hosting
it, and time under the test's control — the simulator's ManualClock is the
service clock, the runner's monotonic clock follows it, and the lease's wall
clock is a counter the test moves. `advance()` moves the simulated world
and ticks, as a runner's poll loop would, so hours pass in milliseconds.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from lcs_tui.api import LcsClient
from lcs_tui.auth import Session, async_token_source
from lcs_tui.config import make_profile
from lcs_tui.http import HttpSettings
from lcs_tui.jobs import JobRunner, JobStateStore, JobStore
from lcs_tui.jobs.notify import Notification, NotificationCenter
from lcs_tui.secrets import MemoryStore
from lcs_tui.service.journal import Journal
from lcs_tui.service.project import ProjectService
from lcs_tui.simulator import ManualClock, Simulator, demo
from lcs_tui.workspace import Workspace

START = datetime(2026, 11, 20, 8, 0)
PROD, UAT, TEST = demo.PROD_ENVIRONMENT_NAME, demo.UAT_ENVIRONMENT_NAME, demo.TEST_ENVIRONMENT_NAME
REFRESH_PATH = "/databasemovement/v1/refresh/"
EXPORT_PATH = "/databasemovement/v1/export/"
STATUS_PATH = "/databasemovement/v1/fetchstatus/"
HISTORY_PATH = "/environmentinfo/v1/history/"


def simulator(**kwargs: Any) -> Simulator:
    values: dict[str, Any] = {"clock": ManualClock(START), "failure_rate": 0.0}
    values.update(kwargs)
    sim = Simulator.demo(**values)
    sim.faults.limits_enabled = False  # rate limits count real time
    return sim


def clock(sim: Simulator) -> ManualClock:
    assert isinstance(sim.clock, ManualClock)
    return sim.clock


class FakeChannel:
    """A notification channel that keeps what it was given (or refuses it)."""

    def __init__(self, refuse: str | None = None) -> None:
        self.refuse = refuse
        self.got: list[Notification] = []

    async def send(self, note: Notification) -> str | None:
        self.got.append(note)
        return self.refuse


@dataclass
class Wall:
    """The lease clock of every bench of a test (wall time shared by processes)."""

    now: float = 1_000_000.0

    def __call__(self) -> float:
        return self.now


@dataclass
class Bench:
    sim: Simulator
    workspace: Workspace
    runner: JobRunner
    desktop: FakeChannel
    wall: Wall
    events: list[Any] = field(default_factory=list)

    @property
    def service(self) -> ProjectService:
        return self.workspace.service

    async def tick(self, times: int = 1) -> None:
        for _ in range(times):
            await self.runner.tick()

    async def advance(self, delta: timedelta, *, ticks: int = 1) -> None:
        """Move the world by `delta` in `ticks` even parts, ticking after each."""
        for _ in range(ticks):
            clock(self.sim).advance(delta / ticks)
            self.wall.now += (delta / ticks).total_seconds()
            await self.runner.tick()

    async def aclose(self) -> None:
        await self.runner.aclose()
        await self.workspace.client.aclose()
        self.workspace.session.close()


def profile() -> Any:
    return make_profile(
        name="contoso",
        tenant=demo.TENANT_DOMAIN,
        client_id=demo.CLIENT_ID,
        username=demo.USERNAME,
        project_id=demo.PROJECT_ID,
        geography="global",
        sign_in_method="password",
        secret_store="session",
    )


def workspace(sim: Simulator, state: Path) -> Workspace:
    prof = profile()
    http = HttpSettings(async_transport=sim.async_transport(), sync_transport=sim.sync_transport())
    session = Session(prof, MemoryStore(), http)
    session.sign_in_with_password(demo.PASSWORD, remember=False)
    sim_clock = clock(sim)
    client = LcsClient(
        api_host=prof.api_host,
        token_source=async_token_source(session),
        http=http,
        clock=lambda: (sim_clock.now() - START).total_seconds(),
    )
    service = ProjectService(
        client,
        demo.PROJECT_ID,
        profile=prof.name,
        journal=Journal(state / "journal-contoso.json"),
        now=sim_clock.now,
        monotonic=lambda: (sim_clock.now() - START).total_seconds(),
    )
    return Workspace(prof, session, client, service, simulator=sim)


def bench(
    sim: Simulator,
    root: Path,
    *,
    wall: Wall | None = None,
    desktop: FakeChannel | None = None,
    polls_operations: bool = True,
    read_only: bool = False,
) -> Bench:
    """One runner "process" over the files under `root` (config and state)."""
    ws = workspace(sim, root / "state")
    wall = wall or Wall()
    desktop = desktop or FakeChannel()
    center = NotificationCenter(desktop=desktop, terminal=FakeChannel("not a terminal"))
    sim_clock = clock(sim)
    runner = JobRunner(
        {"contoso": ws},
        store=JobStore(root / "config" / "jobs.toml"),
        states=JobStateStore(root / "state" / "jobs"),
        notifier=center,
        polls_operations=polls_operations,
        read_only=read_only,
        wall=wall,
        monotonic=lambda: (sim_clock.now() - START).total_seconds(),
    )
    made = Bench(sim, ws, runner, desktop, wall)
    runner.subscribe(made.events.append)
    return made


def posts(sim: Simulator, prefix: str) -> int:
    """Operation-starting POSTs the simulator received (answered or not)."""
    return sum(1 for e in sim.request_log if e[0] == "POST" and e[1].startswith(prefix))


def calls(sim: Simulator, prefix: str, since: int = 0) -> int:
    return sum(1 for e in sim.request_log[since:] if e[1].startswith(prefix))


def md5_of(path: Path) -> str:
    digest = hashlib.md5()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def served_md5(sim: Simulator, name: str) -> str:
    """MD5 of backup `name`'s blob as the simulator serves it."""
    from tests.download.support import location
    from tests.download.support import served_md5 as blob_md5

    backup = next(b for b in sim.backups() if b.name == name)
    return blob_md5(sim, location(sim, backup.backup_id))


def expected_md5(sim: Simulator, backup_id: str) -> str:
    """MD5 of a backup's blob as the simulator serves it (in-process, one GET)."""
    from tests.download.support import location
    from tests.download.support import served_md5 as blob_md5

    return blob_md5(sim, location(sim, backup_id))


def statuses(steps: Iterable[Any]) -> list[str]:
    return [s.status for s in steps]


def clean_simulator(start: datetime = START) -> Simulator:
    """A project with CONTOSO-PROD, -UAT and -TEST and no history: nothing waits by chance."""
    from lcs_tui.simulator.records import PRODUCTION

    sim = Simulator(clock=ManualClock(start), seed=3, token_lifetime=timedelta(days=400))
    sim.add_environment(PROD, environment_type=PRODUCTION)
    sim.add_environment(UAT)
    sim.add_environment(TEST)
    sim.faults.limits_enabled = False
    return sim


def env_id(sim: Simulator, name: str) -> str:
    return next(e.environment_id for e in sim.environments() if e.name == name)


async def create(b: Bench, job: Any) -> Any:
    """`lcs-tui job add` in code: checked, confirmed (every target typed), saved."""
    from lcs_tui.jobs import add_job, plan_job

    await b.service.load_environments()
    await b.service.load_backups()
    plan = plan_job(job, b.service, now=b.service.now())
    return add_job(b.runner.store, plan, typed=set(plan.must_type))


def job_state(b: Bench, name: str) -> Any:
    return b.runner.states.read(name)
