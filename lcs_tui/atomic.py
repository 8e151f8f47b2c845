"""Replacing a file at once, never through a planted link: every state file's writer.

The new content goes to a temporary file in the same directory, made by
`mkstemp` (O_EXCL, mode 0600, a random name: a link planted under a
temporary name is never written through, and nobody else can read the
content, not even for a moment); it is flushed and fsynced, then renamed
over the file (a rename replaces a link planted at the file's name, it never
follows it), then the directory is fsynced so that the rename survives a
power loss too. A process killed at any moment leaves the old file or the
new one, and at worst a temporary `.NAME.*.tmp` beside it, which the file's
owner removes under its lock (journal.py, statefile.py, session_state.py).

Used for the operation journal, the jobs' state files, jobs.toml,
profiles.toml, the remembered session, the secrets file and a download's
checkpoint and preferences.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
import time
from pathlib import Path

_CLOEXEC = getattr(os, "O_CLOEXEC", 0)


def write_atomically(
    path: Path, data: bytes, *, sync_file: bool = True, sync_folder: bool = True
) -> None:
    """Replace `path` with `data` (OSError as the file system says it; nothing replaced).

    `sync_file=False` skips the fsync of the content (a preference that may
    be lost), `sync_folder=False` that of the rename (an older copy after a
    power loss is fine): both only where the caller says why.
    """
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            if sync_file:
                os.fsync(handle.fileno())
        _replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    if sync_folder:
        fsync_directory(path.parent)


def fsync_directory(directory: Path) -> None:
    """Make a rename in `directory` durable (POSIX); a no-op where unsupported."""
    try:
        fd = os.open(directory, os.O_RDONLY | _CLOEXEC)
    except OSError:
        return  # Windows cannot open a directory; its renames are durable enough
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _replace(tmp: str, target: Path) -> None:
    # On Windows a reader holding the target open makes the rename fail for a
    # moment; elsewhere the first attempt succeeds.
    for attempt in range(5):
        try:
            os.replace(tmp, target)
            return
        except PermissionError:
            if sys.platform != "win32" or attempt == 4:
                raise
            time.sleep(0.05 * (attempt + 1))
