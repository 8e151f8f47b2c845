"""The real app on a real terminal, over a project full of hostile text.

Run by tests/tui/test_terminal_bytes.py in a pseudo-terminal: Textual's own
driver writes to it exactly what a user's terminal would receive. The app
reports its progress (loads completed, the screen shown) to the file named
by LCS_TUI_TEST_STATUS, so that the test waits for conditions, not time.
"""

from __future__ import annotations

import os
from pathlib import Path

from lcs_tui.tui.app import LcsApp
from lcs_tui.workspace import open_demo
from tests.hostile_world import hostile_simulator


class ReportingApp(LcsApp):
    def on_mount(self) -> None:
        super().on_mount()
        self.set_interval(0.05, self._report)

    def _report(self) -> None:
        status = Path(os.environ["LCS_TUI_TEST_STATUS"])
        tmp = status.with_suffix(".tmp")
        tmp.write_text(f"{self.load_generation} {type(self.screen).__name__}\n")
        tmp.replace(status)


def main() -> None:
    workspace = open_demo(simulator=hostile_simulator())
    workspace.poll_interval = 0.1
    ReportingApp(workspace, bell=False).run()


if __name__ == "__main__":
    main()
