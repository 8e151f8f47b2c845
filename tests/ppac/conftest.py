"""The scripting commands on a Power Platform profile, in-process and instant.

The commands' harness (tests/commands/conftest.py) with one more service:
requests to the Power Platform API, BAP and Dataverse go to the fake
Power Platform (fake.py); sign-in, and any LCS profile, to the project's
simulator. Tokens are the simulator's real ones, and the fake checks each
was issued for its own audience — a token for another API is refused as
Power Platform refuses it (401, wrong audience).
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from lcs_tui.auth import Session, scoped_token_source
from lcs_tui.commands import runtime
from lcs_tui.config import Profile, load_config, make_profile
from lcs_tui.http import HttpSettings
from lcs_tui.ppac.client import PowerPlatformClient
from lcs_tui.ppac.service import PowerPlatformService
from lcs_tui.secrets import open_secret_store
from lcs_tui.simulator import ManualClock, Simulator, demo
from lcs_tui.workspace import Workspace, journal_for, powerplatform_workspace
from tests.auth.conftest import isolated_dirs, memory_keyring
from tests.commands.conftest import Harness, demo_simulator
from tests.ppac.fake import FakePowerPlatform

__all__ = ["isolated_dirs", "memory_keyring"]

_PP_HOSTS = {"api.powerplatform.com", "api.bap.microsoft.com"}
#: The audience each host accepts (what Power Platform checks in a token).
_AUDIENCE = {
    "api.powerplatform.com": "https://api.powerplatform.com",
    "api.bap.microsoft.com": "https://service.powerapps.com",
}


def unified_profile(**overrides: Any) -> Profile:
    values: dict[str, Any] = {
        "name": "unified",
        "backend": "powerplatform",
        "tenant": demo.TENANT_DOMAIN,
        "client_id": demo.CLIENT_ID,
        "username": demo.USERNAME,
        "sign_in_method": "password",
        "secret_store": "session",
    }
    values.update(overrides)
    return make_profile(**values)


class Routed(httpx.AsyncBaseTransport):
    """Power Platform's hosts to the fake, everything else to the simulator."""

    def __init__(self, fake: FakePowerPlatform, simulated: httpx.AsyncBaseTransport) -> None:
        self._fake = fake.transport()
        self._simulated = simulated

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        host = request.url.host
        if host in _PP_HOSTS or host.endswith(".crm4.dynamics.com"):
            return await self._fake.handle_async_request(request)
        return await self._simulated.handle_async_request(request)


@dataclass
class PpHarness(Harness):
    fake: FakePowerPlatform = field(default_factory=FakePowerPlatform)

    def open_workspace(self, args: argparse.Namespace) -> Workspace:
        profile = self.profile
        if self.from_config:
            profile = load_config().get(getattr(args, "profile", None))
        if not profile.is_powerplatform:
            return super().open_workspace(args)
        transport: httpx.AsyncBaseTransport = Routed(self.fake, self.sim.async_transport())
        if self.wrap_transport is not None:
            transport = self.wrap_transport(transport)
        settings = HttpSettings(async_transport=transport, sync_transport=self.sim.sync_transport())
        session = Session(profile, open_secret_store(profile.secret_store), settings)
        client = PowerPlatformClient(
            api_host=profile.api_host,
            bap_host=profile.bap_host,
            scope=profile.scope,
            bap_scope=profile.bap_scope,
            token_source=scoped_token_source(session),
            http=settings,
            sleep=self.sleep,
            clock=lambda: self.mono,
        )
        service = PowerPlatformService(
            client,
            profile=profile.name,
            journal=journal_for(profile.name),
            now=self.sim.clock.now,
            monotonic=lambda: self.mono,
            sleep=self.sleep,
        )
        workspace = powerplatform_workspace(profile, session, service)
        self.opened.append(workspace)
        return workspace


def audience_checker(sim: Simulator) -> Any:
    """The fake's token check: the simulator issued it, for this very host's audience."""
    world = sim._world

    def check(request: httpx.Request) -> str | None:
        header = request.headers.get("authorization") or ""
        token = header.partition(" ")[2].strip()
        grant = world.tokens.access(token)
        if grant is None:
            return "The access token is invalid or has expired."
        host = request.url.host
        wanted = _AUDIENCE.get(host, f"https://{host}")
        if grant.resource.rstrip("/").lower() != wanted:
            return (
                "The token was acquired for the wrong audience. Ensure the scope is "
                f"{wanted}/.default"
            )
        return None

    return check


@pytest.fixture
def sim() -> Simulator:
    return demo_simulator()


@pytest.fixture
def pp(
    isolated_dirs: dict[str, Path],
    sim: Simulator,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> PpHarness:
    monkeypatch.setenv("LCS_TUI_STATE_DIR", str(isolated_dirs["state"] / "lcs-tui"))
    monkeypatch.setenv(runtime.PASSWORD_ENV, demo.PASSWORD)
    clock = sim.clock
    assert isinstance(clock, ManualClock)
    fake = FakePowerPlatform(now=clock.now())
    fake.check_token = audience_checker(sim)
    made = PpHarness(sim, clock, capsys, monkeypatch, profile=unified_profile(), fake=fake)

    def follow_clock(harness: Harness) -> None:
        fake.now = harness.clock.now()

    made.on_sleep = follow_clock
    made.install()
    return made
