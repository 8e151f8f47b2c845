"""Test helpers for the API client: a token source and a client factory."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import httpx

from lcs_tui.api import LcsClient, RequestEvent, RetryPolicy
from lcs_tui.http import DEFAULT_MAX_ANSWER_BYTES, DEFAULT_REQUEST_DEADLINE, HttpSettings


class CountingTokens:
    """A token source that hands out numbered tokens and counts renewals."""

    def __init__(self) -> None:
        self.calls = 0
        self.forced = 0

    async def __call__(self, *, force_refresh: bool = False) -> str:
        self.calls += 1
        if force_refresh:
            self.forced += 1
        return f"test-token-{self.forced}"


async def no_sleep(_seconds: float) -> None:
    return None


Handler = Callable[[httpx.Request], httpx.Response | Awaitable[httpx.Response]]


def client_for(
    handler: Handler,
    *,
    events: list[RequestEvent] | None = None,
    tokens: CountingTokens | None = None,
    sleeps: list[float] | None = None,
    retry: RetryPolicy | None = None,
    deadline: float = DEFAULT_REQUEST_DEADLINE,
    max_answer_bytes: int = DEFAULT_MAX_ANSWER_BYTES,
) -> LcsClient:
    """An LcsClient whose network is `handler` and whose sleeps are instant.

    Its clock moves only with its sleeps, so the rate limiter's waits end as
    they would in real time.
    """
    now = [0.0]

    async def sleep(seconds: float) -> None:
        now[0] += seconds
        if sleeps is not None:
            sleeps.append(seconds)

    return LcsClient(
        api_host="https://lcsapi.lcs.dynamics.com",
        token_source=tokens or CountingTokens(),
        http=HttpSettings(
            async_transport=httpx.MockTransport(handler),
            request_deadline=deadline,
            max_answer_bytes=max_answer_bytes,
        ),
        observer=events.append if events is not None else None,
        retry=retry,
        clock=lambda: now[0],
        sleep=sleep,
    )
