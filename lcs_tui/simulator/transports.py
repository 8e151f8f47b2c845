"""httpx transports that hand requests straight to the simulated services.

Any host is answered (the LCS API hosts of every geography,
login.microsoftonline.com, the blob host): routing is by path. Faults turn
into the exceptions httpx itself raises for the real failures they imitate,
so the client's error handling meets exactly what it will meet on a network.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import AsyncIterator, Iterator

import httpx

from lcs_tui.simulator.exchange import Reply, Request, origin_of
from lcs_tui.simulator.service import Service, is_blob_path


def _to_request(request: httpx.Request, body: bytes) -> Request:
    url = request.url
    raw_path, _, _ = url.raw_path.decode("ascii").partition("?")
    return Request(
        method=request.method.upper(),
        origin=origin_of(url.scheme, url.host, url.port),
        path=raw_path or "/",
        query=url.query.decode("ascii"),
        headers=dict(request.headers.items()),
        body=body,
    )


def _connect_error(request: httpx.Request) -> httpx.ConnectError:
    return httpx.ConnectError("[Errno 111] Connection refused", request=request)


def _dropped(request: httpx.Request) -> httpx.RemoteProtocolError:
    return httpx.RemoteProtocolError(
        "Server disconnected without sending a response.", request=request
    )


def _cut(request: httpx.Request) -> httpx.RemoteProtocolError:
    return httpx.RemoteProtocolError(
        "peer closed connection without sending complete message body (incomplete chunked read)",
        request=request,
    )


def _is_cut(reply: Reply) -> bool:
    if reply.cut_after is None:
        return False
    length = reply.header("Content-Length")
    return length is None or reply.cut_after < int(length)


class _SyncBody(httpx.SyncByteStream):
    def __init__(self, reply: Reply, request: httpx.Request) -> None:
        self._reply = reply
        self._request = request

    def __iter__(self) -> Iterator[bytes]:
        yield from self._reply.iter_body()
        if _is_cut(self._reply):
            raise _cut(self._request)


class _AsyncBody(httpx.AsyncByteStream):
    def __init__(self, reply: Reply, request: httpx.Request) -> None:
        self._reply = reply
        self._request = request

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for chunk in self._reply.iter_body():
            yield chunk
        if _is_cut(self._reply):
            raise _cut(self._request)


class SimSyncTransport(httpx.BaseTransport):
    """For `httpx.Client` (MSAL's sign-in traffic is synchronous)."""

    def __init__(self, service: Service) -> None:
        self._service = service

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        reply = self._service.handle(_to_request(request, request.read()))
        if reply.connect_error:
            raise _connect_error(request)
        if reply.gate is not None:
            reply.gate.wait()
        if reply.delay:
            time.sleep(reply.delay)
        if reply.drop:
            raise _dropped(request)
        return httpx.Response(
            reply.status, headers=reply.headers, stream=_SyncBody(reply, request), request=request
        )


async def _released(gate: threading.Event) -> None:
    """Wait for a test to release an answer it holds (`Faults.hold`).

    Polled rather than awaited in a thread: a cancelled request must not
    leave a thread blocked on a gate nobody opens.
    """
    while not gate.is_set():  # noqa: ASYNC110 - the gate is a threading.Event
        await asyncio.sleep(0.005)


class SimAsyncTransport(httpx.AsyncBaseTransport):
    """For `httpx.AsyncClient`."""

    def __init__(self, service: Service) -> None:
        self._service = service

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        sim_request = _to_request(request, await request.aread())
        if is_blob_path(sim_request.path):
            # The first download of a backup computes its MD5 (a fraction of a
            # second for a few hundred MB): keep that off the event loop.
            reply = await asyncio.to_thread(self._service.handle, sim_request)
        else:
            reply = self._service.handle(sim_request)
        if reply.connect_error:
            raise _connect_error(request)
        if reply.gate is not None:
            await _released(reply.gate)
        if reply.delay:
            await asyncio.sleep(reply.delay)
        if reply.drop:
            raise _dropped(request)
        return httpx.Response(
            reply.status, headers=reply.headers, stream=_AsyncBody(reply, request), request=request
        )
