"""Download one blob to one file: resumable, in parallel ranges, verified.

The event loop only coordinates; every byte moves in worker threads (one per
connection, worker.py) that read from the network and `pwrite` into the
`.part` file, so a UI on the same loop never waits for the network or the
disk. The loop thread decides how many connections work (ramp.py: more while
the total rate still rises), starts them staggered and retires extra ones
between pieces, reports progress, saves checkpoints (the `.part.json`
sidecar), renews an expired link through the caller's callback, and finally
verifies the file and renames it into place (finish.py).
"""

from __future__ import annotations

import asyncio
import base64
import concurrent.futures
import contextlib
import logging
import os
import threading
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

import httpx

from lcs_tui.download import finish, links, sidecar, start, worker
from lcs_tui.download.answers import (
    RETRYABLE_STATUSES,
    RangeIgnored,
    Retryable,
    Stopped,
    connection_lost,
    identity_of,
    link_refused,
    raise_for_fatal,
    short,
    status_text,
)
from lcs_tui.download.errors import (
    ConnectionLost,
    DownloadCancelled,
    DownloadError,
    IntegrityError,
    LinkExpired,
    ServerError,
)
from lcs_tui.download.ledger import Ledger
from lcs_tui.download.links import LinkPolicy
from lcs_tui.download.options import DownloadOptions, DownloadResult, default_backoff
from lcs_tui.download.partfile import PartFile, WriteAt
from lcs_tui.download.progress import DownloadProgress, DownloadState, RateMeter, eta
from lcs_tui.download.ramp import Fixed, Ramp
from lcs_tui.download.ramp import Phase as RampPhase
from lcs_tui.download.ranges import RangeSet
from lcs_tui.download.redaction import install_httpx_log_redaction
from lcs_tui.download.sidecar import BlobIdentity, PartState
from lcs_tui.download.transport import ClientFactory, DirectTransport, client_factory
from lcs_tui.download.worker import Connection, Phase
from lcs_tui.http import HttpSettings
from lcs_tui.units import human_bytes

__all__ = [
    "PART_SUFFIX",
    "BlobDownload",
    "DownloadOptions",
    "DownloadResult",
    "NoticeCallback",
    "ProgressCallback",
    "RenewLink",
    "default_backoff",
]

log = logging.getLogger(__name__)

PART_SUFFIX = ".part"
#: How often the loop looks while the connection count is being measured.
RAMP_TICK = 0.05

