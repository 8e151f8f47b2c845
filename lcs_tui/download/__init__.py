"""Downloading database backups: resumable, parallel, verified, UI-independent.

    download = BlobDownload(url, Path("~/Downloads/x.bacpac").expanduser(), renew=...)
    result = await download.run()          # DownloadResult, or a DownloadError

`backup_download(workspace, backup, folder)` builds one for an LCS backup
(file name, link renewal, network settings). See docs/downloads.md.
"""

from lcs_tui.download.backups import (
    BackupLookupError,
    backup_download,
    backup_file_name,
    find_backup,
    http_settings_for,
    link_renewer,
)
from lcs_tui.download.engine import (
    PART_SUFFIX,
    BlobDownload,
    DownloadOptions,
    DownloadResult,
    NoticeCallback,
    ProgressCallback,
    RenewLink,
    default_backoff,
)
from lcs_tui.download.errors import (
    BlobChanged,
    BlobNotFound,
    ConnectionLost,
    DestinationExists,
    DiskFull,
    DownloadCancelled,
    DownloadError,
    IntegrityError,
    LinkExpired,
    ServerError,
)
from lcs_tui.download.progress import DownloadProgress, DownloadState
from lcs_tui.units import human_bytes, human_duration, human_rate

__all__ = [
    "PART_SUFFIX",
    "BackupLookupError",
    "BlobChanged",
    "BlobDownload",
    "BlobNotFound",
    "ConnectionLost",
    "DestinationExists",
    "DiskFull",
    "DownloadCancelled",
    "DownloadError",
    "DownloadOptions",
    "DownloadProgress",
    "DownloadResult",
    "DownloadState",
    "IntegrityError",
    "LinkExpired",
    "NoticeCallback",
    "ProgressCallback",
    "RenewLink",
    "ServerError",
    "backup_download",
    "backup_file_name",
    "default_backoff",
    "find_backup",
    "http_settings_for",
    "human_bytes",
    "human_duration",
    "human_rate",
    "link_renewer",
]
