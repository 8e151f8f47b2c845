"""One connection of a download: a thread that fetches pieces until told to stop.

Each worker has its own HTTP client (one keep-alive connection), asks the
ledger for a piece, GETs it with `Range` (and `If-Range`), and `pwrite`s what
arrives at its offset. It retries cuts, timeouts and 5xx from the byte where
it stopped, asks the loop for a fresh link on a 403, and tells the loop what
happened (`Events`: a 503/500, a failed connection) so that the connection
count can follow. Between pieces it checks `retire`: the loop lowers the
count that way, never in the middle of a piece. It counts the bytes it
receives as they arrive: that is what the rate (and the ramp) is measured on.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from lcs_tui.download.answers import (
    BUSY_STATUSES,
    RETRYABLE_STATUSES,
    Expired,
    RangeIgnored,
    Retryable,
    Stopped,
    connection_lost,
    content_range_start,
    raise_for_fatal,
    short,
    status_text,
    write_failure,
)
from lcs_tui.download.errors import BlobChanged, ServerError
from lcs_tui.download.ledger import Ledger, Segment
from lcs_tui.download.options import DownloadOptions
from lcs_tui.download.partfile import PartFile
from lcs_tui.download.sidecar import BlobIdentity
from lcs_tui.download.transport import ClientFactory, DirectTransport

log = logging.getLogger(__name__)

#: Chunks this large are written at once (the direct path reads 64 KiB to
#: 1 MiB into its own buffer); smaller ones (httpx's own stack yields 16 KiB)
#: are gathered up to WRITE_BATCH first: fewer system calls, and a copy of
#: at most this much per connection.
WRITE_AT_ONCE = 64 * 1024
WRITE_BATCH = 256 * 1024

#: What a worker tells the loop: ("busy" | "failed", when).
Events = deque[tuple[str, float]]


@dataclass
class Phase:
    """What the workers of one transfer share (the loop builds it)."""

    ledger: Ledger
    part: PartFile
    identity: BlobIdentity
    ranged: bool
    stop: threading.Event
    clients: ClientFactory
    options: DownloadOptions
    part_path: Path
    current_url: Callable[[], str]
    #: Blocks until the loop has renewed the link (or raises Stopped).
    renew: Callable[[str, threading.Event], None]
    #: The connection count now: pieces are sized for it.
    wanted: Callable[[], int]
    on_transport: Callable[[DirectTransport], None]
    #: Bytes received by all connections so far.
    total_received: Callable[[], int]
    source: str
    events: Events = field(default_factory=deque)


@dataclass(eq=False)
class Connection:
    """One worker's state, written by its thread, read by the loop."""

    index: int
    #: Body bytes received so far (the rate is measured on these).
    received: int = 0
    #: Reading a body now (not connecting, waiting to retry or idle).
    working: bool = False
    #: The loop wants fewer connections: stop after the current piece.
    retire: bool = False
    #: Waiting before a retry: what went wrong.
    retry_note: str | None = None
    #: The shortest time from request to response headers: a round trip.
    rtt: float | None = None
    #: All connections' bytes when this one's current run of failures began:
    #: if others got bytes since, its giving up does not end the download.
    failing_from: int | None = None
    #: True once the thread has returned.
    ended: bool = False
    #: The direct path's transport, when it is one (it times its connects).
    transport: DirectTransport | None = None


def run(conn: Connection, phase: Phase) -> None:
    """The thread's body: pieces until there are none, a stop, or `retire`."""
    phase.part.hold()
    try:
        with phase.clients() as client:
            transport = getattr(client, "_transport", None)
            if isinstance(transport, DirectTransport):
                phase.on_transport(transport)
                conn.transport = transport
            while not phase.stop.is_set() and not conn.retire:
                segment = phase.ledger.next_segment(phase.wanted())
                if segment is None:
                    return
                try:
                    _fetch(conn, phase, client, segment)
                except Stopped:
                    return
                finally:
                    phase.ledger.release(segment)
    finally:
        conn.working = False
        conn.ended = True
        phase.part.release()


