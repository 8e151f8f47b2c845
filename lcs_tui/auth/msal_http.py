"""MSAL's `http_client`, built on the project's httpx stack.

MSAL needs an object with `get(url, params, headers)` and `post(url, params,
data, headers)` returning something with `status_code`, `text`, `headers` and
`raise_for_status()` (msal/oauth2cli/http.py). Going through
`make_sync_client` means the profile's proxy and CA bundle apply to sign-in
too, and tests can swap the network for the simulator.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx

from lcs_tui.http import HttpSettings, make_sync_client


class AuthHttpError(Exception):
    """An HTTP error status MSAL asked to raise (no body: it may echo input)."""

    def __init__(self, status_code: int, url: str) -> None:
        super().__init__(f"HTTP {status_code} from {urlsplit(url).netloc}")
        self.status_code = status_code


class MsalResponse:
    def __init__(self, response: httpx.Response) -> None:
        self.status_code = response.status_code
        self.text = response.text
        self.headers: dict[str, str] = dict(response.headers)
        self._url = str(response.request.url)

    def raise_for_status(self) -> None:
        if self.status_code >= 400:
            raise AuthHttpError(self.status_code, self._url)


class MsalHttpClient:
    """Thread-safe: httpx.Client may be shared between threads."""

    def __init__(self, settings: HttpSettings, authority: str) -> None:
        self._client = make_sync_client(settings)
        parts = urlsplit(authority)
        # MSAL builds the user-realm URL from the authority's host name alone
        # (msal/authority.py, user_realm_discovery), dropping any port. Real
        # Entra authorities have none; a local one (the simulator on
        # loopback) does, so put it back for requests to that host.
        self._portless_host = parts.hostname if parts.port is not None else None
        self._netloc = parts.netloc

    def get(
        self,
        url: str,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, Any] | None = None,
        **kwargs: Any,
    ) -> MsalResponse:
        response = self._client.get(
            self._fix_url(url), params=_clean(params), headers=_clean(headers)
        )
        return MsalResponse(response)

    def post(
        self,
        url: str,
        params: Mapping[str, Any] | None = None,
        data: Mapping[str, Any] | str | bytes | None = None,
        headers: Mapping[str, Any] | None = None,
        **kwargs: Any,
    ) -> MsalResponse:
        body: dict[str, Any] = {}
        if isinstance(data, Mapping):
            body["data"] = _clean(data)
        elif data is not None:
            body["content"] = data
        response = self._client.post(
            self._fix_url(url), params=_clean(params), headers=_clean(headers), **body
        )
        return MsalResponse(response)

    def close(self) -> None:
        self._client.close()

    def _fix_url(self, url: str) -> str:
        if self._portless_host is None:
            return url
        parts = urlsplit(url)
        if parts.port is None and parts.hostname == self._portless_host:
            return urlunsplit(parts._replace(netloc=self._netloc))
        return url


def _clean(mapping: Mapping[str, Any] | None) -> dict[str, Any] | None:
    # MSAL passes None for optional headers (e.g. no correlation id).
    if mapping is None:
        return None
    return {k: v for k, v in mapping.items() if v is not None}
