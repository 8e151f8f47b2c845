"""`lcs-tui backups download NAME-OR-ID [--dest DIR] [--overwrite] [--connections N] [--json]`.

Downloads one database backup into a folder (the current one by default).
A progress bar goes to stderr when stderr is a terminal; otherwise the
command is quiet apart from notices and errors. stdout gets one line, the
path of the downloaded file — or with --json one document
(`lcs-tui/backups-download/v1`, docs/scripting.md). Run the same command
again after an interruption (Ctrl+C, a lost connection, a killed terminal)
to resume.

It opens the workspace and signs in exactly as every other scripting command
(runtime.py: the token cache, the stored password, then LCS_TUI_PASSWORD and
LCS_TUI_CLIENT_SECRET), and failures before the download are the same exit
codes and error documents. Exit codes of the download itself: 0 downloaded;
1 failed (the message says why; the `.part` file stays for a resume when
that makes sense); 5 the destination file exists (use --overwrite); 130
interrupted (resumable).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lcs_tui.commands import exit_codes
from lcs_tui.commands.failures import CommandFailure, Failure, failure_from
from lcs_tui.commands.output import err, schema_id
from lcs_tui.commands.runtime import RUNTIME, add_common_options, report_failure, sign_in
from lcs_tui.untrusted import inert, json_text

if TYPE_CHECKING:
    from lcs_tui.api import DatabaseBackup
    from lcs_tui.commands.download_progress import ProgressBar
    from lcs_tui.download import DownloadError, DownloadResult
    from lcs_tui.workspace import Workspace

COMMAND = "backups download"
SCHEMA = schema_id("backups-download")
EXIT_FAILED = 1
EXIT_DESTINATION_EXISTS = 5
EXIT_INTERRUPTED = exit_codes.INTERRUPTED
MAX_CONNECTIONS = 64
#: Kinds of the download's own failures in the JSON document (docs/scripting.md).
KIND_FAILED = "download_failed"
KIND_EXISTS = "destination_exists"


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
        default=None,
        help="parallel connections for large backups: 'auto' (the default: more while the "
        f"rate still rises, up to 32) or a fixed number from 1 to {MAX_CONNECTIONS}",
    )
    add_common_options(download)
    # A download changes nothing in LCS: the workspace never needs to.
    download.set_defaults(func=run, read_only=True)
    return download


def _connections(text: str) -> int | None:
    if text.strip().lower() == "auto":
        return None
    if not text.isdigit() or not 1 <= int(text) <= MAX_CONNECTIONS:
        raise argparse.ArgumentTypeError(f"'auto' or a number from 1 to {MAX_CONNECTIONS}")
    return int(text)


@dataclass
class _Outcome:
    """What the JSON document reports; filled in as the command goes."""

    project_id: int | None = None
    backup: DatabaseBackup | None = None
    path: Path | None = None
    result: DownloadResult | None = None
    error: DownloadError | None = None
    kind: str | None = None
    notices: list[str] = field(default_factory=list)


def run(args: argparse.Namespace) -> int:
    folder = (args.dest or Path.cwd()).expanduser()
    if not folder.is_dir():
        report_failure(
            args, COMMAND, Failure(exit_codes.USAGE, f"--dest: {folder} is not a folder")
        )
        return exit_codes.USAGE
    if not os.access(folder, os.W_OK | os.X_OK):
        report_failure(
            args, COMMAND, Failure(exit_codes.USAGE, f"--dest: cannot write into {folder}")
        )
        return exit_codes.USAGE
    from lcs_tui.commands.download_progress import ProgressBar

    bar = ProgressBar(sys.stderr) if sys.stderr.isatty() else None
    outcome = _Outcome()
    profile = None
    try:
        workspace = RUNTIME.open_workspace(args)
        profile = workspace.profile
        try:
            return asyncio.run(_download(args, workspace, folder.resolve(), bar, outcome))
        finally:
            for warning in workspace.session.warnings:
                err(f"warning: {warning}")
            workspace.session.close()
    except KeyboardInterrupt:
        if bar is not None:
            bar.finish()
        hint = "run the same command again to resume"
        if not args.json:
            err(f"interrupted: {hint}")
        elif outcome.backup is not None:
            err(f"interrupted: {hint}")
            outcome.kind = "interrupted"
            _emit(outcome, EXIT_INTERRUPTED, "the download was interrupted (Ctrl+C)", hint)
        else:
            report_failure(args, COMMAND, Failure(EXIT_INTERRUPTED, "interrupted (Ctrl+C)", hint))
        return EXIT_INTERRUPTED
    except Exception as exc:
        failure = failure_from(exc, profile)
        if failure is None:
            raise
        if bar is not None:
            bar.finish()
        report_failure(args, COMMAND, failure)
        return failure.code


async def _download(
    args: argparse.Namespace,
    workspace: Workspace,
    folder: Path,
    bar: ProgressBar | None,
    outcome: _Outcome,
) -> int:
    from lcs_tui.download import (
        BackupLookupError,
        DestinationExists,
        DownloadError,
        DownloadOptions,
        backup_download,
        backup_file_name,
        find_backup,
    )

    try:
        # The sign-in of every command (MSAL and the keyring block: a thread).
        await asyncio.to_thread(sign_in, workspace)
        backups = await workspace.service.load_backups()
        try:
            backup = find_backup(backups, args.backup)
        except BackupLookupError as exc:
            raise CommandFailure(
                Failure(exit_codes.USAGE, inert(exc.message), "list them with: lcs-tui backups")
            ) from None
        outcome.project_id = workspace.service.project_id
        outcome.backup = backup
        outcome.path = folder / backup_file_name(backup)

        def notice(text: str) -> None:
            outcome.notices.append(inert(text))
            if bar is not None:
                bar.notice(text)
            else:
                err(inert(text))

        try:
            download = backup_download(
                workspace,
                backup,
                folder,
                options=DownloadOptions(connections=args.connections, overwrite=args.overwrite),
                on_progress=bar.update if bar else None,
                on_notice=notice,
                allow_hosts=args.allow_host,
                cli=True,
            )
            if bar is not None:
                bar.title = inert(backup.name, limit=60)
            outcome.result = await download.run()
        except DownloadError as exc:
            if bar is not None:
                bar.finish()
            outcome.error = exc
            exists = isinstance(exc, DestinationExists)
            outcome.kind = KIND_EXISTS if exists else KIND_FAILED
            hint = exc.hint
            if exists and exc.part is None:  # refused upfront: no .part involved
                hint = "use --overwrite to replace it"
            code = EXIT_DESTINATION_EXISTS if exists else EXIT_FAILED
            err(f"error: {inert(exc.message)}")
            if hint:
                err(inert(hint))
            if args.json:
                _emit(outcome, code, exc.message, hint)
            return code
    finally:
        await workspace.aclose()
    _report_done(args, outcome, bar)
    return exit_codes.OK


def _report_done(args: argparse.Namespace, outcome: _Outcome, bar: ProgressBar | None) -> None:
    result, backup = outcome.result, outcome.backup
    assert result is not None and backup is not None
    if bar is not None:
        bar.finish()
        from lcs_tui.download import human_bytes, human_duration, human_rate

        checked = ", MD5 verified" if result.md5_checked else ""
        err(
            f"downloaded {inert(backup.name)}: {human_bytes(result.size)} in "
            f"{human_duration(result.seconds)} ({human_rate(result.rate)}{checked})"
        )
    if args.json:
        _emit(outcome, exit_codes.OK, None, None)
    else:
        print(inert(result.path), flush=True)


def _emit(outcome: _Outcome, code: int, message: str | None, hint: str | None) -> None:
    """The one JSON document (escaped: it carries server text)."""
    print(json_text(_document(outcome, code, message, hint)), flush=True)


def _document(
    outcome: _Outcome, code: int, message: str | None, hint: str | None
) -> dict[str, Any]:
    backup, result, error = outcome.backup, outcome.result, outcome.error
    assert backup is not None
    part = error.part if error is not None else None
    kept = part is not None and part.exists()
    return {
        "schema": SCHEMA,
        "exit_code": code,
        "error": None
        if message is None
        else {
            "kind": outcome.kind,
            "message": message,
            "hint": hint,
            "activity_id": None,
            "frees_at": None,
            "problems": [],
        },
        "project_id": outcome.project_id,
        "backup": {"id": backup.id, "name": backup.name, "file_name": backup.file_name},
        "path": str(result.path if result is not None else outcome.path),
        "downloaded": result is not None,
        "part": str(part) if kept else None,
        "resumable": bool(kept and (error is None or error.resumable)),
        "size": result.size if result is not None else None,
        "resumed_from": result.resumed_from if result is not None else 0,
        "seconds": round(result.seconds, 3) if result is not None else None,
        "md5_checked": bool(result and result.md5_checked),
        "notices": list(outcome.notices),
    }
