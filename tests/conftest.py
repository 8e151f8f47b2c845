"""Shared test configuration.

Tests that need a system tool (tmux, a Secret Service) call `require_tool`:
they skip with a reason where the tool is absent, except under .ci/run, which
installs the tools and sets LCS_TUI_REQUIRE_SYSTEM_TOOLS=1 so that such a
skip becomes a failure.
"""

from __future__ import annotations

import os

import pytest


def require_tool(available: bool, reason: str) -> None:
    if available:
        return
    if os.environ.get("LCS_TUI_REQUIRE_SYSTEM_TOOLS") == "1":
        pytest.fail(f"required system tool missing under CI: {reason}")
    pytest.skip(reason)
