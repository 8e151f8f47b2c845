"""The operation journal: nothing the user started may be lost or duplicated.

An operation is written as "Starting" *before* its POST and updated with its
activity id afterwards, so a crash in between leaves evidence that is later
reconciled against the environment history — never re-sent. Every write is
atomic (temporary file, flush, fsync, rename, fsync of the directory): a
reader sees the old journal or the new one, never half of one. A journal that
cannot be read is set aside under a new name and reported; the app goes on
with an empty one.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

from lcs_tui.service.operations import TrackedOperation

SCHEMA_VERSION = 1

try:  # POSIX: serialise read-modify-write between two running copies of the app.
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]


class JournalError(Exception):
    pass


class Journal:
    def __init__(self, path: Path) -> None:
        self.path = path
        #: Set when a corrupt journal was set aside: a message for the user.
        self.recovered_from: str | None = None

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if fcntl is None:
            yield
            return
        with open(self.path.with_suffix(".lock"), "a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def load(self) -> list[TrackedOperation]:
        with self._locked():
            return self._read()

    def upsert(self, operation: TrackedOperation) -> None:
        """Insert or replace (by key) one operation, atomically."""
        with self._locked():
            operations = [op for op in self._read() if op.key != operation.key]
            operations.append(operation)
            self._write(operations)

    def remove(self, key: str) -> None:
        with self._locked():
            self._write([op for op in self._read() if op.key != key])

    def _read(self) -> list[TrackedOperation]:
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return []
        try:
            data = json.loads(raw)
            if not isinstance(data, dict) or data.get("schema") != SCHEMA_VERSION:
                raise ValueError(
                    f"unknown schema {data.get('schema') if isinstance(data, dict) else None!r}"
                )
            entries = data.get("operations")
            if not isinstance(entries, list):
                raise ValueError("no operations list")
            return [TrackedOperation.from_json(entry) for entry in entries]
        except (ValueError, TypeError, KeyError) as exc:
            self._set_aside(str(exc))
            return []

    def _set_aside(self, reason: str) -> None:
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
        aside = self.path.with_name(f"{self.path.name}.corrupt-{stamp}")
        os.replace(self.path, aside)
        self.recovered_from = (
            f"The operation journal {self.path} could not be read ({reason}); "
            f"it was moved to {aside.name} and a new one was started. "
            "Operations in it are no longer watched: check the LCS portal."
        )

    def _write(self, operations: list[TrackedOperation]) -> None:
        payload = json.dumps(
            {"schema": SCHEMA_VERSION, "operations": [op.to_json() for op in operations]},
            indent=1,
        ).encode()
        directory = self.path.parent
        fd, tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".tmp", dir=directory)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(payload)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            raise
        _fsync_directory(directory)


def _fsync_directory(directory: Path) -> None:
    """Make the rename itself durable (POSIX); a no-op where unsupported."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
