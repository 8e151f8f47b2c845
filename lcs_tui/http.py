"""The project's HTTP stack: one place that turns settings into httpx clients.

The LCS client (async) and MSAL (sync, through its `http_client` hook) both
build their clients here, so proxy, CA bundle and timeouts apply to every
request, and tests or the demo inject the simulator as a transport.
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass, field

import httpx

DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=10.0)
#: Longest time one API request may take, answer included (httpx's timeouts
#: are per read: a server trickling a byte a second would never time out).
DEFAULT_REQUEST_DEADLINE = 120.0
#: Largest API answer read (the biggest real ones are a few hundred kB).
DEFAULT_MAX_ANSWER_BYTES = 32 * 1024 * 1024


@dataclass(frozen=True)
class HttpSettings:
    """How to reach the network.

    `proxy` and `ca_bundle` come from the profile; when they are None, httpx
    honours the standard `HTTPS_PROXY` / `SSL_CERT_FILE` environment variables
    (trust_env). A transport, when given, replaces the network entirely (the
    in-process simulator).

    `request_deadline` and `max_answer_bytes` bound each LCS API request as a
    whole (the LCS client applies them); blob downloads, which may rightly
    run for hours and stream gigabytes, use only `timeout`.
    """

    proxy: str | None = None
    ca_bundle: str | None = None
    timeout: httpx.Timeout = field(default_factory=lambda: DEFAULT_TIMEOUT)
    request_deadline: float = DEFAULT_REQUEST_DEADLINE
    max_answer_bytes: int = DEFAULT_MAX_ANSWER_BYTES
    async_transport: httpx.AsyncBaseTransport | None = None
    sync_transport: httpx.BaseTransport | None = None

    def _verify(self) -> ssl.SSLContext | bool:
        # An explicit CA bundle replaces the default trust store (corporate
        # TLS-inspecting proxies, the loopback simulator's generated CA).
        if self.ca_bundle:
            return ssl.create_default_context(cafile=self.ca_bundle)
        return True


def make_async_client(settings: HttpSettings) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        proxy=settings.proxy,
        verify=settings._verify(),
        timeout=settings.timeout,
        transport=settings.async_transport,
        trust_env=True,
        follow_redirects=False,
    )


def make_sync_client(settings: HttpSettings) -> httpx.Client:
    return httpx.Client(
        proxy=settings.proxy,
        verify=settings._verify(),
        timeout=settings.timeout,
        transport=settings.sync_transport,
        trust_env=True,
        follow_redirects=False,
    )
