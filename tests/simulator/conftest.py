"""Fixtures: a simulator on a manual clock with a small project, an API client, a token."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest

from lcs_tui.simulator import ManualClock, Simulator

from .support import START, Envs, FakeTime, sign_in


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
def rate_time() -> FakeTime:
    return FakeTime()


@pytest.fixture
def sim(clock: ManualClock, rate_time: FakeTime) -> Simulator:
    # Tokens last a simulated week here, so that tests moving the clock by
    # hours need not sign in again; the expiry tests build their own.
    return Simulator(
        clock=clock,
        seed=7,
        rate_time=rate_time,
        device_code_interval=1,
        token_lifetime=timedelta(days=7),
    )


@pytest.fixture
def envs(sim: Simulator) -> Envs:
    """Production, two sandboxes and a customer-managed dev box."""
    prod = sim.add_environment("FAB-PROD", environment_type="Production")
    uat = sim.add_environment("FAB-UAT")
    test = sim.add_environment("FAB-TEST")
    dev = sim.add_environment(
        "FAB-DEV", environment_type="DevTestDev", infrastructure="CustomerManaged"
    )
    return Envs(prod.environment_id, uat.environment_id, test.environment_id, dev.environment_id)


@pytest.fixture
def token(sim: Simulator) -> str:
    return sign_in(sim)


@pytest.fixture
async def client(sim: Simulator) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=sim.async_transport()) as client:
        yield client
