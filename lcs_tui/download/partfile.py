"""The `.part` file: positional writes from several threads at once.

Writes go through `write_at(fd, data, offset)` — `os.pwrite` by default —
which tests replace to simulate a full disk. Only the download's worker
threads write, never an event loop. The file is created 0600 and never
opened through a link or when it is not ours (files.py).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from pathlib import Path

from lcs_tui.download import files
from lcs_tui.download.files import FileId

WriteAt = Callable[[int, memoryview, int], int]


def _seek_and_write(lock: threading.Lock) -> WriteAt:
    # Windows has no os.pwrite: serialise seek + write instead.
    def write_at(fd: int, data: memoryview, offset: int) -> int:
        with lock:
            os.lseek(fd, offset, os.SEEK_SET)
            return os.write(fd, data)

    return write_at


class PartFile:
    def __init__(self, path: Path, *, fresh: bool, write_at: WriteAt | None = None) -> None:
        """`fresh`: a new empty file (a leftover of ours is replaced, anything
        else refused); otherwise our existing file (NotOurs if it is not)."""
        self.path = path
        self.fd = files.create_or_replace_ours(path) if fresh else files.open_ours(path)
        #: The file itself, whatever its name later points at.
        self.identity = FileId.of(os.fstat(self.fd))
        pwrite: WriteAt | None = getattr(os, "pwrite", None)
        self._write_at = write_at or pwrite or _seek_and_write(threading.Lock())
        # Worker threads hold the file while they may write. Closing waits for
        # the last of them, so that a straggler never writes to a closed file
        # descriptor — or to another file that reused its number.
        self._lock = threading.Lock()
        self._users = 0
        self._closing = False

    def hold(self) -> None:
        with self._lock:
            if self._closing:
                raise OSError(f"{self.path} is closed")
            self._users += 1

    def release(self) -> None:
        with self._lock:
            self._users -= 1
            if self._closing and self._users == 0:
                self._close_now()

    def write(self, offset: int, data: bytes | bytearray | memoryview) -> None:
        view = memoryview(data)
        while view:
            written = self._write_at(self.fd, view, offset)
            if written <= 0:
                raise OSError(f"could not write to {self.path}")
            view = view[written:]
            offset += written

    def size(self) -> int:
        return os.fstat(self.fd).st_size

    def flush_to_disk(self) -> None:
        """Data before metadata: what a checkpoint claims must be on disk."""
        sync = getattr(os, "fdatasync", os.fsync)
        sync(self.fd)

    def truncate(self, size: int) -> None:
        os.ftruncate(self.fd, size)

    def close(self) -> None:
        with self._lock:
            self._closing = True
            if self._users == 0:
                self._close_now()

    def _close_now(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1
