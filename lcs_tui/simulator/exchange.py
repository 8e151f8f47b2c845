"""The simulator's own request/answer types, independent of any transport.

The in-process httpx transports and the loopback HTTPS server both translate
to and from these, so every endpoint is implemented once. A `Reply` can carry
a streamed body (blob downloads: never a whole blob in memory) and the
instructions of fault injection (delay, drop the connection, cut the body).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple
from urllib.parse import parse_qsl, unquote


@dataclass(frozen=True)
class Request:
    """One HTTP request as the simulated services see it.

    `path` is the raw (still percent-encoded) path, `origin` is
    "scheme://host[:port]" as the client addressed it (default port left
    out, host lower-cased). `blob_origin` and `device_login_url` are set by
    the loopback server so that the links the services hand out point back
    at it; in-process they are None and the public-looking hosts are used.
    """

    method: str
    origin: str
    path: str
    query: str = ""
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""
    blob_origin: str | None = None
    device_login_url: str | None = None

    def header(self, name: str) -> str | None:
        wanted = name.lower()
        for key, value in self.headers.items():
            if key.lower() == wanted:
                return value
        return None

    @property
    def segments(self) -> list[str]:
        """Decoded path segments, without empty ones from leading/trailing slashes."""
        return [unquote(part) for part in self.path.split("/") if part]

    def query_params(self) -> dict[str, str]:
        """Query parameters; for a repeated name, the first one wins."""
        params: dict[str, str] = {}
        for key, value in parse_qsl(self.query, keep_blank_values=True):
            params.setdefault(key, value)
        return params

    def form(self) -> dict[str, str]:
        """The body as an application/x-www-form-urlencoded form."""
        params: dict[str, str] = {}
        text = self.body.decode("utf-8", errors="replace")
        for key, value in parse_qsl(text, keep_blank_values=True):
            params.setdefault(key, value)
        return params


BodyChunks = Callable[[], Iterator[bytes]]


@dataclass
class Reply:
    """An answer, plus what the transport must do to deliver it (or not).

    `chunks`, when set, produces the body lazily (its length is announced in
    the Content-Length header by whoever built the reply). `connect_error`
    means the client never reached the service; `drop` means the service
    acted but the connection closed before any answer; `cut_after` closes
    the connection after that many body bytes; `delay` is waited (in real
    seconds) before answering; `gate`, when set, is waited for before that
    (a test holds an answer back for exactly as long as it needs).
    """

    status: int = 200
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    chunks: BodyChunks | None = None
    connect_error: bool = False
    drop: bool = False
    cut_after: int | None = None
    delay: float = 0.0
    gate: threading.Event | None = None

    def header(self, name: str) -> str | None:
        wanted = name.lower()
        for key, value in self.headers:
            if key.lower() == wanted:
                return value
        return None

    def set_header(self, name: str, value: str) -> None:
        wanted = name.lower()
        self.headers = [(k, v) for k, v in self.headers if k.lower() != wanted]
        self.headers.append((name, value))

    def iter_body(self) -> Iterator[bytes]:
        """The body in chunks, honouring `cut_after` (the caller then drops)."""
        source = self.chunks() if self.chunks is not None else iter((self.body,))
        remaining = self.cut_after
        for chunk in source:
            if remaining is not None:
                if remaining <= 0:
                    return
                if len(chunk) > remaining:
                    chunk = chunk[:remaining]
                remaining -= len(chunk)
            if chunk:
                yield chunk


class LogEntry(NamedTuple):
    """One line of `Simulator.request_log`.

    `status` is 0 when the service acted but the client got no answer
    (`Faults.drop_after_action`). `path` has no query string, so that SAS
    signatures never land in a log.
    """

    method: str
    path: str
    status: int


JSON_CONTENT_TYPE = "application/json; charset=utf-8"


def json_reply(
    payload: Any, status: int = 200, headers: list[tuple[str, str]] | None = None
) -> Reply:
    body = json.dumps(payload, separators=(",", ":")).encode("utf-8")
    all_headers = [("Content-Type", JSON_CONTENT_TYPE), ("Content-Length", str(len(body)))]
    all_headers.extend(headers or [])
    return Reply(status=status, headers=all_headers, body=body)


def text_reply(text: str, content_type: str, status: int = 200) -> Reply:
    body = text.encode("utf-8")
    return Reply(
        status=status,
        headers=[("Content-Type", content_type), ("Content-Length", str(len(body)))],
        body=body,
    )


def origin_of(scheme: str, host: str, port: int | None) -> str:
    """Normalise "scheme://host[:port]" the way the services compare origins."""
    scheme = scheme.lower()
    host = host.lower()
    default = {"https": 443, "http": 80}.get(scheme)
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"  # a bare IPv6 address
    if port is None or port == default:
        return f"{scheme}://{host}"
    return f"{scheme}://{host}:{port}"
