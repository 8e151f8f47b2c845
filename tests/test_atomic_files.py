"""Every state file is replaced at once and never written through a planted link.

All of them write through lcs_tui/atomic.py; these tests hold each writer to
it, so that a writer which goes back to its own copy (or opens the name for
writing) is caught. The session state (tests/config/test_session_state.py)
and a download's files (tests/download/test_shared_folder.py) have their own.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest

from lcs_tui.atomic import write_atomically
from lcs_tui.config import Config, save_config
from lcs_tui.jobs import Job, JobStore, Notify, Schedule
from lcs_tui.jobs.statefile import StateFile, StateFileError
from lcs_tui.secrets import FileStore
from lcs_tui.service.journal import Journal
from lcs_tui.service.operations import TrackedOperation
from tests.auth.simhelp import profile

pytestmark = pytest.mark.skipif(not hasattr(os, "symlink"), reason="no symbolic links here")


def plant(path: Path, victim_text: str) -> Path:
    """A link at `path` to a file of the user's that must stay as it is."""
    victim = path.parent / "victim"
    victim.write_text(victim_text)
    victim.chmod(0o600)
    path.symlink_to(victim)
    return victim


def only_the_file_is_left(path: Path) -> bool:
    names = sorted(p.name for p in path.parent.iterdir() if p.name != "victim")
    return all(not name.endswith(".tmp") for name in names) and path.name in names


def write_journal(path: Path) -> None:
    Journal(path).upsert(
        TrackedOperation.new(
            kind="export",
            project_id=1,
            poll_environment_id="uat",
            environment_name="UAT",
            backup_name="uat-golden",
            requested_at=datetime(2026, 11, 29, 12, 0),
        )
    )


def write_jobs_file(path: Path) -> None:
    JobStore(path).add(Job("ping", "contoso", (Notify("hello"),), Schedule.asap()))


def write_profiles(path: Path) -> None:
    save_config(Config(path=path).with_profile(profile(name="first")))


def write_secrets(path: Path) -> None:
    FileStore(path).set("contoso", "password", "s3cret")


# Each writer, and a victim its reading accepts (so that the write is reached).
WRITERS: dict[str, tuple[Callable[[Path], None], str, str]] = {
    "journal": (write_journal, "operations.json", '{"schema": 1, "operations": []}\n'),
    "jobs.toml": (write_jobs_file, "jobs.toml", "version = 1\n"),
    "profiles.toml": (write_profiles, "profiles.toml", "# the user's own notes\n"),
    "secrets": (write_secrets, "secrets.json", '{"secrets": {}}\n'),
}


@pytest.mark.parametrize("which", sorted(WRITERS))
def test_a_planted_link_is_replaced_never_written_through(tmp_path: Path, which: str) -> None:
    write, name, victim_text = WRITERS[which]
    path = tmp_path / name
    victim = plant(path, victim_text)
    write(path)
    assert victim.read_text() == victim_text
    assert not path.is_symlink() and path.is_file()
    assert only_the_file_is_left(path)


def test_a_job_state_file_refuses_a_planted_link(tmp_path: Path) -> None:
    path = tmp_path / "golden-copy.json"
    victim = plant(path, '{"the user": "own data"}')
    with pytest.raises(StateFileError, match="symbolic link"):
        StateFile(path).update(lambda before: {"run": 1})
    assert victim.read_text() == '{"the user": "own data"}'
    path.unlink()  # as the message says: lcs-tui then writes a new file
    assert StateFile(path).update(lambda before: {"run": 1}) == {"run": 1}
    assert StateFile(path).read() == {"run": 1} and not path.is_symlink()


def test_a_write_that_fails_at_the_rename_keeps_the_old_file_and_no_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "state.json"
    write_atomically(path, b"old")

    def full_disk(*args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", full_disk)
    with pytest.raises(OSError, match="No space left"):
        write_atomically(path, b"new")
    assert path.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["state.json"]


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_the_new_file_is_private_from_the_start(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    write_atomically(path, b"{}")
    assert path.stat().st_mode & 0o077 == 0
