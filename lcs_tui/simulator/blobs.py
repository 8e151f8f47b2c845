"""Blob storage for the .bacpac downloads: SAS links, content, ranges.

Content is generated, never stored: byte `i` of a backup's blob depends only
on the backup id and `i`. Each 1 MiB block is a 16-byte stamp holding the
block number followed by a pattern derived from the backup id (computed
once per backup), so serving a block costs one memory copy and no per-byte
Python work, and a downloader that splices blocks in the wrong order gets a
different file (different MD5).

`Content-MD5` is computed lazily and cached. Like Azure, which only stores
an MD5 for blobs uploaded in one piece, it is omitted for blobs above
`Settings.md5_max_size` (default 256 MiB), unless a backup forces it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import struct
import threading
from collections.abc import Iterator
from datetime import datetime
from functools import lru_cache
from typing import Literal
from urllib.parse import quote

from lcs_tui.simulator import demo
from lcs_tui.simulator.exchange import Reply, Request, text_reply
from lcs_tui.simulator.formats import http_date, parse_sas_time, sas_time
from lcs_tui.simulator.records import Backup
from lcs_tui.simulator.world import World

BLOCK_SIZE = 1024 * 1024
_STAMP = struct.Struct(">12sI")
SAS_VERSION = "2018-03-28"


# --- content -----------------------------------------------------------------------------


@lru_cache(maxsize=8)
def _pattern(backup_id: str) -> bytes:
    seed = b"lcs-tui simulator blob\0" + backup_id.encode("utf-8")
    return hashlib.shake_256(seed).digest(BLOCK_SIZE - _STAMP.size)


def blob_chunks(
    backup_id: str, size: int, start: int = 0, end: int | None = None
) -> Iterator[bytes]:
    """Bytes [start, end) of the blob, in chunks of at most 1 MiB.

    A whole block comes as its stamp and the shared pattern, two chunks that
    are never copied: serving costs the server (which shares the machine
    with the downloaders in the benchmarks) no 1 MiB copy per MiB."""
    end = size if end is None else min(end, size)
    tail = _pattern(backup_id)
    stamp_size = _STAMP.size
    position = start
    block = start // BLOCK_SIZE
    while position < end:
        block_start = block * BLOCK_SIZE
        stamp = _STAMP.pack(b"LCSSIM-BLOCK", block)
        low = position - block_start
        high = min(end - block_start, BLOCK_SIZE)
        if low < stamp_size:
            yield stamp[low : min(high, stamp_size)]
        if high > stamp_size:
            first = max(low, stamp_size) - stamp_size
            last = high - stamp_size
            yield tail if (first, last) == (0, len(tail)) else tail[first:last]
        position = block_start + high
        block += 1


_md5_lock = threading.Lock()
_md5_cache: dict[tuple[str, int], str] = {}


def content_md5(backup_id: str, size: int) -> str:
    """Base64 of the MD5 of the whole blob (computed once per backup)."""
    key = (backup_id, size)
    with _md5_lock:
        cached = _md5_cache.get(key)
        if cached is not None:
            return cached
        digest = hashlib.md5(usedforsecurity=False)
        for chunk in blob_chunks(backup_id, size):
            digest.update(chunk)
        value = base64.b64encode(digest.digest()).decode("ascii")
        _md5_cache[key] = value
        return value


def has_md5(world: World, backup: Backup) -> bool:
    if backup.content_md5 is not None:
        return backup.content_md5
    return backup.size <= world.settings.md5_max_size


def etag(backup: Backup) -> str:
    return '"0x8D' + hashlib.sha256(backup.backup_id.encode()).hexdigest()[:13].upper() + '"'


# --- SAS links -------------------------------------------------------------------------


def blob_path(backup: Backup) -> str:
    return (
        f"/{demo.BLOB_CONTAINER}/{backup.project_id}/{backup.backup_id}/{quote(backup.file_name)}"
    )


def _signature(world: World, path: str, expiry: str, permissions: str) -> str:
    to_sign = f"{permissions}\n{expiry}\n{path}".encode()
    return base64.b64encode(hmac.new(world.sas_key, to_sign, hashlib.sha256).digest()).decode(
        "ascii"
    )


def sas_url(world: World, backup: Backup, origin: str | None, expires: datetime) -> str:
    """A read-only SAS download link: a credential, like the real `FileLocation`."""
    path = blob_path(backup)
    expiry = sas_time(expires)
    sig = _signature(world, path, expiry, "r")
    host = origin or world.settings.blob_host
    return (
        f"{host}{path}?sv={SAS_VERSION}&sr=b&sig={quote(sig, safe='')}"
        f"&se={quote(expiry, safe='')}&sp=r"
    )


# --- the endpoint ----------------------------------------------------------------------


def azure_error(
    world: World, status: int, code: str, message: str, detail: str | None = None
) -> Reply:
    request_id = world.new_guid()
    now = world.now()
    text = (
        '<?xml version="1.0" encoding="utf-8"?><Error>'
        f"<Code>{code}</Code><Message>{message}\nRequestId:{request_id}\n"
        f"Time:{now:%Y-%m-%dT%H:%M:%S}.{now.microsecond:06d}0Z</Message>"
        + (f"<AuthenticationErrorDetail>{detail}</AuthenticationErrorDetail>" if detail else "")
        + "</Error>"
    )
    reply = text_reply(text, "application/xml", status)
    reply.headers += [
        ("x-ms-request-id", request_id),
        ("x-ms-version", SAS_VERSION),
        ("x-ms-error-code", code),
    ]
    return reply


_AUTH_FAILED = (
    "Server failed to authenticate the request. Make sure the value of "
    "Authorization header is formed correctly including the signature."
)


def _check_sas(world: World, request: Request) -> Reply | None:
    """None when the link is valid now; otherwise Azure's 403."""
    params = request.query_params()
    sig = params.get("sig")
    expiry_text = params.get("se")
    permissions = params.get("sp", "")
    if not sig or not expiry_text or params.get("sr") != "b":
        return azure_error(
            world, 403, "AuthenticationFailed", _AUTH_FAILED, "Signature fields not well formed."
        )
    expected = _signature(world, request.path, expiry_text, permissions)
    if not hmac.compare_digest(sig.encode(), expected.encode()):
        return azure_error(
            world,
            403,
            "AuthenticationFailed",
            _AUTH_FAILED,
            "Signature did not match. String to sign used was " + permissions,
        )
    expiry = parse_sas_time(expiry_text)
    now = world.now()
    if expiry is None or now >= expiry:
        return azure_error(
            world,
            403,
            "AuthenticationFailed",
            _AUTH_FAILED,
            f"Signature not valid in the specified time frame: Start [] - Expiry "
            f"[{http_date(expiry) if expiry else expiry_text}] - Current [{http_date(now)}]",
        )
    if "r" not in permissions:
        return azure_error(
            world,
            403,
            "AuthorizationPermissionMismatch",
            "This request is not authorized to perform this operation using this permission.",
        )
    return None


