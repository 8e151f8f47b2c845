"""Importing a headless layer never pays for Textual (or the simulator).

`lcs-tui --version`, the scripting commands and the API client must start
fast; only the TUI imports Textual, only the demo imports the simulator.
"""

from __future__ import annotations

import subprocess
import sys

import pytest


def loaded_modules(statement: str) -> set[str]:
    code = f"import sys\n{statement}\nprint('\\n'.join(sorted(sys.modules)))"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    return set(result.stdout.split())


@pytest.mark.parametrize(
    "statement",
    [
        "import lcs_tui",
        "import lcs_tui.cli; lcs_tui.cli.build_parser()",
        "import lcs_tui.api",
        "import lcs_tui.service.project",
        "import lcs_tui.auth",
        "import lcs_tui.config",
        "import lcs_tui.workspace",
        "import lcs_tui.startup",
        # A workspace's controllers are the app's logic without its widgets.
        "import lcs_tui.tui.controllers.runtime",
        "import lcs_tui.tui.actions",
    ],
)
def test_headless_layers_do_not_import_textual_or_the_simulator(statement: str) -> None:
    modules = loaded_modules(statement)
    assert "textual" not in modules
    assert "lcs_tui.simulator" not in modules


def test_the_api_client_does_not_import_sign_in_or_ui() -> None:
    modules = loaded_modules("import lcs_tui.api")
    assert not {m for m in modules if m.startswith(("lcs_tui.auth", "lcs_tui.tui", "msal"))}


def test_the_simulator_shares_no_code_with_the_client() -> None:
    modules = loaded_modules("import lcs_tui.simulator; lcs_tui.simulator.Simulator.demo()")
    assert not {m for m in modules if m.startswith(("lcs_tui.api", "lcs_tui.auth", "textual"))}


def test_version_is_quick_and_plain() -> None:
    from lcs_tui import __version__

    result = subprocess.run(
        [sys.executable, "-m", "lcs_tui", "--version"], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == f"lcs-tui {__version__}"
