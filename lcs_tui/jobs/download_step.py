"""The download step: the backup the export made (or a named one, or the latest), to a folder.

The download itself is the app's (lcs_tui.download: resumable, verified);
it runs as a task of the runner while the step says "running". A process
killed half-way leaves the `.part` file; the next runner resumes it. The
step records which backup and which file *before* it starts, so that after a
crash a finished file in place is known to be this step's own (done), while
a file that was there before the step began is never overwritten.
"""

from __future__ import annotations

import asyncio
import os
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from lcs_tui.jobs.model import LATEST, PREVIOUS, Download, Export, step_from_json
from lcs_tui.jobs.state import DONE, PENDING, RUNNING, STARTING, WAITING, StepState
from lcs_tui.jobs.steps import DOWNLOAD_ATTEMPTS, StepContext, failed, waiting

if TYPE_CHECKING:
    from lcs_tui.api import DatabaseBackup

#: How long a finished export's backup may take to show up in the listing.
APPEAR_WITHIN = timedelta(hours=6)
RETRY_AFTER = timedelta(minutes=2)


async def advance_download(ctx: StepContext, step: Download, st: StepState) -> StepState:
    if st.status in (PENDING, WAITING) and st.path is None:
        if st.look_again_at is not None and ctx.now < st.look_again_at:
            return st
        return await _prepare(ctx, step, st)
    if st.status in (STARTING, RUNNING, WAITING):
        if st.status == WAITING and st.look_again_at is not None and ctx.now < st.look_again_at:
            return st
        return await _follow(ctx, step, st)
    return st


def _previous_export(ctx: StepContext) -> str | None:
    for index in range(ctx.index - 1, -1, -1):
        try:
            earlier = step_from_json(ctx.run.definition[index])
        except Exception:
            continue
        if isinstance(earlier, Export):
            return ctx.run.steps[index].backup_name
    return None


async def _prepare(ctx: StepContext, step: Download, st: StepState) -> StepState:
    from lcs_tui.download import BackupLookupError, backup_file_name, find_backup

    service = ctx.service
    await ctx.upkeep.backups()
    backup: DatabaseBackup | None = None
    if step.backup == LATEST:
        dated = [b for b in service.backups if b.created is not None]
        if not dated:
            return failed(st, "the project's asset library has no backups", ctx.now)
        backup = max(dated, key=lambda b: b.created or ctx.now)
    else:
        wanted = _previous_export(ctx) if step.backup == PREVIOUS else step.backup
        if not wanted:
            return failed(st, "no export before this step gave a backup name", ctx.now)
        try:
            backup = find_backup(service.backups, wanted)
        except BackupLookupError as exc:
            since = st.started_at or ctx.now
            if step.backup == PREVIOUS and ctx.now - since < APPEAR_WITHIN:
                return replace(
                    waiting(st, f"backup {wanted} is not listed yet", ctx.now + RETRY_AFTER),
                    started_at=since,
                )
            return failed(st, exc.message, ctx.now)
    folder, problem = await asyncio.to_thread(_destination, step.folder, backup_file_name(backup))
    if problem is not None:
        return failed(st, problem, ctx.now)
    destination = folder / backup_file_name(backup)
    st = replace(
        st,
        status=STARTING,
        backup_id=backup.id,
        backup_name=backup.name,
        path=str(destination),
        started_at=st.started_at or ctx.now,
        attempts=st.attempts + 1,
        message=f"downloading {backup.name}",
        look_again_at=None,
    )
    await ctx.record(st)  # the file is ours from now on
    return _start(ctx, step, st)


def _destination(folder_text: str, name: str) -> tuple[Path, str | None]:
    """The folder, and why the file cannot go there (None: it can). Blocking."""
    folder = Path(os.path.expanduser(folder_text))
    if not folder.is_dir():
        return folder, f"the folder {folder} does not exist (create it, or fix the job)"
    destination = folder / name
    if os.path.lexists(destination):
        return folder, (
            f"{destination} exists already; lcs-tui does not replace a file it did not write "
            "(move it away, then run the job again)"
        )
    return folder, None


def _finished_file(path: str) -> bool:
    return os.path.isfile(path) and not os.path.islink(path)


def _start(ctx: StepContext, step: Download, st: StepState) -> StepState:
    from lcs_tui.download import DownloadOptions, backup_download, find_backup

    backup = find_backup(ctx.service.backups, st.backup_id or "")
    assert st.path is not None
    download = backup_download(
        ctx.workspace,
        backup,
        Path(st.path).parent,
        options=DownloadOptions(connections=step.connections),
    )
    task = asyncio.ensure_future(download.run())
    ctx.downloads[ctx.task_key] = (download, task)
    return replace(st, status=RUNNING, message=f"downloading {backup.name}")


async def _follow(ctx: StepContext, step: Download, st: StepState) -> StepState:
    from lcs_tui.download import BackupLookupError, DownloadError, human_bytes

    assert st.path is not None
    entry = ctx.downloads.get(ctx.task_key)
    if entry is None:
        if await asyncio.to_thread(_finished_file, st.path):
            # Finished (verified and renamed into place) before a restart.
            return replace(st, status=DONE, message="downloaded", finished_at=ctx.now)
        await ctx.upkeep.backups(force=True)
        try:
            return _start(ctx, step, replace(st, message="resuming the download"))
        except BackupLookupError as exc:
            return failed(st, exc.message, ctx.now)
        except DownloadError as exc:
            return failed(st, exc.message, ctx.now)
    download, task = entry
    if not task.done():
        progress = download.progress
        done = getattr(progress, "done", None)
        total = getattr(progress, "total", None)
        if isinstance(done, int) and isinstance(total, int) and total > 0:
            return replace(st, message=f"downloading: {human_bytes(done)} of {human_bytes(total)}")
        return st
    del ctx.downloads[ctx.task_key]
    failure: BaseException | None = (
        task.exception() if not task.cancelled() else asyncio.CancelledError()
    )
    if failure is None:
        result = task.result()
        checked = ", MD5 verified" if result.md5_checked else ""
        return replace(
            st,
            status=DONE,
            message=f"downloaded {human_bytes(result.size)}{checked}",
            finished_at=ctx.now,
        )
    if isinstance(failure, DownloadError):
        message = failure.message
    else:
        message = f"{type(failure).__name__}: {failure}"
    resumable = isinstance(failure, DownloadError) and failure.resumable
    if resumable and st.attempts < DOWNLOAD_ATTEMPTS:
        return replace(
            waiting(st, f"download interrupted ({message}); resuming", ctx.now + RETRY_AFTER),
            attempts=st.attempts + 1,
        )
    return failed(st, f"download failed: {message}", ctx.now)
