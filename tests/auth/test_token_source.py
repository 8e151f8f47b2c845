"""The async LCS client gets tokens without blocking the event loop."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

from lcs_tui.auth import Session, SignInRequired, async_token_source
from lcs_tui.simulator import ManualClock, Simulator, demo
from tests.auth.simhelp import START, backups_status, session

pytestmark = pytest.mark.filterwarnings(
    "ignore:This API has been deprecated for public client flows:DeprecationWarning"
)


class SlowSession:
    """Blocks like a keyring unlock or a slow token endpoint."""

    def __init__(self) -> None:
        self.calls: list[tuple[bool, int]] = []

    def recent_token(self, max_age: float) -> str | None:
        return None  # nothing obtained lately: every call asks

    def acquire_token(self, *, force_refresh: bool = False) -> str:
        self.calls.append((force_refresh, threading.get_ident()))
        time.sleep(0.3)
        return "token-2" if force_refresh else "token-1"


async def test_the_event_loop_keeps_running_while_a_token_is_fetched() -> None:
    slow = SlowSession()
    source = async_token_source(slow)  # type: ignore[arg-type]
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.02)
            ticks += 1

    task = asyncio.create_task(ticker())
    assert await source() == "token-1"
    assert await source(force_refresh=True) == "token-2"
    task.cancel()
    assert ticks >= 10  # ~0.6 s of waiting, the loop was never blocked
    assert [force for force, _ in slow.calls] == [False, True]
    assert all(ident != threading.get_ident() for _, ident in slow.calls)


async def test_renewal_through_the_async_source() -> None:
    sim = Simulator(clock=ManualClock(START))
    s: Session = session(sim)
    source = async_token_source(s)
    with pytest.raises(SignInRequired):
        await source()
    await asyncio.to_thread(s.sign_in_with_password, demo.PASSWORD)
    first = await source()
    sim.expire_tokens()
    renewed = await source(force_refresh=True)
    assert renewed != first and backups_status(sim, renewed) == 200


async def test_calls_right_after_sign_in_reuse_its_token_and_a_renewal_always_asks() -> None:
    sim = Simulator(clock=ManualClock(START))
    s: Session = session(sim)
    asked: list[bool] = []
    acquire = s.acquire_token

    def counting(*, force_refresh: bool = False) -> str:
        asked.append(force_refresh)
        return acquire(force_refresh=force_refresh)

    s.acquire_token = counting  # type: ignore[method-assign]
    source = async_token_source(s)
    await asyncio.to_thread(s.sign_in_with_password, demo.PASSWORD)
    burst = [await source() for _ in range(7)]  # the first load's seven calls
    assert asked == []  # the sign-in's own token, no MSAL lookup, no thread
    assert len(set(burst)) == 1 and backups_status(sim, burst[0]) == 200
    sim.expire_tokens()
    renewed = await source(force_refresh=True)
    assert asked == [True] and renewed != burst[0]
    assert await source() == renewed  # the renewal's token serves what follows


def test_a_token_is_reused_only_while_recent_and_never_after_sign_out() -> None:
    sim = Simulator(clock=ManualClock(START))
    s: Session = session(sim)
    assert s.recent_token(30) is None
    s.sign_in_with_password(demo.PASSWORD)
    token = s.recent_token(30)
    assert token is not None and backups_status(sim, token) == 200
    assert s.recent_token(0) is None  # older than asked for
    s.sign_out()
    assert s.recent_token(30) is None