RenewLink = Callable[[], Awaitable[str]]
ProgressCallback = Callable[[DownloadProgress], None]
NoticeCallback = Callable[[str], None]
Control = Ramp | Fixed


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
        #: Every connection of this download (all phases), for the byte count.
        self._connections: list[Connection] = []
        self._running: dict[asyncio.Future[None], Connection] = {}
        self._control: Control = Fixed(1)
        self._peak = 0

    # -- public ----------------------------------------------------------------------

    @property
    def progress(self) -> DownloadProgress:
        done = self._ledger.done_bytes if self._ledger else self._resumed_from
        rate = self._meter.rate
        state = self._state
        live = list(self._running.values())
        working = sum(1 for c in live if c.working)
        notes = [c.retry_note for c in live if c.retry_note]
        message = None
        if state is DownloadState.DOWNLOADING and notes:
            if working == 0:
                state, message = DownloadState.RETRYING, notes[0]
            else:
                message = f"{len(notes)} of {len(live)} connections retrying: {notes[0]}"
        return DownloadProgress(
            state=state,
            done=done,
            total=self._total,
            rate=rate,
            eta=eta(done, self._total, rate) if state is DownloadState.DOWNLOADING else None,
            connections=working,
            resumed_from=self._resumed_from,
            message=message,
            wanted=self._control.target if live else 0,
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
        await asyncio.to_thread(
            start.check_destination,
            self.destination,
            self.part_path,
            overwrite=self.options.overwrite,
        )
        self._clients = client_factory(self._http, self._current_url())
        identity = await self._probe()
        self._identity = identity
        self._total = identity.size
        prepared = await asyncio.to_thread(
            start.prepare,
            self.part_path,
            identity,
            source=self._source,
            check_free_space=self.options.check_free_space,
            write_at=self._write_at,
        )
        self._resumed_from = prepared.resumed_from
        for text in prepared.notices:
            self._notice(text)
        part = prepared.part
        try:
            await self._transfer(part, prepared.state)
            md5_checked = await self._verify(part, identity)
        finally:
            await asyncio.to_thread(part.close)
        await asyncio.to_thread(
            finish.move_into_place,
            self.part_path,
            self.destination,
            part.identity,
            self.options.overwrite,
        )
        return DownloadResult(
            path=self.destination,
            size=identity.size,
            seconds=time.monotonic() - began,
            resumed_from=self._resumed_from,
            md5_checked=md5_checked,
            notices=tuple(self._notices),
            peak_connections=self._peak,
        )

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
            raise_for_fatal(response, self.part_path)
            if response.status_code == 403:
                raise link_refused(self.part_path, after_renewal=True)
            if response.status_code != 200:
                raise ServerError(status_text(response), part=self.part_path)
            return identity_of(response)

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
                    failure: BaseException = Retryable(f"HTTP {response.status_code}")
                except httpx.TransportError as exc:
                    failure = exc
                failures += 1
                if failures >= self.options.attempts:
                    raise connection_lost(failure, self.part_path, self.options.attempts) from None
                if self._stop.wait(self.options.backoff(failures)):
                    raise DownloadCancelled("download cancelled", part=self.part_path)

    # -- moving the bytes --------------------------------------------------------------

    async def _transfer(self, part: PartFile, state: PartState) -> None:
        size = state.blob.size
        while True:
            ranged = state.ranges_supported
            if ranged:
                ledger = Ledger(
                    size,
                    state.done,
                    min_piece=self.options.min_piece,
                    max_piece=self.options.max_piece,
                )
            else:  # one stream from the start: one piece, the whole blob
                ledger = Ledger(size, state.done, min_piece=size or 1)
            self._ledger = ledger
            self._control = self._control_for(size, ledger.unassigned, ranged)
            self._meter.restart(time.monotonic(), self._received())
            self._set_state(DownloadState.DOWNLOADING)
            try:
                await self._supervise(ledger, part, state, ranged)
                return
            except RangeIgnored:
                self._notice(
                    "The server ignored the Range request: downloading in one stream "
                    "from the start (this download cannot be resumed)."
                )
                state.ranges_supported = False
                state.done = RangeSet()
                self._resumed_from = 0
                await asyncio.to_thread(sidecar.save, self.part_path, state)

    def _control_for(self, size: int, remaining: int, ranged: bool) -> Control:
        """One stream for small blobs and servers without `Range`; the user's
        count with --connections; otherwise measured (ramp.py)."""
        if not ranged or size < self.options.single_stream_below:
            return Fixed(1)
        by_size = max(1, remaining // self.options.min_piece)
        if self.options.connections is not None:
            return Fixed(min(self.options.connections, by_size))
        settings = self.options.ramp
        return Ramp(replace(settings, cap=max(1, min(settings.cap, by_size))), time.monotonic())

    async def _supervise(
        self, ledger: Ledger, part: PartFile, state: PartState, ranged: bool
    ) -> None:
        loop = asyncio.get_running_loop()
        # A fresh stop flag per phase: a straggler of an earlier phase keeps
        # seeing its own flag set, whatever this phase does.
        stop = self._stop = threading.Event()
        if self._cancelled.is_set():
            stop.set()
        assert self._identity is not None and self._clients is not None
        control = self._control
        phase = Phase(
            ledger=ledger,
            part=part,
            identity=self._identity,
            ranged=ranged,
            stop=stop,
            clients=self._clients,
            options=self.options,
            part_path=self.part_path,
            current_url=self._current_url,
            renew=self._renew_from_thread,
            wanted=lambda: control.target,
            on_transport=self._add_transport,
            total_received=self._received,
            source=self._source or "blob",
        )
        running = self._running = {}
        options = self.options
        now = time.monotonic()
        next_start = now
        next_checkpoint = now + options.checkpoint_interval
        next_progress = now
        failure: BaseException | None = None
        try:
            while not self._cancelled.is_set():
                now = time.monotonic()
                self._steer(control, phase, ledger, now)
                if not running and ledger.finished:
                    break
                active = [c for c in running.values() if not c.retire]
                wanted = len(active) < control.target and ledger.unassigned > 0
                if wanted and now >= next_start:
                    self._start_connection(loop, phase)
                    next_start = now + options.stagger
                    wanted = len(active) + 1 < control.target
                wait = max(0.001, min(next_progress, next_checkpoint) - now)
                if control.phase is not RampPhase.HOLDING:
                    wait = min(wait, RAMP_TICK)  # settle and measure on time
                if wanted:
                    wait = min(wait, max(0.001, next_start - now))
                if not running:
                    await asyncio.sleep(wait)
                    continue
                done, _ = await asyncio.wait(
                    running, timeout=wait, return_when=asyncio.FIRST_COMPLETED
                )
                failure = self._collect(done, control)
                if failure is not None:
                    break
                now = time.monotonic()
                if now >= next_progress:
                    self._tick()
                    next_progress = now + options.progress_interval
                if now >= next_checkpoint:
                    await self._checkpoint(ledger, part, state)
                    next_checkpoint = time.monotonic() + options.checkpoint_interval
        finally:
            if failure is not None or self._cancelled.is_set() or running:
                self._halt()
            # Workers stop within one chunk; the final checkpoint waits for
            # them (within reason) so that it sees every written byte.
            if running:
                _, stragglers = await asyncio.wait(running, timeout=options.stop_grace)
                if stragglers:
                    log.info("download: %d connection(s) still closing", len(stragglers))
                failure = failure or _first_failure(running)
            running.clear()
            self._tick()
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

    def _steer(self, control: Control, phase: Phase, ledger: Ledger, now: float) -> None:
        """Tell the control what happened; retire connections beyond its count."""
        while phase.events:
            kind, when = phase.events.popleft()
            if kind == "busy":
                control.throttled(when)
            else:
                control.connection_failed(when)
        live = list(self._running.values())
        working = sum(1 for c in live if c.working)
        self._peak = max(self._peak, working)
        rtts = [c.rtt for c in self._connections if c.rtt is not None]
        target = control.observe(
            now,
            self._received(),
            working=working,
            starved=ledger.unassigned == 0,
            rtt=min(rtts) if rtts else None,
        )
        active = [c for c in live if not c.retire]
        for conn in active[target:]:  # the newest go first
            conn.retire = True

    def _start_connection(self, loop: asyncio.AbstractEventLoop, phase: Phase) -> None:
        conn = Connection(index=len(self._connections))
        self._connections.append(conn)
        future = self._start_thread(loop, worker.run, conn, phase)
        self._running[future] = conn

    def _collect(
        self, done: Iterable[asyncio.Future[None]], control: Control
    ) -> BaseException | None:
        """Connections that ended: a real failure ends the download, unless
        it is one connection giving up while the others got bytes meanwhile
        (then its piece goes to another, and the count comes down)."""
        for future in done:
            conn = self._running.pop(future, None)
            if future.cancelled():
                continue
            exc = future.exception()
            if exc is None or isinstance(exc, Stopped):
                continue
            since = conn.failing_from if conn is not None else None
            if isinstance(exc, ConnectionLost) and since is not None and self._received() > since:
                log.info("download: a connection gave up while others got bytes; going on")
                control.connection_failed(time.monotonic())
                continue
            return exc
        return None

    def _received(self) -> int:
        return sum(c.received for c in self._connections)

    def _add_transport(self, transport: DirectTransport) -> None:
        with self._transports_lock:
            self._transports.append(transport)

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
                    raise Stopped from None

    async def _renew_link(self, stale: str) -> None:
        """Get a fresh link, once for all workers that hit the expired one."""
        link = self._link
        assert link is not None
        async with link.lock:
            if link.url != stale:
                return  # another worker renewed it meanwhile
            done = self._ledger.done_bytes if self._ledger else 0
            if self._renew is None:
                raise link_refused(self.part_path, after_renewal=False)
            if link.renewals and done == link.bytes_at_renewal:
                raise link_refused(self.part_path, after_renewal=True)
            previous = self._state
            self._set_state(DownloadState.RENEWING)
            try:
                fresh = await self._renew()
            except DownloadError:
                raise
            except Exception as exc:
                raise LinkExpired(
                    "The download link expired and a fresh one could not be had: " + short(exc),
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
        expected = finish.decode_md5(identity.md5) if identity.md5 else None
        if expected is not None:
            actual = await asyncio.to_thread(finish.md5_of, part.fd, self._stop)
            if self._cancelled.is_set():
                raise DownloadCancelled("download cancelled", part=self.part_path)
            if actual != expected:
                await asyncio.to_thread(finish.discard, part, self.part_path)
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

    # -- reporting ------------------------------------------------------------------------

    def _tick(self) -> None:
        self._meter.update(time.monotonic(), self._received())
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


def _first_failure(futures: Iterable[asyncio.Future[None]]) -> BaseException | None:
    found: BaseException | None = None
    for future in futures:
        if not future.done() or future.cancelled():
            continue
        exc = future.exception()
        if exc is None or isinstance(exc, Stopped):
            continue
        # A real cause beats the consequences of stopping the others.
        if found is None or isinstance(found, DownloadCancelled):
            found = exc
    return found
