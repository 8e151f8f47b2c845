"""Loading a workspace's project: environments, backups, the sandboxes' histories.

Every read goes out as soon as it can (the histories as soon as the
environments are known), and what arrives is reported at once, so a slow or
throttled environment API never hides the backups. A failed load says why
(the connection words) and tries again by itself, backing off, so the
workspace recovers when LCS does.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from lcs_tui.api import (
    LcsConnectionError,
    LcsError,
    LcsThrottled,
    TokenUnavailable,
)
from lcs_tui.service.project import ProjectService
from lcs_tui.tui.controllers.events import (
    BackupsArrived,
    ConnectionChanged,
    EnvironmentsArrived,
    Loaded,
    LoadFailed,
    WorkspaceEvent,
)

#: After a failed load, try again after this many seconds (doubling, capped).
RELOAD_RETRY_FIRST = 5.0
RELOAD_RETRY_MAX = 120.0

Emit = Callable[[WorkspaceEvent], None]


class Loader:
    """Loads one project; `generation` counts the full loads that completed."""

    def __init__(
        self,
        service: ProjectService,
        emit: Emit,
        *,
        needs_sign_in: Callable[[LcsError], bool],
    ) -> None:
        self._service = service
        self._emit = emit
        self._needs_sign_in = needs_sign_in
        self.generation = 0
        #: Seconds until the next try after a failure (backs off).
        self.retry_delay = RELOAD_RETRY_FIRST

    async def load(self) -> bool:
        """One full load; True when it completed. Never raises but for cancellation."""
        try:
            await self._load()
        except LcsError as exc:
            self._failed(exc)
            return False
        except Exception as exc:
            self._emit(ConnectionChanged(f"error — retrying in {self.retry_delay:.0f} s"))
            self._emit(
                LoadFailed(
                    f"Could not load the project: {type(exc).__name__}: {exc}. lcs-tui "
                    "tries again by itself; Ctrl+R reloads now.",
                    self._back_off(),
                )
            )
            return False
        return True

    async def _load(self) -> None:
        service = self._service
        backups = asyncio.ensure_future(service.load_backups())
        # Shown as soon as they are in, whatever the environment API does (it
        # is paced and may be throttled; the backups list is not).
        backups.add_done_callback(self._backups_arrived)
        # What another copy of the app journalled meanwhile, read in a thread
        # (that copy may hold the journal's lock) beside the calls.
        journal = asyncio.ensure_future(service.read_journal())
        try:
            envs = await service.load_environments()
        except BaseException:
            backups.cancel()
            journal.cancel()
            raise
        self._emit(EnvironmentsArrived())
        # Only sandboxes: refreshes and exports touch nothing else, and the
        # history endpoint allows 6 calls per project per minute.
        sandboxes = sorted((e for e in envs if e.is_sandbox), key=lambda e: e.name)
        pending = [backups] + [
            asyncio.ensure_future(service.load_recent_history(e.id)) for e in sandboxes
        ]
        await gather_all(*pending)
        await journal
        adopted = service.adopt_running_from_history(journal_read=True)
        self.retry_delay = RELOAD_RETRY_FIRST
        self.generation += 1
        self._emit(ConnectionChanged("online"))
        self._emit(Loaded(self.generation, len(adopted)))

    def _backups_arrived(self, task: asyncio.Future[Any]) -> None:
        if not task.cancelled() and task.exception() is None:
            self._emit(BackupsArrived())

    def _failed(self, exc: LcsError) -> None:
        if self._needs_sign_in(exc):
            return  # the sign-in dialog is on its way; loading follows it
        message: str | None = None
        if isinstance(exc, TokenUnavailable):
            text = f"sign-in trouble — retrying in {self.retry_delay:.0f} s"
        elif isinstance(exc, LcsConnectionError):
            text = f"offline — retrying in {self.retry_delay:.0f} s"
        elif isinstance(exc, LcsThrottled):
            text = f"throttled until {exc.retry_at:%H:%M:%S} UTC"
        else:
            text = "error"
            message = str(exc)
        self._emit(ConnectionChanged(text))
        self._emit(LoadFailed(message, self._back_off()))

    def _back_off(self) -> float:
        delay = self.retry_delay
        self.retry_delay = min(RELOAD_RETRY_MAX, self.retry_delay * 2)
        return delay


async def gather_all(*calls: Awaitable[object]) -> None:
    """Run calls together; raise the first failure only after all have ended.

    (`asyncio.gather` would leave the others running unobserved.)
    """
    results = await asyncio.gather(*calls, return_exceptions=True)
    for result in results:
        if isinstance(result, BaseException):
            raise result
