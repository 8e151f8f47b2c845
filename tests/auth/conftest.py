"""Every sign-in test runs in its own directories and with its own keyring."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import keyring
import keyring.core
import pytest

from lcs_tui.secrets import MemoryStore
from tests.auth.keyrings import MemoryKeyring


@pytest.fixture(autouse=True)
def isolated_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    """Config, data, cache, state and log dirs of this test, nowhere else."""
    dirs = {name: tmp_path / "home" / name for name in ("config", "data", "cache", "state", "log")}
    for path in dirs.values():
        path.mkdir(parents=True)
    monkeypatch.setenv("LCS_TUI_CONFIG_DIR", str(dirs["config"] / "lcs-tui"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(dirs["config"]))
    monkeypatch.setenv("XDG_DATA_HOME", str(dirs["data"]))
    monkeypatch.setenv("XDG_CACHE_HOME", str(dirs["cache"]))
    monkeypatch.setenv("XDG_STATE_HOME", str(dirs["state"]))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    for name in ("LCS_TUI_PASSWORD", "LCS_TUI_CLIENT_SECRET", "LCS_TUI_SECRETS_FILE"):
        monkeypatch.delenv(name, raising=False)
    # "This session only" means this process; each test is a new session.
    monkeypatch.setattr("lcs_tui.secrets._SESSION_STORE", MemoryStore())
    return dirs


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    """keyring.set_keyring with an in-memory backend; the previous one comes back after."""
    previous = keyring.core._keyring_backend
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    try:
        yield backend
    finally:
        keyring.core._keyring_backend = previous
