"""The secret stores: keyring (chunked), session memory, the explicit file."""

from __future__ import annotations

import json
import os
import stat
import threading
from pathlib import Path

import keyring
import keyring.core
import pytest
from keyring.backends import chainer, fail, null

from lcs_tui.secrets import (
    CHUNK_SIZE,
    FileStore,
    KeyringStore,
    MemoryStore,
    SecretStoreError,
    detect_keyring,
    open_secret_store,
)
from tests.auth.keyrings import MemoryKeyring

BIG = "".join(f"{i:05d}-token-cache-" for i in range(1500))  # about 22 KB


def test_small_values_are_one_keyring_entry() -> None:
    backend = MemoryKeyring()
    store = KeyringStore(backend)
    store.set("contoso", "password", "hunter2!")
    assert backend.entries == {("lcs-tui", "contoso/password"): "hunter2!"}
    assert store.get("contoso", "password") == "hunter2!"
    assert store.get("contoso", "client-secret") is None


def test_a_20_kb_token_cache_fits_a_keyring_with_a_size_cap() -> None:
    backend = MemoryKeyring(max_chars=1280)  # as on Windows
    store = KeyringStore(backend)
    assert len(BIG) > 20_000
    store.set("contoso", "token-cache", BIG)
    assert store.get("contoso", "token-cache") == BIG
    assert len(backend.entries) == 1 + -(-len(BIG) // CHUNK_SIZE)
    assert all(len(v) <= CHUNK_SIZE for v in backend.entries.values())


def test_shrinking_and_deleting_leave_no_chunks_behind() -> None:
    backend = MemoryKeyring()
    store = KeyringStore(backend)
    store.set("contoso", "token-cache", BIG)
    store.set("contoso", "token-cache", BIG[:3000])
    assert store.get("contoso", "token-cache") == BIG[:3000]
    assert len(backend.entries) == 1 + 3
    store.set("contoso", "token-cache", "small")
    assert backend.entries == {("lcs-tui", "contoso/token-cache"): "small"}
    store.set("contoso", "token-cache", BIG)
    store.delete("contoso", "token-cache")
    assert backend.entries == {}
    store.delete("contoso", "token-cache")  # deleting twice is fine


def test_a_damaged_chunk_reads_as_nothing_stored_not_as_garbage() -> None:
    backend = MemoryKeyring()
    store = KeyringStore(backend)
    store.set("contoso", "token-cache", BIG)
    backend.entries[("lcs-tui", "contoso/token-cache/2")] = "x" * CHUNK_SIZE
    assert store.get("contoso", "token-cache") is None
    del backend.entries[("lcs-tui", "contoso/token-cache/3")]
    assert store.get("contoso", "token-cache") is None


def test_a_password_that_looks_like_our_chunk_header_survives() -> None:
    store = KeyringStore(MemoryKeyring())
    store.set("contoso", "password", "lcs-tui-chunked:v1:2:abc")
    assert store.get("contoso", "password") == "lcs-tui-chunked:v1:2:abc"


def test_profiles_and_kinds_do_not_mix() -> None:
    store = KeyringStore(MemoryKeyring())
    store.set("a", "password", "pa")
    store.set("b", "password", "pb")
    store.set("a", "client-secret", "sa")
    assert (store.get("a", "password"), store.get("b", "password")) == ("pa", "pb")
    store.delete("a", "password")
    assert store.get("a", "client-secret") == "sa"
    with pytest.raises(ValueError):
        store.get("a", "pin")  # type: ignore[arg-type]


def test_concurrent_readers_never_see_a_mix_of_two_writes() -> None:
    store = KeyringStore(MemoryKeyring())
    values = [BIG, BIG.upper(), BIG[:5000]]
    store.set("p", "token-cache", values[0])
    seen: set[str | None] = set()
    stop = threading.Event()

    def read() -> None:
        while not stop.is_set():
            seen.add(store.get("p", "token-cache"))

    readers = [threading.Thread(target=read) for _ in range(3)]
    for t in readers:
        t.start()
    for i in range(30):
        store.set("p", "token-cache", values[i % 3])
    stop.set()
    for t in readers:
        t.join()
    assert seen <= {*values, None}


def test_keyring_store_uses_the_configured_keyring(memory_keyring: MemoryKeyring) -> None:
    store = open_secret_store("keyring")
    store.set("contoso", "password", "from-the-default-keyring")
    assert memory_keyring.entries[("lcs-tui", "contoso/password")] == "from-the-default-keyring"
    assert "MemoryKeyring" in store.label


@pytest.mark.parametrize("backend", [fail.Keyring(), null.Keyring()], ids=["fail", "null"])
def test_no_usable_keyring_is_said_plainly(backend: keyring.backend.KeyringBackend) -> None:
    status = detect_keyring(backend)
    assert not status.usable
    assert "'session'" in status.message and "'file'" in status.message
    assert "UNENCRYPTED" in status.message
    store = KeyringStore(backend)
    with pytest.raises(SecretStoreError) as caught:
        store.set("contoso", "password", "never-stored-anywhere")
    assert "no usable system keyring" in str(caught.value)
    assert "never-stored-anywhere" not in str(caught.value)


def test_a_chainer_with_nothing_to_chain_is_unusable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(chainer.ChainerBackend, "backends", [])
    assert not detect_keyring(chainer.ChainerBackend()).usable
    monkeypatch.setattr(chainer.ChainerBackend, "backends", [MemoryKeyring()])
    assert detect_keyring(chainer.ChainerBackend()).usable


def test_python_keyring_backend_is_respected(monkeypatch: pytest.MonkeyPatch) -> None:
    previous = keyring.core._keyring_backend
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    try:
        keyring.core.init_backend()
        status = detect_keyring()
        assert not status.usable
        assert "PYTHON_KEYRING_BACKEND" in status.message
        monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "tests.auth.keyrings.MemoryKeyring")
        keyring.core.init_backend()
        assert detect_keyring().usable
    finally:
        keyring.core._keyring_backend = previous


