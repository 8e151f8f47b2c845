"""Test helpers for the API client: a token source and a client factory."""

from __future__ import annotations

from collections.abc import Callable

import httpx

from lcs_tui.api import LcsClient, RequestEvent
from lcs_tui.http import HttpSettings


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


def client_for(
    handler: Callable[[httpx.Request], httpx.Response],
    *,
    events: list[RequestEvent] | None = None,
    tokens: CountingTokens | None = None,
    sleeps: list[float] | None = None,
) -> LcsClient:
    """An LcsClient whose network is `handler` and whose sleeps are instant."""

    async def sleep(seconds: float) -> None:
        if sleeps is not None:
            sleeps.append(seconds)

    return LcsClient(
        api_host="https://lcsapi.lcs.dynamics.com",
        token_source=tokens or CountingTokens(),
        http=HttpSettings(async_transport=httpx.MockTransport(handler)),
        observer=events.append if events is not None else None,
        sleep=sleep,
    )
