"""The end of a download: check the file, then move it into place safely.

Blocking file-system work: the engine calls these from a thread.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import os
import stat
import threading
from pathlib import Path

from lcs_tui.atomic import fsync_directory
from lcs_tui.download import sidecar
from lcs_tui.download.errors import DestinationExists, NotOurs
from lcs_tui.download.files import FileId
from lcs_tui.download.partfile import PartFile

MIB = 1024 * 1024


def decode_md5(value: str) -> bytes | None:
    try:
        digest = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return None
    return digest if len(digest) == 16 else None


def md5_of(fd: int, stop: threading.Event) -> bytes:
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


def is_ours(path: Path, identity: FileId) -> bool:
    """`path` names the very file we wrote (not a link, not a swapped file)."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return False
    return stat.S_ISREG(st.st_mode) and FileId.of(st) == identity


def discard(part: PartFile, part_path: Path) -> None:
    """Close and remove our `.part` (and its sidecar); never someone else's."""
    part.close()
    sidecar.remove(part_path)
    if is_ours(part_path, part.identity):
        with contextlib.suppress(FileNotFoundError):
            part_path.unlink()


def move_into_place(part_path: Path, destination: Path, identity: FileId, overwrite: bool) -> None:
    """Rename the verified `.part` into place, then drop its sidecar."""
    if not is_ours(part_path, identity):
        raise swapped(part_path)
    _rename(part_path, destination, overwrite)
    # The name now stands for our file, or the rename went through something
    # swapped in meanwhile: then it is taken back out.
    if not is_ours(destination, identity):
        with contextlib.suppress(OSError):
            destination.unlink()
        raise swapped(part_path)
    fsync_directory(destination.parent)
    sidecar.remove(part_path)


def _rename(part_path: Path, destination: Path, overwrite: bool) -> None:
    if os.path.islink(destination):  # planted since the start: never onto a link
        raise DestinationExists(
            f"{destination} became a symbolic link during the download; the complete "
            f"download is kept as {part_path.name}",
            "remove the link and run the download again (it will only be verified and renamed)",
            part=part_path,
        )
    if overwrite:
        os.replace(part_path, destination)
        return
    # link + unlink: creating the name fails if it appeared meanwhile, where a
    # rename would silently replace someone's file.
    try:
        os.link(part_path, destination, follow_symlinks=False)
    except FileExistsError:
        raise DestinationExists(
            f"{destination} appeared during the download; the complete download is kept "
            f"as {part_path.name}",
            "move that file away and run the download again (it will only be verified "
            "and renamed), or allow replacing it (--overwrite)",
            part=part_path,
        ) from None
    except (OSError, NotImplementedError):
        # No hard links here (FAT, some network shares): check, then rename.
        if os.path.lexists(destination):
            raise DestinationExists(
                f"{destination} appeared during the download",
                "move it away and run the download again",
                part=part_path,
            ) from None
        os.replace(part_path, destination)
        return
    part_path.unlink()


def swapped(part: Path) -> NotOurs:
    return NotOurs(
        f"{part} was replaced by another file during the download; nothing was moved into place",
        "check who else writes into this folder, then run the download again",
        part=part,
        resumable=False,
    )
