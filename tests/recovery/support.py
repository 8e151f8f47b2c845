"""A signed-in project service on the simulator, with time under the test's control.

Everything real but the network: the real MSAL sign-in (`Session`), the real
LCS client and the real service, talking to the in-process simulator (or, with
`loopback=`, to the simulator's HTTPS server through the real TLS stack).
Waits (backoff, 429, pacing) go through `FakeTime`, so a test that throttles
for ten minutes runs in milliseconds and can still assert how long was waited.
"""

from __future__ import annotations

import asyncio
import weakref
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from lcs_tui.api import LcsClient, RequestEvent
from lcs_tui.api.ratelimit import RateLimiter
from lcs_tui.auth import Session, async_token_source
from lcs_tui.config import Profile, make_profile
from lcs_tui.http import HttpSettings
from lcs_tui.secrets import MemoryStore
from lcs_tui.service.journal import Journal
from lcs_tui.service.project import ProjectService
from lcs_tui.simulator import LoopbackServer, ManualClock, Simulator, demo

START = datetime(2026, 11, 20, 8, 0)
PROD = demo.PROD_ENVIRONMENT_ID
TEST = demo.TEST_ENVIRONMENT_ID
UAT = demo.UAT_ENVIRONMENT_ID


class FakeTime:
    """Monotonic time and sleep for the client, the rate limiter and the simulator's limits."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds
        await asyncio.sleep(0)


#: The fake time each simulator made here keeps its rate limits on.
_PACING: weakref.WeakKeyDictionary[Simulator, FakeTime] = weakref.WeakKeyDictionary()


def demo_sim(fake: FakeTime | None = None, **kwargs: object) -> Simulator:
    """The demo simulator on a manual clock, its rate limits on fake time
    (`fake`, or one of its own): see `limiter_for`."""
    fake = fake or FakeTime()
    values: dict[str, object] = {
        "clock": ManualClock(START),
        "failure_rate": 0.0,
        "rate_time": fake.monotonic,
    }
    values.update(kwargs)
    sim = Simulator.demo(**values)  # type: ignore[arg-type]
    if values["rate_time"] == fake.monotonic:  # (a new bound method each time: ==, not is)
        _PACING[sim] = fake
    return sim


def limiter_for(sim: Simulator) -> RateLimiter | None:
    """A client's pacing on the same fake time as the simulator's limits.

    The client paces its calls to stay under LCS's limits (six history reads
    per project a minute, ...); on real time a test whose start-up used that
    budget waited up to a minute for the next read, and failed on a loaded
    machine. On the fake time a pacing wait passes at once (the fake sleep
    moves the clock), the simulator sees the calls spaced, and no 429 comes.
    """
    fake = _PACING.get(sim)
    return None if fake is None else RateLimiter(clock=fake.monotonic, sleep=fake.sleep)


def clock(sim: Simulator) -> ManualClock:
    assert isinstance(sim.clock, ManualClock)
    return sim.clock


@dataclass
class Rig:
    sim: Simulator
    session: Session
    client: LcsClient
    service: ProjectService
    journal: Journal
    time: FakeTime
    events: list[RequestEvent] = field(default_factory=list)

    def reopen(self) -> Rig:
        """The app started again: a new client and service on the same journal file."""
        return make_rig(self.journal.path, sim=self.sim, fake=self.time, session=self.session)

    def advance(self, delta: timedelta) -> None:
        clock(self.sim).advance(delta)

    async def aclose(self) -> None:
        await self.client.aclose()


def loopback_profile(server: LoopbackServer) -> Profile:
    return make_profile(
        name="contoso",
        tenant=demo.TENANT_DOMAIN,
        client_id=demo.CLIENT_ID,
        username=demo.USERNAME,
        project_id=demo.PROJECT_ID,
        geography=None,
        api_host=server.base_url,
        authority=f"{server.base_url}/{demo.TENANT_ID}",
        ca_bundle=server.ca_file,
        sign_in_method="password",
    )


def in_process_profile() -> Profile:
    return make_profile(
        name="contoso",
        tenant=demo.TENANT_DOMAIN,
        client_id=demo.CLIENT_ID,
        username=demo.USERNAME,
        project_id=demo.PROJECT_ID,
        geography="global",
        sign_in_method="password",
    )


def make_rig(
    journal_path: Path,
    *,
    sim: Simulator | None = None,
    fake: FakeTime | None = None,
    session: Session | None = None,
    server: LoopbackServer | None = None,
) -> Rig:
    fake = fake or FakeTime()
    sim = sim or demo_sim(fake)
    if server is not None:
        profile = loopback_profile(server)
        http = profile.http_settings()  # the real network stack, trusting the server's CA
    else:
        profile = in_process_profile()
        http = HttpSettings(
            async_transport=sim.async_transport(), sync_transport=sim.sync_transport()
        )
    if session is None:
        session = Session(profile, MemoryStore(), http)
        # Not remembered: every renewal must come from MSAL's refresh token.
        session.sign_in_with_password(demo.PASSWORD, remember=False)
    journal = Journal(journal_path)
    client = LcsClient(
        api_host=profile.api_host,
        token_source=async_token_source(session),
        http=http,
        clock=fake.monotonic,
        sleep=fake.sleep,
    )
    service = ProjectService(
        client,
        demo.PROJECT_ID,
        profile=profile.name,
        journal=journal,
        now=sim.clock.now,
        monotonic=fake.monotonic,
    )
    rig = Rig(sim, session, client, service, journal, fake)
    client.add_observer(rig.events.append)
    return rig


async def load(rig: Rig, *environment_ids: str) -> None:
    """What the app's reload does: environments, backups, histories, then reconcile."""
    await rig.service.load_environments()
    await rig.service.load_backups()
    for env_id in environment_ids:
        await rig.service.load_recent_history(env_id)
    rig.service.reconcile_starting()
