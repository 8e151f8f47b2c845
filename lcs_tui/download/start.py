"""Before the transfer: is the destination usable, and resume or start afresh?

Blocking file-system work (the folder may be a slow share): the engine calls
these from a thread. Only a `.part` of ours is resumed or replaced (files.py).
"""

from __future__ import annotations

import os
import shutil
import stat
from dataclasses import dataclass
from pathlib import Path

from lcs_tui.download import files, sidecar
from lcs_tui.download.answers import write_failure
from lcs_tui.download.errors import DestinationExists, DiskFull
from lcs_tui.download.partfile import PartFile, WriteAt
from lcs_tui.download.sidecar import BlobIdentity, PartState
from lcs_tui.units import human_bytes


def check_destination(destination: Path, part_path: Path, *, overwrite: bool) -> None:
    """Refuse before any request: an existing file (unless `overwrite`), a
    folder or a link at the destination, a `.part` that is not ours."""
    destination.parent.mkdir(parents=True, exist_ok=True)
    try:
        st: os.stat_result | None = os.lstat(destination)
    except FileNotFoundError:
        st = None
    if st is not None and stat.S_ISLNK(st.st_mode):
        raise DestinationExists(
            f"{destination} is a symbolic link: lcs-tui does not replace links or write "
            "through them",
            "remove the link, or choose another folder",
            resumable=False,
        )
    if st is not None and stat.S_ISDIR(st.st_mode):
        raise DestinationExists(
            f"{destination} is a folder", "choose another folder", resumable=False
        )
    if st is not None and not overwrite:
        raise DestinationExists(
            f"{destination} already exists",
            "choose another folder, or allow replacing the file (--overwrite)",
            resumable=False,
        )
    problem = files.inspect(part_path)
    if problem is not None:
        raise files.refuse(part_path, problem)


@dataclass
class Prepared:
    state: PartState
    part: PartFile
    notices: list[str]

    @property
    def resumed_from(self) -> int:
        return self.state.done.total


def prepare(
    part_path: Path,
    identity: BlobIdentity,
    *,
    source: str | None,
    check_free_space: bool,
    write_at: WriteAt | None,
) -> Prepared:
    """Resume or start afresh; open the `.part`; save the first checkpoint."""
    notices: list[str] = []
    try:
        on_disk: os.stat_result | None = os.lstat(part_path)
    except FileNotFoundError:
        on_disk = None
    if on_disk is not None and (problem := files.problem_with(on_disk)) is not None:
        raise files.refuse(part_path, problem)
    state, fresh = _resume_or_restart(part_path, identity, on_disk, source, notices)
    if check_free_space:
        _check_space(part_path, identity.size - state.done.total)
    try:
        part = PartFile(part_path, fresh=fresh, write_at=write_at)
    except FileNotFoundError:  # gone since the look: nothing to resume
        state, fresh = PartState(blob=identity, source=source), True
        part = PartFile(part_path, fresh=True, write_at=write_at)
    except OSError as exc:
        raise write_failure(exc, part_path) from None
    try:
        if not fresh:
            # What the file really holds (it may have changed since the look).
            state.done = state.done.clip(part.size())
        if state.done.total:
            notices.append(
                f"Resuming: {human_bytes(state.done.total)} of "
                f"{human_bytes(identity.size)} already downloaded."
            )
        if part.size() > identity.size:
            part.truncate(identity.size)
        sidecar.save(part_path, state)
    except OSError as exc:
        part.close()
        raise write_failure(exc, part_path) from None
    return Prepared(state, part, notices)


def _resume_or_restart(
    part_path: Path,
    identity: BlobIdentity,
    on_disk: os.stat_result | None,
    source: str | None,
    notices: list[str],
) -> tuple[PartState, bool]:
    fresh = PartState(blob=identity, source=source)
    if on_disk is None:
        return fresh, True
    previous = sidecar.load(part_path)
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
    previous.source = source or previous.source
    return previous, False


def _check_space(part_path: Path, needed: int) -> None:
    if needed <= 0:
        return
    folder = part_path.parent
    try:
        free = shutil.disk_usage(folder).free
    except OSError:
        return
    if free < needed:
        raise DiskFull(
            f"Not enough space in {folder}: the download needs {human_bytes(needed)} more, "
            f"{human_bytes(free)} is free",
            "free some space, or choose another folder",
            part=part_path,
        )