ByteRange = tuple[int, int]  # first, last (inclusive)


def parse_range(header: str | None, size: int) -> ByteRange | Literal["unsatisfiable"] | None:
    """One `bytes=` range; None means "serve everything" (no header, or a form
    Azure does not honour, such as several ranges)."""
    if header is None:
        return None
    unit, _, spec = header.strip().partition("=")
    if unit.strip().lower() != "bytes" or "," in spec:
        return None
    first_text, dash, last_text = spec.strip().partition("-")
    if not dash:
        return None
    try:
        if first_text == "":  # suffix: the last N bytes
            count = int(last_text)
            if count <= 0 or size == 0:
                return "unsatisfiable"
            return max(0, size - count), size - 1
        first = int(first_text)
        last = int(last_text) if last_text else size - 1
    except ValueError:
        return None
    if first < 0:
        return None
    if first >= size:
        return "unsatisfiable"
    if last < first:
        return None  # syntactically invalid: RFC 9110 says ignore the header
    return first, min(last, size - 1)


def serve_blob(world: World, request: Request) -> Reply:
    """GET/HEAD of a backup blob. Runs without the world lock held (except
    for lookups), so that a long MD5 computation does not stall the API."""
    with world.lock:
        refusal = _check_sas(world, request)
        if refusal is not None:
            return refusal
        if request.method not in ("GET", "HEAD"):
            return azure_error(
                world,
                403,
                "AuthorizationPermissionMismatch",
                "This request is not authorized to perform this operation using this permission.",
            )
        segments = request.segments
        backup = world.backup_by_id(segments[2]) if len(segments) == 4 else None
        if backup is None or blob_path(backup) != request.path:
            return azure_error(world, 404, "BlobNotFound", "The specified blob does not exist.")
        request_id = world.new_guid()
        ignore_range = world.faults.blob_ignore_range
        cut_after = world.faults.take_blob_cut() if request.method == "GET" else None
        wants_md5 = has_md5(world, backup)

    size = backup.size
    tag = etag(backup)
    headers = [
        ("Content-Type", "application/octet-stream"),
        ("Accept-Ranges", "bytes"),
        ("ETag", tag),
        ("Last-Modified", http_date(backup.modified)),
        ("x-ms-blob-type", "BlockBlob"),
        ("x-ms-request-id", request_id),
        ("x-ms-version", SAS_VERSION),
        ("x-ms-lease-status", "unlocked"),
        ("x-ms-server-encrypted", "true"),
    ]
    wanted = None if ignore_range else parse_range(request.header("Range"), size)
    if_range = request.header("If-Range")
    if wanted is not None and if_range is not None and if_range.strip() != tag:
        wanted = None  # the blob changed since the client's first part: start over
    if wanted == "unsatisfiable":
        with world.lock:
            reply = azure_error(
                world,
                416,
                "InvalidRange",
                "The range specified is invalid for the current size of the resource.",
            )
        reply.headers.append(("Content-Range", f"bytes */{size}"))
        return reply

    md5 = content_md5(backup.backup_id, size) if wants_md5 else None
    backup_id = backup.backup_id
    if wanted is None:
        status, first, last = 200, 0, size - 1
        if md5:
            headers.append(("Content-MD5", md5))
    else:
        status, (first, last) = 206, wanted
        headers.append(("Content-Range", f"bytes {first}-{last}/{size}"))
        if md5:
            # For a ranged read Azure reports the whole blob's MD5 under this name.
            headers.append(("x-ms-blob-content-md5", md5))
    length = max(0, last - first + 1)
    headers.append(("Content-Length", str(length)))
    reply = Reply(status=status, headers=headers, cut_after=cut_after)
    if request.method == "GET" and length:
        reply.chunks = lambda: blob_chunks(backup_id, size, first, last + 1)
    return reply
