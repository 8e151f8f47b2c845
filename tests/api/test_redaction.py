"""Redaction is guarded: each test here fails with it switched off.

Seen before: with the SAS-parameter redaction of `redact_url` switched off,
or the bearer-token scrub of `redact_text`, every test still passed. These
check the functions and what the client makes of them: its error messages
and its request events (the request log). A server echoing the request's
`Authorization` header, or a SAS URL with its `sig=`, is the case.
"""

from __future__ import annotations

import json

import httpx
import pytest

from lcs_tui.api import LcsHttpError, LcsRejected, RequestEvent
from lcs_tui.api.redact import REDACTED, redact_text, redact_url
from tests.api.helpers import CountingTokens, client_for

SIGNATURE = "Zm9yZ2VkU2lnbmF0dXJlMTIzNDU2Nzg5MA%3D%3D"
SAS = (
    "https://contoso.blob.core.windows.net/assets/uat.bacpac"
    f"?sv=2021-08-06&se=2026-11-21T08%3A00%3A00Z&sr=b&sp=r&sig={SIGNATURE}"
)


@pytest.mark.parametrize("key", ["sig", "SIG", "signature", "code", "client_secret", "token"])
def test_redact_url_hides_every_credential_parameter(key: str) -> None:
    shown = redact_url(f"https://h/p?sv=1&{key}=s3cr3t-value&sp=r")
    assert "s3cr3t-value" not in shown
    assert f"{key}={REDACTED}" in shown and "sv=1" in shown and "sp=r" in shown


def test_redact_url_keeps_a_url_without_credentials_as_it_is() -> None:
    assert redact_url("https://h/p?page=2&sv=1") == "https://h/p?page=2&sv=1"


def test_redact_text_scrubs_bearer_tokens_and_signatures() -> None:
    text = f"echo: Authorization: Bearer eyJhbGciOi.eyJzdWIi.c2lnbmF0dXJl; link {SAS}"
    shown = redact_text(text)
    assert "eyJhbGciOi" not in shown and SIGNATURE not in shown
    assert "Bearer REDACTED" in shown and f"sig={REDACTED}" in shown


def echoing(status: int) -> object:
    """A server that quotes the request back, token and all, plus a SAS link."""

    def handler(request: httpx.Request) -> httpx.Response:
        # Short enough that both secrets fall within the quoted start of the body.
        link = f"https://h.blob.core.windows.net/a?sv=1&sig={SIGNATURE}"
        body = f"Bad request. Authorization: {request.headers['Authorization']}; see {link}"
        return httpx.Response(status, text=body)

    return handler


@pytest.mark.parametrize("status", [400, 404, 500])
async def test_an_error_answer_echoing_the_token_never_reaches_the_message(status: int) -> None:
    tokens = CountingTokens()
    events: list[RequestEvent] = []
    async with client_for(echoing(status), tokens=tokens, events=events) as client:  # type: ignore[arg-type]
        with pytest.raises(LcsHttpError) as caught:
            await client.list_backups(1)
    message = str(caught.value)
    assert "Bad request" in message and "sig=REDACTED" in message  # the body is quoted...
    assert "test-token" not in message and SIGNATURE not in message  # ...without secrets
    assert "test-token" not in repr(events) and SIGNATURE not in repr(events)


async def test_a_rejection_echoing_the_token_never_reaches_the_message() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        message = f"Denied for {request.headers['Authorization']} at {SAS}"
        return httpx.Response(200, json={"IsSuccess": False, "ErrorMessage": message})

    async with client_for(handler) as client:
        with pytest.raises(LcsRejected) as caught:
            await client.start_refresh(1, "a", "b")
    assert "Denied for Bearer" in str(caught.value)
    assert "test-token" not in str(caught.value) + caught.value.error_message
    assert SIGNATURE not in str(caught.value) + caught.value.error_message


async def test_the_request_log_never_shows_a_credential_query_parameter() -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        return httpx.Response(200, json={"IsSuccess": True, "Data": []})

    events: list[RequestEvent] = []
    async with client_for(handler, events=events) as client:
        await client.environment_page(1, 1, sig="s3cr3t-sig", code="s3cr3t-code")
    assert "s3cr3t-sig" in seen[0]  # it was sent...
    logged = json.dumps([e.path for e in events])
    assert "s3cr3t" not in logged and f"sig={REDACTED}" in logged  # ...but never logged
