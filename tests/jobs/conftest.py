"""Jobs tests: each gets its own config and state directories (nothing of the user's)."""

from __future__ import annotations

from tests.auth.conftest import isolated_dirs, memory_keyring

__all__ = ["isolated_dirs", "memory_keyring"]
