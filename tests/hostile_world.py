"""A simulated LCS project whose every string is hostile (see tests/hostile.py).

Environments, backups (name, file name, description, creator) and history
entries (status word, activity id, type) carry OSC 52, OSC 0, OSC 8, CSI 2J,
C1 CSI, bidi overrides, NUL, BEL and a 10 kB string, so that every printing
path meets them.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from lcs_tui.api.models import HISTORY_TYPE_EXPORT
from lcs_tui.simulator import ManualClock, Simulator
from tests.hostile import BIDI, HOSTILE, OSC0, OSC52

START = datetime(2026, 11, 20, 8, 0)
#: The sandbox whose history holds a hostile running export.
HOSTILE_SANDBOX = f"EVIL{OSC52}"
#: CONTOSO-TEST, renamed: a sandbox that can be refreshed and exported.
HOSTILE_TARGET = f"TEST{OSC52}{BIDI}"


def hostile_simulator() -> Simulator:
    sim = Simulator.demo(clock=ManualClock(START), failure_rate=0.0)
    for key, text in HOSTILE.items():
        # A 10 kB name is kept whole for one environment and one backup.
        # Not sandboxes: the app reads history only for sandboxes, and the
        # history endpoint allows 6 calls per project per minute.
        sim.add_environment(
            f"{key}-{text}",
            environment_type="DevTestDev",
            cloud_storage_location=f"West{OSC0}",
            topology=text,
            application_release_name=f"10.0{OSC52}",
        )
        sim.add_backup(
            f"{key}-{text}",
            description=f"nightly {text}\nsecond line",
            created_by=f"Mallory {text}",
            created=START - timedelta(hours=1),
        )
    test = next(e for e in sim.environments() if e.name == "CONTOSO-TEST")
    test.name = HOSTILE_TARGET
    sandbox = sim.add_environment(HOSTILE_SANDBOX)
    entry = sim.add_history_entry(
        sandbox.environment_id,
        name=f"export {OSC52}",
        type=HISTORY_TYPE_EXPORT,
        type_display=f"Export {OSC0}",
        started_at=START - timedelta(minutes=30),
        ended_at=None,
        status=f"Exporting{OSC52}",
    )
    # An activity id nobody can poll: the app adopts it, asks, and reports.
    entry.activity_id = f"0e1f{OSC52}"
    return sim
