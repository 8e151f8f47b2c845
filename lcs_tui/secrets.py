"""Where passwords, client secrets and token caches live.

Three stores, chosen per profile (`secret_store` in the profile):

- KeyringStore: the OS keyring (Secret Service, macOS Keychain, Windows
  Credential Manager), service "lcs-tui", one entry per profile and kind.
  Some keyrings cap one secret at ~2.5 KB (Windows) while an MSAL token cache
  easily reaches 10-20 KB, so large values are split into chunks.
- MemoryStore: "this session only" - nothing survives the process.
- FileStore: an explicit opt-in for machines without a keyring: a JSON file
  with mode 0600, UNENCRYPTED and labelled so in the file and everywhere the
  app mentions it; replaced atomically (lcs_tui/atomic.py), never written
  through a link planted under its name.

All methods are blocking and thread-safe: the TUI calls them from worker
threads. Errors never carry a secret value.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import stat
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal, Protocol, get_args

from lcs_tui.atomic import write_atomically

if TYPE_CHECKING:
    from keyring.backend import KeyringBackend

SecretKind = Literal["password", "client-secret", "token-cache"]
SECRET_KINDS: tuple[SecretKind, ...] = get_args(SecretKind)

SERVICE = "lcs-tui"
SECRETS_FILE_ENV = "LCS_TUI_SECRETS_FILE"

# Windows Credential Manager stores at most 2560 bytes per secret, as UTF-16:
# 1200 characters stays below that with room to spare on every platform.
CHUNK_SIZE = 1200
_CHUNK_HEADER = "lcs-tui-chunked:v1:"


class SecretStoreError(Exception):
    """The secret store cannot be used; `message` says why, `hint` what to do."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message if hint is None else f"{message} ({hint})")
        self.message = message
        self.hint = hint


class SecretStore(Protocol):
    """Where one kind of secret of one profile is kept."""

    @property
    def label(self) -> str:
        """A short description for users, e.g. "the system keyring (SecretService)"."""
        ...

    def get(self, profile: str, kind: SecretKind) -> str | None: ...

    def set(self, profile: str, kind: SecretKind, value: str) -> None: ...

    def delete(self, profile: str, kind: SecretKind) -> None: ...


def _check_kind(kind: str) -> None:
    if kind not in SECRET_KINDS:
        raise ValueError(f"unknown secret kind {kind!r}; one of {SECRET_KINDS}")


# --------------------------------------------------------------------- memory


class MemoryStore:
    """Secrets for this session only: forgotten when the process exits."""

    label = "this session only (forgotten when lcs-tui exits)"

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._values: dict[tuple[str, str], str] = {}

    def get(self, profile: str, kind: SecretKind) -> str | None:
        _check_kind(kind)
        with self._lock:
            return self._values.get((profile, kind))

    def set(self, profile: str, kind: SecretKind, value: str) -> None:
        _check_kind(kind)
        with self._lock:
            self._values[(profile, kind)] = value

    def delete(self, profile: str, kind: SecretKind) -> None:
        _check_kind(kind)
        with self._lock:
            self._values.pop((profile, kind), None)


# -------------------------------------------------------------------- keyring


@dataclass(frozen=True)
class KeyringStatus:
    """Whether the OS keyring can hold secrets here, and why not."""

    usable: bool
    backend: str  # e.g. "SecretService Keyring", for messages
    message: str  # plain explanation, for users


_keyring_lock = threading.Lock()


def _current_keyring() -> KeyringBackend:
    import keyring

    # keyring picks its backend lazily into a module global, without a lock.
    with _keyring_lock:
        return keyring.get_keyring()


def _backend_name(backend: KeyringBackend) -> str:
    name = getattr(backend, "name", None)
    return name if isinstance(name, str) else type(backend).__qualname__


