"""Remembered between launches: the open workspaces, the one shown, the theme."""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

import pytest

from lcs_tui.config.session_state import (
    FILE_NAME,
    SessionState,
    SessionStateError,
    load_session_state,
    save_session_state,
    session_state_path,
    state_dir,
)


@pytest.fixture
def state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    directory = tmp_path / "state"
    monkeypatch.setenv("LCS_TUI_STATE_DIR", str(directory))
    return directory / FILE_NAME


TWO = SessionState(workspaces=("contoso", "fabrikam"), shown="fabrikam", theme="nord")


def test_what_was_saved_comes_back_at_the_next_launch(state: Path) -> None:
    assert not state.parent.exists()
    save_session_state(TWO)  # creates the state directory
    assert session_state_path() == state and state.is_file()
    again = load_session_state()
    assert again == TWO and again.problem is None
    assert json.loads(state.read_text()) == {
        "version": 1,
        "workspaces": ["contoso", "fabrikam"],
        "shown": "fabrikam",
        "theme": "nord",
    }


def test_nothing_remembered_yet_is_the_defaults_without_a_message(state: Path) -> None:
    loaded = load_session_state()
    assert loaded == SessionState() and loaded.problem is None


def test_the_state_lives_where_the_journals_do(
    isolated_dirs: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    from lcs_tui.workspace import state_dir as journals_dir

    assert state_dir() == journals_dir()  # platformdirs, XDG_STATE_HOME
    assert str(state_dir()).startswith(str(isolated_dirs["state"]))
    monkeypatch.setenv("LCS_TUI_STATE_DIR", "/somewhere/else")
    assert state_dir() == journals_dir() == Path("/somewhere/else")


@pytest.mark.parametrize(
    "content",
    [b"{not json", b"\xff\xfe\x00", b'["contoso"]', b"[" * 100_000, b""],
    ids=["broken-json", "not-utf8", "not-an-object", "deeply-nested", "empty"],
)
def test_a_broken_file_gives_the_defaults_and_says_so(state: Path, content: bytes) -> None:
    state.parent.mkdir(parents=True)
    state.write_bytes(content)
    loaded = load_session_state()
    assert loaded == SessionState()
    assert loaded.problem is not None and str(state) in loaded.problem
    assert "default workspace" in loaded.problem
    save_session_state(TWO)  # and the next save replaces it
    assert load_session_state() == TWO


def test_a_bad_field_costs_only_that_field(state: Path) -> None:
    state.parent.mkdir(parents=True)
    state.write_text(
        json.dumps({"version": 1, "workspaces": ["contoso", 7, "a\x1b]52;c;x"], "theme": ["x"]})
    )
    loaded = load_session_state()
    assert loaded.workspaces == ("contoso",) and loaded.theme is None
    assert loaded.problem is not None
    assert "'workspaces'" in loaded.problem and "'theme'" in loaded.problem


def test_a_newer_versions_file_is_read_for_what_this_one_knows(state: Path) -> None:
    state.parent.mkdir(parents=True)
    state.write_text(
        json.dumps({"version": 3, "workspaces": ["a", "b"], "shown": "b", "layout": {"x": 1}})
    )
    loaded = load_session_state()
    assert loaded == SessionState(("a", "b"), "b") and loaded.problem is None


def test_shown_must_be_one_of_the_workspaces(state: Path) -> None:
    save_session_state(SessionState(("a",), shown="gone"))
    assert load_session_state() == SessionState(("a",), shown=None)


def test_profiles_removed_since_are_not_reopened() -> None:
    remembered = SessionState(("contoso", "old", "fabrikam"), shown="old", theme="nord")
    assert remembered.restricted_to(["fabrikam", "contoso"]) == SessionState(
        ("contoso", "fabrikam"), shown="contoso", theme="nord"
    )
    assert remembered.restricted_to([]) == SessionState(theme="nord")


def test_a_planted_symlink_is_neither_read_nor_written_through(state: Path) -> None:
    state.parent.mkdir(parents=True)
    victim = state.parent.parent / "victim.json"
    victim.write_text(json.dumps({"workspaces": ["planted"], "shown": "planted"}))
    state.symlink_to(victim)
    loaded = load_session_state()
    assert loaded == SessionState()
    assert loaded.problem is not None and "symbolic link" in loaded.problem
    save_session_state(TWO)
    assert not state.is_symlink() and load_session_state() == TWO
    assert json.loads(victim.read_text())["workspaces"] == ["planted"]  # untouched


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_planted_fifo_does_not_hang_the_start(state: Path) -> None:
    state.parent.mkdir(parents=True)
    os.mkfifo(state)
    loaded = load_session_state()  # would block forever on a plain open()
    assert loaded == SessionState()
    assert loaded.problem is not None and "not a regular file" in loaded.problem


def test_a_huge_file_is_not_read(state: Path) -> None:
    state.parent.mkdir(parents=True)
    state.write_bytes(b" " * (1024 * 1024) + b"{}")
    loaded = load_session_state()
    assert loaded == SessionState() and loaded.problem is not None


def test_a_failed_save_keeps_the_old_state_and_leaves_no_temporary_file(
    state: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    save_session_state(TWO)

    def full_disk(*args: object) -> None:
        raise OSError(28, "No space left on device")

    with monkeypatch.context() as patched:
        patched.setattr(os, "replace", full_disk)
        with pytest.raises(SessionStateError) as caught:
            save_session_state(SessionState(("other",)))
    assert str(state.parent) in str(caught.value) and "No space left" in str(caught.value)
    assert load_session_state() == TWO
    assert sorted(p.name for p in state.parent.iterdir()) == [FILE_NAME]


def test_an_unwritable_place_is_a_clear_error(tmp_path: Path) -> None:
    blocked = tmp_path / "a-file"
    blocked.write_text("")
    with pytest.raises(SessionStateError, match="could not remember the open workspaces"):
        save_session_state(TWO, blocked / FILE_NAME)


def test_saves_and_loads_from_threads_always_see_a_whole_state(state: Path) -> None:
    states = [SessionState((f"p{i}", f"q{i}"), shown=f"q{i}", theme=f"t{i}") for i in range(8)]
    save_session_state(states[0])
    seen: list[SessionState] = []
    errors: list[BaseException] = []

    def writer(mine: SessionState) -> None:
        try:
            for _ in range(15):
                save_session_state(mine)
                seen.append(load_session_state())
        except BaseException as exc:  # reported below, not lost in the thread
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(s,)) for s in states]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(seen) == 8 * 15
    assert all(s in states and s.problem is None for s in seen)
    assert load_session_state() in states
