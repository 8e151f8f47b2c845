"""Jobs tests: each gets its own config and state directories (nothing of the user's);
the CLI tests use the scripting commands' harness (tests/commands/conftest.py)."""

from __future__ import annotations

from tests.auth.conftest import isolated_dirs, memory_keyring
from tests.commands.conftest import harness, sim

__all__ = ["harness", "isolated_dirs", "memory_keyring", "sim"]
