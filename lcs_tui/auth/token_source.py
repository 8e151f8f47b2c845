"""The bridge from the async LCS client to the blocking Session."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from lcs_tui.auth.session import Session


#: How long a token is handed out again without asking the session.
REUSE_SECONDS = 30.0


class AsyncTokenSource(Protocol):
    def __call__(self, *, force_refresh: bool = False) -> Awaitable[str]: ...


def async_token_source(session: Session) -> AsyncTokenSource:
    """`await source(force_refresh=False)` gives a bearer token.

    The blocking MSAL/keyring work runs in a worker thread (asyncio.to_thread)
    so the event loop never stalls. SignInRequired / SignInError propagate to
    the awaiting caller unchanged.
    """

    # The same token is handed out for a short while without asking MSAL (and
    # a thread) again: a burst of calls (the first load makes seven) should
    # not pay a thread hop and a cache lookup each. MSAL renews well before
    # expiry, and a 401 asks with force_refresh, which bypasses this.
    last: list[tuple[str, float]] = []

    async def source(*, force_refresh: bool = False) -> str:
        now = time.monotonic()
        if not force_refresh and last and now - last[0][1] < REUSE_SECONDS:
            return last[0][0]
        token = await asyncio.to_thread(session.acquire_token, force_refresh=force_refresh)
        last[:] = [(token, now)]
        return token

    return source
