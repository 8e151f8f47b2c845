"""Every wait and every retry of the client ends (issue: a hostile or broken LCS).

Seen before: `Retry-After: 0`, `-1` or `nan` retried without end (1,090
requests in 25 s), `inf` and `1e12` raised OverflowError, `1e9` gave a hint
31 years away, a list that always says "more pages" was read for 16 minutes,
a body trickled at a byte a second kept a GET alive past 300 s, and a 500 MB
body was buffered whole.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from typing import Any

import httpx
import pytest

from lcs_tui.api import (
    LcsConnectionError,
    LcsMalformedResponse,
    LcsThrottled,
    OutcomeUnknown,
    RequestEvent,
    RetryPolicy,
)
from lcs_tui.api.client import MAX_LIST_PAGES
from lcs_tui.api.retry import (
    RETRY_AFTER_CEILING,
    RETRY_AFTER_DEFAULT,
    RETRY_AFTER_FLOOR,
    retry_after,
)
from tests.api.helpers import client_for

PAGE = {"IsSuccess": True, "Data": [], "ResultHasMorePages": False}
NOW = datetime(2026, 11, 20, 8, 0, tzinfo=timezone.utc)


def naive_utcnow() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


# ------------------------------------------------------------------ Retry-After


@pytest.mark.parametrize(
    ("value", "seconds", "beyond"),
    [
        ("7", 7.0, False),
        ("0", RETRY_AFTER_FLOOR, False),
        ("-1", RETRY_AFTER_FLOOR, False),
        ("nan", RETRY_AFTER_FLOOR, False),
        ("-inf", RETRY_AFTER_FLOOR, False),
        ("0.001", RETRY_AFTER_FLOOR, False),
        ("inf", RETRY_AFTER_CEILING, True),
        ("1e9", RETRY_AFTER_CEILING, True),
        ("1e12", RETRY_AFTER_CEILING, True),
        ("1e400", RETRY_AFTER_CEILING, True),
        ("9" * 5000, RETRY_AFTER_DEFAULT, False),
        ("soon", RETRY_AFTER_DEFAULT, False),
        ("", RETRY_AFTER_DEFAULT, False),
        (None, RETRY_AFTER_DEFAULT, False),
        (format_datetime(NOW + timedelta(seconds=45), usegmt=True), 45.0, False),
        (format_datetime(NOW - timedelta(hours=1), usegmt=True), RETRY_AFTER_FLOOR, False),
        ("Fri, 31 Dec 9999 23:59:59 GMT", RETRY_AFTER_CEILING, True),
        ("Mon, 01 Jan 0001 00:00:00 GMT", RETRY_AFTER_FLOOR, False),
        ("Mon, 32 Foo 2026 99:99:99 GMT", RETRY_AFTER_DEFAULT, False),
    ],
)
def test_retry_after_is_always_a_bounded_wait(
    value: str | None, seconds: float, beyond: bool
) -> None:
    wait = retry_after(value, now=NOW)
    assert wait.seconds == pytest.approx(seconds, abs=1.0)
    assert wait.beyond_ceiling is beyond
    assert RETRY_AFTER_FLOOR <= wait.seconds <= RETRY_AFTER_CEILING


def throttled(value: str) -> Any:
    requests: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        requests.append(request)
        return httpx.Response(429, headers={"Retry-After": value})

    return requests, handler


@pytest.mark.parametrize("value", ["0", "-1", "nan", "0.0001", "garbage"])
async def test_a_429_that_never_ends_gives_up_after_a_few_waits(value: str) -> None:
    requests, handler = throttled(value)
    sleeps: list[float] = []
    events: list[RequestEvent] = []
    async with client_for(handler, sleeps=sleeps, events=events) as client:
        with pytest.raises(LcsThrottled) as caught:
            await client.environment_page(1)
    policy = RetryPolicy()
    throttle_waits = [e.waited for e in events if e.kind == "wait" and e.status == 429]
    # Bounded by the number of 429s waited out, or by the total wait when
    # each is long (an unreadable value is waited as a minute).
    assert len(throttle_waits) <= policy.max_throttle_retries
    assert sum(throttle_waits) <= policy.max_throttle_total
    assert len(requests) == len(throttle_waits) + 1
    assert all(s >= RETRY_AFTER_FLOOR for s in throttle_waits)  # never a tight loop
    assert len([e for e in events if e.kind == "wait"]) == len(sleeps)  # each wait reported
    retry_at = caught.value.retry_at
    assert naive_utcnow() <= retry_at <= naive_utcnow() + timedelta(seconds=RETRY_AFTER_CEILING)
    assert "throttling" in str(caught.value)


@pytest.mark.parametrize("value", ["inf", "1e9", "1e12", "1e400", "Fri, 31 Dec 9999 23:59:59 GMT"])
async def test_an_absurd_retry_after_gives_up_at_once_with_a_near_retry_time(value: str) -> None:
    requests, handler = throttled(value)
    sleeps: list[float] = []
    async with client_for(handler, sleeps=sleeps) as client:
        with pytest.raises(LcsThrottled) as caught:
            await client.environment_page(1)
    assert len(requests) == 1 and sleeps == []
    retry_at = caught.value.retry_at
    assert retry_at <= naive_utcnow() + timedelta(seconds=RETRY_AFTER_CEILING)
    assert "more than an hour" in str(caught.value)


async def test_an_operation_start_throttled_for_ever_is_not_sent_more_than_a_few_times() -> None:
    requests, handler = throttled("0")
    async with client_for(handler) as client:
        with pytest.raises(LcsThrottled):
            await client.start_environment(1, "env")
    assert len(requests) <= RetryPolicy().max_throttle_retries + 1


async def test_every_call_has_a_total_time_limit() -> None:
    # Each 429 asks for 100 s: within the single-wait bound, but five of
    # them would pass the call's total time.
    requests, handler = throttled("100")
    sleeps: list[float] = []
    policy = RetryPolicy(max_call_time=250.0, max_throttle_total=10_000.0)
    async with client_for(handler, sleeps=sleeps, retry=policy) as client:
        with pytest.raises(LcsThrottled):
            await client.environment_page(1)
    assert sum(sleeps) <= 250.0
    assert len(requests) == 3


async def test_every_call_has_an_attempt_limit() -> None:
    attempts: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        attempts.append(1)
        # 401, then 503s, then 429s: each kind within its own bound.
        if len(attempts) == 1:
            return httpx.Response(401)
        if len(attempts) <= 4:
            return httpx.Response(503)
        return httpx.Response(429, headers={"Retry-After": "1"})

    policy = RetryPolicy(max_attempts=6)
    async with client_for(handler, retry=policy) as client:
        with pytest.raises(LcsThrottled):
            await client.environment_page(1)
    assert len(attempts) == 6


# ------------------------------------------------------------- request deadline


async def trickle() -> AsyncIterator[bytes]:
    """One byte at a time, for ever: each read is quick, the answer never ends."""
    yield b'{"IsSuccess": true, "Data": ['
    while True:
        await asyncio.sleep(0.01)
        yield b" "


def trickling(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, content=trickle())


async def test_a_trickled_answer_to_a_get_ends_at_the_request_deadline() -> None:
    events: list[RequestEvent] = []
    async with client_for(trickling, deadline=0.3, events=events) as client:
        with pytest.raises(LcsConnectionError) as caught:
            await client.list_backups(1)
    assert "within 0.3 s" in str(caught.value)
    assert [e.status for e in events] == [None]  # not retried: it would be as slow again


async def test_a_trickled_answer_to_an_operation_start_is_outcome_unknown() -> None:
    async with client_for(trickling, deadline=0.3) as client:
        with pytest.raises(OutcomeUnknown) as caught:
            await client.start_refresh(1, "a", "b")
    assert "history" in str(caught.value)


async def test_a_server_that_never_answers_ends_at_the_request_deadline() -> None:
    async def silent(request: httpx.Request) -> httpx.Response:
        await asyncio.Event().wait()
        raise AssertionError("unreachable")

    async with client_for(silent, deadline=0.2) as client:
        with pytest.raises(LcsConnectionError):
            await client.environment_page(1)


# --------------------------------------------------------------------- size cap

MIB = 1024 * 1024


class Endless:
    """A 500 MB body produced on demand; counts what was taken from it."""

    def __init__(self, total: int = 500 * MIB) -> None:
        self.total = total
        self.given = 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        chunk = b" " * MIB
        yield b'{"IsSuccess": true, "DatabaseAssets": ['
        while self.given < self.total:
            self.given += len(chunk)
            yield chunk


@pytest.mark.parametrize("announced", [True, False], ids=["content-length", "chunked"])
async def test_a_huge_answer_is_refused_once_past_the_cap_not_buffered(announced: bool) -> None:
    body = Endless()
    headers = {"Content-Length": str(body.total + 40)} if announced else {}

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=body, headers=headers)

    async with client_for(handler, max_answer_bytes=4 * MIB) as client:
        with pytest.raises(LcsMalformedResponse) as caught:
            await client.list_backups(1)
    assert "larger than 4 MiB" in str(caught.value)
    assert body.given <= 5 * MIB  # reading stopped at the cap


async def test_a_huge_answer_to_an_operation_start_is_outcome_unknown() -> None:
    body = Endless()
    async with client_for(
        lambda request: httpx.Response(200, content=body), max_answer_bytes=2 * MIB
    ) as client:
        with pytest.raises(OutcomeUnknown):
            await client.start_export(1, "env", "name")
    assert body.given <= 3 * MIB


async def test_a_huge_error_page_is_read_only_as_far_as_it_is_quoted() -> None:
    body = Endless()
    async with client_for(lambda request: httpx.Response(404, content=body)) as client:
        with pytest.raises(Exception) as caught:
            await client.list_backups(1)
    assert "HTTP 404" in str(caught.value)
    assert body.given <= 2 * MIB


async def test_an_answer_within_the_cap_is_read() -> None:
    async with client_for(
        lambda request: httpx.Response(200, json=PAGE), max_answer_bytes=1024
    ) as client:
        page = await client.environment_page(1)
    assert list(page.items) == []


# ----------------------------------------------------------------------- paging


def env_item(index: int) -> dict[str, Any]:
    return {"EnvironmentId": f"env-{index}", "EnvironmentName": f"ENV-{index}"}


async def test_a_list_that_always_says_more_stops_with_a_warning() -> None:
    pages: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        page = int(request.url.params["page"])
        pages.append(page)
        body = {"IsSuccess": True, "Data": [env_item(page)], "ResultHasMorePages": True}
        return httpx.Response(200, json=body)

    events: list[RequestEvent] = []
    async with client_for(handler, events=events) as client:
        envs = await client.list_environments(1)
    assert len(pages) == MAX_LIST_PAGES and len(envs) == MAX_LIST_PAGES
    warnings = [e for e in events if e.warning]
    assert len(warnings) == 1
    assert f"after {MAX_LIST_PAGES} pages" in (warnings[0].note or "")


async def test_a_list_that_repeats_its_page_stops_with_a_warning() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        body = {"IsSuccess": True, "Data": [env_item(1)], "ResultHasMorePages": True}
        return httpx.Response(200, json=body)

    events: list[RequestEvent] = []
    async with client_for(handler, events=events) as client:
        envs = await client.list_environments(1)
    assert [e.id for e in envs] == ["env-1"]
    assert [e.note for e in events if e.warning] == [
        "LCS said more environments follow, but page 2 brought no new ones; "
        "showing the 1 read so far"
    ]


async def test_a_complete_list_has_no_warning() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        page = int(request.url.params["page"])
        body = {"IsSuccess": True, "Data": [env_item(page)], "ResultHasMorePages": page < 3}
        return httpx.Response(200, json=body)

    events: list[RequestEvent] = []
    async with client_for(handler, events=events) as client:
        envs = await client.list_environments(1)
    assert len(envs) == 3 and not [e for e in events if e.warning]


async def test_history_that_always_says_more_stops_with_a_warning() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        entry = {"ActivityId": request.url.params["page"], "Status": "Completed"}
        return httpx.Response(
            200, json={"IsSuccess": True, "Data": [entry], "ResultHasMorePages": True}
        )

    events: list[RequestEvent] = []
    async with client_for(handler, events=events) as client:
        entries = [entry async for entry in client.iter_history(1, "env")]
    assert len(entries) == MAX_LIST_PAGES
    assert len([e for e in events if e.warning]) == 1
