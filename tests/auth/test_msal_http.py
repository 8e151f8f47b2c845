"""MSAL's HTTP goes through the project's httpx stack."""

from __future__ import annotations

import httpx
import pytest

from lcs_tui.auth.msal_http import AuthHttpError, MsalHttpClient
from lcs_tui.http import HttpSettings


def recording_client(authority: str) -> tuple[MsalHttpClient, list[httpx.Request]]:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        status = 503 if request.url.path == "/down" else 200
        return httpx.Response(status, json={"ok": True}, headers={"Retry-After": "7"})

    settings = HttpSettings(sync_transport=httpx.MockTransport(handler))
    return MsalHttpClient(settings, authority), seen


def test_get_and_post_as_msal_calls_them() -> None:
    client, seen = recording_client("https://login.microsoftonline.com/contoso")
    got = client.get(
        "https://login.microsoftonline.com/contoso/v2.0/.well-known/openid-configuration",
        params={"x": "1"},
        headers={"client-request-id": None, "Accept": "application/json"},
    )
    assert got.status_code == 200 and '"ok"' in got.text
    assert got.headers["retry-after"] == "7"
    client.post("https://h/token", data={"grant_type": "password", "scope": "a b"})
    client.post("https://h/raw", data="already=encoded")
    get, form, raw = seen
    assert get.url.params["x"] == "1"
    assert "client-request-id" not in get.headers  # MSAL's None values are dropped
    assert form.content == b"grant_type=password&scope=a+b"
    assert raw.content == b"already=encoded"


def test_raise_for_status_names_host_not_body() -> None:
    client, _ = recording_client("https://login.microsoftonline.com/contoso")
    response = client.get("https://login.microsoftonline.com/down")
    with pytest.raises(AuthHttpError) as caught:
        response.raise_for_status()
    assert str(caught.value) == "HTTP 503 from login.microsoftonline.com"


def test_user_realm_of_a_local_authority_keeps_its_port() -> None:
    # MSAL drops the port when it builds the user-realm URL from the authority.
    client, seen = recording_client("https://127.0.0.1:8443/contoso")
    client.get("https://127.0.0.1/common/userrealm/ana@contoso.com?api-version=1.0")
    client.get("https://other.example/x")
    assert str(seen[0].url).startswith("https://127.0.0.1:8443/common/userrealm/")
    assert seen[1].url.host == "other.example" and seen[1].url.port is None
