"""A faithful simulator of the LCS APIs and of Entra ID sign-in.

Used in-process by `lcs-tui --demo` and the fast tests (httpx transports),
and as a real HTTPS server on loopback for end-to-end tests. It implements
the service side from docs/../shared LCS-API facts and shares no code with
`lcs_tui.api` (a bug in one must not hide in the other). See
docs/simulator.md.

    from lcs_tui.simulator import Simulator, ManualClock, ScaledClock, demo
"""

from lcs_tui.simulator import demo
from lcs_tui.simulator.clock import Clock, ManualClock, ScaledClock
from lcs_tui.simulator.exchange import LogEntry
from lcs_tui.simulator.faults import Faults
from lcs_tui.simulator.records import Backup, Environment, HistoryEntry, OperationInfo
from lcs_tui.simulator.server import LoopbackServer
from lcs_tui.simulator.simulator import Simulator

__all__ = [
    "Backup",
    "Clock",
    "Environment",
    "Faults",
    "HistoryEntry",
    "LogEntry",
    "LoopbackServer",
    "ManualClock",
    "OperationInfo",
    "ScaledClock",
    "Simulator",
    "demo",
]
