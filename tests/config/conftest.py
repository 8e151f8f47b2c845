"""The sign-in tests' isolation fixtures serve the profile tests too."""

from tests.auth.conftest import isolated_dirs, memory_keyring

__all__ = ["isolated_dirs", "memory_keyring"]
