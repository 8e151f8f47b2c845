"""Simulator clocks."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from lcs_tui.simulator import ManualClock, ScaledClock


def test_manual_clock_moves_only_when_told() -> None:
    clock = ManualClock(datetime(2026, 1, 1))
    assert clock.now() == clock.now() == datetime(2026, 1, 1)
    assert clock.advance(timedelta(minutes=90)) == datetime(2026, 1, 1, 1, 30)
    clock.set(datetime(2025, 12, 31))
    assert clock.now() == datetime(2025, 12, 31)
    assert clock.rate == 1.0
    with pytest.raises(ValueError):
        clock.advance(timedelta(seconds=-1))


def test_manual_clock_turns_an_aware_start_into_naive_utc() -> None:
    clock = ManualClock(datetime(2026, 1, 1, 10, 0, tzinfo=timezone(timedelta(hours=2))))
    assert clock.now() == datetime(2026, 1, 1, 8, 0)


def test_scaled_clock_runs_faster_than_real_time() -> None:
    real = [100.0]
    clock = ScaledClock(120.0, start=datetime(2026, 1, 1), real_time=lambda: real[0])
    assert clock.now() == datetime(2026, 1, 1)
    real[0] += 30
    assert clock.now() == datetime(2026, 1, 1, 1, 0)
    assert clock.rate == 120.0
    with pytest.raises(ValueError):
        ScaledClock(0)
