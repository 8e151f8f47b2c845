"""A Power Platform client on a fake transport, with a token source that says its audience."""

from __future__ import annotations

from collections.abc import Callable

import httpx

from lcs_tui.api import RequestEvent, RetryPolicy
from lcs_tui.http import HttpSettings
from lcs_tui.ppac.client import PowerPlatformClient
from tests.ppac.fake import BAP, PP, FakePowerPlatform

PP_SCOPE = "https://api.powerplatform.com/.default"
BAP_SCOPE = "https://service.powerapps.com/.default"


class ScopedTokens:
    """Tokens that name their audience (`tok:<scope>:<n>`), and a count of renewals."""

    def __init__(self) -> None:
        self.asked: list[tuple[str, bool]] = []

    async def __call__(self, *, scope: str, force_refresh: bool = False) -> str:
        self.asked.append((scope, force_refresh))
        renewals = sum(1 for s, forced in self.asked if s == scope and forced)
        return f"tok:{scope}:{renewals}"


def client_on(
    handler: FakePowerPlatform | Callable[[httpx.Request], httpx.Response],
    *,
    events: list[RequestEvent] | None = None,
    tokens: ScopedTokens | None = None,
    sleeps: list[float] | None = None,
    retry: RetryPolicy | None = None,
    deadline: float = 120.0,
) -> PowerPlatformClient:
    """A client whose network is `handler` and whose sleeps are instant (and recorded)."""
    now = [0.0]

    async def sleep(seconds: float) -> None:
        now[0] += seconds
        if sleeps is not None:
            sleeps.append(seconds)

    transport = (
        handler.transport()
        if isinstance(handler, FakePowerPlatform)
        else httpx.MockTransport(handler)
    )
    return PowerPlatformClient(
        api_host=PP,
        bap_host=BAP,
        scope=PP_SCOPE,
        bap_scope=BAP_SCOPE,
        token_source=tokens or ScopedTokens(),
        http=HttpSettings(async_transport=transport, request_deadline=deadline),
        observer=events.append if events is not None else None,
        retry=retry,
        clock=lambda: now[0],
        sleep=sleep,
    )
