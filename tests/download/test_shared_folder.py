"""Downloads into a folder someone else can write to: planted links and files
are refused without touching what they point at; what lcs-tui writes is the
owner's only."""

from __future__ import annotations

import dataclasses
import json
import os
import stat
from pathlib import Path

import pytest

from lcs_tui.download import BlobDownload, DestinationExists, DownloadProgress, DownloadState
from lcs_tui.download.errors import NotOurs
from lcs_tui.download.prefs import check_folder
from lcs_tui.download.sidecar import sidecar_path
from lcs_tui.simulator import Simulator

from .support import FAST, MIB, Watcher, file_md5, location, names, served_md5

pytestmark = pytest.mark.skipif(os.name != "posix", reason="symbolic links and modes of POSIX")

VICTIM = b"the user's own file, which a download must never touch\n"


@pytest.fixture(autouse=True)
def usual_umask() -> object:
    old = os.umask(0o022)  # what most users have: 0644 unless asked otherwise
    yield
    os.umask(old)


@pytest.fixture
def victim(tmp_path: Path) -> Path:
    path = tmp_path / "home" / ".bashrc"
    path.parent.mkdir()
    path.write_bytes(VICTIM)
    return path


def untouched(victim: Path) -> bool:
    return victim.read_bytes() == VICTIM


def is_link(path: Path) -> bool:
    return path.is_symlink()


def exists(path: Path) -> bool:
    return os.path.lexists(path)


def download(sim: Simulator, folder: Path, size: int = 3 * MIB, **options: object) -> BlobDownload:
    backup = sim.add_backup("shared", size=size)
    return BlobDownload(
        location(sim, backup.backup_id),
        folder / "shared.bacpac",
        http=Watcher(sim.sync_transport()).settings(),
        options=dataclasses.replace(FAST, **options),  # type: ignore[arg-type]
    )


def folder_of(tmp_path: Path) -> Path:
    folder = tmp_path / "shared"
    folder.mkdir()
    return folder


@pytest.mark.parametrize("with_record", [False, True], ids=["fresh", "resume"])
async def test_a_part_planted_as_a_symlink_is_refused_and_its_target_untouched(
    sim: Simulator, tmp_path: Path, victim: Path, with_record: bool
) -> None:
    folder = folder_of(tmp_path)
    part = folder / "shared.bacpac.part"
    part.symlink_to(victim)
    if with_record:  # a record that would make the link look like a resume
        size = 3 * MIB
        sidecar_path(part).write_text(
            json.dumps({"schema": 1, "size": size, "etag": None, "done": []})
        )
    job = download(sim, folder)

    with pytest.raises(NotOurs) as refused:
        await job.run()

    assert "is a symbolic link" in refused.value.message
    assert "remove it" in (refused.value.hint or "")
    assert untouched(victim)
    assert is_link(part) and not exists(folder / "shared.bacpac")


async def test_a_part_hard_linked_to_another_file_is_refused(
    sim: Simulator, tmp_path: Path, victim: Path
) -> None:
    folder = folder_of(tmp_path)
    os.link(victim, folder / "shared.bacpac.part")  # the same file under two names

    with pytest.raises(NotOurs, match="other hard links"):
        await download(sim, folder).run()

    assert untouched(victim)


async def test_a_planted_checkpoint_temp_name_is_not_written_through(
    sim: Simulator, tmp_path: Path, victim: Path
) -> None:
    folder = folder_of(tmp_path)
    planted = folder / "shared.bacpac.part.json.tmp"  # the name an older version used
    planted.symlink_to(victim)

    result = await download(sim, folder).run()

    assert untouched(victim)
    assert result.path.stat().st_size == 3 * MIB
    assert is_link(planted)  # not ours: left alone
    assert names(folder) == ["shared.bacpac", planted.name]