def detect_keyring(backend: KeyringBackend | None = None) -> KeyringStatus:
    """Tell whether a usable OS keyring exists (no secret is read or written).

    keyring's own choice is respected, including PYTHON_KEYRING_BACKEND and
    its keyringrc.cfg. Its "fail" backend (nothing found), "null" backend
    (silently drops everything) and a chainer with nothing to chain count as
    unusable.
    """
    from keyring.backends import chainer, fail, null

    backend = backend or _current_keyring()
    name = _backend_name(backend)
    candidates: list[KeyringBackend] = [backend]
    if isinstance(backend, chainer.ChainerBackend):
        candidates = list(backend.backends)
    usable = [b for b in candidates if not isinstance(b, (fail.Keyring, null.Keyring))]
    if usable:
        return KeyringStatus(True, name, f"secrets are kept in the system keyring ({name})")
    forced = os.environ.get("PYTHON_KEYRING_BACKEND")
    why = (
        f"PYTHON_KEYRING_BACKEND={forced} selects a keyring that stores nothing"
        if forced
        else "no system keyring was found (on Linux: no Secret Service such as "
        "GNOME Keyring or KWallet is running on D-Bus)"
    )
    return KeyringStatus(
        False,
        name,
        f"{why}. Choose where secrets go instead: 'session' keeps them only "
        "while lcs-tui runs (you sign in again each time); 'file' keeps them in "
        "a file only you can read, but UNENCRYPTED.",
    )


class KeyringStore:
    """The OS keyring: service "lcs-tui", user name "<profile>/<kind>".

    A value longer than CHUNK_SIZE is stored as numbered chunk entries
    ("<profile>/<kind>/1", ...) plus a header entry that records their count
    and a hash, so a reader never stitches together chunks of two different
    writes: a mismatch reads as "nothing stored" (for a token cache: sign in
    again), never as a corrupted secret.
    """

    def __init__(
        self,
        backend: KeyringBackend | None = None,
        *,
        service: str = SERVICE,
        chunk_size: int = CHUNK_SIZE,
    ) -> None:
        self._backend = backend
        self._service = service
        self._chunk_size = chunk_size
        self._lock = threading.RLock()
        self._checked = False

    @property
    def label(self) -> str:
        return f"the system keyring ({_backend_name(self._keyring())})"

    def get(self, profile: str, kind: SecretKind) -> str | None:
        _check_kind(kind)
        entry = _entry(profile, kind)
        with self._lock:
            value = self._read(entry)
            if value is None or not value.startswith(_CHUNK_HEADER):
                return value
            header = _parse_header(value)
            if header is None:
                return None
            count, digest = header
            parts = [self._read(f"{entry}/{i}") for i in range(1, count + 1)]
            if any(p is None for p in parts):
                return None
            joined = "".join(p for p in parts if p is not None)
            return joined if _digest(joined) == digest else None

    def set(self, profile: str, kind: SecretKind, value: str) -> None:
        _check_kind(kind)
        entry = _entry(profile, kind)
        with self._lock:
            old_count = self._chunk_count(entry)
            if len(value) <= self._chunk_size and not value.startswith(_CHUNK_HEADER):
                self._store(entry, value)
                new_count = 0
            else:
                chunks = [
                    value[i : i + self._chunk_size] for i in range(0, len(value), self._chunk_size)
                ]
                # Chunks first, header last: until the header changes, a
                # reader's hash check rejects the mix instead of using it.
                for i, chunk in enumerate(chunks, start=1):
                    self._store(f"{entry}/{i}", chunk)
                header = f"{_CHUNK_HEADER}{len(chunks)}:{_digest(value)}"
                self._store(entry, header)
                new_count = len(chunks)
            for i in range(new_count + 1, old_count + 1):
                self._delete_entry(f"{entry}/{i}")

    def delete(self, profile: str, kind: SecretKind) -> None:
        _check_kind(kind)
        entry = _entry(profile, kind)
        with self._lock:
            count = self._chunk_count(entry)
            self._delete_entry(entry)
            for i in range(1, count + 1):
                self._delete_entry(f"{entry}/{i}")

    # -- internals

    def _keyring(self) -> KeyringBackend:
        return self._backend if self._backend is not None else _current_keyring()

    def _chunk_count(self, entry: str) -> int:
        value = self._read(entry)
        if value is None or not value.startswith(_CHUNK_HEADER):
            return 0
        header = _parse_header(value)
        return header[0] if header else 0

    def _delete_entry(self, entry: str) -> None:
        from keyring.errors import PasswordDeleteError

        with contextlib.suppress(PasswordDeleteError):  # already gone: delete is idempotent
            self._call(
                "delete",
                entry,
                lambda b: b.delete_password(self._service, entry),
                passthrough=PasswordDeleteError,
            )

    def _read(self, entry: str) -> str | None:
        value = self._call("read", entry, lambda b: b.get_password(self._service, entry))
        return value if isinstance(value, str) else None

    def _store(self, entry: str, value: str) -> None:
        self._call("store", entry, lambda b: b.set_password(self._service, entry, value))

    def _call(
        self,
        action: str,
        entry: str,
        operation: Callable[[KeyringBackend], object],
        *,
        passthrough: type[Exception] | None = None,
    ) -> object:
        backend = self._keyring()
        if not self._checked:
            status = detect_keyring(backend)
            if not status.usable:
                raise SecretStoreError("no usable system keyring", hint=status.message)
            self._checked = True
        try:
            return operation(backend)
        except Exception as exc:
            if passthrough is not None and isinstance(exc, passthrough):
                raise
            # Backend errors describe the keyring, never the value; only the
            # exception's type and message travel on.
            raise SecretStoreError(
                f"the system keyring ({_backend_name(backend)}) could not {action} "
                f"{entry!r}: {type(exc).__name__}: {exc}",
                hint="unlock your keyring, or choose another secret store for this "
                "profile ('session' or 'file')",
            ) from None


