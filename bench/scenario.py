"""The simulated project the key and network benchmarks both measure."""

from __future__ import annotations

from datetime import datetime

from bench import projects
from lcs_tui.simulator import Simulator

#: The frozen simulated time both benchmarks start from.
START = datetime(2026, 11, 20, 8, 0)


def add_portal_exports(sim: Simulator, count: int, *, prefix: str) -> None:
    """`count` exports "started in the portal" a few minutes before START,
    running for hours across Contoso's sandboxes: the app finds them
    running in the history and watches them, as it would for real."""
    projects.add_watched(sim, projects.contoso(), count, start=START, prefix=prefix)
