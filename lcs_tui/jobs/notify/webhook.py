"""Webhooks: Microsoft Teams, Slack, or any JSON receiver. The URL is a secret.

A webhook URL is a credential — whoever has it can post to the channel — so
it never appears in jobs.toml (which names the target and its kind only), a
log, the screen or an error message. It lives in the secret store (the OS
keyring) under the service "lcs-tui", entry `webhook:<name>/password`, set
with `lcs-tui job notify add NAME --kind KIND` (asked for without echo, or
read from standard input). Errors say "webhook ops-teams: HTTP 404", never
the address; httpx's own request log line is scrubbed of it by a filter on
the "httpx" logger, the way download links are.

Payloads:

- teams: a message with an Adaptive Card (what Teams' "Workflows" webhooks
  take; the old Office 365 connectors are retired);
- slack: `{"text": ...}` with Slack's `&`, `<`, `>` escaped, so a backup
  name cannot become a link or an @channel;
- json: `{"source": "lcs-tui", "event", "title", "text", "lines", "profile",
  "activity_id"}` for anything else.

Only https is sent to, except to a loopback address (a local relay, the
tests): a secret URL must not travel in the clear.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit

import httpx

from lcs_tui.jobs.notify.message import Notification
from lcs_tui.secrets import SecretKind, SecretStore, SecretStoreError

#: The secret store entry of webhook NAME: profile "webhook:NAME", kind "password"
#: (the store's kinds are fixed; the "webhook:" profile keeps it apart).
SECRET_KIND: SecretKind = "password"
ATTEMPTS = 3
TIMEOUT = httpx.Timeout(10.0, connect=5.0)
_RETRY_STATUS = frozenset({429, 500, 502, 503, 504})
_LOOPBACK = ("127.", "localhost", "::1", "[::1]")


class WebhookError(Exception):
    """A webhook URL that cannot be used (said without the URL)."""


def secret_name(target: str) -> str:
    return f"webhook:{target}"


def check_url(url: str) -> None:
    """A usable webhook URL, or WebhookError saying why (never quoting it)."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        raise WebhookError("that is not a URL") from None
    host = parts.hostname or ""
    if parts.scheme not in ("https", "http") or not host:
        raise WebhookError("the webhook address must be an https:// URL")
    if parts.scheme == "http" and not host.startswith(_LOOPBACK):
        raise WebhookError(
            "the webhook address must use https:// (its URL is a secret: it must not "
            "travel unencrypted)"
        )


def store_url(store: SecretStore, target: str, url: str) -> None:
    check_url(url)
    store.set(secret_name(target), SECRET_KIND, url.strip())
    redact_in_logs(url.strip())


def load_url(store: SecretStore, target: str) -> str | None:
    url = store.get(secret_name(target), SECRET_KIND)
    if url:
        redact_in_logs(url)
    return url


def payload(kind: str, note: Notification) -> dict[str, Any]:
    if kind == "slack":
        text = _slack(note.title) + "\n" + "\n".join(_slack(line) for line in note.lines)
        return {"text": text}
    if kind == "teams":
        return {
            "type": "message",
            "attachments": [
                {
                    "contentType": "application/vnd.microsoft.card.adaptive",
                    "content": {
                        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                        "type": "AdaptiveCard",
                        "version": "1.4",
                        "body": [
                            {
                                "type": "TextBlock",
                                "text": note.title,
                                "weight": "Bolder",
                                "wrap": True,
                            },
                            *(
                                {"type": "TextBlock", "text": line, "wrap": True}
                                for line in note.lines
                            ),
                        ],
                    },
                }
            ],
        }
    return {
        "source": "lcs-tui",
        "event": note.event,
        "title": note.title,
        "text": note.body,
        "lines": list(note.lines),
        "profile": note.profile,
        "activity_id": note.activity_id,
    }


def _slack(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class WebhookChannel:
    """Posts to one named webhook; the URL is read from the secret store when sending."""

    def __init__(
        self,
        name: str,
        kind: str,
        store: SecretStore,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.name = name
        self.kind = kind
        self._store = store
        self._transport = transport
        self._sleep = sleep

    async def send(self, note: Notification) -> str | None:
        label = f"webhook {self.name}"
        try:
            url = await asyncio.to_thread(load_url, self._store, self.name)
        except SecretStoreError as exc:
            return (
                f"{label}: its URL could not be read from {_store_label(self._store)}: "
                f"{exc.message}"
            )
        if not url:
            return (
                f"{label}: no URL stored; set it with: lcs-tui job notify add {self.name} "
                f"--kind {self.kind}"
            )
        try:
            check_url(url)
        except WebhookError as exc:
            return f"{label}: {exc}"
        body = payload(self.kind, note)
        problem = "not sent"
        async with httpx.AsyncClient(
            timeout=TIMEOUT, follow_redirects=False, trust_env=True, transport=self._transport
        ) as client:
            for attempt in range(1, ATTEMPTS + 1):
                try:
                    response = await client.post(url, json=body)
                except httpx.TimeoutException:
                    problem = "no answer in time"
                except httpx.HTTPError as exc:
                    # Never str(exc): httpx puts the URL into some messages.
                    problem = f"could not be reached ({type(exc).__name__})"
                else:
                    if response.status_code < 300:
                        return None
                    problem = f"HTTP {response.status_code}"
                    if response.status_code not in _RETRY_STATUS:
                        break
                if attempt < ATTEMPTS:
                    await self._sleep(float(attempt))
        return f"{label}: {problem}"


def _store_label(store: SecretStore) -> str:
    try:
        return store.label
    except Exception:
        return "the secret store"


# ------------------------------------------------------------ log redaction

_lock = threading.Lock()
_secrets: set[str] = set()
_installed = False


class _WebhookFilter(logging.Filter):
    """Replaces any known webhook URL (and its path) in httpx's log records."""

    def filter(self, record: logging.LogRecord) -> bool:
        with _lock:
            secrets = list(_secrets)
        if not secrets:
            return True
        try:
            text = record.getMessage()
        except Exception:
            return True
        scrubbed = text
        for url in secrets:
            parts = urlsplit(url)
            for piece in (url, f"{parts.scheme}://{parts.netloc}{parts.path}", parts.path):
                if len(piece) > 8:
                    scrubbed = scrubbed.replace(piece, "<webhook URL>")
        if scrubbed != text:
            record.msg, record.args = scrubbed, ()
        return True


def redact_in_logs(url: str) -> None:
    """From now on `url` never shows in httpx's log lines."""
    global _installed
    with _lock:
        _secrets.add(url)
        if not _installed:
            logging.getLogger("httpx").addFilter(_WebhookFilter())
            _installed = True