def test_keyring_failures_become_plain_errors_without_the_value() -> None:
    class LockedKeyring(MemoryKeyring):
        def set_password(self, service: str, username: str, password: str) -> None:
            raise keyring.errors.KeyringLocked("Failed to unlock the collection!")

    store = KeyringStore(LockedKeyring())
    with pytest.raises(SecretStoreError) as caught:
        store.set("contoso", "password", "s3cret-value")
    assert "KeyringLocked" in caught.value.message
    assert caught.value.hint is not None and "unlock" in caught.value.hint
    assert "s3cret-value" not in str(caught.value)


def test_memory_store_is_per_process_and_forgets_on_delete() -> None:
    store = MemoryStore()
    store.set("p", "password", "pw")
    assert store.get("p", "password") == "pw"
    store.delete("p", "password")
    assert store.get("p", "password") is None
    assert open_secret_store("session") is open_secret_store("session")
    assert "session" in store.label


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_file_store_is_private_and_labelled_unencrypted(isolated_dirs: dict[str, Path]) -> None:
    store = open_secret_store("file")
    assert isinstance(store, FileStore)
    assert store.path == isolated_dirs["data"] / "lcs-tui" / "secrets-UNENCRYPTED.json"
    assert "UNENCRYPTED" in store.label
    store.set("contoso", "password", "pw1")
    store.set("contoso", "token-cache", BIG)
    assert stat.S_IMODE(store.path.stat().st_mode) == 0o600
    assert stat.S_IMODE(store.path.parent.stat().st_mode) == 0o700
    document = json.loads(store.path.read_text())
    assert "UNENCRYPTED" in document["warning"]
    again = FileStore(store.path)  # another process reading the same file
    assert again.get("contoso", "token-cache") == BIG
    again.delete("contoso", "password")
    again.delete("contoso", "token-cache")
    assert json.loads(store.path.read_text())["secrets"] == {}


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_file_store_narrows_widened_permissions(tmp_path: Path) -> None:
    store = FileStore(tmp_path / "s.json")
    store.set("p", "password", "pw")
    os.chmod(store.path, 0o644)
    assert store.get("p", "password") == "pw"
    assert stat.S_IMODE(store.path.stat().st_mode) == 0o600


def test_file_store_location_can_be_chosen(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LCS_TUI_SECRETS_FILE", str(tmp_path / "elsewhere.json"))
    store = open_secret_store("file")
    assert isinstance(store, FileStore) and store.path == tmp_path / "elsewhere.json"


def test_damaged_secrets_file_says_what_to_do(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    path.write_text("{not json")
    os.chmod(path, 0o600)
    with pytest.raises(SecretStoreError) as caught:
        FileStore(path).get("p", "password")
    assert caught.value.hint == "delete it and sign in again"
