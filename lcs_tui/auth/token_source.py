"""The bridge from the async LCS client to the blocking Session."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from lcs_tui.auth.session import Session


#: How long a token is handed out again without asking the session.
REUSE_SECONDS = 30.0


class AsyncTokenSource(Protocol):
    def __call__(self, *, force_refresh: bool = False) -> Awaitable[str]: ...


class ScopedTokenSource(Protocol):
    """A token for one audience (`scope`): the Power Platform client asks for
    the Power Platform API's, the BAP admin API's and Dataverse organisations'."""

    def __call__(self, *, scope: str, force_refresh: bool = False) -> Awaitable[str]: ...


def async_token_source(session: Session) -> AsyncTokenSource:
    """`await source(force_refresh=False)` gives a bearer token.

    The blocking MSAL/keyring work runs in a worker thread (asyncio.to_thread)
    so the event loop never stalls. SignInRequired / SignInError propagate to
    the awaiting caller unchanged.
    """

    # A token the session obtained moments ago (by a sign-in or an earlier
    # call) is handed out again without asking MSAL and a thread: a burst of
    # calls (the first load makes seven, right after signing in) should not
    # pay a thread hop and a cache lookup each. MSAL renews well before
    # expiry, and a 401 asks with force_refresh, which bypasses this.

    async def source(*, force_refresh: bool = False) -> str:
        if not force_refresh:
            recent = session.recent_token(REUSE_SECONDS)
            if recent is not None:
                return recent
        return await asyncio.to_thread(session.acquire_token, force_refresh=force_refresh)

    return source


def scoped_token_source(session: Session) -> ScopedTokenSource:
    """`async_token_source` for several audiences of one sign-in."""

    async def source(*, scope: str, force_refresh: bool = False) -> str:
        if not force_refresh:
            recent = session.recent_token(REUSE_SECONDS, scope=scope)
            if recent is not None:
                return recent
        return await asyncio.to_thread(
            session.acquire_token, force_refresh=force_refresh, scope=scope
        )

    return source
