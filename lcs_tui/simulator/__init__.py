"""A faithful simulator of the LCS APIs and of Entra ID sign-in.

Used in-process by `lcs-tui --demo` and the fast tests (httpx transports),
and as a real HTTPS server on loopback for end-to-end tests. It implements
the service side of the LCS API as the project's API notes describe it and
shares no code with `lcs_tui.api` (a bug in one must not hide in the other).
See docs/simulator.md.

    from lcs_tui.simulator import Simulator, ManualClock, ScaledClock, demo

It also simulates the tenant's Power Platform side (the Power Platform API,
BAP and Dataverse; `Simulator.demo(powerplatform=True)`), sharing no code
with the client either.
"""

from typing import TYPE_CHECKING, Any

from lcs_tui.simulator import demo
from lcs_tui.simulator.clock import Clock, ManualClock, ScaledClock
from lcs_tui.simulator.exchange import LogEntry
from lcs_tui.simulator.faults import POWER_PLATFORM, Faults
from lcs_tui.simulator.powerplatform.records import PpBackupInfo, PpEnvironment, PpOperationInfo
from lcs_tui.simulator.powerplatform.state import PpLogEntry
from lcs_tui.simulator.records import Backup, Environment, HistoryEntry, OperationInfo
from lcs_tui.simulator.simulator import Simulator

if TYPE_CHECKING:
    from lcs_tui.simulator.server import LoopbackServer


def __getattr__(name: str) -> Any:
    # The loopback server (http.server, ssl, certificate generation) loads
    # only when asked for.
    if name == "LoopbackServer":
        from lcs_tui.simulator.server import LoopbackServer

        return LoopbackServer
    raise AttributeError(name)


__all__ = [
    "POWER_PLATFORM",
    "Backup",
    "Clock",
    "Environment",
    "Faults",
    "HistoryEntry",
    "LogEntry",
    "LoopbackServer",
    "ManualClock",
    "OperationInfo",
    "PpBackupInfo",
    "PpEnvironment",
    "PpLogEntry",
    "PpOperationInfo",
    "ScaledClock",
    "Simulator",
    "demo",
]
