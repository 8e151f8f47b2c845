"""Keyring backends for tests: in memory, with the size cap of real ones."""

from __future__ import annotations

import threading

from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError, PasswordSetError


class MemoryKeyring(KeyringBackend):
    """A keyring backend in a dict. `max_chars` mimics Windows Credential
    Manager, which refuses secrets above 2560 bytes of UTF-16 (1280 chars)."""

    priority = 1

    def __init__(self, max_chars: int | None = 1280) -> None:
        super().__init__()
        self.max_chars = max_chars
        self.entries: dict[tuple[str, str], str] = {}
        self.lock = threading.Lock()

    def get_password(self, service: str, username: str) -> str | None:
        with self.lock:
            return self.entries.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        if self.max_chars is not None and len(password) > self.max_chars:
            raise PasswordSetError("secret too large for this keyring")
        with self.lock:
            self.entries[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        with self.lock:
            if (service, username) not in self.entries:
                raise PasswordDeleteError("not found")
            del self.entries[(service, username)]

    def all_values(self) -> str:
        with self.lock:
            return "\n".join(self.entries.values())