def _fetch(conn: Connection, phase: Phase, client: httpx.Client, segment: Segment) -> None:
    """Fetch one piece, retrying cuts and renewing the link as needed."""
    failures = 0
    stop, ledger = phase.stop, phase.ledger
    while True:
        if stop.is_set():
            raise Stopped
        if segment.cursor >= ledger.end_of(segment):
            return
        url = phase.current_url()
        before = segment.cursor
        try:
            _stream(conn, phase, client, segment, url)
            if segment.cursor >= ledger.end_of(segment):
                conn.failing_from = None
                return
            raise Retryable("the answer ended early")
        except Expired:
            conn.working = False
            phase.renew(url, stop)
        except (Retryable, httpx.TransportError) as exc:
            conn.working = False
            if stop.is_set():
                raise Stopped from None
            busy = isinstance(exc, Retryable) and exc.status in BUSY_STATUSES
            phase.events.append(("busy" if busy else "failed", time.monotonic()))
            # Progress since the last failure starts the count afresh:
            # a flaky link that keeps moving is not a dead one.
            gained = phase.ranged and segment.cursor > before
            failures = 1 if gained else failures + 1
            if failures == 1:
                conn.failing_from = phase.total_received()
            if failures > phase.options.attempts:
                raise connection_lost(exc, phase.part_path, phase.options.attempts) from None
            if not phase.ranged:
                ledger.rewind(segment)
            delay = phase.options.backoff(failures)
            conn.retry_note = f"connection problem ({short(exc)}); retrying in {delay:.0f} s"
            log.info("download %s: %s", phase.source, conn.retry_note)
            if stop.wait(delay):
                raise Stopped from None
            conn.retry_note = None


def _stream(
    conn: Connection, phase: Phase, client: httpx.Client, segment: Segment, url: str
) -> None:
    identity, ledger, part, stop = phase.identity, phase.ledger, phase.part, phase.stop
    headers = {"Accept-Encoding": "identity"}
    limit = ledger.end_of(segment)
    if phase.ranged:
        headers["Range"] = f"bytes={segment.cursor}-{limit - 1}"
        if identity.etag:
            # Changed blob → whole new body (200), caught below.
            headers["If-Range"] = identity.etag
    batch = bytearray()
    batch_at = segment.cursor

    def write(offset: int, data: bytes | bytearray | memoryview) -> None:
        try:
            part.write(offset, data)
        except OSError as exc:
            raise write_failure(exc, phase.part_path) from None

    def flush() -> None:
        nonlocal batch_at
        if batch and not stop.is_set():  # never a write after a stop
            write(batch_at, batch)
            ledger.record(segment, len(batch))
            batch.clear()
        batch_at = segment.cursor

    asked = time.monotonic()
    with client.stream("GET", url, headers=headers) as response:
        # Request to headers, less any TCP and TLS set-up: about one round trip.
        waited = time.monotonic() - asked
        if conn.transport is not None:
            waited = max(0.0, waited - conn.transport.last_connect)
        conn.rtt = waited if conn.rtt is None else min(conn.rtt, waited)
        _check_answer(phase, response, segment, limit)
        conn.working = True
        try:
            for chunk in response.iter_raw():
                if stop.is_set():
                    raise Stopped
                conn.received += len(chunk)
                room = ledger.end_of(segment) - (batch_at + len(batch))
                if room <= 0:
                    break
                piece = memoryview(chunk)[:room]
                if not batch and len(piece) >= WRITE_AT_ONCE:
                    write(segment.cursor, piece)
                    ledger.record(segment, len(piece))
                    batch_at = segment.cursor
                else:
                    batch += piece
                    if len(batch) >= WRITE_BATCH:
                        flush()
                if len(piece) < len(chunk):
                    break  # another worker took the rest of this segment
        finally:
            flush()  # what arrived before a cut is good: keep it


def _check_answer(phase: Phase, response: httpx.Response, segment: Segment, limit: int) -> None:
    identity, part_path = phase.identity, phase.part_path
    status = response.status_code
    tag = response.headers.get("ETag")
    if status in (200, 206) and identity.etag and tag and tag != identity.etag:
        raise BlobChanged(
            "The backup changed on the server during the download",
            "run the download again to start over",
            part=part_path,
            resumable=False,
        )
    if status == 206:
        if not phase.ranged or content_range_start(response) != segment.cursor:
            raise ServerError(
                "The blob storage sent a different part of the file than asked for",
                part=part_path,
            )
        return
    if status == 200:
        whole = segment.cursor == 0 and limit == identity.size
        if phase.ranged and not whole:
            raise RangeIgnored
        if not phase.ranged and segment.cursor != 0:
            raise ServerError("unexpected answer to a retry", part=part_path)
        return
    if status == 403:
        raise Expired
    if status in RETRYABLE_STATUSES:
        raise Retryable(f"HTTP {status}", status)
    if status == 416:
        raise BlobChanged(
            "The backup on the server is shorter than when the download started",
            "run the download again to start over",
            part=part_path,
            resumable=False,
        )
    raise_for_fatal(response, part_path)
    raise ServerError(status_text(response), part=part_path)
