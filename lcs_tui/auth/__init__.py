"""Sign-in to Entra ID for LCS: MSAL sessions, the token cache, errors that teach.

Everything blocking here (MSAL, keyring) is a plain synchronous call, safe
from any thread; the async LCS client uses `async_token_source`.
"""

from lcs_tui.auth.errors import (
    SignInCancelled,
    SignInError,
    SignInRequired,
    SignInUnreachable,
    error_from_entra,
    explain_api_401,
)
from lcs_tui.auth.session import Account, DeviceFlow, Session, browser_available
from lcs_tui.auth.token_source import (
    AsyncTokenSource,
    ScopedTokenSource,
    async_token_source,
    scoped_token_source,
)

__all__ = [
    "Account",
    "AsyncTokenSource",
    "DeviceFlow",
    "ScopedTokenSource",
    "Session",
    "SignInCancelled",
    "SignInError",
    "SignInRequired",
    "SignInUnreachable",
    "async_token_source",
    "browser_available",
    "error_from_entra",
    "explain_api_401",
    "scoped_token_source",
]
