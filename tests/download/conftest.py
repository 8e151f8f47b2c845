"""A simulator on a manual clock (tokens last a simulated week) and a temp folder."""

from __future__ import annotations

from datetime import timedelta

import pytest

from lcs_tui.simulator import ManualClock, Simulator

from .support import START


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
def sim(clock: ManualClock) -> Simulator:
    return Simulator(clock=clock, seed=3, token_lifetime=timedelta(days=7))
