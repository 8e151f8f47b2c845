"""The bridge from the async LCS client to the blocking Session."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from lcs_tui.auth.session import Session


class AsyncTokenSource(Protocol):
    def __call__(self, *, force_refresh: bool = False) -> Awaitable[str]: ...


def async_token_source(session: Session) -> AsyncTokenSource:
    """`await source(force_refresh=False)` gives a bearer token.

    The blocking MSAL/keyring work runs in a worker thread (asyncio.to_thread)
    so the event loop never stalls. SignInRequired / SignInError propagate to
    the awaiting caller unchanged.
    """

    async def source(*, force_refresh: bool = False) -> str:
        return await asyncio.to_thread(session.acquire_token, force_refresh=force_refresh)

    return source
