"""Loading and watching a Power Platform workspace (no Textual here).

The sign-in, events, poll loop and request log are the LCS runtime's
(controllers/runtime.py); what differs is what a load reads — the tenant's
F&O environments, then each unified one's operation history, so operations
started elsewhere are found — and how a status round paces itself: each
operation is asked again only after its `Retry-After`, never more often
than the workspace's interval.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from lcs_tui.api import LcsError
from lcs_tui.service.operations import TrackedOperation
from lcs_tui.service.project import StatusChange
from lcs_tui.tui.controllers.events import (
    BackupsArrived,
    ConnectionChanged,
    EnvironmentsArrived,
    Loaded,
    OperationFinished,
    OperationsChanged,
)
from lcs_tui.tui.controllers.loader import RELOAD_RETRY_FIRST, Emit, Loader, gather_all
from lcs_tui.tui.controllers.runtime import WorkspaceRuntime
from lcs_tui.tui.controllers.watcher import Watcher

if TYPE_CHECKING:
    from lcs_tui.ppac.service import PowerPlatformService
    from lcs_tui.workspace import Workspace

#: Histories read at once during a load (a tenant may have dozens of environments).
HISTORIES_AT_ONCE = 4
#: Poll intervals between two looks at the unified environments' histories and
#: the journal, for copies and restores started elsewhere (PPAC, pac, the CLI):
#: every 5 minutes against Power Platform, every minute in the demo.
LOOK_AROUND_EVERY = 10
LOOK_AROUND_MIN = 60.0


class UnifiedLoader(Loader):
    """Loads a tenant: environments, the journal, the unified ones' histories."""

    def __init__(
        self,
        service: PowerPlatformService,
        emit: Emit,
        *,
        needs_sign_in: Callable[[LcsError], bool],
    ) -> None:
        super().__init__(service, emit, needs_sign_in=needs_sign_in)  # type: ignore[arg-type]
        self.pp = service

    async def _load(self) -> None:
        service = self.pp
        journal = asyncio.ensure_future(service.read_journal())
        try:
            envs = await service.load_environments(include_all=service.include_all)
        except BaseException:
            journal.cancel()
            raise
        self._emit(EnvironmentsArrived())
        gate = asyncio.Semaphore(HISTORIES_AT_ONCE)

        async def history(env_id: str) -> None:
            async with gate:
                await service.load_history(env_id)

        # Unified ones only: copy and restore go into those, and their
        # histories show what runs there (started here, in PPAC or by pac).
        unified = [e.id for e in envs if e.is_unified]
        await gather_all(*(history(env_id) for env_id in unified))
        await journal
        adopted = service.adopt_running_from_history()
        self.retry_delay = RELOAD_RETRY_FIRST
        self.generation += 1
        self._emit(ConnectionChanged("online"))
        self._emit(Loaded(self.generation, len(adopted)))


