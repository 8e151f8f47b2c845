"""The smallest `http_client` MSAL accepts, over an `httpx.Client`.

MSAL calls `get(url, params=..., headers=...)` and `post(url, params=...,
data=..., headers=...)` and reads `.status_code`, `.text` and `.headers` of
the result, which an `httpx.Response` has. The one mismatch: MSAL sends
headers whose value is None (e.g. `client-request-id` on the user realm
lookup) and httpx refuses those, so they are dropped here.

MSAL also builds the user realm URL (ROPC only) from the authority's host
name *without its port*: `https://127.0.0.1/common/userrealm/...` for an
authority `https://127.0.0.1:PORT/tenant`. `rewrite=(wrong, right)` puts the
port back for the loopback server.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx


class MsalHttp:
    def __init__(self, client: httpx.Client, rewrite: tuple[str, str] | None = None) -> None:
        self._client = client
        self._rewrite = rewrite

    def _url(self, url: str) -> str:
        if self._rewrite and url.startswith(self._rewrite[0]):
            return self._rewrite[1] + url[len(self._rewrite[0]) :]
        return url

    @staticmethod
    def _headers(headers: Mapping[str, str | None] | None) -> dict[str, str]:
        return {k: v for k, v in (headers or {}).items() if v is not None}

    def get(
        self,
        url: str,
        params: Any = None,
        headers: Mapping[str, str | None] | None = None,
        **_: Any,
    ) -> httpx.Response:
        return self._client.get(self._url(url), params=params, headers=self._headers(headers))

    def post(
        self,
        url: str,
        params: Any = None,
        data: Any = None,
        headers: Mapping[str, str | None] | None = None,
        **_: Any,
    ) -> httpx.Response:
        return self._client.post(
            self._url(url), params=params, data=data, headers=self._headers(headers)
        )

    def close(self) -> None:
        self._client.close()
