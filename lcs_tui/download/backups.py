"""Downloading an LCS database backup: the glue between a project and the engine.

A backup's `FileLocation` is a SAS link valid for about a day; when it
expires mid-download the renewer lists the project's backups again and takes
the same backup's fresh link.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from lcs_tui.api import DatabaseBackup, LcsClient
from lcs_tui.download.engine import (
    BlobDownload,
    DownloadOptions,
    NoticeCallback,
    ProgressCallback,
    RenewLink,
)
from lcs_tui.download.errors import BlobNotFound, DownloadError, LinkExpired
from lcs_tui.http import HttpSettings

if TYPE_CHECKING:
    from lcs_tui.workspace import Workspace

# Characters no file system of the three platforms accepts in a name.
_UNSAFE = re.compile(r'[\x00-\x1f<>:"/\\|?*]')


class BackupLookupError(LookupError):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def backup_file_name(backup: DatabaseBackup) -> str:
    """The local file name: the backup's `FileName`, made safe (no folders,
    no characters Windows refuses), else `<Name>.bacpac`."""
    raw = (backup.file_name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = _UNSAFE.sub("_", raw).strip(" .")
    if not name:
        name = _UNSAFE.sub("_", backup.name).strip(" .") + ".bacpac"
    return name


def find_backup(backups: Sequence[DatabaseBackup], wanted: str) -> DatabaseBackup:
    """By id, else by name, else by file name (case-insensitive, exact)."""
    key = wanted.strip().lower()
    for attribute in ("id", "name", "file_name"):
        hits = [b for b in backups if (getattr(b, attribute) or "").lower() == key]
        if len(hits) == 1:
            return hits[0]
        if len(hits) > 1:
            ids = ", ".join(b.id for b in hits)
            raise BackupLookupError(
                f"{len(hits)} backups are called {wanted!r}; name one by its id: {ids}"
            )
    raise BackupLookupError(f"no backup with the id or name {wanted!r} in this project")


def link_renewer(client: LcsClient, project_id: int, backup_id: str) -> RenewLink:
    async def renew() -> str:
        listing = await client.list_backups(project_id)
        for backup in listing.backups:
            if backup.id.lower() == backup_id.lower():
                if not backup.file_location:
                    raise LinkExpired("LCS lists the backup but gives no download link for it")
                return backup.file_location
        raise BlobNotFound(
            "The backup is no longer in the project's asset library",
            resumable=False,
        )

    return renew


def http_settings_for(workspace: Workspace) -> HttpSettings:
    """The network the workspace's LCS client uses, for the blob downloads:
    the simulator in the demo, the profile's proxy and CA bundle otherwise."""
    if workspace.simulator is not None:
        sim = workspace.simulator
        return HttpSettings(
            async_transport=sim.async_transport(), sync_transport=sim.sync_transport()
        )
    return workspace.profile.http_settings()


def backup_download(
    workspace: Workspace,
    backup: DatabaseBackup,
    folder: Path,
    *,
    options: DownloadOptions | None = None,
    on_progress: ProgressCallback | None = None,
    on_notice: NoticeCallback | None = None,
    http: HttpSettings | None = None,
) -> BlobDownload:
    """A ready-to-run download of `backup` into `folder` (as `backup_file_name`)."""
    if not backup.file_location:
        raise DownloadError(
            f"LCS gives no download link for backup {backup.name}",
            "it may still be being created: reload the backups in a moment",
            resumable=False,
        )
    service = workspace.service
    return BlobDownload(
        backup.file_location,
        folder / backup_file_name(backup),
        renew=link_renewer(service.client, service.project_id, backup.id),
        http=http or http_settings_for(workspace),
        options=options,
        on_progress=on_progress,
        on_notice=on_notice,
        source=f"backup {backup.name} ({backup.id})",
    )
