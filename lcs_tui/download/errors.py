"""Why a download stopped, in words a user can act on.

Every message is written here or built from redacted parts: a download link
is a credential, so no exception of this package carries a full URL.
`resumable` says whether the `.part` file is worth keeping: running the same
download again picks up where it stopped.
"""

from __future__ import annotations

from pathlib import Path


class DownloadError(Exception):
    def __init__(
        self,
        message: str,
        hint: str | None = None,
        *,
        part: Path | None = None,
        resumable: bool = True,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.part = part
        self.resumable = resumable

    def as_text(self) -> str:
        return self.message + (f"\n{self.hint}" if self.hint else "")


class DestinationExists(DownloadError):
    """The target file is there already and overwriting was not asked for."""


class DiskFull(DownloadError):
    """No room left on the destination's file system (ENOSPC, or known upfront)."""


class ConnectionLost(DownloadError):
    """The connection kept failing (cuts, timeouts, 5xx) after the allowed retries."""


class LinkExpired(DownloadError):
    """The blob refused the link (403) and no working link could be had."""


class BlobNotFound(DownloadError):
    """The blob behind the link does not exist (404)."""


class BlobChanged(DownloadError):
    """The blob on the server changed during the download."""


class IntegrityError(DownloadError):
    """The finished file does not match the blob (size or MD5)."""


class ServerError(DownloadError):
    """An HTTP answer the downloader cannot work with."""


class DownloadCancelled(DownloadError):
    """The user stopped the download; the `.part` file stays for a resume."""


class NotOurs(DownloadError):
    """A file in the way is not one lcs-tui made (a link, another user's file)."""


class LinkRefused(DownloadError):
    """The download link is not one lcs-tui will fetch (not https, foreign host)."""
