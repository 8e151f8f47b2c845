"""The operation journal: nothing the user started may be lost or duplicated.

An operation is written as "Starting" *before* its POST and updated with its
activity id afterwards, so a crash in between leaves evidence that is later
reconciled against the environment history — never re-sent.

Crash safety, point by point:

* Every write is atomic (lcs_tui/atomic.py): a temporary file in the same
  directory, written, flushed and fsynced, then renamed over the journal,
  then the directory is fsynced. A reader sees the old journal or the new one, never half of one —
  also when the process is killed (SIGKILL, power loss) at any moment.
* A write killed between creating its temporary file and the rename leaves
  that file behind; the next access (under the lock) deletes it.
* Read-modify-write is serialised between processes (the TUI and a scripting
  command on the same profile) with an advisory lock on a separate, never
  deleted lock file — deleting a lock file races with its next user. The lock
  is taken with a timeout: a copy of the app suspended with Ctrl-Z must not
  freeze another one forever.
* A journal that cannot be read at all is set aside under a new, unique name
  and reported; the app goes on with an empty one. A single unreadable entry
  does not cost the others: it is kept verbatim in the file and reported.
* A journal written by a *newer* version (higher schema) is left alone: it
  is not set aside (downgrading must not hide the newer version's
  operations) and writing to it is refused with `JournalError`.

Finished operations are kept for `KEEP_FINISHED` after they finished and
unresolved ones ("outcome unknown") for `KEEP_UNRESOLVED`; `prune()` drops
older ones so the file does not grow forever.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import IO, Any

from lcs_tui.atomic import fsync_directory, write_atomically
from lcs_tui.service.operations import OUTCOME_UNKNOWN, STARTING, TrackedOperation

SCHEMA_VERSION = 1

#: How long finished operations stay in the journal after they finished.
KEEP_FINISHED = timedelta(days=7)
#: How long an entry whose outcome stayed unknown is kept (the user may forget it sooner).
KEEP_UNRESOLVED = timedelta(days=30)
#: Longest wait for another process's lock before giving up with JournalError.
LOCK_TIMEOUT = 5.0
#: Without a real lock (exotic platforms), temporary files younger than this may
#: belong to a live writer and are left alone.
_UNLOCKED_TMP_AGE = 60.0

if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
    import msvcrt

    def _try_lock(handle: IO[bytes]) -> bool:
        try:
            handle.seek(0)
            msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True

    def _unlock(handle: IO[bytes]) -> None:
        handle.seek(0)
        msvcrt.locking(handle.fileno(), msvcrt.LK_UNLCK, 1)

    _HAVE_LOCK = True
else:
    try:
        import fcntl
    except ImportError:  # pragma: no cover - neither POSIX nor Windows
        fcntl = None  # type: ignore[assignment]

    def _try_lock(handle: IO[bytes]) -> bool:
        if fcntl is None:  # pragma: no cover
            return True
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def _unlock(handle: IO[bytes]) -> None:
        if fcntl is not None:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)

    _HAVE_LOCK = fcntl is not None


class JournalError(Exception):
    """The journal cannot be written (locked, newer schema, disk full, no permission)."""


class Journal:
    def __init__(self, path: Path, *, lock_timeout: float | None = None) -> None:
        self.path = path
        self.lock_timeout = LOCK_TIMEOUT if lock_timeout is None else lock_timeout
        #: A message for the user when the journal was not what it should be:
        #: set aside as corrupt, written by a newer version, or with entries
        #: that could not be read. None when all is well.
        self.recovered_from: str | None = None
        #: Set when the journal belongs to a newer version: writes are refused.
        self.read_only_reason: str | None = None

    @property
    def lock_path(self) -> Path:
        return self.path.with_name(self.path.name + ".lock")

    # -- public API -------------------------------------------------------------

    def load(self) -> list[TrackedOperation]:
        with self._locked():
            operations, _ = self._read()
            return operations

    def upsert(self, operation: TrackedOperation) -> None:
        """Insert or replace (by key) one operation, atomically.

        Returns only once the new journal is durable on disk: a caller that
        goes on to send a request may rely on the entry surviving a crash.
        """
        with self._locked():
            operations, unreadable = self._read()
            for index, existing in enumerate(operations):
                if existing.key == operation.key:
                    operations[index] = operation  # in place: the order stays stable
                    break
            else:
                operations.append(operation)
            self._write(operations, unreadable)

    def remove(self, key: str) -> None:
        with self._locked():
            operations, unreadable = self._read()
            kept = [op for op in operations if op.key != key]
            if len(kept) != len(operations):
                self._write(kept, unreadable)

    def prune(
        self,
        now: datetime,
        *,
        keep_finished: timedelta = KEEP_FINISHED,
        keep_unresolved: timedelta = KEEP_UNRESOLVED,
    ) -> list[TrackedOperation]:
        """Drop operations that finished (or stayed unresolved) long ago; return them.

        `now` is naive UTC on the same clock as the operations' timestamps
        (the service's clock), so simulated time in the demo prunes correctly.
        """
        with self._locked():
            operations, unreadable = self._read()
            dropped = [op for op in operations if _expired(op, now, keep_finished, keep_unresolved)]
            if dropped and self.read_only_reason is None:
                gone = {op.key for op in dropped}
                self._write([op for op in operations if op.key not in gone], unreadable)
                return dropped
            return []

    # -- locking and cleanup -------------------------------------------------------

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            handle = open(self.lock_path, "a+b")  # noqa: SIM115 - closed below
        except OSError as exc:
            raise JournalError(f"cannot open the journal lock {self.lock_path}: {exc}") from exc
        try:
            deadline = time.monotonic() + self.lock_timeout
            while not _try_lock(handle):
                if time.monotonic() >= deadline:
                    raise JournalError(
                        f"another lcs-tui process has held the journal {self.path} for "
                        f"{self.lock_timeout:.0f} s (is one suspended?); nothing was changed"
                    )
                time.sleep(0.01)
            try:
                self._remove_leftovers()
                yield
            finally:
                _unlock(handle)
        finally:
            handle.close()

    def _remove_leftovers(self) -> None:
        """Delete temporary files of writes that were killed before their rename.

        Called under the lock: every writer holds it from creating its
        temporary file to the rename, so any such file now is an orphan.
        """
        now = time.time()
        for leftover in self.path.parent.glob(f".{self.path.name}.*.tmp"):
            with contextlib.suppress(OSError):
                if _HAVE_LOCK or now - leftover.stat().st_mtime > _UNLOCKED_TMP_AGE:
                    leftover.unlink()

    # -- reading ----------------------------------------------------------------------

    def _read(self) -> tuple[list[TrackedOperation], list[Any]]:
        """The operations, and the raw entries that could not be read (kept as they are)."""
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return [], []
        except OSError as exc:
            raise JournalError(f"cannot read the journal {self.path}: {exc}") from exc
        try:
            try:
                data = json.loads(raw)
            except RecursionError:
                # Hand-made or hostile: not something this code ever writes.
                raise ValueError("its JSON is nested too deeply") from None
            if not isinstance(data, dict):
                raise ValueError("not a JSON object")
            schema = data.get("schema")
            if isinstance(schema, int) and not isinstance(schema, bool) and schema > SCHEMA_VERSION:
                self._newer_schema(schema)
                return [], []
            if schema != SCHEMA_VERSION:
                raise ValueError(f"unknown schema {schema!r}")
            entries = data.get("operations")
            if not isinstance(entries, list):
                raise ValueError("no operations list")
        except ValueError as exc:  # includes JSON and Unicode decoding errors
            self._set_aside(str(exc))
            return [], []
        self.read_only_reason = None
        operations: list[TrackedOperation] = []
        unreadable: list[Any] = []
        seen: set[str] = set()
        for entry in entries:
            try:
                if not isinstance(entry, dict):
                    raise ValueError("not an object")
                op = TrackedOperation.from_json(entry)
                _check_loaded(op)
            except (ValueError, TypeError, KeyError, AttributeError, OverflowError):
                unreadable.append(entry)
                continue
            if op.key in seen:
                # Cannot come from this code (upsert replaces by key), but a
                # hand-edited file might: the first one wins, never two copies.
                continue
            seen.add(op.key)
            operations.append(op)
        if unreadable:
            self.recovered_from = (
                f"{len(unreadable)} entr{'y' if len(unreadable) == 1 else 'ies'} of the "
                f"operation journal {self.path} could not be read; "
                "they are kept in the file unchanged but not watched: check the LCS portal."
            )
        return operations, unreadable

    def _newer_schema(self, schema: int) -> None:
        self.read_only_reason = (
            f"the operation journal {self.path} was written by a newer version of lcs-tui "
            f"(schema {schema}, this version knows {SCHEMA_VERSION}); it is left unchanged"
        )
        self.recovered_from = (
            self.read_only_reason + ". Operations cannot be started or recorded with this "
            "version: use the newer one."
        )

    def _set_aside(self, reason: str) -> None:
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
        # Unique even for two set-asides in the same second: one must never
        # overwrite the evidence of the other.
        aside = self.path.with_name(f"{self.path.name}.corrupt-{stamp}-{uuid.uuid4().hex[:6]}")
        try:
            os.replace(self.path, aside)
        except OSError as exc:
            raise JournalError(
                f"the operation journal {self.path} could not be read ({reason}) "
                f"nor moved aside ({exc})"
            ) from exc
        fsync_directory(self.path.parent)
        self.recovered_from = (
            f"The operation journal {self.path} could not be read ({reason}); "
            f"it was moved to {aside.name} and a new one was started. "
            "Operations in it are no longer watched: check the LCS portal."
        )

    # -- writing ----------------------------------------------------------------------

    def _write(self, operations: list[TrackedOperation], unreadable: list[Any]) -> None:
        if self.read_only_reason is not None:
            raise JournalError(self.read_only_reason)
        payload = json.dumps(
            {
                "schema": SCHEMA_VERSION,
                "operations": [op.to_json() for op in operations] + unreadable,
            },
            indent=1,
        ).encode()
        try:
            write_atomically(self.path, payload)
        except OSError as exc:
            raise JournalError(f"cannot write the journal {self.path}: {exc}") from exc


def _check_loaded(op: TrackedOperation) -> None:
    """What `from_json` lets through but the service could not use.

    Times are naive UTC everywhere in the app; one with a zone (a hand
    edit) would fail every comparison later, on every command.
    """
    for moment in (op.requested_at, op.started_at, op.finished_at):
        if moment is not None and moment.tzinfo is not None:
            raise ValueError("a time with a zone")


def _expired(
    op: TrackedOperation, now: datetime, keep_finished: timedelta, keep_unresolved: timedelta
) -> bool:
    if op.finished:
        when = op.finished_at or op.started_at or op.requested_at
        return when is not None and now - when > keep_finished
    if op.status in (OUTCOME_UNKNOWN, STARTING) and op.activity_id is None:
        # Never resolved: LCS's history only reaches back so far, so after a
        # month nothing more can be learnt about it.
        return op.requested_at is not None and now - op.requested_at > keep_unresolved
    return False
