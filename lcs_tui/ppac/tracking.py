"""The operations a Power Platform workspace tracks, kept in the shared journal.

The journal (lcs_tui/service/journal.py) and its rules are the LCS
backend's, unchanged: an entry is written *before* its POST and is durable
when the write returns; after the POST every change is kept in memory at
once and written in order (on the caller's thread, or — for the TUI — in
one writer thread, so an event loop never waits for an fsync or another
copy of the app's lock); a journal that cannot be written after the POST
does not stop watching, it is reported; another process's entries are
taken in when they know more; an entry the user stopped watching never
comes back. This class holds that bookkeeping for `PowerPlatformService`,
the way ProjectService holds it for LCS.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from lcs_tui.service.journal import Journal, JournalError
from lcs_tui.service.operations import POWERPLATFORM, TrackedOperation


class OperationBook:
    """Tracked operations of one profile, in memory and in its journal."""

    def __init__(self, journal: Journal | None, *, profile: str) -> None:
        self.journal = journal
        self.profile = profile
        self.operations: dict[str, TrackedOperation] = {}
        #: The last journal write that failed after a POST; None when healthy.
        self.journal_problem: str | None = None
        #: Keys whose POST is on its way right now (this process).
        self.in_flight: set[str] = set()
        self._forgotten: set[str] = set()
        self._writer: ThreadPoolExecutor | None = None

    @property
    def journal_notice(self) -> str | None:
        notices = [
            text
            for text in (
                self.journal.recovered_from if self.journal is not None else None,
                self.journal_problem,
            )
            if text
        ]
        return " ".join(notices) or None

    # -- before the POST ---------------------------------------------------------------

    async def record_before_sending(self, op: TrackedOperation) -> None:
        """Write `op` durably (off the event loop); JournalError means: do not send."""
        if self.journal is not None:
            await asyncio.to_thread(self.journal.upsert, op)
        self.operations[op.key] = op

    # -- after the POST ----------------------------------------------------------------

    def save(self, op: TrackedOperation) -> None:
        """In memory always, in the journal when it can be written."""
        self.operations[op.key] = op
        if self.journal is None:
            return
        writer = self._writer
        if writer is not None:
            writer.submit(self._write_latest, op.key)
            return
        self._guard(lambda: self._upsert(op))

    async def save_soon(self, op: TrackedOperation) -> None:
        """`save` for async paths: the journal is written in a thread, the newest state."""
        self.operations[op.key] = op
        if self.journal is None:
            return
        writer = self._writer
        if writer is not None:
            await asyncio.shield(asyncio.wrap_future(writer.submit(self._write_latest, op.key)))
            return
        await asyncio.to_thread(self._write_latest, op.key)

    def forget(self, key: str) -> None:
        self.operations.pop(key, None)
        self._forgotten.add(key)
        if self.journal is None:
            return
        writer = self._writer
        if writer is not None:
            writer.submit(self._write_latest, key)
            return
        journal = self.journal
        self._guard(lambda: journal.remove(key))

    def write_in_background(self) -> None:
        if self._writer is None:
            self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="lcs-tui-journal")

    def close(self) -> None:
        writer, self._writer = self._writer, None
        if writer is not None:
            writer.shutdown(wait=True)

    # -- other processes ---------------------------------------------------------------

    def merge(self, stored: list[TrackedOperation] | None = None) -> None:
        """Take in what another copy of the app (or a command) journalled for this profile."""
        if self.journal is None:
            return
        if stored is None:
            try:
                stored = self.journal.load()
            except JournalError as exc:
                self.journal_problem = str(exc)
                return
        for op in stored:
            if op.profile != self.profile or op.backend != POWERPLATFORM:
                continue
            if op.key in self._forgotten:
                continue
            mine = self.operations.get(op.key)
            if mine is None:
                if not self._duplicate(op):
                    self.operations[op.key] = op
            elif op.key not in self.in_flight and (
                (mine.activity_id is None and op.activity_id is not None)
                or (op.finished and not mine.finished)
            ):
                self.operations[op.key] = op

    async def read(self) -> None:
        """`merge` with the file read in a thread, behind any queued write."""
        if self.journal is None:
            return
        writer = self._writer
        try:
            if writer is not None:
                stored = await asyncio.wrap_future(writer.submit(self.journal.load))
            else:
                stored = await asyncio.to_thread(self.journal.load)
        except JournalError as exc:
            self.journal_problem = str(exc)
            return
        self.merge(stored)

    # -- internals -----------------------------------------------------------------------

    def _duplicate(self, op: TrackedOperation) -> bool:
        if op.activity_id is None:
            return False
        wanted = op.activity_id.lower()
        return any(
            o.activity_id and o.activity_id.lower() == wanted for o in self.operations.values()
        )

    def _upsert(self, op: TrackedOperation) -> None:
        if self.journal is not None:
            self.journal.upsert(op)

    def _write_latest(self, key: str) -> None:
        journal = self.journal
        if journal is None:
            return
        latest = self.operations.get(key)
        if latest is None:
            self._guard(lambda: journal.remove(key))
        else:
            self._guard(lambda: journal.upsert(latest))

    def _guard(self, write: Callable[[], None]) -> None:
        try:
            write()
        except JournalError as exc:
            self.journal_problem = (
                f"{exc} — changes are kept in memory only until the journal works again"
            )
        else:
            self.journal_problem = None
