"""The simulated project the key and network benchmarks both measure."""

from __future__ import annotations

from datetime import datetime, timedelta

from lcs_tui.simulator import Simulator, demo

#: The frozen simulated time both benchmarks start from.
START = datetime(2026, 11, 20, 8, 0)
SANDBOXES = (
    demo.UAT_ENVIRONMENT_ID,
    demo.TEST_ENVIRONMENT_ID,
    demo.TRAIN_ENVIRONMENT_ID,
    demo.PERF_ENVIRONMENT_ID,
)


def add_portal_exports(sim: Simulator, count: int, *, prefix: str) -> None:
    """`count` exports "started in the portal" a few minutes before START,
    running for hours across the sandboxes: the app finds them running in
    the history and watches them, as it would for real."""
    for i in range(count):
        sim.add_operation(
            "export",
            environment_id=SANDBOXES[i % len(SANDBOXES)],
            started_at=START - timedelta(minutes=5 + i),
            backup_name=f"{prefix}-{i:02d}",
            outcome="success",
            duration=timedelta(hours=10),
        )
