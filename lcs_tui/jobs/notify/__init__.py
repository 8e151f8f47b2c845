"""Notifications that leave the terminal: desktop, the terminal's escape, webhooks.

    center = NotificationCenter.from_store(JobStore())
    problems = await center.send(note, ("desktop", "ops-teams"))

`Notification.about(...)` builds the message (message.py); `send` delivers
it to each named target and returns one line per target that failed
(never raising, never quoting a webhook's URL). "desktop" falls back to the
terminal's escape (OSC 9/777) when the desktop refuses and the process
writes to a real terminal. Channels are reused: create one center per
process (the TUI: one for the app; the runner: one for its lifetime).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Protocol

from lcs_tui.jobs.notify.desktop import DesktopChannel
from lcs_tui.jobs.notify.message import FAILURE, FINISH, WAITING, Notification
from lcs_tui.jobs.notify.terminal import TerminalChannel
from lcs_tui.jobs.notify.webhook import WebhookChannel

if TYPE_CHECKING:
    from lcs_tui.jobs.store import JobStore

__all__ = [
    "FAILURE",
    "FINISH",
    "WAITING",
    "Channel",
    "DesktopChannel",
    "Notification",
    "NotificationCenter",
    "TerminalChannel",
    "WebhookChannel",
]


class Channel(Protocol):
    async def send(self, note: Notification) -> str | None:
        """None when delivered, else one line saying why not."""
        ...


class NotificationCenter:
    """Delivers notifications to named targets.

    `webhooks`: target name → channel (from jobs.toml's [notify.NAME]);
    `desktop` and `terminal`: the built-in channels (tests pass fakes).
    """

    def __init__(
        self,
        *,
        desktop: Channel | None = None,
        terminal: Channel | None = None,
        webhooks: Mapping[str, Channel] | Callable[[], Mapping[str, Channel]] | None = None,
        shown: Callable[[Notification], None] | None = None,
    ) -> None:
        #: Called with every notification before it is sent (the TUI shows each as a toast).
        self.shown = shown
        self.desktop: Channel = desktop if desktop is not None else DesktopChannel()
        self.terminal: Channel = terminal if terminal is not None else TerminalChannel()
        self._webhooks = webhooks if webhooks is not None else {}
        #: Every notification sent and what became of it (for the TUI's log, tests).
        self.sent: list[tuple[Notification, tuple[str, ...], tuple[str, ...]]] = []

    @classmethod
    def from_store(
        cls,
        store: JobStore,
        *,
        desktop: Channel | None = None,
        terminal: Channel | None = None,
        shown: Callable[[Notification], None] | None = None,
    ) -> NotificationCenter:
        """Webhooks as jobs.toml names them, their URLs from the keyring."""
        from lcs_tui.secrets import KeyringStore

        secrets = KeyringStore()

        def webhooks() -> Mapping[str, Channel]:
            try:
                targets = store.load().targets
            except Exception:
                return {}
            return {n: WebhookChannel(n, t.kind, secrets) for n, t in targets.items()}

        return cls(desktop=desktop, terminal=terminal, webhooks=webhooks, shown=shown)

    def _webhook(self, name: str) -> Channel | None:
        hooks = self._webhooks() if callable(self._webhooks) else self._webhooks
        return hooks.get(name)

    async def send(self, note: Notification, targets: Sequence[str]) -> list[str]:
        problems: list[str] = []
        if self.shown is not None:
            self.shown(note)
        for name in dict.fromkeys(targets):
            if name == "desktop":
                problem = await self.desktop.send(note)
                if problem is not None:
                    fallback = await self.terminal.send(note)
                    if fallback is not None:
                        problems.append(problem)
                continue
            channel = self.terminal if name == "terminal" else self._webhook(name)
            if channel is None:
                problems.append(f"no notification target named {name!r} (see jobs.toml)")
                continue
            problem = await channel.send(note)
            if problem is not None:
                problems.append(problem)
        self.sent.append((note, tuple(targets), tuple(problems)))
        del self.sent[:-50]
        return problems

    async def aclose(self) -> None:
        close = getattr(self.desktop, "aclose", None)
        if close is not None:
            await close()
