"""Files in a folder other people can write to: never through a link, never theirs.

A download folder may be shared (a team share, /tmp, a synced folder). Anyone
who can write there can plant `NAME.bacpac.part` as a symbolic link to one
of the user's files, or as a hard link to it: opening that name for writing
would truncate and overwrite the target, and renaming it into place would
make the "downloaded" file the planted link. So every file of a download is

- created with `O_CREAT | O_EXCL` (fails if anything is there, a dangling
  link included) and mode 0600: a `.bacpac` is a copy of a production
  database, and its checkpoint says which one;
- reopened only with `O_NOFOLLOW` (a symlink fails with ELOOP) and
  `O_NONBLOCK` (a planted FIFO cannot hang the open), then checked on the
  open descriptor: a regular file, owned by this user, with no other hard
  link. Someone else cannot create a file owned by us, so a file that passes
  is one this user's lcs-tui (or the user) made;
- replaced by rename from a private temporary file (`mkstemp`: a random
  name, O_EXCL, 0600), never by writing through a predictable name.

Where the platform lacks O_NOFOLLOW (Windows) the flags are simply absent;
there, creating symbolic links needs a privilege ordinary users do not have.
"""

from __future__ import annotations

import contextlib
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from lcs_tui import atomic
from lcs_tui.download.errors import NotOurs

PRIVATE_MODE = 0o600
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_BINARY = getattr(os, "O_BINARY", 0)
_POSIX = os.name == "posix"


@dataclass(frozen=True)
class FileId:
    """Which file a name stands for (device and inode): a rename keeps it."""

    device: int
    inode: int

    @classmethod
    def of(cls, st: os.stat_result) -> FileId:
        return cls(st.st_dev, st.st_ino)


def problem_with(st: os.stat_result) -> str | None:
    """Why the file behind `st` (an lstat or fstat) is not one of ours, or None."""
    if stat.S_ISLNK(st.st_mode):
        return "is a symbolic link"
    if not stat.S_ISREG(st.st_mode):
        return "is not a regular file"
    if _POSIX and st.st_uid != os.geteuid():
        return "belongs to another user"
    if st.st_nlink > 1:
        return "has other hard links (it is also another file)"
    return None


def inspect(path: Path) -> str | None:
    """None when nothing is at `path` or it is ours; otherwise what is wrong
    (for a check before starting; the open itself checks again)."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return None
    return problem_with(st)


def refuse(path: Path, problem: str) -> NotOurs:
    return NotOurs(
        f"{path} {problem}: lcs-tui did not create it and does not write through it",
        "remove it (or move it away) and run the download again, or choose another folder",
        resumable=False,
    )


def create_private(path: Path, *, mode: int = os.O_RDWR) -> int:
    """A new file at `path`, 0600; FileExistsError when anything is there."""
    flags = mode | os.O_CREAT | os.O_EXCL | _NOFOLLOW | _CLOEXEC | _BINARY
    return os.open(path, flags, PRIVATE_MODE)


def open_ours(path: Path, *, mode: int = os.O_RDWR) -> int:
    """Open an existing file of ours without following a link; NotOurs
    otherwise. Its mode becomes 0600 (an older version made 0644 files)."""
    try:
        fd = os.open(path, mode | _NOFOLLOW | _NONBLOCK | _CLOEXEC | _BINARY)
    except OSError as exc:
        if _is_link_error(exc, path):
            raise refuse(path, "is a symbolic link") from None
        raise
    try:
        st = os.fstat(fd)
        problem = problem_with(st)
        if problem is not None:
            raise refuse(path, problem)
        if _POSIX and st.st_mode & 0o077 and mode != os.O_RDONLY:
            os.fchmod(fd, PRIVATE_MODE)
        if _NONBLOCK and hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
    except BaseException:
        os.close(fd)
        raise
    return fd


def create_or_replace_ours(path: Path) -> int:
    """A fresh, empty file of ours at `path`: a leftover of ours is removed
    first; anything else there is refused (never truncated or followed)."""
    for _ in range(3):
        try:
            return create_private(path)
        except FileExistsError:
            problem = inspect(path)
            if problem is not None:
                raise refuse(path, problem) from None
            with contextlib.suppress(FileNotFoundError):
                os.unlink(path)  # unlink never follows a link
    # Something keeps re-creating the name between our unlink and our create.
    raise refuse(path, "keeps being re-created by someone else")


def read_ours(path: Path, *, limit: int) -> bytes | None:
    """The content of our small file at `path`; None when absent, not ours,
    or larger than `limit` (a record we wrote is never that large)."""
    try:
        fd = open_ours(path, mode=os.O_RDONLY)
    except (OSError, NotOurs):
        return None
    with os.fdopen(fd, "rb") as f:
        data = f.read(limit + 1)
    return data if len(data) <= limit else None


def write_atomically(path: Path, data: bytes, *, durable: bool = True) -> None:
    """Replace `path` with `data` (lcs_tui/atomic.py: a private temporary file
    in the same folder, renamed over `path`; a link at `path` is replaced,
    never written through). `durable=False`: not even the content is
    fsynced (a preference)."""
    # The folder is not fsynced: after a power loss an older checkpoint only
    # costs downloading its part again, and a checkpoint is saved often.
    atomic.write_atomically(path, data, sync_file=durable, sync_folder=False)


def remove_temporaries(path: Path) -> None:
    """Temporary files `write_atomically` left next to `path` (after a crash)."""
    with contextlib.suppress(OSError):
        for leftover in path.parent.glob(f".{_glob_escape(path.name)}.*.tmp"):
            if inspect(leftover) is None:
                with contextlib.suppress(OSError):
                    leftover.unlink()


def _is_link_error(exc: OSError, path: Path) -> bool:
    import errno

    if exc.errno == errno.ELOOP:
        return True
    # FreeBSD and macOS say EMLINK / EFTYPE for O_NOFOLLOW on a link.
    return exc.errno in (errno.EMLINK, getattr(errno, "EFTYPE", -1)) and os.path.islink(path)


def _glob_escape(name: str) -> str:
    import glob

    return glob.escape(name)
