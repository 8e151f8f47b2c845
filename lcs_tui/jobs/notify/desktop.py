"""Desktop notifications through `desktop-notifier` (D-Bus on Linux, macOS, Windows).

The library never raises when a notification fails (no D-Bus session bus on
a server, no notification daemon, a headless Windows session): it logs a
warning with a traceback. Here that warning is caught before it reaches any
handler (no traceback ever lands in a terminal) and turned into one line —
"desktop notification failed: no D-Bus session bus" — which the caller
shows or logs, and then tries its fallback (the terminal's escape).
Whether it worked is known from the library's `on_dispatched` callback,
which it calls only once the platform accepted the notification.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import sys
from typing import Any

from lcs_tui.jobs.notify.message import FAILURE, WAITING, Notification

APP_NAME = "lcs-tui"
#: Longest wait for the platform's notification service.
TIMEOUT = 10.0
_LOGGER = "desktop_notifier"


class _Captured(logging.Handler):
    """Keeps the library's warnings (with their exceptions) instead of printing them."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.reasons: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        exc = record.exc_info[1] if record.exc_info else None
        if exc is not None:
            self.reasons.append(_reason(exc))
        else:
            self.reasons.append(record.getMessage())


def _reason(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    lowered = text.lower()
    if "dbus_session_bus_address" in lowered or "session bus" in lowered:
        return "no D-Bus session bus (no desktop session here)"
    if "serviceunknown" in lowered or "org.freedesktop.notifications" in lowered:
        return "no notification service on the D-Bus session bus"
    if isinstance(exc, (FileNotFoundError, ConnectionRefusedError)):
        return "no D-Bus session bus (no desktop session here)"
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


class DesktopChannel:
    """Sends `Notification`s to the desktop. One per process; reuse it."""

    name = "desktop"

    def __init__(self, app_name: str = APP_NAME, *, timeout: float = TIMEOUT) -> None:
        self.app_name = app_name
        self.timeout = timeout
        self._notifier: Any = None
        self._unusable: str | None = None

    def _make(self) -> Any:
        if self._unusable is not None:
            return None
        if sys.platform.startswith("linux") and not _session_bus_known():
            self._unusable = "no D-Bus session bus (no desktop session here)"
            return None
        try:
            from desktop_notifier import DesktopNotifier
        except Exception as exc:  # a platform without the library's backend
            self._unusable = f"desktop notifications unavailable ({type(exc).__name__})"
            return None
        if self._notifier is None:
            self._notifier = DesktopNotifier(app_name=self.app_name, app_icon=None)
        return self._notifier

    async def send(self, note: Notification) -> str | None:
        """None when the desktop accepted it, else one line saying why not."""
        notifier = self._make()
        if notifier is None:
            return f"desktop notification failed: {self._unusable}"
        from desktop_notifier import Urgency

        dispatched = asyncio.Event()
        captured = _Captured()
        logger = logging.getLogger(_LOGGER)
        logger.addHandler(captured)
        propagate, logger.propagate = logger.propagate, False
        try:
            urgent = note.event in (FAILURE, WAITING)
            await asyncio.wait_for(
                notifier.send(
                    title=note.title,
                    message=note.body,
                    urgency=Urgency.Critical if urgent else Urgency.Normal,
                    on_dispatched=dispatched.set,
                ),
                self.timeout,
            )
        except asyncio.TimeoutError:
            return "desktop notification failed: the notification service did not answer"
        except Exception as exc:
            return f"desktop notification failed: {_reason(exc)}"
        finally:
            logger.removeHandler(captured)
            logger.propagate = propagate
        if dispatched.is_set():
            return None
        why = captured.reasons[0] if captured.reasons else "the desktop did not accept it"
        return f"desktop notification failed: {why}"

    async def aclose(self) -> None:
        """Close the D-Bus connection the library keeps (best effort)."""
        backend = getattr(self._notifier, "_backend", None)
        bus = getattr(backend, "bus", None)
        if bus is not None:
            with contextlib.suppress(Exception):
                bus.disconnect()
                await asyncio.wait_for(bus.wait_for_disconnect(), 2)
        self._notifier = None


def _session_bus_known() -> bool:
    """Whether a session bus can be found at all (else the library fails slowly)."""
    if os.environ.get("DBUS_SESSION_BUS_ADDRESS"):
        return True
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    return runtime is not None and os.path.exists(os.path.join(runtime, "bus"))
