"""Download one blob to one file: resumable, in parallel ranges, verified.

The event loop only coordinates; every byte moves in worker threads (one per
connection) that read from the network and `pwrite` into the `.part` file, so
a UI on the same loop never waits for the network or the disk. The loop
thread reports progress, saves checkpoints (the `.part.json` sidecar), renews
an expired link through the caller's callback, and finally verifies the file
and renames it into place.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import concurrent.futures
import contextlib
import errno
import hashlib
import logging
import os
import shutil
import stat
import threading
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from lcs_tui.api.redact import redact_text
from lcs_tui.download import files, links, sidecar
from lcs_tui.download.errors import (
    BlobChanged,
    BlobNotFound,
    ConnectionLost,
    DestinationExists,
    DiskFull,
    DownloadCancelled,
    DownloadError,
    IntegrityError,
    LinkExpired,
    NotOurs,
    ServerError,
)
from lcs_tui.download.files import FileId
from lcs_tui.download.ledger import Ledger, Segment
from lcs_tui.download.links import LinkPolicy
from lcs_tui.download.partfile import PartFile, WriteAt
from lcs_tui.download.progress import DownloadProgress, DownloadState, RateMeter, eta
from lcs_tui.download.ranges import RangeSet
from lcs_tui.download.redaction import install_httpx_log_redaction
from lcs_tui.download.sidecar import BlobIdentity, PartState
from lcs_tui.download.transport import ClientFactory, DirectTransport, client_factory
from lcs_tui.http import HttpSettings
from lcs_tui.units import human_bytes
from lcs_tui.untrusted import inert

log = logging.getLogger(__name__)

MIB = 1024 * 1024
PART_SUFFIX = ".part"
#: Small chunks (httpx's own stack yields 16-64 KiB) are gathered up to this
#: size before a write: fewer system calls, same memory bound.
WRITE_BATCH = MIB
#: Statuses worth another try after a pause (Azure's ServerBusy is a 503).
RETRYABLE_STATUSES = frozenset({408, 429, 500, 502, 503, 504})

RenewLink = Callable[[], Awaitable[str]]
ProgressCallback = Callable[[DownloadProgress], None]
NoticeCallback = Callable[[str], None]


def default_backoff(failure: int) -> float:
    """Seconds to wait before retry number `failure` (1, 2, 3...)."""
    return float(min(10.0, 0.5 * 2 ** (failure - 1)))


@dataclass(frozen=True)
class DownloadOptions:
    #: Parallel connections for a large blob (each fetches its own ranges).
    connections: int = 4
    overwrite: bool = False
    #: Blobs smaller than this come in one stream (still with `Range`, to resume).
    single_stream_below: int = 16 * MIB
    #: No segment is split below this size.
    min_segment: int = 8 * MIB
    #: Failed tries in a row (no byte gained in between) before giving up.
    attempts: int = 5
    backoff: Callable[[int], float] = default_backoff
    progress_interval: float = 0.25
    checkpoint_interval: float = 1.0
    #: fdatasync the `.part` before each checkpoint, so that a checkpoint never
    #: claims bytes a power cut could lose. (A killed process loses nothing
    #: either way: written bytes are the kernel's.)
    durable: bool = True
    #: Seconds to wait for workers to notice a stop before giving up on them
    #: (a read on a proxied connection only ends at its timeout). A straggler
    #: never writes after the stop: it checks before every write.
    stop_grace: float = 3.0
    #: Check for free space before starting (sparse files make this a guess
    #: on some file systems; ENOSPC while writing is handled regardless).
    check_free_space: bool = True


@dataclass(frozen=True)
class DownloadResult:
    path: Path
    size: int
    seconds: float
    #: Bytes that were already on disk from an earlier run.
    resumed_from: int
    md5_checked: bool
    notices: tuple[str, ...] = ()

    @property
    def rate(self) -> float:
        fetched = self.size - self.resumed_from
        return fetched / self.seconds if self.seconds > 0 else 0.0


class _Stopped(Exception):
    """A worker noticed the stop flag: not an error of its own."""


class _RangeIgnored(Exception):
    """The server answered a ranged request with the whole blob."""


class _Expired(Exception):
    """403 from the blob: the link needs renewing."""


class _Retryable(Exception):
    """A failure worth another try after a pause (cut, timeout, 5xx)."""


@dataclass
class _Link:
    url: str
    renewals: int = 0
    bytes_at_renewal: int = -1
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)


class BlobDownload:
    """One download of one blob into `destination` (a file path). `run()` once.

    `renew` returns a fresh link for the same blob (for a backup: list the
    backups again); without it an expired link ends the download. Every link
    (the first and each renewed one) must be https, and allowed by `policy`
    when one is given (links.py); anything else is refused before a request.
    `on_progress` and `on_notice` are called on the event loop's thread.
    `cancel()` may be called from any thread.
    """

    def __init__(
        self,
        url: str,
        destination: Path,
        *,
        renew: RenewLink | None = None,
        http: HttpSettings | None = None,
        options: DownloadOptions | None = None,
        on_progress: ProgressCallback | None = None,
        on_notice: NoticeCallback | None = None,
        write_at: WriteAt | None = None,
        source: str | None = None,
        policy: LinkPolicy | None = None,
    ) -> None:
        install_httpx_log_redaction()
        self.destination = destination
        self.part_path = destination.with_name(destination.name + PART_SUFFIX)
        self.options = options or DownloadOptions()
        self._url = url
        self._renew = renew
        self._http = http or HttpSettings()
        self._on_progress = on_progress
        self._on_notice = on_notice
        self._write_at = write_at
        self._source = source
        self._policy = policy
        self._stop = threading.Event()
        self._cancelled = threading.Event()
        self._state = DownloadState.STARTING
        self._total: int | None = None
        self._resumed_from = 0
        self._notices: list[str] = []
        self._ledger: Ledger | None = None
        self._meter = RateMeter()
        self._transports: list[DirectTransport] = []
        self._transports_lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._link: _Link | None = None
        self._identity: BlobIdentity | None = None
        self._clients: ClientFactory | None = None
        self._retry_note: str | None = None

    # -- public ----------------------------------------------------------------------

    @property
    def progress(self) -> DownloadProgress:
        done = self._ledger.done_bytes if self._ledger else self._resumed_from
        rate = self._meter.rate
        state = self._state
        if state is DownloadState.DOWNLOADING and self._retry_note:
            state = DownloadState.RETRYING
        return DownloadProgress(
            state=state,
            done=done,
            total=self._total,
            rate=rate,
            eta=eta(done, self._total, rate) if state is DownloadState.DOWNLOADING else None,
            connections=self._ledger.connections if self._ledger else 0,
            resumed_from=self._resumed_from,
            message=self._retry_note,
        )

    def cancel(self) -> None:
        """Stop soon; the `.part` file and its sidecar stay for a resume."""
        self._cancelled.set()
        self._halt()

    async def run(self) -> DownloadResult:
        if self._loop is not None:
            raise RuntimeError("a BlobDownload runs once; make a new one to try again")
        self._loop = asyncio.get_running_loop()
        self._link = _Link(self._url)
        began = time.monotonic()
        try:
            result = await self._run(began)
        except asyncio.CancelledError:
            self._cancelled.set()
            self._halt()
            self._set_state(DownloadState.CANCELLED)
            raise
        except DownloadCancelled:
            self._set_state(DownloadState.CANCELLED)
            raise
        except DownloadError:
            self._set_state(DownloadState.FAILED)
            raise
        except OSError as exc:  # renaming into place, creating the folder...
            self._set_state(DownloadState.FAILED)
            raise DownloadError(
                f"File system error: {exc.strerror or exc}"
                + (f" ({exc.filename})" if exc.filename else ""),
                part=self.part_path,
            ) from None
        except Exception:
            self._set_state(DownloadState.FAILED)
            raise
        self._set_state(DownloadState.DONE)
        return result

    # -- the steps ---------------------------------------------------------------------

    async def _run(self, began: float) -> DownloadResult:
        self._check_link(self._current_url())
        # Every file-system step runs in a thread: the folder may be a slow
        # network share, and the loop may be a UI's.
        await asyncio.to_thread(self._check_destination)
        self._clients = client_factory(self._http, self._current_url())
        identity = await self._probe()
        self._identity = identity
        self._total = identity.size
        state, part, notices = await asyncio.to_thread(self._prepare, identity)
        for text in notices:
            self._notice(text)
        try:
            await self._transfer(part, state)
            md5_checked = await self._verify(part, identity)
        finally:
            await asyncio.to_thread(part.close)
        await asyncio.to_thread(self._move_into_place, part.identity)
        return DownloadResult(
            path=self.destination,
            size=identity.size,
            seconds=time.monotonic() - began,
            resumed_from=self._resumed_from,
            md5_checked=md5_checked,
            notices=tuple(self._notices),
        )

    def _prepare(self, identity: BlobIdentity) -> tuple[PartState, PartFile, list[str]]:
        """Resume or start afresh; open the `.part`; save the first checkpoint.

        Only a `.part` of ours is resumed or replaced (files.py): a link or
        another user's file at that name ends the download untouched."""
        notices: list[str] = []
        try:
            on_disk: os.stat_result | None = os.lstat(self.part_path)
        except FileNotFoundError:
            on_disk = None
        if on_disk is not None and (problem := files.problem_with(on_disk)) is not None:
            raise files.refuse(self.part_path, problem)
        state, fresh = self._resume_or_restart(identity, on_disk, notices)
        self._check_space(identity.size - state.done.total)
        try:
            part = PartFile(self.part_path, fresh=fresh, write_at=self._write_at)
        except FileNotFoundError:  # gone since the look: nothing to resume
            state, fresh = PartState(blob=identity, source=self._source), True
            part = PartFile(self.part_path, fresh=True, write_at=self._write_at)
        except OSError as exc:
            raise _write_failure(exc, self.part_path) from None
        try:
            if not fresh:
                # What the file really holds (it may have changed since the look).
                state.done = state.done.clip(part.size())
            self._resumed_from = state.done.total
            if self._resumed_from:
                notices.append(
                    f"Resuming: {human_bytes(self._resumed_from)} of "
                    f"{human_bytes(identity.size)} already downloaded."
                )
            if part.size() > identity.size:
                part.truncate(identity.size)
            sidecar.save(self.part_path, state)
        except OSError as exc:
            part.close()
            raise _write_failure(exc, self.part_path) from None
        return state, part, notices

    def _check_destination(self) -> None:
        self.destination.parent.mkdir(parents=True, exist_ok=True)
        try:
            st = os.lstat(self.destination)
        except FileNotFoundError:
            st = None
        if st is not None and stat.S_ISLNK(st.st_mode):
            raise DestinationExists(
                f"{self.destination} is a symbolic link: lcs-tui does not replace links "
                "or write through them",
                "remove the link, or choose another folder",
                resumable=False,
            )
        if st is not None and stat.S_ISDIR(st.st_mode):
            raise DestinationExists(
                f"{self.destination} is a folder", "choose another folder", resumable=False
            )
        if st is not None and not self.options.overwrite:
            raise DestinationExists(
                f"{self.destination} already exists",
                "choose another folder, or allow replacing the file (--overwrite)",
                resumable=False,
            )
        # Before any request: a planted `.part` is refused at once.
        problem = files.inspect(self.part_path)
        if problem is not None:
            raise files.refuse(self.part_path, problem)

    async def _probe(self) -> BlobIdentity:
        """HEAD the blob: its size, ETag and MD5 decide how to download it."""
        renewed = False
        while True:
            url = self._current_url()
            response = await asyncio.to_thread(self._head, url)
            if response.status_code == 403 and not renewed:
                await self._renew_link(url)
                renewed = True
                continue
            _raise_for_fatal(response, self.part_path)
            if response.status_code == 403:
                raise _link_refused(self.part_path, after_renewal=True)
            if response.status_code != 200:
                raise ServerError(_status_text(response), part=self.part_path)
            return _identity(response)

    def _head(self, url: str) -> httpx.Response:
        """HEAD, retried like the transfer: connection failures and 5xx/429."""
        assert self._clients is not None
        failures = 0
        with self._clients() as client:
            while True:
                try:
                    response = client.head(url, headers={"Accept-Encoding": "identity"})
                    response.read()
                    if response.status_code not in RETRYABLE_STATUSES:
                        return response
                    failure: BaseException = _Retryable(f"HTTP {response.status_code}")
                except httpx.TransportError as exc:
                    failure = exc
                failures += 1
                if failures >= self.options.attempts:
                    raise _connection_lost(failure, self.part_path, self.options) from None
                if self._stop.wait(self.options.backoff(failures)):
                    raise DownloadCancelled("download cancelled", part=self.part_path)

    def _resume_or_restart(
        self, identity: BlobIdentity, on_disk: os.stat_result | None, notices: list[str]
    ) -> tuple[PartState, bool]:
        fresh = PartState(blob=identity, source=self._source)
        if on_disk is None:
            return fresh, True
        previous = sidecar.load(self.part_path)
        if previous is None:
            notices.append("A partial file without its record was found: starting over.")
            return fresh, True
        if not previous.blob.same_blob(identity):
            notices.append(
                "The backup changed on the server since the partial download: starting over."
            )
            return fresh, True
        if not previous.ranges_supported:
            notices.append("The server cannot resume this download: starting over.")
            return fresh, True
        previous.done = previous.done.clip(on_disk.st_size)
        previous.source = self._source or previous.source
        return previous, False

    def _check_space(self, needed: int) -> None:
        if not self.options.check_free_space or needed <= 0:
            return
        try:
            free = shutil.disk_usage(self.destination.parent).free
        except OSError:
            return
        if free < needed:
            raise DiskFull(
                f"Not enough space in {self.destination.parent}: the download needs "
                f"{human_bytes(needed)} more, {human_bytes(free)} is free",
                "free some space, or choose another folder",
                part=self.part_path,
            )

    # -- moving the bytes --------------------------------------------------------------

    async def _transfer(self, part: PartFile, state: PartState) -> None:
        size = state.blob.size
        while True:
            ranged = state.ranges_supported
            remaining = size - state.done.total
            workers = self._worker_count(remaining, size, ranged)
            ledger = Ledger(
                size,
                state.done,
                pieces=workers,
                min_split=self.options.min_segment,
            )
            self._ledger = ledger
            self._meter.restart(time.monotonic(), ledger.done_bytes)
            self._set_state(DownloadState.DOWNLOADING)
            try:
                await self._supervise(ledger, part, state, workers, ranged)
                return
            except _RangeIgnored:
                self._notice(
                    "The server ignored the Range request: downloading in one stream "
                    "from the start (this download cannot be resumed)."
                )
                state.ranges_supported = False
                state.done = RangeSet()
                self._resumed_from = 0
                await asyncio.to_thread(sidecar.save, self.part_path, state)

    def _worker_count(self, remaining: int, size: int, ranged: bool) -> int:
        if not ranged or size < self.options.single_stream_below:
            return 1
        by_size = max(1, remaining // self.options.min_segment)
        return max(1, min(self.options.connections, by_size))

    async def _supervise(
        self, ledger: Ledger, part: PartFile, state: PartState, workers: int, ranged: bool
    ) -> None:
        loop = asyncio.get_running_loop()
        # A fresh stop flag per phase: a straggler of an earlier phase keeps
        # seeing its own flag set, whatever this phase does.
        stop = self._stop = threading.Event()
        if self._cancelled.is_set():
            stop.set()
        futures = [
            self._start_thread(loop, self._work, ledger, part, ranged, stop) for _ in range(workers)
        ]
        next_checkpoint = time.monotonic() + self.options.checkpoint_interval
        failure: BaseException | None = None
        try:
            while True:
                done, pending = await asyncio.wait(
                    futures,
                    timeout=self.options.progress_interval,
                    return_when=asyncio.FIRST_EXCEPTION,
                )
                self._tick(ledger)
                failure = _first_failure(done)
                if failure is not None or not pending:
                    break
                if self._cancelled.is_set():
                    break
                if time.monotonic() >= next_checkpoint:
                    await self._checkpoint(ledger, part, state)
                    next_checkpoint = time.monotonic() + self.options.checkpoint_interval
        finally:
            if (
                failure is not None
                or self._cancelled.is_set()
                or any(not f.done() for f in futures)
            ):
                self._halt()
            # Workers stop within one chunk; the final checkpoint waits for
            # them (within reason) so that it sees every written byte.
            _, stragglers = await asyncio.wait(futures, timeout=self.options.stop_grace)
            if stragglers:
                log.info("download: %d connection(s) still closing", len(stragglers))
            failure = failure or _first_failure(futures)
            with contextlib.suppress(OSError):
                await self._checkpoint(ledger, part, state)
        if self._cancelled.is_set():
            raise DownloadCancelled(
                f"Download cancelled ({human_bytes(ledger.done_bytes)} of "
                f"{human_bytes(ledger.size)} kept)",
                "run it again to resume",
                part=self.part_path,
            )
        if failure is not None:
            raise failure

    def _start_thread(
        self,
        loop: asyncio.AbstractEventLoop,
        target: Callable[..., None],
        *args: object,
    ) -> asyncio.Future[None]:
        """A dedicated thread (not the default executor: its few threads are
        what the link renewal and sign-in need while the workers wait)."""
        future: asyncio.Future[None] = loop.create_future()

        def settle(exc: BaseException | None) -> None:
            if future.done():
                return
            if exc is None:
                future.set_result(None)
            else:
                future.set_exception(exc)

        def body() -> None:
            outcome: BaseException | None = None
            try:
                target(*args)
            except BaseException as exc:
                outcome = exc
            with contextlib.suppress(RuntimeError):  # the loop is gone
                loop.call_soon_threadsafe(settle, outcome)

        threading.Thread(target=body, name="lcs-tui-download", daemon=True).start()
        return future

    def _work(self, ledger: Ledger, part: PartFile, ranged: bool, stop: threading.Event) -> None:
        assert self._clients is not None
        part.hold()
        try:
            with self._clients() as client:
                transport = getattr(client, "_transport", None)
                if isinstance(transport, DirectTransport):
                    with self._transports_lock:
                        self._transports.append(transport)
                while not stop.is_set():
                    segment = ledger.next_segment()
                    if segment is None:
                        return
                    try:
                        self._fetch(client, ledger, part, segment, ranged, stop)
                    except _Stopped:
                        return
                    finally:
                        ledger.release(segment)
        finally:
            part.release()

    def _fetch(
        self,
        client: httpx.Client,
        ledger: Ledger,
        part: PartFile,
        segment: Segment,
        ranged: bool,
        stop: threading.Event,
    ) -> None:
        """Fetch one segment, retrying cuts and renewing the link as needed."""
        failures = 0
        while True:
            if stop.is_set():
                raise _Stopped
            limit = ledger.end_of(segment)
            if segment.cursor >= limit:
                return
            url = self._current_url()
            before = segment.cursor
            try:
                self._stream(client, ledger, part, segment, url, ranged, stop)
                if segment.cursor >= ledger.end_of(segment):
                    return
                raise _Retryable("the answer ended early")
            except _Expired:
                self._renew_from_thread(url, stop)
            except (_Retryable, httpx.TransportError) as exc:
                if stop.is_set():
                    raise _Stopped from None
                # Progress since the last failure starts the count afresh:
                # a flaky link that keeps moving is not a dead one.
                gained = ranged and segment.cursor > before
                failures = 1 if gained else failures + 1
                if failures > self.options.attempts:
                    raise _connection_lost(exc, self.part_path, self.options) from None
                if not ranged:
                    ledger.rewind(segment)
                delay = self.options.backoff(failures)
                self._retry_note = f"connection problem ({_short(exc)}); retrying in {delay:.0f} s"
                log.info("download %s: %s", self._source or "blob", self._retry_note)
                if stop.wait(delay):
                    raise _Stopped from None
                self._retry_note = None

    def _stream(
        self,
        client: httpx.Client,
        ledger: Ledger,
        part: PartFile,
        segment: Segment,
        url: str,
        ranged: bool,
        stop: threading.Event,
    ) -> None:
        identity = self._identity
        assert identity is not None
        headers = {"Accept-Encoding": "identity"}
        limit = ledger.end_of(segment)
        if ranged:
            headers["Range"] = f"bytes={segment.cursor}-{limit - 1}"
            if identity.etag:
                # Changed blob → whole new body (200), caught below.
                headers["If-Range"] = identity.etag
        batch = bytearray()
        batch_at = segment.cursor

        def flush() -> None:
            nonlocal batch_at
            if batch and not stop.is_set():  # never a write after a stop
                self._write(part, batch_at, batch)
                ledger.record(segment, len(batch))
                batch.clear()
            batch_at = segment.cursor

        with client.stream("GET", url, headers=headers) as response:
            self._check_answer(response, segment, limit, ranged)
            try:
                for chunk in response.iter_raw():
                    if stop.is_set():
                        raise _Stopped
                    room = ledger.end_of(segment) - (batch_at + len(batch))
                    if room <= 0:
                        break
                    piece = memoryview(chunk)[:room]
                    if not batch and len(piece) >= WRITE_BATCH // 4:
                        self._write(part, segment.cursor, piece)
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

    def _write(self, part: PartFile, offset: int, data: bytes | bytearray | memoryview) -> None:
        try:
            part.write(offset, data)
        except OSError as exc:
            raise _write_failure(exc, self.part_path) from None

    def _check_answer(
        self, response: httpx.Response, segment: Segment, limit: int, ranged: bool
    ) -> None:
        identity = self._identity
        assert identity is not None
        status = response.status_code
        tag = response.headers.get("ETag")
        if status in (200, 206) and identity.etag and tag and tag != identity.etag:
            raise BlobChanged(
                "The backup changed on the server during the download",
                "run the download again to start over",
                part=self.part_path,
                resumable=False,
            )
        if status == 206:
            if not ranged or _content_range_start(response) != segment.cursor:
                raise ServerError(
                    "The blob storage sent a different part of the file than asked for",
                    part=self.part_path,
                )
            return
        if status == 200:
            whole = segment.cursor == 0 and limit == identity.size
            if ranged and not whole:
                raise _RangeIgnored
            if not ranged and segment.cursor != 0:
                raise ServerError("unexpected answer to a retry", part=self.part_path)
            return
        if status == 403:
            raise _Expired
        if status in RETRYABLE_STATUSES:
            raise _Retryable(f"HTTP {status}")
        if status == 416:
            raise BlobChanged(
                "The backup on the server is shorter than when the download started",
                "run the download again to start over",
                part=self.part_path,
                resumable=False,
            )
        _raise_for_fatal(response, self.part_path)
        raise ServerError(_status_text(response), part=self.part_path)

    # -- link renewal --------------------------------------------------------------------

    def _current_url(self) -> str:
        assert self._link is not None
        return self._link.url

    def _check_link(self, url: str) -> None:
        """https only, and a host the policy allows: refused before any request."""
        try:
            if self._policy is not None:
                self._policy.check(url)
            else:
                links.check_scheme(url)
        except DownloadError as exc:
            exc.part = self.part_path if os.path.lexists(self.part_path) else None
            raise

    def _renew_from_thread(self, stale: str, stop: threading.Event) -> None:
        loop = self._loop
        assert loop is not None
        future = asyncio.run_coroutine_threadsafe(self._renew_link(stale), loop)
        while True:
            try:
                future.result(timeout=0.5)
                return
            except concurrent.futures.TimeoutError:
                if stop.is_set():
                    future.cancel()
                    raise _Stopped from None

    async def _renew_link(self, stale: str) -> None:
        """Get a fresh link, once for all workers that hit the expired one."""
        link = self._link
        assert link is not None
        async with link.lock:
            if link.url != stale:
                return  # another worker renewed it meanwhile
            done = self._ledger.done_bytes if self._ledger else 0
            if self._renew is None:
                raise _link_refused(self.part_path, after_renewal=False)
            if link.renewals and done == link.bytes_at_renewal:
                raise _link_refused(self.part_path, after_renewal=True)
            previous = self._state
            self._set_state(DownloadState.RENEWING)
            try:
                fresh = await self._renew()
            except DownloadError:
                raise
            except Exception as exc:
                raise LinkExpired(
                    "The download link expired and a fresh one could not be had: " + _short(exc),
                    "sign in again if needed, then run the download again to resume",
                    part=self.part_path,
                ) from None
            self._check_link(fresh)
            link.url = fresh
            link.renewals += 1
            link.bytes_at_renewal = done
            self._notice("The download link had expired: continuing with a fresh one from LCS.")
            self._set_state(previous)

    # -- finishing -----------------------------------------------------------------------

    async def _checkpoint(self, ledger: Ledger, part: PartFile, state: PartState) -> None:
        done = ledger.snapshot()

        def save() -> None:
            if self.options.durable:
                part.flush_to_disk()
            state.done = done
            sidecar.save(self.part_path, state)

        await asyncio.to_thread(save)

    async def _verify(self, part: PartFile, identity: BlobIdentity) -> bool:
        ledger = self._ledger
        assert ledger is not None
        if not ledger.snapshot().covers(identity.size):
            raise IntegrityError(
                "The download ended with parts of the file missing",
                "run the download again to fetch the rest",
                part=self.part_path,
            )
        self._set_state(DownloadState.VERIFYING)
        on_disk = await asyncio.to_thread(part.size)
        if on_disk != identity.size:
            raise IntegrityError(
                f"The downloaded file has {on_disk} bytes; the server announced {identity.size}",
                "run the download again",
                part=self.part_path,
            )
        checked = False
        if identity.md5:
            expected = _decode_md5(identity.md5)
            if expected is not None:
                actual = await asyncio.to_thread(_md5_of, part.fd, self._stop)
                if self._cancelled.is_set():
                    raise DownloadCancelled("download cancelled", part=self.part_path)
                if actual != expected:
                    await asyncio.to_thread(self._discard_part, part)
                    raise IntegrityError(
                        "The downloaded file does not match the backup's MD5 checksum "
                        f"(expected {identity.md5}, got {base64.b64encode(actual).decode()})",
                        "the partial file was removed; run the download again",
                        part=self.part_path,
                        resumable=False,
                    )
                checked = True
        await asyncio.to_thread(os.fsync, part.fd)
        return checked

    def _discard_part(self, part: PartFile) -> None:
        part.close()
        sidecar.remove(self.part_path)
        if self._is_ours(self.part_path, part.identity):
            with contextlib.suppress(FileNotFoundError):
                self.part_path.unlink()

    def _move_into_place(self, identity: FileId) -> None:
        """Rename the verified `.part` into place, then drop its sidecar."""
        folder = self.destination.parent
        if not self._is_ours(self.part_path, identity):
            raise _swapped(self.part_path)
        self._rename_into_place()
        # The name now stands for our file, or the rename went through
        # something swapped in meanwhile: then it is taken back out.
        if not self._is_ours(self.destination, identity):
            with contextlib.suppress(OSError):
                self.destination.unlink()
            raise _swapped(self.part_path)
        files.fsync_folder(folder)
        sidecar.remove(self.part_path)

    @staticmethod
    def _is_ours(path: Path, identity: FileId) -> bool:
        try:
            st = os.lstat(path)
        except FileNotFoundError:
            return False
        return stat.S_ISREG(st.st_mode) and FileId.of(st) == identity

    def _rename_into_place(self) -> None:
        if os.path.islink(self.destination):  # planted since the start: never onto a link
            raise DestinationExists(
                f"{self.destination} became a symbolic link during the download; the "
                f"complete download is kept as {self.part_path.name}",
                "remove the link and run the download again (it will only be verified and renamed)",
                part=self.part_path,
            )
        if self.options.overwrite:
            os.replace(self.part_path, self.destination)
            return
        # link + unlink: creating the name fails if it appeared meanwhile,
        # where a rename would silently replace someone's file.
        try:
            os.link(self.part_path, self.destination, follow_symlinks=False)
        except FileExistsError:
            raise DestinationExists(
                f"{self.destination} appeared during the download; the complete download "
                f"is kept as {self.part_path.name}",
                "move that file away and run the download again (it will only be verified "
                "and renamed), or allow replacing it (--overwrite)",
                part=self.part_path,
            ) from None
        except (OSError, NotImplementedError):
            # No hard links here (FAT, some network shares): check, then rename.
            if os.path.lexists(self.destination):
                raise DestinationExists(
                    f"{self.destination} appeared during the download",
                    "move it away and run the download again",
                    part=self.part_path,
                ) from None
            os.replace(self.part_path, self.destination)
            return
        self.part_path.unlink()

    # -- reporting ------------------------------------------------------------------------

    def _tick(self, ledger: Ledger) -> None:
        self._meter.update(time.monotonic(), ledger.done_bytes)
        self._emit()

    def _set_state(self, state: DownloadState) -> None:
        self._state = state
        self._emit()

    def _emit(self) -> None:
        if self._on_progress is None:
            return
        try:
            self._on_progress(self.progress)
        except Exception:
            log.exception("a download progress callback failed")

    def _notice(self, text: str) -> None:
        self._notices.append(text)
        log.info("download %s: %s", self._source or "blob", text)
        if self._on_notice is not None:
            try:
                self._on_notice(text)
            except Exception:
                log.exception("a download notice callback failed")

    def _halt(self) -> None:
        self._stop.set()
        with self._transports_lock:
            transports = list(self._transports)
        for transport in transports:
            transport.interrupt()


# -- helpers ------------------------------------------------------------------------------


def _identity(response: httpx.Response) -> BlobIdentity:
    length = response.headers.get("Content-Length")
    if length is None or not length.isdigit():
        raise ServerError("The blob storage did not say how large the file is")
    return BlobIdentity(
        size=int(length),
        etag=response.headers.get("ETag"),
        last_modified=response.headers.get("Last-Modified"),
        md5=response.headers.get("Content-MD5") or response.headers.get("x-ms-blob-content-md5"),
    )


def _content_range_start(response: httpx.Response) -> int | None:
    value = response.headers.get("Content-Range", "")
    unit, _, rest = value.partition(" ")
    first, _, _ = rest.partition("-")
    if unit.strip().lower() != "bytes" or not first.strip().isdigit():
        return None
    return int(first)


def _raise_for_fatal(response: httpx.Response, part: Path) -> None:
    if response.status_code == 404:
        raise BlobNotFound(
            "The backup's file was not found in blob storage (HTTP 404)",
            "it may have been deleted: list the backups again",
            part=part,
            resumable=False,
        )


def _status_text(response: httpx.Response) -> str:
    code = response.headers.get("x-ms-error-code")
    # The URL is never part of the message: it carries the signature.
    shown = f" ({inert(code, limit=80)})" if code else ""
    return f"The blob storage answered HTTP {response.status_code}{shown}"


def _write_failure(exc: OSError, part: Path) -> DownloadError:
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return DiskFull(
            f"The disk is full: could not write {part.name} in {part.parent}",
            "free some space and run the download again to resume",
            part=part,
        )
    return DownloadError(f"Could not write {part}: {exc.strerror or exc}", part=part)


def _swapped(part: Path) -> NotOurs:
    return NotOurs(
        f"{part} was replaced by another file during the download; nothing was moved into place",
        "check who else writes into this folder, then run the download again",
        part=part,
        resumable=False,
    )


def _link_refused(part: Path, *, after_renewal: bool) -> LinkExpired:
    if after_renewal:
        return LinkExpired(
            "The blob storage refused the download link (HTTP 403), even a fresh one",
            "check that your account still has access to the project, then run the "
            "download again to resume",
            part=part,
        )
    return LinkExpired(
        "The download link was refused (HTTP 403): it has probably expired",
        "list the backups again for a fresh link, then run the download again to resume",
        part=part,
    )


def _connection_lost(exc: BaseException, part: Path, options: DownloadOptions) -> ConnectionLost:
    return ConnectionLost(
        f"The connection to the blob storage kept failing ({_short(exc)}); "
        f"gave up after {options.attempts} tries",
        "check the network and run the download again to resume",
        part=part,
    )


def _short(exc: BaseException) -> str:
    # httpx exceptions carry the request, whose URL has the signature: only
    # the exception's own text is used, and scrubbed on top of that.
    return inert(redact_text(str(exc)), limit=200) or type(exc).__name__


def _first_failure(futures: Iterable[asyncio.Future[None]]) -> BaseException | None:
    found: BaseException | None = None
    for future in futures:
        if not future.done() or future.cancelled():
            continue
        exc = future.exception()
        if exc is None or isinstance(exc, _Stopped):
            continue
        # A real cause beats the consequences of stopping the others.
        if found is None or isinstance(found, DownloadCancelled):
            found = exc
    return found


def _decode_md5(value: str) -> bytes | None:
    try:
        digest = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return None
    return digest if len(digest) == 16 else None


def _md5_of(fd: int, stop: threading.Event) -> bytes:
    """MD5 of the file behind our descriptor (not its name: that could have
    been swapped for a link meanwhile). The workers have stopped writing."""
    digest = hashlib.md5(usedforsecurity=False)
    pread = getattr(os, "pread", None)
    offset = 0
    if pread is None:  # Windows: nobody else uses the descriptor now
        os.lseek(fd, 0, os.SEEK_SET)
    while not stop.is_set():
        data = pread(fd, MIB, offset) if pread is not None else os.read(fd, MIB)
        if not data:
            break
        digest.update(data)
        offset += len(data)
    return digest.digest()
