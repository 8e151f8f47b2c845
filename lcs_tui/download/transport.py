"""How the downloader reaches the blob: httpx clients, and a fast direct path.

httpx's own HTTP/1.1 stack parses every 16 KiB TLS record in Python (h11);
on a fast link that caps a download at about half of what curl does on the
same machine (measured: docs/downloads.md). For a direct connection — no
proxy, no injected transport — `DirectTransport` serves the same httpx API
from the standard library's `http.client`, which reads the body in 1 MiB
`read()` calls straight from the TLS socket. Proxies (from the profile or
HTTPS_PROXY) and injected transports (the simulator, tests) go through
ordinary httpx clients built with the project's settings.
"""

from __future__ import annotations

import contextlib
import http.client
import logging
import select
import socket
import ssl
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from typing import cast

import httpx

from lcs_tui.http import HttpSettings, make_sync_client

log = logging.getLogger(__name__)

#: Body read sizes of the direct path: large reads keep Python out of the
#: loop on a fast connection; on a slow one a read takes about READ_TIME, so
#: the bytes received (the rate the ramp measures) are seen several times a
#: second instead of once per MiB.
READ_SIZE = 1024 * 1024
MIN_READ_SIZE = 64 * 1024
READ_TIME = 0.05

ClientFactory = Callable[[], httpx.Client]


def ssl_context(settings: HttpSettings) -> ssl.SSLContext:
    """The same trust as the project's httpx clients: the profile's CA bundle,
    else httpx's default (certifi, or SSL_CERT_FILE/SSL_CERT_DIR)."""
    if settings.ca_bundle:
        return ssl.create_default_context(cafile=settings.ca_bundle)
    return httpx.create_ssl_context(trust_env=True)


def _proxied(settings: HttpSettings, url: httpx.URL) -> bool:
    if settings.proxy:
        return True
    proxies = urllib.request.getproxies()
    if not (proxies.get(url.scheme) or proxies.get("all")):
        return False
    return not urllib.request.proxy_bypass(url.host)


def client_factory(settings: HttpSettings, url: str) -> ClientFactory:
    """Clients for one download's connections (one client per worker thread)."""
    target = httpx.URL(url)
    timeout = settings.timeout
    if settings.sync_transport is not None:
        transport = settings.sync_transport
        return lambda: httpx.Client(transport=transport, timeout=timeout, follow_redirects=False)
    if _proxied(settings, target) or target.scheme != "https":
        return lambda: make_sync_client(settings)
    context = ssl_context(settings)
    return lambda: httpx.Client(
        transport=DirectTransport(context, timeout), timeout=timeout, follow_redirects=False
    )


class DirectTransport(httpx.BaseTransport):
    """HTTP/1.1 over one direct TLS connection (kept alive while it is healthy).

    Made for blob GETs: one request at a time, from one thread. `interrupt()`
    may be called from another thread to unblock a read when stopping.
    """

    def __init__(self, context: ssl.SSLContext, timeout: httpx.Timeout) -> None:
        self._context = context
        self._timeout = timeout
        self._idle: http.client.HTTPSConnection | None = None
        self._idle_origin: tuple[str, int] | None = None
        self._socket: socket.socket | None = None
        self._lock = threading.Lock()
        #: Adapted to the connection's speed as it reads (see READ_TIME).
        self.read_size = 4 * MIN_READ_SIZE
        #: Seconds the last request spent connecting (TCP and TLS; 0 when the
        #: connection was reused): the rest of its wait is one round trip.
        self.last_connect = 0.0
        self._buffer: memoryview | None = None

    def buffer(self) -> memoryview:
        """The one read buffer of this connection (READ_SIZE, made once)."""
        if self._buffer is None:
            self._buffer = memoryview(bytearray(READ_SIZE))
        return self._buffer

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        conn = self._connection((url.host, url.port or 443), request)
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in request.headers.raw}
        try:
            conn.request(
                request.method, url.raw_path.decode("ascii"), body=request.read() or None,
                headers=headers,
            )  # fmt: skip
            response = conn.getresponse()
        except TimeoutError as exc:
            conn.close()
            raise httpx.ReadTimeout(f"no answer: {_describe(exc)}", request=request) from None
        except (OSError, http.client.HTTPException) as exc:
            conn.close()
            raise httpx.RemoteProtocolError(
                f"connection failed before the answer: {_describe(exc)}", request=request
            ) from None
        return httpx.Response(
            response.status,
            headers=response.getheaders(),
            stream=_Body(self, conn, response, request),
            request=request,
            extensions={"http_version": b"HTTP/1.1", "reason_phrase": response.reason.encode()},
        )

    def _connection(
        self, origin: tuple[str, int], request: httpx.Request
    ) -> http.client.HTTPSConnection:
        with self._lock:
            idle, self._idle = self._idle, None
            same = self._idle_origin == origin
        if idle is not None and same and idle.sock is not None:
            self.last_connect = 0.0
            return idle
        if idle is not None:
            idle.close()
        began = time.monotonic()
        conn = http.client.HTTPSConnection(
            origin[0], origin[1], timeout=self._timeout.connect, context=self._context
        )
        try:
            conn.connect()
        except TimeoutError as exc:
            raise httpx.ConnectTimeout(f"connecting timed out: {exc}", request=request) from None
        except OSError as exc:  # ssl.SSLError is an OSError too
            raise httpx.ConnectError(_describe(exc), request=request) from None
        sock = conn.sock
        assert sock is not None
        sock.settimeout(self._timeout.read)
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.last_connect = time.monotonic() - began
        with self._lock:
            self._socket = sock
            self._idle_origin = origin
        return conn

    def _release(self, conn: http.client.HTTPSConnection, reusable: bool) -> None:
        if reusable and conn.sock is not None:
            with self._lock:
                if self._idle is None:
                    self._idle = conn
                    return
        conn.close()

    def interrupt(self) -> None:
        """Unblock a read in progress (from another thread): the reader fails fast."""
        with self._lock:
            sock = self._socket
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, None
        if idle is not None:
            idle.close()


