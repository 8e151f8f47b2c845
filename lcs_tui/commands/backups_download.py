"""`lcs-tui backups download NAME-OR-ID [--dest DIR] [--overwrite] [--connections N]`.

Downloads one database backup into a folder (the current one by default).
A progress bar goes to stderr when stderr is a terminal; otherwise the
command is quiet apart from notices and errors. stdout gets one line: the
path of the downloaded file. Run the same command again after an
interruption (Ctrl+C, a lost connection, a killed terminal) to resume.

Exit codes: 0 downloaded; 1 failed (the message says why; the `.part` file
stays for a resume when that makes sense); 2 usage; 3 not signed in;
4 configuration; 5 the destination file exists (use --overwrite);
130 interrupted (resumable).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from lcs_tui.commands.profile import (
    EXIT_OK,
    UsageError,
    add_profile_option,
    err,
    run_reporting_errors,
)
from lcs_tui.untrusted import inert

if TYPE_CHECKING:
    from lcs_tui.download import DownloadProgress
    from lcs_tui.workspace import Workspace

EXIT_FAILED = 1
EXIT_DESTINATION_EXISTS = 5
EXIT_INTERRUPTED = 130
MAX_CONNECTIONS = 16


def register(subparsers: Any) -> None:
    """Add `backups download`; creates `backups` only if no other module did.

    The module that lists backups (`lcs-tui backups`) calls
    `add_download_parser` itself; this keeps the command available on its own.
    """
    backups = subparsers.choices.get("backups")
    if backups is None:
        backups = subparsers.add_parser(
            "backups",
            help="database backups: download",
            description="Database backups in the project's asset library.",
        )
    actions = _subparsers_of(backups)
    if actions is None:
        actions = backups.add_subparsers(dest="backups_command", metavar="ACTION")
    if "download" not in actions.choices:
        add_download_parser(actions)


def _subparsers_of(parser: argparse.ArgumentParser) -> Any:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return action
    return None


def add_download_parser(backups_subparsers: Any) -> argparse.ArgumentParser:
    """Add `download` under an existing `backups` subparsers action."""
    download: argparse.ArgumentParser = backups_subparsers.add_parser(
        "download",
        help="download a backup (.bacpac), resumable",
        description="Download a database backup into a folder. Interrupted downloads resume "
        "when the same command runs again. Large backups come over several connections.",
    )
    download.add_argument("backup", metavar="NAME-OR-ID", help="the backup's name, id or file name")
    download.add_argument(
        "--dest",
        metavar="DIR",
        type=Path,
        default=None,
        help="folder to save into (default: the current folder)",
    )
    download.add_argument(
        "--overwrite", action="store_true", help="replace a file of the same name in DIR"
    )
    download.add_argument(
        "--allow-host",
        metavar="HOST",
        action="append",
        default=[],
        help="also accept a download link to HOST (normally only the Azure Storage hosts "
        "of the profile's cloud; for always, see download_hosts in docs/downloads.md)",
    )
    download.add_argument(
        "--connections",
        metavar="N",
        type=_connections,
        default=4,
        help=f"parallel connections for large backups (1-{MAX_CONNECTIONS}; default 4)",
    )
    add_profile_option(download)
    download.add_argument(
        "--demo",
        action="store_true",
        default=argparse.SUPPRESS,
        help="download from the built-in simulated demo project",
    )
    download.set_defaults(func=run)
    return download


def _connections(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= MAX_CONNECTIONS:
        raise argparse.ArgumentTypeError(f"a number from 1 to {MAX_CONNECTIONS}")
    return int(text)


def run(args: argparse.Namespace) -> int:
    return run_reporting_errors(lambda: _run(args))


def _run(args: argparse.Namespace) -> int:
    folder = (args.dest or Path.cwd()).expanduser()
    if not folder.is_dir():
        raise UsageError(f"--dest: {folder} is not a folder")
    if not os.access(folder, os.W_OK):
        err(f"error: cannot write into {folder}")
        return EXIT_FAILED
    bar = ProgressBar(sys.stderr) if sys.stderr.isatty() else None
    try:
        return asyncio.run(_download(args, folder.resolve(), bar))
    except KeyboardInterrupt:
        if bar is not None:
            bar.finish()
        err("interrupted: run the same command again to resume")
        return EXIT_INTERRUPTED


async def _download(args: argparse.Namespace, folder: Path, bar: ProgressBar | None) -> int:
    from lcs_tui.api import LcsError
    from lcs_tui.download import (
        BackupLookupError,
        DestinationExists,
        DownloadError,
        DownloadOptions,
        backup_download,
        find_backup,
    )

    workspace = _open_workspace(args)
    try:
        await _sign_in(workspace)
        try:
            backups = await workspace.service.load_backups()
            backup = find_backup(backups, args.backup)
        except BackupLookupError as exc:
            err(f"error: {inert(exc.message)}")
            err("list them with: lcs-tui backups")
            return EXIT_FAILED
        except LcsError as exc:
            err(f"error: could not list the backups: {inert(exc)}")
            return EXIT_FAILED
        try:
            download = backup_download(
                workspace,
                backup,
                folder,
                options=DownloadOptions(connections=args.connections, overwrite=args.overwrite),
                on_progress=bar.update if bar else None,
                on_notice=bar.notice if bar else _notice,
                allow_hosts=args.allow_host,
                cli=True,
            )
            if bar is not None:
                bar.title = inert(backup.name, limit=60)
            result = await download.run()
        except DestinationExists as exc:
            if bar is not None:
                bar.finish()
            err(f"error: {inert(exc.message)}")
            # Refused upfront (no .part involved), or the name appeared meanwhile.
            err("use --overwrite to replace it" if exc.part is None else inert(exc.hint or ""))
            return EXIT_DESTINATION_EXISTS
        except DownloadError as exc:
            if bar is not None:
                bar.finish()
            err(f"error: {inert(exc.message)}")
            if exc.hint:
                err(inert(exc.hint))
            return EXIT_FAILED
    finally:
        await workspace.aclose()
        workspace.session.close()
    if bar is not None:
        bar.finish()
        from lcs_tui.download import human_bytes, human_duration, human_rate

        checked = ", MD5 verified" if result.md5_checked else ""
        err(
            f"downloaded {inert(backup.name)}: {human_bytes(result.size)} in "
            f"{human_duration(result.seconds)} ({human_rate(result.rate)}{checked})"
        )
    print(inert(result.path), flush=True)
    return EXIT_OK


def _open_workspace(args: argparse.Namespace) -> Workspace:
    from lcs_tui.workspace import open_demo, open_profile

    if getattr(args, "demo", False):
        return open_demo(read_only=True)
    from lcs_tui.config import load_config

    return open_profile(load_config().get(getattr(args, "profile", None)), read_only=True)


async def _sign_in(workspace: Workspace) -> None:
    """Silently (token cache, stored password); the demo with its password.
    MSAL blocks, so it runs in a thread. SignInRequired reaches
    run_reporting_errors, which prints it with its `lcs-tui login` hint."""
    session = workspace.session
    if workspace.demo_password:
        await asyncio.to_thread(session.sign_in_with_password, workspace.demo_password)
    else:
        await asyncio.to_thread(session.acquire_token)


def _notice(text: str) -> None:
    err(inert(text))


class ProgressBar:
    """One line on a terminal, redrawn at most a few times a second."""

    REDRAW_EVERY = 0.2

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.title = ""
        self._drawn = False
        self._last = 0.0

    def update(self, progress: DownloadProgress) -> None:
        now = time.monotonic()
        if now - self._last < self.REDRAW_EVERY and not progress.state.finished:
            return
        self._last = now
        self._draw(render(self.title, progress, shutil.get_terminal_size().columns))

    def notice(self, text: str) -> None:
        self._clear()
        self.stream.write(inert(text) + "\n")
        self.stream.flush()

    def finish(self) -> None:
        if self._drawn:
            self.stream.write("\n")
            self.stream.flush()
            self._drawn = False

    def _draw(self, line: str) -> None:
        self.stream.write("\r" + line + "\x1b[K")
        self.stream.flush()
        self._drawn = True

    def _clear(self) -> None:
        if self._drawn:
            self.stream.write("\r\x1b[K")
            self._drawn = False


def render(title: str, progress: DownloadProgress, width: int) -> str:
    """`name  [#####.....]  42%  1.2 GB / 2.9 GB  85 MB/s  ETA 21s  ×4`."""
    from lcs_tui.download import DownloadState, human_bytes, human_duration, human_rate

    fraction = progress.fraction
    percent = f"{fraction * 100:3.0f}%" if fraction is not None else "  ?%"
    total = human_bytes(progress.total) if progress.total is not None else "?"
    facts = [percent, f"{human_bytes(progress.done)} / {total}"]
    if progress.state is DownloadState.DOWNLOADING:
        facts.append(human_rate(progress.rate))
        facts.append(f"ETA {human_duration(progress.eta)}")
        if progress.connections > 1:
            facts.append(f"×{progress.connections}")
    else:
        facts.append(progress.state.value)
    if progress.message:
        facts.append(inert(progress.message, limit=120))
    tail = "  ".join(facts)
    bar_width = max(0, min(30, width - len(tail) - len(title) - 8))
    bar = ""
    if bar_width >= 10 and fraction is not None:
        filled = int(bar_width * fraction)
        bar = "[" + "#" * filled + "." * (bar_width - filled) + "] "
    line = f"{title}  {bar}{tail}" if title else bar + tail
    return line[: max(0, width - 1)]
