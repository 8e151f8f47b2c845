"""Desktop notifications through a fake notification service on a private D-Bus session bus.

The test starts its own `dbus-daemon` (installed by .ci/run; elsewhere the
tests skip, except under CI where a skip is a failure), puts a fake
org.freedesktop.Notifications on it, and sends through desktop-notifier as
the runner does. No `from __future__ import annotations` here: dbus-fast
reads the D-Bus signatures from the annotations at run time.
"""

import shutil
import subprocess
import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any

import pytest
from dbus_fast.aio import MessageBus
from dbus_fast.annotations import DBusSignature, DBusStr, DBusUInt32
from dbus_fast.service import ServiceInterface, method, signal

from lcs_tui.jobs.notify import FAILURE, DesktopChannel, Notification
from tests.conftest import require_tool

StrList = Annotated[list[str], DBusSignature("as")]
Hints = Annotated[dict[str, Any], DBusSignature("a{sv}")]
Int32 = Annotated[int, DBusSignature("i")]
ServerInfo = Annotated[list[str], DBusSignature("ssss")]
Closed = Annotated[list[int], DBusSignature("uu")]
Action = Annotated[list[Any], DBusSignature("us")]


class FakeNotifications(ServiceInterface):
    def __init__(self) -> None:
        super().__init__("org.freedesktop.Notifications")
        self.got: list[tuple[str, str, str, dict[str, Any]]] = []

    @method()
    def Notify(
        self,
        app_name: DBusStr,
        replaces_id: DBusUInt32,
        app_icon: DBusStr,
        summary: DBusStr,
        body: DBusStr,
        actions: StrList,
        hints: Hints,
        expire_timeout: Int32,
    ) -> DBusUInt32:
        self.got.append((app_name, summary, body, hints))
        return len(self.got)

    @method()
    def GetCapabilities(self) -> StrList:
        return ["body"]

    @method()
    def GetServerInformation(self) -> ServerInfo:
        return ["fake-notifications", "lcs-tui tests", "1.0", "1.2"]

    @method()
    def CloseNotification(self, notification_id: DBusUInt32) -> None:
        return None

    @signal()
    def NotificationClosed(self) -> Closed:
        return [0, 0]

    @signal()
    def ActionInvoked(self) -> Action:
        return [0, ""]


@pytest.fixture
def private_bus(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    daemon = shutil.which("dbus-daemon")
    require_tool(daemon is not None, "no dbus-daemon (apt-get install dbus-daemon)")
    assert daemon is not None
    address = f"unix:path={tmp_path / 'bus'}"
    proc = subprocess.Popen(
        [daemon, "--session", "--nofork", "--print-address=1", f"--address={address}"],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    printed = proc.stdout.readline().strip()  # printed once it listens
    assert printed.startswith("unix:path="), printed
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", printed)
    try:
        yield printed
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def note() -> Notification:
    return Notification.about(
        FAILURE,
        "job golden-copy",
        "Failed",
        profile="contoso",
        duration=timedelta(hours=2, minutes=10),
        activity_id="2b21c3d4-0000-4000-8000-000000000001",
        details="step 1: refresh CONTOSO-PROD→CONTOSO-UAT ended with RollbackCompleted",
    )


async def test_a_notification_reaches_the_desktop_with_what_how_long_and_the_id(
    private_bus: str, capfd: pytest.CaptureFixture[str]
) -> None:
    bus = await MessageBus().connect()
    fake = FakeNotifications()
    bus.export("/org/freedesktop/Notifications", fake)
    await bus.request_name("org.freedesktop.Notifications")
    channel = DesktopChannel()
    try:
        assert await channel.send(note()) is None
    finally:
        await channel.aclose()
        bus.disconnect()
    assert len(fake.got) == 1
    app, summary, body, hints = fake.got[0]
    assert app == "lcs-tui"
    assert summary == "lcs-tui: job golden-copy — Failed"
    assert "took 2h10m" in body
    assert "activity id 2b21c3d4-0000-4000-8000-000000000001" in body
    assert "RollbackCompleted" in body
    assert hints["urgency"].value == 2  # a failure is critical
    assert "Traceback" not in capfd.readouterr().err


async def test_a_bus_without_a_notification_service_gives_one_line(
    private_bus: str, capfd: pytest.CaptureFixture[str]
) -> None:
    channel = DesktopChannel(timeout=10)
    try:
        problem = await channel.send(note())
    finally:
        await channel.aclose()
    assert problem is not None and problem.startswith("desktop notification failed: "), problem
    assert "\n" not in problem
    assert "Traceback" not in capfd.readouterr().err  # the library's warning is kept in


async def test_no_session_bus_at_all_is_said_plainly(monkeypatch: pytest.MonkeyPatch) -> None:
    if not sys.platform.startswith("linux"):
        pytest.skip("D-Bus is the Linux backend")
    monkeypatch.delenv("DBUS_SESSION_BUS_ADDRESS", raising=False)
    monkeypatch.setenv("XDG_RUNTIME_DIR", "/nonexistent")
    problem = await DesktopChannel().send(note())
    assert problem == "desktop notification failed: no D-Bus session bus (no desktop session here)"
