"""Power Platform jobs against the simulator's Power Platform side, on its manual clock.

The same bench as support.py (one "process": a signed-in workspace, a
runner, time under the test's control), with a Power Platform workspace:
the real PowerPlatformClient and PowerPlatformService over the demo
tenant (`Simulator.demo(powerplatform=True)`), its own journal in the
state directory. `starts(sim, kind)` counts the start POSTs the simulator
acted on — a validate-only call is not one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx

from lcs_tui.auth import Session, scoped_token_source
from lcs_tui.config import make_profile
from lcs_tui.http import HttpSettings
from lcs_tui.jobs import JobRunner, JobStateStore, JobStore
from lcs_tui.jobs.notify import NotificationCenter
from lcs_tui.ppac.client import PowerPlatformClient
from lcs_tui.ppac.service import PowerPlatformService
from lcs_tui.secrets import MemoryStore
from lcs_tui.service.journal import Journal
from lcs_tui.simulator import ManualClock, Simulator, demo
from lcs_tui.workspace import Workspace, powerplatform_workspace
from tests.jobs.support import START, Bench, FakeChannel, Wall, clock

PROFILE = "unified"
UPE = demo.PP_UPE_ENVIRONMENT_NAME  # CONTOSO-U-PROD
USE = demo.PP_USE_ENVIRONMENT_NAME  # CONTOSO-U-UAT
USE_TEST = demo.PP_USE_ADMIN_MODE_ENVIRONMENT_NAME  # CONTOSO-U-TEST
UDE = demo.PP_UDE_ENVIRONMENT_NAME  # CONTOSO-UDE-ANA
UDE_BUSY = demo.PP_UDE_BUSY_ENVIRONMENT_NAME  # CONTOSO-UDE-BEN, a copy runs now


def pp_simulator() -> Simulator:
    sim = Simulator.demo(
        clock=ManualClock(START),
        powerplatform=True,
        failure_rate=0.0,
        token_lifetime=timedelta(days=7),
    )
    sim.faults.limits_enabled = False  # rate limits count real time
    return sim


def pp_profile() -> Any:
    return make_profile(
        name=PROFILE,
        backend="powerplatform",
        tenant=demo.TENANT_DOMAIN,
        client_id=demo.CLIENT_ID,
        username=demo.USERNAME,
        sign_in_method="password",
        secret_store="session",
    )


class LoseStartAnswers(httpx.AsyncBaseTransport):
    """The simulator, except that the next `n` start POSTs (not validate-only) act
    and then lose their answer, as a dropped connection does."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.n = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        starting = request.method == "POST" and "validateonly" not in str(request.url).lower()
        if self.n > 0 and starting and request.url.path.endswith(("/copy", "/restore")):
            self.n -= 1
            raise httpx.RemoteProtocolError("Server disconnected without sending a response.")
        return response


def pp_workspace(sim: Simulator, state: Path, transport: httpx.AsyncBaseTransport) -> Workspace:
    prof = pp_profile()
    http = HttpSettings(async_transport=transport, sync_transport=sim.sync_transport())
    session = Session(prof, MemoryStore(), http)
    session.sign_in_with_password(demo.PASSWORD, remember=False)
    sim_clock = clock(sim)

    def mono() -> float:
        return (sim_clock.now() - START).total_seconds()

    async def sleep(seconds: float) -> None:
        sim_clock.advance(timedelta(seconds=seconds))

    client = PowerPlatformClient(
        api_host=prof.api_host,
        bap_host=prof.bap_host,
        scope=prof.scope,
        bap_scope=prof.bap_scope,
        token_source=scoped_token_source(session),
        http=http,
        clock=mono,
        sleep=sleep,
    )
    service = PowerPlatformService(
        client,
        profile=PROFILE,
        journal=Journal(state / f"journal-{PROFILE}.json"),
        now=sim_clock.now,
        monotonic=mono,
        sleep=sleep,
    )
    return powerplatform_workspace(prof, session, service)


@dataclass
class PpBench(Bench):
    lose: LoseStartAnswers | None = None

    @property
    def ppac(self) -> PowerPlatformService:
        assert self.workspace.ppac is not None
        return self.workspace.ppac

    async def aclose(self) -> None:
        await self.runner.aclose()
        await self.workspace.aclose()
        self.workspace.session.close()


def pp_bench(sim: Simulator, root: Path, *, wall: Wall | None = None) -> PpBench:
    """One runner "process" over the files under `root`, hosting profile "unified"."""
    lose = LoseStartAnswers(sim.async_transport())
    ws = pp_workspace(sim, root / "state", lose)
    wall = wall or Wall()
    desktop = FakeChannel()
    center = NotificationCenter(desktop=desktop, terminal=FakeChannel("not a terminal"))
    sim_clock = clock(sim)
    runner = JobRunner(
        {PROFILE: ws},
        store=JobStore(root / "config" / "jobs.toml"),
        states=JobStateStore(root / "state" / "jobs"),
        notifier=center,
        polls_operations=True,
        wall=wall,
        monotonic=lambda: (sim_clock.now() - START).total_seconds(),
    )
    made = PpBench(sim, ws, runner, desktop, wall, lose=lose)
    runner.subscribe(made.events.append)
    return made


async def pp_create(b: PpBench, job: Any) -> Any:
    """`lcs-tui job add` in code, on the Power Platform profile: checked, typed, saved."""
    from lcs_tui.jobs import add_job, plan_job
    from lcs_tui.jobs.pp_creation import load_for_plan

    await load_for_plan(job, b.ppac)
    plan = plan_job(job, b.ppac, now=b.ppac.now())
    return add_job(b.runner.store, plan, typed=set(plan.must_type))


def starts(sim: Simulator, kind: str) -> int:
    """Start POSTs of `kind` ("copy", "restore") the simulator acted on (not validate-only)."""
    return sum(
        1
        for e in sim.pp_request_log
        if e.method == "POST" and e.path.endswith(f"/{kind}") and e.status in (202, 0)
    )


def pp_posts(sim: Simulator, kind: str) -> int:
    """Every POST to `kind` (validate-only calls and starts, answered or refused)."""
    return sum(1 for e in sim.pp_request_log if e.method == "POST" and e.path.endswith(f"/{kind}"))


def pp_id(sim: Simulator, name: str) -> str:
    return next(e.environment_id for e in sim.pp_environments() if e.display_name == name)