def _entry(profile: str, kind: str) -> str:
    return f"{profile}/{kind}"


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()[:32]


def _parse_header(value: str) -> tuple[int, str] | None:
    count, _, digest = value[len(_CHUNK_HEADER) :].partition(":")
    if not count.isdigit() or not digest:
        return None
    return int(count), digest


# ----------------------------------------------------------------------- file

FILE_WARNING = (
    "UNENCRYPTED secrets of lcs-tui. Anyone who can read this file can sign in "
    "as you. It exists because you chose the 'file' secret store."
)


def default_secrets_file() -> Path:
    override = os.environ.get(SECRETS_FILE_ENV)
    if override:
        return Path(override).expanduser()
    import platformdirs

    # The data dir, not the config dir: config files get copied into
    # dotfile repositories; this one must not be.
    data = Path(platformdirs.user_data_dir("lcs-tui", appauthor=False))
    return data / "secrets-UNENCRYPTED.json"


class FileStore:
    """Secrets in a JSON file with mode 0600: an explicit, UNENCRYPTED opt-in."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or default_secrets_file()
        self._lock = threading.Lock()

    @property
    def label(self) -> str:
        return f"the UNENCRYPTED file {self.path} (readable only by you)"

    def get(self, profile: str, kind: SecretKind) -> str | None:
        _check_kind(kind)
        with self._lock:
            value = self._read().get(profile, {}).get(kind)
            return value if isinstance(value, str) else None

    def set(self, profile: str, kind: SecretKind, value: str) -> None:
        _check_kind(kind)
        with self._lock:
            data = self._read()
            data.setdefault(profile, {})[kind] = value
            self._write(data)

    def delete(self, profile: str, kind: SecretKind) -> None:
        _check_kind(kind)
        with self._lock:
            data = self._read()
            if kind not in data.get(profile, {}):
                return
            del data[profile][kind]
            if not data[profile]:
                del data[profile]
            self._write(data)

    def _read(self) -> dict[str, dict[str, str]]:
        try:
            st = self.path.stat()
        except FileNotFoundError:
            return {}
        except OSError as exc:
            raise SecretStoreError(f"cannot read {self.path}: {exc.strerror}") from None
        if os.name == "posix" and st.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
            # Someone widened the permissions (a copy, a restore from backup):
            # narrow them again before using secrets others may have read.
            os.chmod(self.path, 0o600)
        try:
            document = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise SecretStoreError(
                f"the secrets file {self.path} is unreadable ({type(exc).__name__})",
                hint="delete it and sign in again",
            ) from None
        secrets = document.get("secrets") if isinstance(document, dict) else None
        if not isinstance(secrets, dict):
            return {}
        return {p: dict(v) for p, v in secrets.items() if isinstance(v, dict)}

    def _write(self, data: dict[str, dict[str, str]]) -> None:
        text = json.dumps({"warning": FILE_WARNING, "secrets": data}, indent=1, sort_keys=True)
        directory = self.path.parent
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        # The temporary file has mode 0600 from the start (mkstemp): the
        # secret is never readable by others, not even for a moment.
        write_atomically(self.path, text.encode("utf-8"))


# -------------------------------------------------------------------- factory

_SESSION_STORE = MemoryStore()  # one per process: "this session only"


def open_secret_store(name: str) -> SecretStore:
    """The store a profile's `secret_store` names: "keyring", "session" or "file"."""
    if name == "keyring":
        return KeyringStore()
    if name == "session":
        return _SESSION_STORE
    if name == "file":
        return FileStore()
    raise ValueError(f"unknown secret store {name!r}")
