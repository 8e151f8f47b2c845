"""One small JSON file, read and replaced under a lock, never through a planted link.

The same discipline as the operation journal (service/journal.py, whose
lock this reuses): every change is a locked read-modify-write; the new
content replaces the file atomically (lcs_tui/atomic.py: a temporary file
created with O_EXCL, fsynced, renamed over the old file, the directory
fsynced). A process killed at any moment leaves the old file or the new
one. Reading opens with O_NOFOLLOW and refuses anything but a regular file
of sane size, so a symbolic link or FIFO planted under the file's name is
reported, never followed or waited on.
"""

from __future__ import annotations

import contextlib
import json
import os
import stat
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from lcs_tui.atomic import write_atomically
from lcs_tui.service.journal import (  # the journal's proven lock
    LOCK_TIMEOUT,
    _try_lock,
    _unlock,
)

#: Far more than any job's state (a few kB); a bigger file is not ours.
MAX_BYTES = 4 * 1024 * 1024
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)


class StateFileError(Exception):
    """The file cannot be read or written; the message says which and why."""


class StateFile:
    """A JSON object in `path`, changed with `update(change)` under a lock."""

    def __init__(self, path: Path, *, lock_timeout: float = LOCK_TIMEOUT) -> None:
        self.path = path
        self.lock_timeout = lock_timeout

    @property
    def lock_path(self) -> Path:
        return self.path.with_name(self.path.name + ".lock")

    def read(self) -> dict[str, Any] | None:
        """The object, or None when there is no file yet (StateFileError: unusable)."""
        with self.locked():
            return self._read()

    def update(
        self, change: Callable[[dict[str, Any] | None], dict[str, Any] | None]
    ) -> dict[str, Any] | None:
        """Read, let `change` return the new object (None: leave the file as it is), write.

        Returns what the file holds afterwards. Durable when it returns.
        """
        with self.locked():
            before = self._read()
            after = change(before)
            if after is None:
                return before
            self._write(after)
            return after

    def remove(self) -> None:
        with self.locked(), contextlib.suppress(FileNotFoundError):
            os.unlink(self.path)

    # -- internals -------------------------------------------------------------------

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT | _NOFOLLOW, 0o600)
            handle = os.fdopen(fd, "a+b")
        except OSError as exc:
            raise StateFileError(f"cannot open the lock {self.lock_path}: {exc}") from exc
        try:
            deadline = time.monotonic() + self.lock_timeout
            while not _try_lock(handle):
                if time.monotonic() >= deadline:
                    raise StateFileError(
                        f"another lcs-tui process has held {self.path} for "
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
        # Under the lock every writer holds from its temporary file to the
        # rename: any temporary file now belongs to a killed write.
        for leftover in self.path.parent.glob(f".{self.path.name}.*.tmp"):
            with contextlib.suppress(OSError):
                if stat.S_ISREG(leftover.lstat().st_mode):
                    leftover.unlink()

    def _read(self) -> dict[str, Any] | None:
        try:
            fd = os.open(self.path, os.O_RDONLY | _NOFOLLOW | _NONBLOCK)
        except FileNotFoundError:
            return None
        except OSError as exc:
            if self.path.is_symlink():
                raise StateFileError(
                    f"{self.path} is a symbolic link; lcs-tui does not follow it "
                    "(remove it: lcs-tui writes a new file)"
                ) from None
            raise StateFileError(f"cannot read {self.path}: {exc}") from exc
        try:
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode):
                raise StateFileError(f"{self.path} is not a regular file; remove it")
            if info.st_size > MAX_BYTES:
                raise StateFileError(f"{self.path} is {info.st_size} bytes: not lcs-tui's")
            chunks = []
            while data := os.read(fd, 1 << 16):
                chunks.append(data)
        finally:
            os.close(fd)
        try:
            value = json.loads(b"".join(chunks))
        except (ValueError, RecursionError):
            raise StateFileError(f"{self.path} is not valid JSON") from None
        if not isinstance(value, dict):
            raise StateFileError(f"{self.path} does not hold a JSON object")
        return value

    def _write(self, value: dict[str, Any]) -> None:
        payload = json.dumps(value, indent=1, ensure_ascii=False).encode("utf-8")
        try:
            write_atomically(self.path, payload)
        except OSError as exc:
            raise StateFileError(f"cannot write {self.path}: {exc}") from exc