class UnifiedWatcher(Watcher):
    """Status rounds that honour each operation's `Retry-After`."""

    def __init__(
        self,
        service: PowerPlatformService,
        emit: Emit,
        *,
        may_poll: Callable[[], bool],
        loaded: Callable[[], bool],
        needs_sign_in: Callable[[LcsError], bool],
        interval: float,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(
            service,  # type: ignore[arg-type]
            emit,
            may_poll=may_poll,
            loaded=loaded,
            needs_sign_in=needs_sign_in,
        )
        self.pp = service
        self._interval = interval
        self.monotonic = monotonic
        #: Operation key → when it may be asked again (monotonic seconds).
        self._next_ask: dict[str, float] = {}

    async def _status_round(self) -> None:
        now = self.monotonic()
        due = [
            op
            for op in self.pp.active_operations()
            if op.needs_watching and self._next_ask.get(op.key, 0.0) <= now
        ]
        await self._round(due)
        asked = self.monotonic()
        for op in due:
            wait = self.pp.next_poll_in(op, 0.0)
            # A little under the interval: a tick on the dot must not miss it.
            self._next_ask[op.key] = asked + max(wait, 0.0) - self._interval * 0.1

    async def _changed(self, change: StatusChange) -> None:
        self._emit(OperationsChanged())
        if not change.finished_now:
            return
        op: TrackedOperation = change.after
        self._next_ask.pop(op.key, None)
        self._emit(OperationFinished(op))
        # A copy or restore changes the target (state, admin mode, backups).
        try:
            await self.pp.load_history(op.poll_environment_id)
            if op.poll_environment_id in self.pp.backups:
                await self.pp.load_backups(op.poll_environment_id)
                self._emit(BackupsArrived())
        except LcsError:
            pass  # shown again on the next reload; the status itself is recorded
        self._emit(EnvironmentsArrived())


class UnifiedRuntime(WorkspaceRuntime):
    """A Power Platform workspace while the app runs."""

    def __init__(self, workspace: Workspace) -> None:
        assert workspace.ppac is not None, "a Power Platform workspace"
        self.pp: PowerPlatformService = workspace.ppac
        self._backups_asked: set[str] = set()
        #: Environment id → why its backups could not be read (shown in the pane).
        self.backup_problems: dict[str, str] = {}
        super().__init__(workspace)

    def _controllers(self) -> tuple[Loader, Watcher]:
        return (
            UnifiedLoader(self.pp, self.emit, needs_sign_in=self.needs_sign_in),
            UnifiedWatcher(
                self.pp,
                self.emit,
                may_poll=lambda: self.username is not None,
                loaded=lambda: self.loader.generation > 0,
                needs_sign_in=self.needs_sign_in,
                interval=self.workspace.poll_interval,
            ),
        )

    def start(self) -> None:
        if not self.started:
            super().start()
            self.spawn(self._look_around_loop())

    async def _look_around_loop(self) -> None:
        """Now and then, what others started: the journal (another lcs-tui, the
        CLI, a job runner) and the unified environments' histories (PPAC, pac)."""
        every = max(LOOK_AROUND_MIN, self.workspace.poll_interval * LOOK_AROUND_EVERY)
        while True:
            await asyncio.sleep(every)
            if self.username is None or not self.loader.generation or not self.idle:
                continue
            await self.look_around()

    async def look_around(self) -> None:
        pp = self.pp
        before = set(pp.operations)
        try:
            await pp.read_journal()
            for env in [e for e in pp.environments.values() if e.is_unified]:
                await pp.load_history(env.id)
        except LcsError:
            return  # the next look, or the next reload, tries again
        adopted = pp.adopt_running_from_history()
        if set(pp.operations) != before or adopted:
            self.operations_changed()
            self.emit(EnvironmentsArrived())

    def read_history(self, environment_id: str) -> None:
        """An environment's operation history, once (the load reads only unified ones')."""
        if environment_id in self._history_asked or self.username is None:
            return
        self._history_asked.add(environment_id)

        async def read() -> None:
            try:
                await self.pp.load_history(environment_id)
            except LcsError:
                self._history_asked.discard(environment_id)
                return
            self.emit(EnvironmentsArrived())

        self.spawn(read())

    def read_backups(self, environment_id: str, *, again: bool = False) -> None:
        """An environment's backups, once unless asked `again` (after a change)."""
        if self.username is None or (environment_id in self._backups_asked and not again):
            return
        self._backups_asked.add(environment_id)

        async def read() -> None:
            try:
                await self.pp.load_backups(environment_id)
            except LcsError as exc:
                self._backups_asked.discard(environment_id)
                self.pp.backups.pop(environment_id, None)
                self.backup_problems[environment_id] = exc.message
            else:
                self.backup_problems.pop(environment_id, None)
            self.emit(BackupsArrived())

        self.spawn(read())

    def reload(self) -> None:
        self._backups_asked.clear()
        super().reload()