class _Body(httpx.SyncByteStream):
    def __init__(
        self,
        transport: DirectTransport,
        conn: http.client.HTTPSConnection,
        response: http.client.HTTPResponse,
        request: httpx.Request,
    ) -> None:
        self._transport = transport
        self._conn = conn
        self._response = response
        self._request = request
        self._closed = False

    def __iter__(self) -> Iterator[bytes]:
        """The body in pieces of `read_size`. Each piece is a view of the
        transport's one buffer, valid until the next one is asked for (the
        downloader writes or copies it at once): a fresh 1 MiB object per
        read cost page faults and zeroing on every read."""
        response = self._response
        transport = self._transport
        sock = self._conn.sock
        buffer = transport.buffer()
        while True:
            size = transport.read_size
            if response.length is not None:
                size = max(1, min(size, response.length))
            began = time.perf_counter()
            _await_batch(sock, size, response.length, self._transport._timeout.read)
            try:
                count = response.readinto(buffer[:size])
            except TimeoutError:
                raise httpx.ReadTimeout(
                    "the server stopped sending", request=self._request
                ) from None
            except (OSError, http.client.HTTPException) as exc:
                raise httpx.ReadError(_describe(exc), request=self._request) from None
            if not count:
                if response.length:  # bytes announced but never sent: a cut
                    raise httpx.RemoteProtocolError(
                        "peer closed connection without sending complete message body",
                        request=self._request,
                    )
                return
            if count == size:
                transport.read_size = _next_read_size(size, time.perf_counter() - began)
            yield cast(bytes, buffer[:count])

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        response = self._response
        complete = response.isclosed() and not response.length
        reusable = complete and not response.will_close
        response.close()
        self._transport._release(self._conn, reusable)


#: TLS records are at most 16 KiB of data (plus a few bytes of framing).
RECORD = 16 * 1024 + 64
#: Below this, waiting for a batch is not worth two system calls.
MIN_BATCH = 64 * 1024
_RCVLOWAT = getattr(socket, "SO_RCVLOWAT", None)


def _await_batch(
    sock: socket.socket | None, size: int, remaining: int | None, timeout: float | None
) -> None:
    """Sleep until about `size` bytes have arrived, then let the read drain
    them without sleeping again.

    A socket read returns one TLS record (16 KiB) at a time, and each read
    first waits for the socket to be readable: on many slow connections the
    reading threads woke once per record, and the wake-ups (not the bytes)
    were most of the CPU time. With SO_RCVLOWAT the kernel wakes us once the
    batch is there. Never more than can still come is waited for: the end of
    the body (less what OpenSSL or the buffered reader may hold already)
    must wake us too. Fast connections (reads of READ_SIZE) skip it: their
    data is there when asked for, and holding it back in the socket would
    only shrink the TCP window. Where SO_RCVLOWAT is missing, reads just go
    ahead."""
    if sock is None or _RCVLOWAT is None or sys.platform == "win32":
        return
    if size >= READ_SIZE:
        return  # a fast connection: data is there by the time we ask
    if isinstance(sock, ssl.SSLSocket) and sock.pending():
        return  # data is ready already
    if remaining is None:
        return  # no length (chunked): where the body ends is not known
    want = min(size + RECORD, remaining - 2 * RECORD)
    if want < MIN_BATCH:
        return
    try:
        sock.setsockopt(socket.SOL_SOCKET, _RCVLOWAT, want)
        try:
            poller = select.poll()
            poller.register(sock.fileno(), select.POLLIN)
            if not poller.poll(None if timeout is None else int(timeout * 1000)):
                log.info("download: waited %s s for %d bytes that did not come", timeout, want)
        finally:
            sock.setsockopt(socket.SOL_SOCKET, _RCVLOWAT, 1)
    except (OSError, ValueError):
        return  # the read that follows reports what is wrong


def _next_read_size(size: int, took: float) -> int:
    if took < READ_TIME / 2:
        return min(READ_SIZE, size * 2)
    if took > READ_TIME * 2:
        return max(MIN_READ_SIZE, size // 2)
    return size


def _describe(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return text if len(text) < 200 else text[:200] + "…"
