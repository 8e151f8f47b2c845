"""The smallest `http_client` MSAL accepts, over an `httpx.Client`.

MSAL calls `get(url, params=..., headers=...)` and `post(url, params=...,
data=..., headers=...)` and reads `.status_code`, `.text` and `.headers` of
the result, which an `httpx.Response` has. The one mismatch: MSAL sends
headers whose value is None (e.g. `client-request-id` on the user realm
lookup) and httpx refuses those, so they are dropped here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx


class MsalHttp:
    def __init__(self, client: httpx.Client) -> None:
        self._client = client

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
        return self._client.get(url, params=params, headers=self._headers(headers))

    def post(
        self,
        url: str,
        params: Any = None,
        data: Any = None,
        headers: Mapping[str, str | None] | None = None,
        **_: Any,
    ) -> httpx.Response:
        return self._client.post(url, params=params, data=data, headers=self._headers(headers))

    def close(self) -> None:
        self._client.close()
