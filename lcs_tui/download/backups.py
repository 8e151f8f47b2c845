"""Downloading an LCS database backup: the glue between a project and the engine.

A backup's `FileLocation` is a SAS link valid for about a day; when it
expires mid-download the renewer lists the project's backups again and takes
the same backup's fresh link.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from lcs_tui.api import DatabaseBackup, LcsClient
from lcs_tui.download.engine import (
    BlobDownload,
    DownloadOptions,
    NoticeCallback,
    ProgressCallback,
    RenewLink,
)
from lcs_tui.download.errors import BlobNotFound, DownloadError, LinkExpired
from lcs_tui.download.links import CLOUD_OF_GEOGRAPHY, PUBLIC_CLOUD, LinkPolicy
from lcs_tui.http import HttpSettings
from lcs_tui.untrusted import inert

if TYPE_CHECKING:
    from lcs_tui.config import Profile
    from lcs_tui.workspace import Workspace

EXTENSION = ".bacpac"
#: Bytes of UTF-8 a local file name may take, extension included: well under
#: the 255 of ext4, APFS and NTFS, leaving room for `.part.json` and the
#: checkpoint's temporary name next to it.
MAX_NAME_BYTES = 200
# What a name on Windows, macOS or Linux must not contain, or should not for
# a person reading it: Windows' forbidden characters and path separators, C0,
# DEL and C1 controls, bidi controls (which make "gpj.exe" read as "exe.jpg"),
# Unicode's line and paragraph separators, zero-width characters and lone
# surrogates.
_UNSAFE = re.compile(
    '[<>:"/\\\\|?*\x00-\x1f\x7f-\x9f\u061c\u200b-\u200f\u202a-\u202e'
    "\u2060-\u2069\ufeff\u2028\u2029\ud800-\udfff]"
)
#: Device names Windows reserves in every folder, with any extension.
_RESERVED = frozenset(
    {"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"}
    | {f"{device}{n}" for device in ("COM", "LPT") for n in (*"123456789", "¹", "²", "³")}
)


class BackupLookupError(LookupError):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def backup_file_name(backup: DatabaseBackup) -> str:
    """The local file name: the backup's `FileName` (without any folder),
    else its `Name`, made safe on Windows, macOS and Linux: no forbidden,
    control or bidi characters, no reserved device name, no leading dot or
    trailing dot or space, at most MAX_NAME_BYTES of UTF-8, and always the
    `.bacpac` extension (a backup named `invoice.pdf.exe` must not arrive as
    a program)."""
    for candidate in (backup.file_name, backup.name, f"backup-{backup.id}"):
        raw = (candidate or "").replace("\\", "/").rsplit("/", 1)[-1]
        name = _safe_name(raw)
        if name:
            return name
    return "backup" + EXTENSION


def _safe_name(raw: str) -> str:
    text = unicodedata.normalize("NFC", raw)
    text = _UNSAFE.sub("_", text).strip(" .")
    if text.lower().endswith(EXTENSION):
        text = text[: -len(EXTENSION)].rstrip(" .")
    if not text.strip("_"):
        return ""
    # Windows ignores an extension (and trailing spaces) when it reserves a
    # device name: "con.bacpac" and "COM1 .x" are the device.
    if text.split(".", 1)[0].rstrip(" ").upper() in _RESERVED:
        text = "_" + text
    budget = MAX_NAME_BYTES - len(EXTENSION)
    encoded = text.encode("utf-8")
    if len(encoded) > budget:
        text = encoded[:budget].decode("utf-8", errors="ignore").rstrip(" .")
    return text + EXTENSION


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


#: The profile key listing further hosts downloads may come from.
DOWNLOAD_HOSTS_KEY = "download_hosts"


def link_policy_for(profile: Profile, *, cli: bool = False) -> LinkPolicy:
    """The hosts this profile's download links may point at: the Azure
    Storage hosts of its cloud, or for a custom API host (the simulator, a
    test server) that host; plus the profile's `download_hosts`."""
    from lcs_tui.config import CUSTOM, config_path

    how = f'add {DOWNLOAD_HOSTS_KEY} = ["{{host}}"] to [profiles.{profile.name}] in {config_path()}'
    if cli:
        how = "run the command with --allow-host {host}, or " + how
    if profile.geography == CUSTOM:
        api_host = urlsplit(profile.api_host).hostname or ""
        base = LinkPolicy((api_host,), f"the profile's API host ({inert(api_host)})", how)
    else:
        cloud = CLOUD_OF_GEOGRAPHY.get(profile.geography, PUBLIC_CLOUD)
        base = LinkPolicy((cloud,), f"an Azure Storage host of the profile's cloud ({cloud})", how)
    return base.allowing(profile.download_hosts)


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
    allow_hosts: Iterable[str] = (),
    cli: bool = False,
) -> BlobDownload:
    """A ready-to-run download of `backup` into `folder` (as `backup_file_name`).

    `allow_hosts`: further hosts the link may point at (the CLI's
    --allow-host); `cli` words the refusal of a foreign host for the CLI."""
    if not backup.file_location:
        raise DownloadError(
            f"LCS gives no download link for backup {inert(backup.name, limit=200)}",
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
        source=f"backup {inert(backup.name, limit=200)} ({inert(backup.id, limit=100)})",
        policy=link_policy_for(workspace.profile, cli=cli).allowing(allow_hosts),
    )
