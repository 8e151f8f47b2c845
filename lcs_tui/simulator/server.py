"""The simulator as a real HTTPS server on loopback, for end-to-end tests.

A `ThreadingHTTPServer` whose connections are wrapped in TLS inside their
own thread (so a slow handshake never blocks accepting), speaking HTTP/1.1
with keep-alive. Blob bodies go out in 1 MiB writes straight from the
generator, which is what lets a downloader reach curl-like throughput on a
1 GiB blob.
"""

from __future__ import annotations

import contextlib
import ipaddress
import socket
import socketserver
import ssl
import tempfile
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from lcs_tui.simulator.exchange import Request, origin_of
from lcs_tui.simulator.service import Service
from lcs_tui.simulator.tls import reuse_or_write_certificates, write_certificates

# What a client that went away mid-answer raises on our side (resets, broken
# pipes, TLS errors, timeouts: all OSError); not our error.
_DISCONNECTS = (OSError,)


def is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # An idle keep-alive connection is closed after this many seconds.
    timeout = 60
    server: _TLSServer

    def do_GET(self) -> None:
        self._answer()

    do_POST = do_HEAD = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_GET

    def handle(self) -> None:
        with contextlib.suppress(*_DISCONNECTS):
            super().handle()

    def log_message(self, format: str, *args: Any) -> None:
        if self.server.log is not None:
            self.server.log(format % args)

    def _origin(self) -> str:
        host_header = (
            self.headers.get("Host") or f"{self.server.server_name}:{self.server.server_port}"
        )
        parts = urlsplit(f"https://{host_header}")
        return origin_of("https", parts.hostname or "localhost", parts.port)

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length > 0 else b""
        path, _, query = self.path.partition("?")
        origin = self._origin()
        request = Request(
            method=self.command,
            origin=origin,
            path=path or "/",
            query=query,
            headers=dict(self.headers.items()),
            body=body,
            blob_origin=origin,
            device_login_url=f"{origin}/devicelogin",
        )
        reply = self.server.service.handle(request)
        if reply.connect_error:
            self.close_connection = True
            return
        if reply.gate is not None:
            reply.gate.wait()
        if reply.delay:
            time.sleep(reply.delay)
        if reply.drop:
            self.close_connection = True
            return
        # Not send_response(): it adds a Date of the host's clock, and the
        # reply carries the simulator's own (the client reads LCS's clock from it).
        self.log_request(reply.status)
        self.send_response_only(reply.status)
        self.send_header("Server", self.version_string())
        for name, value in reply.headers:
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            for chunk in reply.iter_body():
                self.wfile.write(chunk)
        if reply.cut_after is not None:
            self.close_connection = True


class _TLSServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def __init__(
        self,
        address: tuple[str, int],
        service: Service,
        context: ssl.SSLContext,
        log: Callable[[str], None] | None,
    ) -> None:
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        self.service = service
        self.context = context
        self.log = log
        super().__init__(address, _Handler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind would resolve the host name (socket.getfqdn),
        # which can stall for seconds without DNS; loopback needs no name.
        socketserver.TCPServer.server_bind(self)
        self.server_name = str(self.server_address[0])
        self.server_port = int(self.server_address[1])

    def finish_request(self, request: Any, client_address: Any) -> None:
        raw: socket.socket = request
        if self.service.world.faults.offline:
            raw.close()  # before the TLS handshake: the client sees a connect error
            return
        raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            tls = self.context.wrap_socket(raw, server_side=True)
        except _DISCONNECTS:
            return
        try:
            _Handler(tls, client_address, self)
        except _DISCONNECTS:
            pass
        finally:
            tls.close()

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Clients dropping connections is routine in tests of failure handling.
        pass


class LoopbackServer:
    """A running loopback HTTPS server. `base_url` serves everything:
    the LCS API, sign-in (`{base_url}/{tenant}`), blobs and /devicelogin."""

    def __init__(
        self,
        service: Service,
        host: str = "127.0.0.1",
        port: int = 0,
        log: Callable[[str], None] | None = None,
        cert_dir: Path | None = None,
    ) -> None:
        if not is_loopback(host):
            raise ValueError(f"the simulator serves loopback addresses only, not {host!r}")
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        if cert_dir is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="lcs-tui-simulator-")
            files = write_certificates(Path(self._tmp.name))
        else:
            files = reuse_or_write_certificates(cert_dir)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        context.load_cert_chain(files.cert_file, files.key_file)
        self.ca_file = str(files.ca_file)
        self._server = _TLSServer((host, port), service, context, log)
        self.host = host
        self.port: int = self._server.server_address[1]
        shown = f"[{host}]" if ":" in host else host
        self.base_url = f"https://{shown}:{self.port}"
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="lcs-simulator",
            daemon=True,
        )
        self._thread.start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
        if self._tmp is not None:
            self._tmp.cleanup()

    def __enter__(self) -> LoopbackServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
