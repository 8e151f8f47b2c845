"""The `.part.json` next to a `.part` file: which blob it is and what is done.

It is what makes a resume safe after anything, SIGKILL included: it is
replaced atomically (a private temporary file with a random name, fsynced,
then renamed), and it only ever claims bytes that were written to the
`.part` file before it was saved. It is read only when it is ours (a regular
file of this user, not a link: files.py), so a record planted in a shared
folder cannot make a download skip bytes. It never holds the download link
(a credential) — only facts about the blob.
"""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lcs_tui.download import files
from lcs_tui.download.ranges import RangeSet

SCHEMA = 1
SUFFIX = ".json"
#: A record is a few hundred bytes; anything far larger is not one of ours.
MAX_SIZE = 1024 * 1024


@dataclass(frozen=True)
class BlobIdentity:
    """What the server said about the blob: enough to tell whether it changed."""

    size: int
    etag: str | None = None
    last_modified: str | None = None
    #: Base64 MD5 of the whole blob, when the server gives one.
    md5: str | None = None

    def same_blob(self, other: BlobIdentity) -> bool:
        if self.size != other.size:
            return False
        if self.etag and other.etag:
            return self.etag == other.etag
        if self.last_modified and other.last_modified:
            return self.last_modified == other.last_modified
        return False  # nothing to compare: do not trust old bytes


@dataclass
class PartState:
    blob: BlobIdentity
    done: RangeSet = field(default_factory=RangeSet)
    #: False once the server was seen ignoring `Range` (resume is pointless).
    ranges_supported: bool = True
    #: For people looking at the file: which backup this is.
    source: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "schema": SCHEMA,
            "source": self.source,
            "size": self.blob.size,
            "etag": self.blob.etag,
            "last_modified": self.blob.last_modified,
            "md5": self.blob.md5,
            "ranges_supported": self.ranges_supported,
            "done": self.done.as_list(),
        }

    @classmethod
    def from_json(cls, data: Any) -> PartState | None:
        """None for anything this version cannot vouch for."""
        if not isinstance(data, dict) or data.get("schema") != SCHEMA:
            return None
        size = data.get("size")
        done = data.get("done")
        if not isinstance(size, int) or size < 0 or not isinstance(done, list):
            return None
        ranges = RangeSet()
        for item in done:
            if (
                not isinstance(item, list)
                or len(item) != 2
                or not all(isinstance(x, int) for x in item)
                or not 0 <= item[0] <= item[1] <= size
            ):
                return None
            ranges.add(item[0], item[1])
        return cls(
            blob=BlobIdentity(
                size=size,
                etag=_opt_str(data.get("etag")),
                last_modified=_opt_str(data.get("last_modified")),
                md5=_opt_str(data.get("md5")),
            ),
            done=ranges,
            ranges_supported=data.get("ranges_supported") is not False,
            source=_opt_str(data.get("source")),
        )


def _opt_str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def sidecar_path(part: Path) -> Path:
    return part.with_name(part.name + SUFFIX)


def load(part: Path) -> PartState | None:
    data = files.read_ours(sidecar_path(part), limit=MAX_SIZE)
    if data is None:
        return None
    try:
        return PartState.from_json(json.loads(data.decode("utf-8")))
    except (ValueError, RecursionError):
        return None


def save(part: Path, state: PartState) -> None:
    """Replace the sidecar atomically. The temporary file is fsynced first, so
    that after a crash the sidecar is either the old one or the new one."""
    data = json.dumps(state.to_json(), separators=(",", ":")).encode("utf-8")
    files.write_atomically(sidecar_path(part), data)


def remove(part: Path) -> None:
    """Our sidecar and its leftover temporaries; anything not ours stays."""
    path = sidecar_path(part)
    if files.inspect(path) is None:
        with contextlib.suppress(OSError):
            path.unlink()
    files.remove_temporaries(path)
