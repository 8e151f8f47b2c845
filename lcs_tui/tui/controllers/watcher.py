"""Watching a workspace's operations: status calls, and history for unresolved ones.

A tick *starts* a round and skips while the previous round still runs, so a
slow LCS never piles up requests. Operations with an activity id are asked
about by status (the Database Movement API, never held up by the
environment API's pacing); entries without one (their start answer was
lost) are looked up in the history, in a round of their own, once the
project has loaded, so that those paced reads never delay a status call.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from lcs_tui.api import LcsConnectionError, LcsError, LcsThrottled, TokenUnavailable
from lcs_tui.service.operations import TrackedOperation
from lcs_tui.service.project import ProjectService, StatusChange
from lcs_tui.tui.controllers.events import (
    BackupsArrived,
    ConnectionChanged,
    EnvironmentsArrived,
    Notice,
    OperationFinished,
    OperationsChanged,
    PollProblem,
    WorkspaceEvent,
)

Emit = Callable[[WorkspaceEvent], None]


class Watcher:
    def __init__(
        self,
        service: ProjectService,
        emit: Emit,
        *,
        may_poll: Callable[[], bool],
        loaded: Callable[[], bool],
        needs_sign_in: Callable[[LcsError], bool],
    ) -> None:
        self._service = service
        self._emit = emit
        self._may_poll = may_poll
        self._loaded = loaded
        self._needs_sign_in = needs_sign_in
        self._polling: asyncio.Task[None] | None = None
        self._reconciling: asyncio.Task[None] | None = None
        #: (operation, problem) already reported: a poll every few seconds
        #: must not bury the screen in the same warning.
        self._reported: set[tuple[str, str]] = set()
        #: Rounds that were due while the previous one still ran.
        self.skipped = 0

    @property
    def polling(self) -> bool:
        return self._polling is not None and not self._polling.done()

    @property
    def reconciling(self) -> bool:
        return self._reconciling is not None and not self._reconciling.done()

    def tick(self) -> None:
        if not self._may_poll():
            return
        active = self._service.active_operations()
        if any(op.needs_watching for op in active):
            if self.polling:
                self.skipped += 1
            else:
                self._polling = asyncio.ensure_future(self._status_round())
        if (
            (self._reconciling is None or self._reconciling.done())
            and self._loaded()
            and any(not op.needs_watching for op in active)
        ):
            self._reconciling = asyncio.ensure_future(self._reconcile_round())

    def cancel(self) -> None:
        for task in (self._polling, self._reconciling):
            if task is not None:
                task.cancel()

    async def _status_round(self) -> None:
        await self._round([op for op in self._service.active_operations() if op.needs_watching])

    async def _reconcile_round(self) -> None:
        pending = self._service.active_operations()
        await self._round([op for op in pending if not op.needs_watching])

    async def _round(self, operations: list[TrackedOperation]) -> None:
        for op in operations:
            try:
                change = await self._service.poll(op)
            except (LcsConnectionError, LcsThrottled, TokenUnavailable) as exc:
                # Nothing is lost: the next tick tries again.
                if not self._needs_sign_in(exc):
                    self._emit(
                        ConnectionChanged(
                            f"throttled until {exc.retry_at:%H:%M:%S} UTC"
                            if isinstance(exc, LcsThrottled)
                            else "offline — retrying"
                        )
                    )
                return
            except LcsError as exc:
                self._report(op, exc)
                continue
            except Exception as exc:  # a bug or an answer nobody foresaw: said once
                key = (op.key, f"{type(exc).__name__}: {exc}")
                if key not in self._reported:
                    self._reported.add(key)
                    self._emit(
                        Notice(
                            "Unexpected error",
                            f"Something unexpected went wrong asking about {op.title()}: "
                            f"{key[1]}. lcs-tui goes on asking.",
                            "error",
                            30,
                        )
                    )
                continue
            self._emit(ConnectionChanged("online"))
            if change is not None:
                await self._changed(change)

    def _report(self, op: TrackedOperation, exc: LcsError) -> None:
        key = (op.key, exc.message)
        if key not in self._reported:
            self._reported.add(key)
            self._emit(PollProblem(op, exc))

    async def _changed(self, change: StatusChange) -> None:
        self._emit(OperationsChanged())
        if not change.finished_now:
            return
        op = change.after
        self._emit(OperationFinished(op))
        # A finished operation changes the quota and busy state; an export adds a backup.
        try:
            await self._service.load_recent_history(op.poll_environment_id)
            if op.kind == "export":
                await self._service.load_backups()
                self._emit(BackupsArrived())
        except LcsError:
            pass  # shown again on the next reload; the status itself is already recorded
        self._emit(EnvironmentsArrived())
