"""Each error path of the client, against a scripted server."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest

from lcs_tui.api import (
    LcsAuthError,
    LcsConnectionError,
    LcsHttpError,
    LcsMalformedResponse,
    LcsRejected,
    LcsThrottled,
    OutcomeUnknown,
    RequestEvent,
    TokenUnavailable,
)
from tests.api.helpers import CountingTokens, client_for

OK = {
    "IsSuccess": True,
    "OperationActivityId": "op-1",
    "ErrorMessage": None,
    "VersionEOL": "9999-12-31T23:59:59.9999999",
    "DatabaseAssets": [],
}


def scripted(*answers: httpx.Response | Exception) -> tuple[list[httpx.Request], object]:
    """A handler answering the given responses in order (the last one repeats)."""
    requests: list[httpx.Request] = []
    queue: Iterator[httpx.Response | Exception] = iter(answers)
    last: list[httpx.Response | Exception] = [answers[-1]]

    def handler(request: httpx.Request) -> httpx.Response:
        requests.append(request)
        answer = next(queue, last[0])
        if isinstance(answer, Exception):
            raise answer
        return answer

    return requests, handler


def ok() -> httpx.Response:
    return httpx.Response(200, json=OK)


async def test_401_is_answered_with_one_silent_renewal() -> None:
    tokens = CountingTokens()
    requests, handler = scripted(httpx.Response(401), ok())
    async with client_for(handler, tokens=tokens) as client:  # type: ignore[arg-type]
        await client.list_backups(1)
    assert tokens.forced == 1
    assert [r.headers["Authorization"] for r in requests] == [
        "Bearer test-token-0",
        "Bearer test-token-1",
    ]


async def test_second_401_is_an_auth_error_that_explains() -> None:
    tokens = CountingTokens()
    requests, handler = scripted(httpx.Response(401))
    async with client_for(handler, tokens=tokens) as client:  # type: ignore[arg-type]
        with pytest.raises(LcsAuthError) as caught:
            await client.list_backups(1)
    assert len(requests) == 2 and tokens.forced == 1
    assert "geography" in str(caught.value)
    assert "test-token" not in str(caught.value)


async def test_429_waits_retry_after_reports_it_and_retries() -> None:
    sleeps: list[float] = []
    events: list[RequestEvent] = []
    page = {"IsSuccess": True, "Data": [], "ResultHasMorePages": False}
    _, handler = scripted(
        httpx.Response(429, headers={"Retry-After": "7"}), httpx.Response(200, json=page)
    )
    async with client_for(handler, sleeps=sleeps, events=events) as client:  # type: ignore[arg-type]
        result = await client.environment_page(1)
    assert list(result.items) == []
    assert sleeps == [7.0]
    waits = [e for e in events if e.kind == "wait"]
    assert len(waits) == 1 and waits[0].waited == 7.0 and "7 s" in (waits[0].note or "")


async def test_429_longer_than_the_bound_gives_up_with_the_retry_time() -> None:
    _, handler = scripted(httpx.Response(429, headers={"Retry-After": "3600"}))
    async with client_for(handler) as client:  # type: ignore[arg-type]
        with pytest.raises(LcsThrottled) as caught:
            await client.environment_page(1)
    assert caught.value.retry_at is not None


async def test_get_retries_gateway_errors_then_succeeds() -> None:
    sleeps: list[float] = []
    requests, handler = scripted(
        httpx.Response(503, text="<html>busy</html>"), httpx.Response(502), ok()
    )
    async with client_for(handler, sleeps=sleeps) as client:  # type: ignore[arg-type]
        await client.list_backups(1)
    assert len(requests) == 3 and len(sleeps) == 2
    assert all(0 < s <= 8 for s in sleeps)


async def test_get_gives_up_after_a_few_retries() -> None:
    requests, handler = scripted(httpx.Response(503, text="<html>busy</html>"))
    async with client_for(handler) as client:  # type: ignore[arg-type]
        with pytest.raises(LcsHttpError) as caught:
            await client.list_backups(1)
    assert len(requests) == 4
    assert caught.value.status == 503
    assert "<html>" not in str(caught.value)


async def test_get_connect_errors_become_a_connection_error() -> None:
    requests, handler = scripted(httpx.ConnectError("refused"))
    async with client_for(handler) as client:  # type: ignore[arg-type]
        with pytest.raises(LcsConnectionError):
            await client.list_backups(1)
    assert len(requests) == 4


@pytest.mark.parametrize(
    "failure",
    [
        httpx.RemoteProtocolError("Server disconnected without sending a response."),
        httpx.ReadTimeout("read timed out"),
        httpx.Response(502),
        httpx.Response(500),
        httpx.Response(200, text="<html><body>Gateway</body></html>"),
        httpx.Response(200, text='{"IsSuccess": tr'),
    ],
    ids=["dropped", "read-timeout", "502", "500", "html", "truncated"],
)
async def test_operation_start_is_never_retried_and_outcome_is_unknown(
    failure: httpx.Response | Exception,
) -> None:
    requests, handler = scripted(failure, ok())
    async with client_for(handler) as client:  # type: ignore[arg-type]
        with pytest.raises(OutcomeUnknown) as caught:
            await client.start_refresh(1, "src", "tgt")
    assert len(requests) == 1
    assert "history" in str(caught.value)


async def test_operation_start_that_could_not_connect_says_nothing_was_sent() -> None:
    requests, handler = scripted(httpx.ConnectError("refused"), ok())
    async with client_for(handler) as client:  # type: ignore[arg-type]
        with pytest.raises(LcsConnectionError) as caught:
            await client.start_export(1, "env", "name")
    assert len(requests) == 1
    assert "nothing was sent" in str(caught.value)


async def test_rejection_carries_lcs_message_and_activity_id() -> None:
    body = {
        "IsSuccess": False,
        "OperationActivityId": "act-9",
        "ErrorMessage": "Target environment must be a sandbox environment.",
    }
    _, handler = scripted(httpx.Response(200, json=body))
    async with client_for(handler) as client:  # type: ignore[arg-type]
        with pytest.raises(LcsRejected) as caught:
            await client.start_refresh(1, "prod", "prod2")
    assert caught.value.error_message == "Target environment must be a sandbox environment."
    assert caught.value.activity_id == "act-9"
    assert "act-9" in str(caught.value)


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"<html>Service Unavailable</html>",
        b"[1, 2]",
        b'{"IsSuccess": true, "Data": 5}',
        b'{"IsSuccess": "maybe"}',
    ],
    ids=["empty", "html", "array", "data-not-list", "success-not-bool"],
)
async def test_malformed_answers_to_gets_are_a_typed_error(body: bytes) -> None:
    _, handler = scripted(httpx.Response(200, content=body))
    async with client_for(handler) as client:  # type: ignore[arg-type]
        with pytest.raises(LcsMalformedResponse):
            await client.environment_page(1)


async def test_observer_sees_every_request_without_secrets() -> None:
    events: list[RequestEvent] = []
    _, handler = scripted(httpx.Response(401), ok())
    async with client_for(handler, events=events) as client:  # type: ignore[arg-type]
        await client.list_backups(42)
    assert [(e.method, e.path, e.status) for e in events] == [
        ("GET", "/databasemovement/v1/databases/project/42", 401),
        ("GET", "/databasemovement/v1/databases/project/42", 200),
    ]
    assert events[1].activity_id == "op-1"
    assert "test-token" not in json.dumps([repr(e) for e in events])


async def test_a_failing_token_source_becomes_token_unavailable_with_its_cause() -> None:
    class NotSignedIn(Exception):
        message = "not signed in"
        hint = "run lcs-tui login"

    async def tokens(*, force_refresh: bool = False) -> str:
        raise NotSignedIn()

    requests, handler = scripted(ok())
    client = client_for(handler)  # type: ignore[arg-type]
    client._token_source = tokens
    async with client:
        with pytest.raises(TokenUnavailable) as caught:
            await client.list_backups(1)
    assert requests == []
    assert isinstance(caught.value.__cause__, NotSignedIn)
    assert "run lcs-tui login" in str(caught.value)


def dated(value: str) -> httpx.Response:
    return httpx.Response(200, json=OK, headers={"Date": value})


async def test_lcs_clock_from_its_date_header_when_ours_is_off_by_more_than_a_minute() -> None:
    from datetime import datetime, timedelta, timezone
    from email.utils import format_datetime

    def utc(delta: timedelta) -> str:
        return format_datetime(datetime.now(timezone.utc) + delta, usegmt=True)

    def naive_now() -> datetime:
        return datetime.now(timezone.utc).replace(tzinfo=None)

    _, handler = scripted(
        dated(utc(timedelta(hours=2))),  # our clock is two hours behind LCS's
        dated(utc(timedelta(seconds=20))),  # within the tolerance: ours is kept
        dated("not a date"),  # says nothing about the clock
    )
    async with client_for(handler) as client:  # type: ignore[arg-type]
        assert abs(client.server_now() - naive_now()) < timedelta(seconds=2)
        await client.list_backups(1)
        ahead = client.server_now() - naive_now()
        assert timedelta(hours=2) - timedelta(seconds=3) < ahead < timedelta(hours=2, seconds=3)
        await client.list_backups(1)
        assert abs(client.server_now() - naive_now()) < timedelta(seconds=2)
        await client.list_backups(1)
        assert abs(client.server_now() - naive_now()) < timedelta(seconds=2)