async def test_a_part_swapped_for_a_link_before_the_rename_is_not_moved_into_place(
    sim: Simulator, tmp_path: Path, victim: Path
) -> None:
    folder = folder_of(tmp_path)
    backup = sim.add_backup("swapped", size=3 * MIB, content_md5=False)
    target = folder / "swapped.bacpac"
    part = folder / "swapped.bacpac.part"

    def swap(progress: DownloadProgress) -> None:
        # Someone renames the finished part away and plants a link instead.
        if progress.state is DownloadState.VERIFYING and not part.is_symlink():
            part.rename(folder / "moved-away")
            part.symlink_to(victim)

    job = BlobDownload(
        location(sim, backup.backup_id),
        target,
        http=Watcher(sim.sync_transport()).settings(),
        options=FAST,
        on_progress=swap,
    )
    with pytest.raises(NotOurs, match="replaced by another file"):
        await job.run()

    assert not exists(target)
    assert untouched(victim)


@pytest.mark.parametrize("overwrite", [False, True])
async def test_a_destination_that_is_a_link_is_never_replaced_or_followed(
    sim: Simulator, tmp_path: Path, victim: Path, overwrite: bool
) -> None:
    folder = folder_of(tmp_path)
    target = folder / "shared.bacpac"
    target.symlink_to(victim)

    with pytest.raises(DestinationExists, match="is a symbolic link"):
        await download(sim, folder, overwrite=overwrite).run()

    assert is_link(target) and untouched(victim)
    assert names(folder) == ["shared.bacpac"]


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


async def test_the_finished_file_and_its_part_are_the_owners_only(
    sim: Simulator, tmp_path: Path
) -> None:
    folder = folder_of(tmp_path)
    modes: list[int] = []
    backup = sim.add_backup("private", size=12 * MIB)
    part = folder / "private.bacpac.part"

    def look(progress: DownloadProgress) -> None:
        if progress.state is DownloadState.DOWNLOADING and part.exists():
            modes.append(mode(part))
            modes.append(mode(sidecar_path(part)))

    result = await BlobDownload(
        location(sim, backup.backup_id),
        folder / "private.bacpac",
        http=Watcher(sim.sync_transport()).settings(),
        options=FAST,
        on_progress=look,
    ).run()

    assert modes and set(modes) == {0o600}
    assert mode(result.path) == 0o600


async def test_a_part_left_readable_by_an_older_version_is_made_private_on_resume(
    sim: Simulator, tmp_path: Path
) -> None:
    folder = folder_of(tmp_path)
    backup = sim.add_backup("older", size=12 * MIB)
    url = location(sim, backup.backup_id)
    target = folder / "older.bacpac"
    sim.faults.blob_cut_after(5 * MIB)
    sim.faults.blob_cut_after(0, n=50)
    with pytest.raises(Exception, match="gave up"):
        await BlobDownload(url, target, http=Watcher(sim.sync_transport()).settings(),
                           options=FAST).run()  # fmt: skip
    part = folder / "older.bacpac.part"
    part.chmod(0o644)
    sim.faults.clear()

    result = await BlobDownload(
        url, target, http=Watcher(sim.sync_transport()).settings(), options=FAST
    ).run()

    assert result.resumed_from == 5 * MIB
    assert mode(target) == 0o600
    assert file_md5(target) == served_md5(sim, url)


def test_the_dialog_check_names_a_planted_part_and_a_linked_destination(
    tmp_path: Path, victim: Path
) -> None:
    folder = folder_of(tmp_path)
    (folder / "a.bacpac.part").symlink_to(victim)
    (folder / "b.bacpac").symlink_to(victim)
    (folder / "c.bacpac.part").write_bytes(b"")
    (folder / "c.bacpac.part.json").write_text("{}")

    planted = check_folder(str(folder), "a.bacpac")
    assert planted.problem is not None
    assert "a.bacpac.part here is a symbolic link" in planted.problem
    linked = check_folder(str(folder), "b.bacpac")
    assert linked.problem is not None and "symbolic link" in linked.problem
    ours = check_folder(str(folder), "c.bacpac")
    assert ours.problem is None and ours.partial
