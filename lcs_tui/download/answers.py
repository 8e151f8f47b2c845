"""Reading the blob storage's answers, and the errors they turn into.

Every message is built from redacted parts: the status, `x-ms-error-code`
(server text, made inert), the exception's own text scrubbed of signatures —
never a URL, which carries the link's signature.
"""

from __future__ import annotations

import errno
from pathlib import Path

import httpx

from lcs_tui.api.redact import redact_text
from lcs_tui.download.errors import (
    BlobNotFound,
    ConnectionLost,
    DiskFull,
    DownloadError,
    LinkExpired,
    ServerError,
)
from lcs_tui.download.sidecar import BlobIdentity
from lcs_tui.untrusted import inert

#: Statuses worth another try after a pause (Azure's ServerBusy is a 503).
RETRYABLE_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
#: Statuses that say the storage service is overloaded: fewer connections.
BUSY_STATUSES = frozenset({500, 503})


class Stopped(Exception):
    """A worker noticed the stop flag: not an error of its own."""


class RangeIgnored(Exception):
    """The server answered a ranged request with the whole blob."""


class Expired(Exception):
    """403 from the blob: the link needs renewing."""


class Retryable(Exception):
    """A failure worth another try after a pause (cut, timeout, 5xx)."""

    def __init__(self, text: str, status: int | None = None) -> None:
        super().__init__(text)
        self.status = status


def identity_of(response: httpx.Response) -> BlobIdentity:
    length = response.headers.get("Content-Length")
    if length is None or not length.isdigit():
        raise ServerError("The blob storage did not say how large the file is")
    return BlobIdentity(
        size=int(length),
        etag=response.headers.get("ETag"),
        last_modified=response.headers.get("Last-Modified"),
        md5=response.headers.get("Content-MD5") or response.headers.get("x-ms-blob-content-md5"),
    )


def content_range_start(response: httpx.Response) -> int | None:
    value = response.headers.get("Content-Range", "")
    unit, _, rest = value.partition(" ")
    first, _, _ = rest.partition("-")
    if unit.strip().lower() != "bytes" or not first.strip().isdigit():
        return None
    return int(first)


def raise_for_fatal(response: httpx.Response, part: Path) -> None:
    if response.status_code == 404:
        raise BlobNotFound(
            "The backup's file was not found in blob storage (HTTP 404)",
            "it may have been deleted: list the backups again",
            part=part,
            resumable=False,
        )


def status_text(response: httpx.Response) -> str:
    code = response.headers.get("x-ms-error-code")
    shown = f" ({inert(code, limit=80)})" if code else ""
    return f"The blob storage answered HTTP {response.status_code}{shown}"


def write_failure(exc: OSError, part: Path) -> DownloadError:
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return DiskFull(
            f"The disk is full: could not write {part.name} in {part.parent}",
            "free some space and run the download again to resume",
            part=part,
        )
    return DownloadError(f"Could not write {part}: {exc.strerror or exc}", part=part)


def link_refused(part: Path, *, after_renewal: bool) -> LinkExpired:
    if after_renewal:
        return LinkExpired(
            "The blob storage refused the download link (HTTP 403), even a fresh one",
            "check that your account still has access to the project, then run the "
            "download again to resume",
            part=part,
        )
    return LinkExpired(
        "The download link was refused (HTTP 403): it has probably expired",
        "list the backups again for a fresh link, then run the download again to resume",
        part=part,
    )


def connection_lost(exc: BaseException, part: Path, attempts: int) -> ConnectionLost:
    return ConnectionLost(
        f"The connection to the blob storage kept failing ({short(exc)}); "
        f"gave up after {attempts} tries",
        "check the network and run the download again to resume",
        part=part,
    )


def short(exc: BaseException) -> str:
    # httpx exceptions carry the request, whose URL has the signature: only
    # the exception's own text is used, and scrubbed on top of that.
    return inert(redact_text(str(exc)), limit=200) or type(exc).__name__
