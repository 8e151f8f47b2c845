"""Watching Power Platform operations: polls, histories, busy environments, reconciliation.

What `PowerPlatformService` does once an operation exists (it starts them):
poll each through its status URL (both status spellings, stages, 409 as
running, 404 as gone — then the history says how it ended), honour the
`Retry-After` each answer names, read the environments' operation
histories (for busy environments, operations started elsewhere, and
unresolved starts), and reconcile a start whose answer was lost with the
history, never by sending it again. Nothing here gives up on an operation
by time: a copy may run 24 hours.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, timedelta

from lcs_tui.api.errors import LcsError
from lcs_tui.ppac.client import PowerPlatformClient
from lcs_tui.ppac.errors import PpNotFound
from lcs_tui.ppac.operation_models import PpOperation
from lcs_tui.ppac.reconcile import find_match, needs_history
from lcs_tui.ppac.reconcile import verdict_when_absent as absent_verdict
from lcs_tui.ppac.tracking import OperationBook
from lcs_tui.service.busy import Busy
from lcs_tui.service.operations import (
    EXTRA_POLL_URL,
    EXTRA_STAGES,
    NOT_FOUND,
    OUTCOME_UNKNOWN,
    POWERPLATFORM,
    TrackedOperation,
)
from lcs_tui.service.project import StatusChange
from lcs_tui.service.reconcile import RECONCILE_AFTER, RECONCILE_BEFORE, checked_absent_at

#: An operation seen running in a history this long ago is taken as running
#: still only until then (copies take up to 24 h, D8).
RUNNING_WINDOW = timedelta(hours=48)
#: Real seconds between two history reads for an unresolved start (as LCS).
HISTORY_CHECK_INTERVAL = 60.0
#: Pages read when reconciliation must reach back to an old request.
HISTORY_PAGES_FOR_RECONCILE = 5


class OperationWatcher:
    """The operations of one Power Platform workspace after their start."""

    def __init__(
        self,
        client: PowerPlatformClient,
        book: OperationBook,
        *,
        profile: str,
        now: Callable[[], datetime],
        monotonic: Callable[[], float] = time.monotonic,
        name_of: Callable[[str], str | None] = lambda _id: None,
        history_check_interval: float = HISTORY_CHECK_INTERVAL,
    ) -> None:
        self.client = client
        self.book = book
        self.profile = profile
        self.now = now
        self._monotonic = monotonic
        self._name_of = name_of
        self.history_check_interval = history_check_interval
        self.history: dict[str, list[PpOperation]] = {}
        self._history_complete: dict[str, bool] = {}
        self._history_read_at: dict[str, datetime] = {}
        self._last_read: dict[str, float] = {}
        self._starts_asked: dict[str, int] = {}
        self._starts_seen: dict[str, int] = {}
        #: Seconds each operation's last poll asked to wait (Retry-After).
        self.poll_waits: dict[str, float] = {}

    @property
    def operations(self) -> dict[str, TrackedOperation]:
        return self.book.operations

    def forget(self, key: str) -> None:
        self.book.forget(key)

    def note_start(self, environment_id: str) -> None:
        """A start is being asked of `environment_id`: a history read that began
        before it cannot show it."""
        self._starts_asked[environment_id] = self._starts_asked.get(environment_id, 0) + 1

    async def load_history(self, environment_id: str, *, pages: int = 1) -> list[PpOperation]:
        """The environment's operations, newest first (the Power Platform API's; BAP's
        when that one has none for it). Reaches further back for unresolved starts."""
        asked = self._starts_asked.get(environment_id, 0)
        pending = self._oldest_pending(environment_id)
        if pending is not None:
            pages = max(pages, HISTORY_PAGES_FOR_RECONCILE)
        entries: list[PpOperation] = []
        complete = False
        token: str | None = None
        try:
            for _ in range(pages):
                page = await self.client.history_page(environment_id, continuation=token)
                entries.extend(page.operations)
                token = page.continuation
                if not token or not page.operations:
                    complete = True
                    break
                oldest = _oldest_start(entries)
                if pending is None or (oldest is not None and oldest < pending - RECONCILE_BEFORE):
                    break
        except PpNotFound as exc:
            if exc.environment_missing:  # the environment itself is not there
                raise
            entries = list((await self.client.bap_history(environment_id)).operations)
            complete = True
        self.history[environment_id] = entries
        self._history_complete[environment_id] = complete
        self._history_read_at[environment_id] = self.now()
        self._last_read[environment_id] = self._monotonic()
        self._starts_seen[environment_id] = asked
        return entries

    def loaded_history(self, environment_id: str) -> list[PpOperation] | None:
        entries = self.history.get(environment_id)
        return None if entries is None else list(entries)

    def busy_environments(self) -> dict[str, Busy]:
        """Environments with a lifecycle operation running (ours first, then the history's)."""
        now = self.now()
        busy: dict[str, Busy] = {}
        for op in self.book.operations.values():
            if op.finished or op.status == OUTCOME_UNKNOWN:
                continue
            if op.discovered and op.lcs_status.outcome.value != "running":
                continue
            since = op.started_at or op.requested_at
            busy.setdefault(
                op.poll_environment_id,
                Busy(
                    op.poll_environment_id,
                    _describe(op.title(), op.activity_id, since, now),
                    op.activity_id,
                ),
            )
        for env_id, entries in self.history.items():
            for entry in entries:
                if _running(entry, now):
                    what = (entry.name or "an operation").lower()
                    if not entry.status.known:
                        what += f" ({entry.status.word})"
                    busy.setdefault(
                        env_id,
                        Busy(
                            env_id,
                            _describe(what, entry.operation_id, entry.started, now),
                            entry.operation_id,
                        ),
                    )
                    break
        return busy

    def active_operations(self) -> list[TrackedOperation]:
        """Operations worth asking about on the next watch tick."""
        return [
            op
            for op in self.book.operations.values()
            if op.needs_watching
            or (
                op.key not in self.book.in_flight and needs_history(op) and self._still_checking(op)
            )
        ]

    def next_poll_in(self, op: TrackedOperation, default: float) -> float:
        """Seconds until `op` should be asked again: its last `Retry-After`, at least `default`."""
        return max(default, self.poll_waits.get(op.key, 0.0))

    async def poll(self, op: TrackedOperation) -> StatusChange | None:
        """Ask Power Platform about one operation; return the change, if any."""
        current = self.operations.get(op.key)
        if current is None:
            return None
        if current.finished:
            return _change(op, current)
        if current.activity_id is None:
            if op.key in self.book.in_flight or not needs_history(current):
                return _change(op, current)
            env_id = current.poll_environment_id
            if self._history_is_stale(env_id):
                await self.load_history(env_id)
            self._reconcile_environment(env_id)
            return _change(op, self.operations.get(op.key, current))
        url = current.poll_url or self.client.operation_url(
            current.poll_environment_id, current.activity_id
        )
        poll = await self.client.poll(url)
        self.poll_waits[op.key] = poll.retry_after
        latest = self.operations.get(op.key)
        if latest is None:
            return None  # forgotten while the service answered
        if poll.state == "gone":
            after = await self._gone(latest)
        elif poll.report is not None:
            after = self.apply(latest, poll.report)
        else:
            after = latest
        if after != latest:
            await self.book.save_soon(after)
        return _change(op, after)

    def watch(
        self,
        operation_id: str,
        environment_id: str,
        *,
        kind: str = "operation",
        discovered: bool = True,
        started_at: datetime | None = None,
    ) -> TrackedOperation:
        """Follow an operation started elsewhere (the admin center, a pipeline) by its id."""
        for op in self.book.operations.values():
            if op.activity_id and op.activity_id.lower() == operation_id.lower():
                return op
        op = TrackedOperation.new(
            kind=kind,
            project_id=0,
            poll_environment_id=environment_id,
            environment_name=self._name_of(environment_id) or environment_id,
            activity_id=operation_id,
            status="Queued",
            requested_at=started_at or self.now(),
            started_at=started_at,
            discovered=discovered,
            profile=self.profile,
            backend=POWERPLATFORM,
            extra={EXTRA_POLL_URL: self.client.operation_url(environment_id, operation_id)},
        )
        self.book.save(op)
        return op

    def adopt_running_from_history(self) -> list[TrackedOperation]:
        """Watch copies and restores the loaded histories show running (started elsewhere)."""
        self.reconcile_starting()
        now = self.now()
        known = {op.activity_id.lower() for op in self.book.operations.values() if op.activity_id}
        adopted: list[TrackedOperation] = []
        for env_id, entries in self.history.items():
            for entry in entries:
                if (
                    entry.operation_id
                    and entry.operation_id.lower() not in known
                    and _running(entry, now)
                ):
                    name = (entry.name or "").lower()
                    kind = (
                        "copy"
                        if "copy" in name
                        else "restore"
                        if "restore" in name
                        else "operation"
                    )
                    adopted.append(
                        self.watch(entry.operation_id, env_id, kind=kind, started_at=entry.started)
                    )
                    known.add(entry.operation_id.lower())
        return adopted

    def reconcile_starting(self) -> list[TrackedOperation]:
        """Resolve unresolved starts against the loaded histories (nothing is re-sent)."""
        self.book.merge()
        changed: list[TrackedOperation] = []
        for env_id in {op.poll_environment_id for op in self._reconcilable()}:
            changed.extend(self._reconcile_environment(env_id))
        return changed

    async def reconcile(self) -> list[TrackedOperation]:
        """Read the histories unresolved starts need, then `reconcile_starting`."""
        self.book.merge()
        for env_id in sorted({op.poll_environment_id for op in self._reconcilable()}):
            if not self._history_covers(env_id, self._oldest_pending(env_id)):
                await self.load_history(env_id)
        return self.reconcile_starting()

    # -- internals ---------------------------------------------------------------------------

    def apply(self, op: TrackedOperation, report: PpOperation) -> TrackedOperation:
        """`op` as `report` describes it: status, stages, end, error."""
        finished = report.status.finished
        stages = [s.to_json() for s in report.stages] or op.extra.get(EXTRA_STAGES, [])
        return op.with_changes(
            status=report.status.word,
            started_at=op.started_at or report.started,
            finished_at=(report.ended or self.now()) if finished else None,
            message=report.error if report.error else op.message,
            extra={**op.extra, EXTRA_STAGES: stages},
        )

    async def _gone(self, op: TrackedOperation) -> TrackedOperation:
        """The status URL answered 404: the history says how it ended, if it can."""
        assert op.activity_id is not None
        try:
            entries = await self.load_history(op.poll_environment_id)
        except LcsError:
            entries = []
        wanted = op.activity_id.lower()
        entry = next((e for e in entries if (e.operation_id or "").lower() == wanted), None)
        if entry is not None:
            after = self.apply(op, entry)
            if not entry.status.finished:
                # Gone from its URL but running in the history: follow it there.
                url = self.client.operation_url(op.poll_environment_id, op.activity_id)
                after = after.with_changes(extra={**after.extra, EXTRA_POLL_URL: url})
            return after
        if op.discovered and op.started_at is None:
            return op.with_changes(
                status=NOT_FOUND,
                finished_at=self.now(),
                message=f"Power Platform knows no operation {op.activity_id} on "
                f"{op.environment_name} — check the id and the environment",
            )
        return op.with_changes(
            status="Succeeded",
            finished_at=self.now(),
            message="its status URL is gone (HTTP 404), which Power Platform does once an "
            "operation has ended, and the operation history does not list it: taken as done, "
            "as Microsoft's own tools do — check the environment",
        )

    def _reconcilable(self) -> list[TrackedOperation]:
        return [
            op
            for op in self.book.operations.values()
            if needs_history(op) and op.key not in self.book.in_flight
        ]

    def _still_checking(self, op: TrackedOperation) -> bool:
        checked = checked_absent_at(op)
        if checked is None:
            return True
        return op.requested_at is not None and checked < op.requested_at + RECONCILE_AFTER

    def _history_is_stale(self, env_id: str) -> bool:
        if self._starts_seen.get(env_id, -1) < self._starts_asked.get(env_id, 0):
            return True
        last = self._last_read.get(env_id)
        return last is None or self._monotonic() - last >= self.history_check_interval

    def _oldest_pending(self, env_id: str) -> datetime | None:
        times = [
            op.requested_at
            for op in self._reconcilable()
            if op.poll_environment_id == env_id and op.requested_at is not None
        ]
        return min(times) if times else None

    def _history_covers(self, env_id: str, requested_at: datetime | None) -> bool:
        if env_id not in self.history:
            return False
        if self._history_complete.get(env_id) or requested_at is None:
            return True
        oldest = _oldest_start(self.history[env_id])
        return oldest is not None and oldest <= requested_at - RECONCILE_BEFORE

    def _reconcile_environment(self, env_id: str) -> list[TrackedOperation]:
        entries = self.history.get(env_id)
        if entries is None:
            return []
        read_at = self._history_read_at.get(env_id, self.now())
        tracked = {
            op.activity_id.lower()
            for op in self.book.operations.values()
            if op.activity_id and not op.discovered
        }
        changed: list[TrackedOperation] = []
        pending = sorted(
            (op for op in self._reconcilable() if op.poll_environment_id == env_id),
            key=lambda op: op.requested_at or datetime.min,
        )
        for op in pending:
            fixed: TrackedOperation | None
            match = find_match(entries, op, tracked)
            if match is not None and match.operation_id:
                tracked.add(match.operation_id.lower())
                fixed = self.apply(op, match).with_changes(
                    activity_id=match.operation_id,
                    message=f"found in the operation history of {op.environment_name}"
                    + (
                        " after a restart"
                        if op.status != OUTCOME_UNKNOWN
                        else " although the answer was lost"
                    ),
                    extra={
                        **op.extra,
                        EXTRA_POLL_URL: self.client.operation_url(env_id, match.operation_id),
                        EXTRA_STAGES: [s.to_json() for s in match.stages],
                    },
                )
                duplicate = next(
                    (
                        o
                        for o in self.book.operations.values()
                        if o.key != op.key
                        and o.activity_id
                        and o.activity_id.lower() == match.operation_id.lower()
                    ),
                    None,
                )
                if duplicate is not None:
                    fixed = fixed.with_changes(
                        status=duplicate.status, finished_at=duplicate.finished_at
                    )
                    self.forget(duplicate.key)
            else:
                fixed = absent_verdict(
                    op, read_at, covered=self._history_covers(env_id, op.requested_at)
                )
            if fixed is not None and fixed != op:
                self.book.save(fixed)
                changed.append(fixed)
        return changed


def _change(before: TrackedOperation, after: TrackedOperation) -> StatusChange | None:
    return None if after == before else StatusChange(before, after)


def _running(entry: PpOperation, now: datetime) -> bool:
    """A history entry that has not ended: running words, or an unknown word without an end."""
    if entry.started is None or entry.started < now - RUNNING_WINDOW:
        return False
    outcome = entry.status.outcome.value
    return outcome == "running" or (outcome == "unknown" and entry.ended is None)


def _oldest_start(entries: list[PpOperation]) -> datetime | None:
    starts = [e.started for e in entries if e.started is not None]
    return min(starts) if starts else None


def _describe(what: str, op_id: str | None, since: datetime | None, now: datetime) -> str:
    from lcs_tui.units import human_duration

    parts = []
    if op_id:
        parts.append(op_id if len(op_id) <= 9 else op_id[:8] + "…")
    if since is not None:
        parts.append(human_duration(max(0, int((now - since).total_seconds()))))
    return f"{what} ({', '.join(parts)})" if parts else what
