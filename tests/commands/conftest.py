"""Running the scripting commands in-process against a simulator, instantly.

Each test gets its own config/state directories and a session-only secret
store (the sign-in tests' isolation), a seeded demo simulator on a manual
clock, and a `Harness` that runs `lcs-tui ...` as a user would. The harness
replaces the commands' runtime hooks: the workspace is assembled on the
simulator's transports (the real Session, MSAL, LcsClient and
ProjectService), and the sleep of `--wait` advances the simulated clock and
the timeout's clock together, so an operation of hours is watched in
milliseconds.
"""

from __future__ import annotations

import argparse
import io
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from lcs_tui.api import LcsClient
from lcs_tui.auth import Session, async_token_source
from lcs_tui.cli import main
from lcs_tui.commands import runtime
from lcs_tui.config import Profile, load_config, make_profile
from lcs_tui.http import HttpSettings
from lcs_tui.secrets import open_secret_store
from lcs_tui.service.project import ProjectService
from lcs_tui.simulator import ManualClock, Simulator, demo
from lcs_tui.workspace import Workspace, journal_for
from tests.auth.conftest import isolated_dirs, memory_keyring

__all__ = ["isolated_dirs", "memory_keyring"]

START = datetime(2026, 11, 20, 8, 0)
PROD, UAT, TEST, TRAIN, PERF, DEV, BUILD = (
    demo.PROD_ENVIRONMENT_NAME,
    demo.UAT_ENVIRONMENT_NAME,
    demo.TEST_ENVIRONMENT_NAME,
    demo.TRAIN_ENVIRONMENT_NAME,
    demo.PERF_ENVIRONMENT_NAME,
    demo.DEV_ENVIRONMENT_NAME,
    demo.BUILD_ENVIRONMENT_NAME,
)


class TerminalInput(io.StringIO):
    """Standard input that claims to be a terminal, holding the user's answers."""

    def isatty(self) -> bool:
        return True


class PipedInput(io.StringIO):
    def isatty(self) -> bool:
        return False


@dataclass
class Result:
    code: int
    out: str
    err: str

    @property
    def json(self) -> Any:
        return json.loads(self.out)


def contoso_profile(**overrides: Any) -> Profile:
    values: dict[str, Any] = {
        "name": "contoso",
        "tenant": demo.TENANT_DOMAIN,
        "client_id": demo.CLIENT_ID,
        "username": demo.USERNAME,
        "project_id": demo.PROJECT_ID,
        "geography": "global",
        "sign_in_method": "password",
        "secret_store": "session",
    }
    values.update(overrides)
    return make_profile(**values)


@dataclass
class Harness:
    sim: Simulator
    clock: ManualClock
    capsys: pytest.CaptureFixture[str]
    monkeypatch: pytest.MonkeyPatch
    profile: Profile = field(default_factory=contoso_profile)
    #: Monotonic seconds as the commands see them; moves only with `sleep`.
    mono: float = 0.0
    sleeps: list[float] = field(default_factory=list)
    #: Called after every simulated sleep (tests inject faults mid-wait).
    on_sleep: Callable[[Harness], None] | None = None
    opened: list[Workspace] = field(default_factory=list)
    #: Wraps the simulator's LCS transport (tests that play a hostile or
    #: lossy network between the client and the simulator).
    wrap_transport: Callable[[httpx.AsyncBaseTransport], httpx.AsyncBaseTransport] | None = None
    #: Open the profile the command names, from the profiles file (the tests
    #: of several profiles), instead of `profile`.
    from_config: bool = False

    def install(self) -> None:
        self.monkeypatch.setattr(runtime.RUNTIME, "open_workspace", self.open_workspace)
        self.monkeypatch.setattr(runtime.RUNTIME, "sleep", self.sleep)
        self.monkeypatch.setattr(runtime.RUNTIME, "monotonic", lambda: self.mono)

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.mono += seconds
        self.clock.advance(timedelta(seconds=seconds))
        if self.on_sleep is not None:
            self.on_sleep(self)

    def open_workspace(self, args: argparse.Namespace) -> Workspace:
        """What `open_profile` builds, on the simulator's transports."""
        profile = self.profile
        if self.from_config:
            profile = load_config().get(getattr(args, "profile", None))
        transport = self.sim.async_transport()
        if self.wrap_transport is not None:
            transport = self.wrap_transport(transport)
        settings = HttpSettings(async_transport=transport, sync_transport=self.sim.sync_transport())
        session = Session(profile, open_secret_store(profile.secret_store), settings)
        client = LcsClient(
            api_host=profile.api_host,
            token_source=async_token_source(session),
            http=settings,
            user_key=profile.username or profile.name,
            sleep=self.sleep,  # the client's backoff, too, costs no real time
            clock=lambda: self.mono,  # and its pacing waits on the same clock
        )
        service = ProjectService(
            client,
            profile.project_id,
            profile=profile.name,
            journal=journal_for(profile.name),
            now=self.sim.clock.now,
        )
        workspace = Workspace(profile, session, client, service)
        self.opened.append(workspace)
        return workspace

    def run(self, *argv: str, answers: str | None = None) -> Result:
        """`lcs-tui ARGV`; `answers` makes stdin a terminal holding those lines."""
        stdin = TerminalInput(answers) if answers is not None else PipedInput("")
        self.monkeypatch.setattr("sys.stdin", stdin)
        self.capsys.readouterr()
        try:
            code = main(list(argv))
        except SystemExit as exc:  # argparse's usage errors
            code = int(exc.code or 0)
        captured = self.capsys.readouterr()
        return Result(code, captured.out, captured.err)

    def api_operations(self) -> list[Any]:
        return [op for op in self.sim.operations() if op.origin == "api"]


def demo_simulator(**kwargs: Any) -> Simulator:
    values: dict[str, Any] = {"clock": ManualClock(START), "failure_rate": 0.0}
    values.update(kwargs)
    sim = Simulator.demo(**values)
    # Rate limits count real time; tests run many commands within a second.
    sim.faults.limits_enabled = False
    return sim


@pytest.fixture
def sim() -> Simulator:
    return demo_simulator()


@pytest.fixture
def harness(
    isolated_dirs: dict[str, Path],
    sim: Simulator,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> Harness:
    monkeypatch.setenv("LCS_TUI_STATE_DIR", str(isolated_dirs["state"] / "lcs-tui"))
    # A pipeline's credentials: nothing stored, the password in the environment.
    monkeypatch.setenv(runtime.PASSWORD_ENV, demo.PASSWORD)
    clock = sim.clock
    assert isinstance(clock, ManualClock)
    made = Harness(sim, clock, capsys, monkeypatch)
    made.install()
    return made
