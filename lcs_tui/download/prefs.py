"""Where downloads go: the folder last used, else the user's downloads folder.

Remembered in the state directory (`downloads.json`), replaced atomically.
Checking a folder touches the file system (a network share can be slow), so
UI code calls `check_folder` from a thread.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from lcs_tui.download import files
from lcs_tui.download.engine import PART_SUFFIX
from lcs_tui.download.sidecar import sidecar_path

PREFS_FILE = "downloads.json"


def _prefs_path() -> Path:
    from lcs_tui.workspace import state_dir

    return state_dir() / PREFS_FILE


def downloads_dir() -> Path:
    """The platform's downloads folder (XDG on Linux, ~/Downloads elsewhere)."""
    from platformdirs import user_downloads_dir

    try:
        return Path(user_downloads_dir())
    except Exception:  # platformdirs can fail on odd systems; home is always a fallback
        return Path.home() / "Downloads"


def default_folder() -> Path:
    last = remembered_folder()
    if last is not None and last.is_dir():
        return last
    downloads = downloads_dir()
    return downloads if downloads.is_dir() else Path.home()


def remembered_folder() -> Path | None:
    try:
        data = json.loads(_prefs_path().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    folder = data.get("last_folder") if isinstance(data, dict) else None
    return Path(folder) if isinstance(folder, str) and folder else None


def remember_folder(folder: Path) -> None:
    """Best effort: failing to remember a folder must not fail a download."""
    path = _prefs_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        data = json.dumps({"last_folder": str(folder)}).encode("utf-8")
        files.write_atomically(path, data, durable=False)
    except OSError:
        pass


@dataclass(frozen=True)
class FolderCheck:
    folder: Path
    #: Why the folder cannot be used; None when it can.
    problem: str | None
    #: The target file is already there.
    exists: bool = False
    #: A partial download of the file is there: it will resume.
    partial: bool = False


def check_folder(text: str, file_name: str) -> FolderCheck:
    folder = Path(text.strip()).expanduser() if text.strip() else Path()
    if not text.strip():
        return FolderCheck(folder, "type a folder")
    if not folder.is_absolute():
        folder = Path.cwd() / folder
    if not folder.exists():
        return FolderCheck(folder, "this folder does not exist")
    if not folder.is_dir():
        return FolderCheck(folder, "this is a file, not a folder")
    if not os.access(folder, os.W_OK | os.X_OK):
        return FolderCheck(folder, "you cannot write into this folder")
    target = folder / file_name
    if target.is_symlink():
        return FolderCheck(folder, f"{file_name} here is a symbolic link: remove it first")
    part = target.with_name(target.name + PART_SUFFIX)
    problem = files.inspect(part)
    if problem is not None:
        return FolderCheck(
            folder, f"{part.name} here {problem}, not lcs-tui's: remove it or choose another folder"
        )
    record = sidecar_path(part)
    resumable = part.exists() and record.exists() and files.inspect(record) is None
    return FolderCheck(folder, None, exists=os.path.lexists(target), partial=resumable)
