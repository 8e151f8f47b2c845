"""The project service: everything the app does with one LCS project.

It keeps what LCS last said (environments, backups, recent history), the
operations the user started or watches, and applies the safety rules:
client-side checks before any operation-starting call, the journal written
before the POST, never a retry of that POST, reconciliation after a crash or
a lost answer.

Recovery in one paragraph: an operation is journalled as "Starting" before
its POST. If the app dies during the POST, the entry is still "Starting" on
the next start; if the POST's answer was lost, it is "OutcomeUnknown". Both
have no activity id, so they cannot be polled; instead they are matched
against the environment's history (type, environment, time window). A match
gives the entry its activity id and it is watched like any other; no match in
a history that reaches back far enough makes it "OutcomeUnknown" with a
message telling the user to check the portal. Nothing is ever sent again.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from lcs_tui.api import (
    DatabaseBackup,
    Environment,
    HistoryEntry,
    LcsClient,
    LcsError,
    LcsRejected,
    OutcomeUnknown,
)
from lcs_tui.api.models import HISTORY_TYPE_EXPORT, HISTORY_TYPE_REFRESH, OperationStarted
from lcs_tui.service.busy import Busy, busy_environments, sources_of_running_refreshes
from lcs_tui.service.checks import Problem, export_problems, refresh_problems
from lcs_tui.service.journal import Journal, JournalError
from lcs_tui.service.operations import (
    NOT_FOUND,
    NOT_STARTED_LOCALLY,
    OUTCOME_UNKNOWN,
    STARTING,
    TrackedOperation,
)
from lcs_tui.service.quota import QUOTA_WINDOW, Quota, environment_quota
from lcs_tui.service.reconcile import (
    RECONCILE_AFTER,
    RECONCILE_BEFORE,
    checked_absent_at,
    find_match,
    lost_answer,
    verdict_when_absent,
)

#: How many history pages to read when looking for the last 24 hours.
HISTORY_PAGES_FOR_QUOTA = 3
#: How many pages reconciliation may read to reach back to an old entry.
HISTORY_PAGES_FOR_RECONCILE = 10
#: Real seconds between two history reads for unresolved entries of one
#: environment while watching (the history endpoint allows 6 calls per
#: environment per 30 s and 6 per project per minute).
RECONCILE_CHECK_INTERVAL = 60.0


def utc_now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


class ActionRefused(Exception):
    """The client-side checks found reasons not to send the request."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(p.message for p in problems))
        self.problems = problems


@dataclass(frozen=True, slots=True)
class StatusChange:
    """A watched operation's state before and after a poll."""

    before: TrackedOperation
    after: TrackedOperation

    @property
    def finished_now(self) -> bool:
        return self.after.finished and not self.before.finished


class ProjectService:
    def __init__(
        self,
        client: LcsClient,
        project_id: int,
        *,
        profile: str = "default",
        journal: Journal | None = None,
        now: Callable[[], datetime] = utc_now,
        monotonic: Callable[[], float] = time.monotonic,
        reconcile_check_interval: float = RECONCILE_CHECK_INTERVAL,
    ) -> None:
        self.client = client
        self.project_id = project_id
        self.profile = profile
        self.journal = journal
        self.now = now
        self.environments: dict[str, Environment] = {}
        self.backups: list[DatabaseBackup] = []
        self.history: dict[str, list[HistoryEntry]] = {}
        self.operations: dict[str, TrackedOperation] = {}
        #: The last journal write that failed after the POST (the operation is
        #: still watched in memory); None when the journal is healthy.
        self.journal_problem: str | None = None
        self.reconcile_check_interval = reconcile_check_interval
        self._monotonic = monotonic
        #: How far back each loaded history reaches: None when every page was
        #: read, else the start of its oldest entry.
        self._history_reach: dict[str, datetime | None] = {}
        #: When (service clock) each history was read.
        self._history_read_at: dict[str, datetime] = {}
        #: How many pages each loaded history has, and whether they were all.
        self._history_pages: dict[str, tuple[int, bool]] = {}
        #: When (real time) each environment's history was last read.
        self._last_read: dict[str, float] = {}
        #: Operation starts asked of each environment, and how many of them had
        #: been asked when its history read (the last one) began: a read that
        #: began before a POST cannot show that operation.
        self._starts_asked: dict[str, int] = {}
        self._starts_seen: dict[str, int] = {}
        #: Keys of operations whose POST is on its way right now (this process).
        self._in_flight: set[str] = set()
        #: Set by `write_journal_in_background`: one thread that writes the
        #: journal, in order, for callers on an event loop.
        self._writer: ThreadPoolExecutor | None = None
        #: Keys the user stopped watching here: never taken back in from the
        #: journal, whatever a read that raced the removal still saw there.
        self._forgotten: set[str] = set()
        if journal is not None:
            try:
                journal.prune(now())
                self._merge_from_journal()
            except JournalError as exc:
                self.journal_problem = str(exc)

    @property
    def journal_notice(self) -> str | None:
        """Something the user should know about the journal, or None."""
        notices = [
            text
            for text in (
                self.journal.recovered_from if self.journal is not None else None,
                self.journal_problem,
            )
            if text
        ]
        return " ".join(notices) or None

    # -- reading ---------------------------------------------------------------

    async def load_environments(self) -> list[Environment]:
        envs = await self.client.list_environments(self.project_id)
        self.environments = {e.id: e for e in envs}
        return envs

    async def load_backups(self) -> list[DatabaseBackup]:
        result = await self.client.list_backups(self.project_id)
        self.backups = list(result.backups)
        return self.backups

    async def load_recent_history(self, environment_id: str) -> list[HistoryEntry]:
        """History entries of (at least) the last 24 hours, for quota and busy checks.

        Reaches further back when an unresolved journal entry of this
        environment is older, so that reconciliation can decide about it.
        """
        back_to = self.now() - QUOTA_WINDOW
        max_pages = HISTORY_PAGES_FOR_QUOTA
        pending = [
            op.requested_at
            for op in self._reconcilable()
            if op.poll_environment_id == environment_id and op.requested_at is not None
        ]
        if pending:
            back_to = min(back_to, min(pending) - RECONCILE_BEFORE)
            max_pages = max(max_pages, HISTORY_PAGES_FOR_RECONCILE)
        return await self._read_history(environment_id, back_to=back_to, max_pages=max_pages)

    async def _read_history(
        self, environment_id: str, *, back_to: datetime, max_pages: int
    ) -> list[HistoryEntry]:
        asked = self._starts_asked.get(environment_id, 0)
        entries: list[HistoryEntry] = []
        complete = False
        pages = 0
        for page in range(1, max_pages + 1):
            result = await self.client.history_page(self.project_id, environment_id, page)
            pages = page
            entries.extend(result.items)
            if not result.has_more or not result.items:
                complete = True
                break
            # History comes newest first in practice (the documentation does
            # not promise an order): stop once the pages reach past `back_to`.
            # At least 20 entries, so the busy check sees the recent ones.
            oldest = _oldest_start(entries)
            if oldest is not None and oldest < back_to and len(entries) > 20:
                break
        self.history[environment_id] = entries
        self._history_pages[environment_id] = (pages, complete)
        self._history_reach[environment_id] = None if complete else _oldest_start(entries)
        self._history_read_at[environment_id] = self.now()
        self._last_read[environment_id] = self._monotonic()
        self._starts_seen[environment_id] = asked
        return entries

    def loaded_history(self, environment_id: str) -> tuple[list[HistoryEntry], int, bool] | None:
        """The history read so far: (entries, pages read, whether that was all).

        None when it was not read. A details page shows these at once instead
        of asking LCS again: the history endpoint's limits are tight.
        """
        entries = self.history.get(environment_id)
        if entries is None:
            return None
        pages, complete = self._history_pages.get(environment_id, (1, False))
        return list(entries), pages, complete

    def environment(self, id_or_name: str) -> Environment | None:
        if id_or_name in self.environments:
            return self.environments[id_or_name]
        wanted = id_or_name.lower()
        return next(
            (
                e
                for e in self.environments.values()
                if e.name.lower() == wanted or e.id.lower() == wanted
            ),
            None,
        )

    def quota(self, environment_id: str) -> Quota | None:
        """Operations left today, or None while the history is not loaded."""
        entries = self.history.get(environment_id)
        if entries is None:
            return None
        return environment_quota(environment_id, entries, self.operations.values(), now=self.now())

    def busy_environments(self) -> dict[str, Busy]:
        """Busy environments and with what (see service/busy.py)."""
        return busy_environments(
            self.environments, self.operations.values(), self.history, self.now()
        )

    def sources_of_running_refreshes(self) -> dict[str, list[TrackedOperation]]:
        return sources_of_running_refreshes(self.operations.values())

    def refresh_notes(self, source_id: str) -> list[str]:
        """What a user should know about a refresh from `source_id` that is no problem."""
        source = self.environments.get(source_id)
        copies = self.sources_of_running_refreshes().get(source_id, [])
        if source is None or not copies:
            return []
        running = ", ".join(op.title() for op in copies)
        return [
            f"{source.name} is also the source of a running refresh ({running}); "
            "several refreshes may copy from one environment"
        ]

    def busy_environment_ids(self) -> set[str]:
        return set(self.busy_environments())

    # -- checks ------------------------------------------------------------------

    def refresh_problems(self, source_id: str, target_id: str) -> list[Problem]:
        source, target = self.environments.get(source_id), self.environments.get(target_id)
        if source is None or target is None:
            return [Problem("unknown environment; reload the environment list")]
        quota = self.quota(target_id)
        return refresh_problems(
            source,
            target,
            target_quota_left=quota.left if quota else None,
            busy=self.busy_environments(),
            target_quota_frees_at=quota.next_frees_at if quota else None,
        )

    def export_problems(self, environment_id: str, backup_name: str) -> list[Problem]:
        env = self.environments.get(environment_id)
        if env is None:
            return [Problem("unknown environment; reload the environment list")]
        quota = self.quota(environment_id)
        return export_problems(
            env,
            backup_name,
            quota_left=quota.left if quota else None,
            busy=self.busy_environments(),
            existing_names={b.name.lower() for b in self.backups},
            quota_frees_at=quota.next_frees_at if quota else None,
        )

    # -- starting operations -----------------------------------------------------

    async def start_refresh(
        self, source_id: str, target_id: str, *, key: str | None = None
    ) -> TrackedOperation:
        problems = self.refresh_problems(source_id, target_id)
        if problems:
            raise ActionRefused(problems)
        source, target = self.environments[source_id], self.environments[target_id]
        op = TrackedOperation.new(
            key,
            kind="refresh",
            project_id=self.project_id,
            poll_environment_id=target.id,
            environment_name=target.name,
            source_name=source.name,
            source_environment_id=source.id,
            requested_at=self.now(),
            profile=self.profile,
        )
        return await self._start(
            op, lambda: self.client.start_refresh(self.project_id, source.id, target.id)
        )

    async def start_export(
        self, environment_id: str, backup_name: str, *, key: str | None = None
    ) -> TrackedOperation:
        problems = self.export_problems(environment_id, backup_name)
        if problems:
            raise ActionRefused(problems)
        env = self.environments[environment_id]
        op = TrackedOperation.new(
            key,
            kind="export",
            project_id=self.project_id,
            poll_environment_id=env.id,
            environment_name=env.name,
            backup_name=backup_name,
            requested_at=self.now(),
            profile=self.profile,
        )
        return await self._start(
            op, lambda: self.client.start_export(self.project_id, env.id, backup_name)
        )

    async def _start(self, op: TrackedOperation, send: Callable[[], Any]) -> TrackedOperation:
        # Written *before* the POST, and durable when `upsert` returns: if the
        # app dies during the call, the entry is reconciled against the
        # history on the next start, never re-sent. No journal, no POST.
        if self.journal is not None:
            try:
                # Off the event loop: an fsync, or a lock held by another copy
                # of the app (up to its timeout), must not freeze the screen.
                await asyncio.to_thread(self.journal.upsert, op)
            except JournalError as exc:
                problem = f"the operation journal cannot be written, so nothing was sent: {exc}"
                raise ActionRefused([Problem(problem)]) from exc
        self.operations[op.key] = op
        self._in_flight.add(op.key)
        env_id = op.poll_environment_id
        self._starts_asked[env_id] = self._starts_asked.get(env_id, 0) + 1
        try:
            started: OperationStarted = await send()
        except OutcomeUnknown as exc:
            await self._save_soon(
                op.with_changes(status=OUTCOME_UNKNOWN, message=lost_answer(op, exc))
            )
            raise
        except LcsError as exc:
            # Rejected (IsSuccess false, quota), refused before acting (401,
            # 4xx) or never sent (connect error): nothing started in LCS.
            await self._save_soon(
                op.with_changes(
                    status=NOT_STARTED_LOCALLY, message=str(exc), finished_at=self.now()
                )
            )
            raise
        except BaseException as exc:
            if _is_sign_in_error(exc):
                # The token is fetched before the request goes out, and a 401
                # means LCS did not act: nothing was started.
                await self._save_soon(
                    op.with_changes(
                        status=NOT_STARTED_LOCALLY, message=str(exc), finished_at=self.now()
                    )
                )
            else:
                # Cancelled (the app is closing) or an unexpected failure after
                # the request may have gone out: only the history can tell.
                await self._save_soon(
                    op.with_changes(
                        status=OUTCOME_UNKNOWN,
                        message=lost_answer(op, exc),
                    )
                )
            raise
        finally:
            self._in_flight.discard(op.key)
        op = op.with_changes(
            activity_id=started.activity_id, status="NotStarted", started_at=self.now()
        )
        await self._save_soon(op)
        return op

    async def _save_soon(self, op: TrackedOperation) -> None:
        """`_save` for the async paths: the journal is written in a thread.

        The thread writes whatever is newest in memory for that key when it
        runs, so two writes of one operation can never land in the wrong
        order, and an operation forgotten meanwhile is not written back.
        """
        self.operations[op.key] = op
        if self.journal is None:
            return
        writer = self._writer
        if writer is not None:
            # Shielded: a caller cancelled meanwhile must not drop its queued write.
            await asyncio.shield(asyncio.wrap_future(writer.submit(self._write_latest, op.key)))
            return
        journal = self.journal

        def write() -> None:
            latest = self.operations.get(op.key)
            if latest is not None:
                journal.upsert(latest)

        try:
            await asyncio.to_thread(write)
        except JournalError as exc:
            self._note_journal(exc)
        else:
            self._note_journal(None)

    def write_journal_in_background(self) -> None:
        """From now on every journal write after a POST happens in one thread.

        For the TUI: `watch`, `forget` and reconciliation then return at once
        and its event loop never waits for an fsync or for the lock another
        copy of the app holds. The writes keep their order, and each writes
        the newest state of its operation (or removes a forgotten one), so a
        late write never brings back an older state. The write before a POST
        is not affected: it still finishes before the request is sent.
        """
        if self._writer is None:
            self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="lcs-tui-journal")

    def close(self) -> None:
        """Wait for the journal writes still queued (blocking).

        Writes after this happen on the caller's thread again, as before
        `write_journal_in_background`.
        """
        writer, self._writer = self._writer, None
        if writer is not None:
            writer.shutdown(wait=True)

    def _write_latest(self, key: str) -> None:
        """In the writer thread: the journal takes the newest state of `key`."""
        journal = self.journal
        if journal is None:
            return
        latest = self.operations.get(key)
        try:
            if latest is None:
                journal.remove(key)
            else:
                journal.upsert(latest)
        except JournalError as exc:
            self._note_journal(exc)
        else:
            self._note_journal(None)

    def _save(self, op: TrackedOperation) -> None:
        """Record a change: in memory always, in the journal when it can be written.

        After the POST a failing journal must not stop watching: the change is
        kept in memory and the problem is reported (`journal_problem`); after
        a crash the entry is reconciled from the history instead.
        """
        self.operations[op.key] = op
        if self.journal is None:
            return
        writer = self._writer  # once: close() may clear it from another thread
        if writer is not None:
            writer.submit(self._write_latest, op.key)
            return
        try:
            self.journal.upsert(op)
        except JournalError as exc:
            self._note_journal(exc)
        else:
            self._note_journal(None)

    def _note_journal(self, error: JournalError | None) -> None:
        """A failed write is reported; the next good write clears the report."""
        self.journal_problem = (
            None
            if error is None
            else f"{error} — changes are kept in memory only until the journal works again"
        )

    # -- watching ----------------------------------------------------------------

    def watch(
        self,
        activity_id: str,
        environment_id: str,
        *,
        kind: str = "operation",
        discovered: bool = True,
        started_at: datetime | None = None,
    ) -> TrackedOperation:
        """Track an operation started elsewhere (portal, pipeline) by its activity id."""
        for op in self.operations.values():
            if op.activity_id and op.activity_id.lower() == activity_id.lower():
                return op
        env = self.environments.get(environment_id)
        op = TrackedOperation.new(
            kind=kind,
            project_id=self.project_id,
            poll_environment_id=environment_id,
            environment_name=env.name if env else environment_id,
            activity_id=activity_id,
            status="NotStarted",
            requested_at=started_at or self.now(),
            started_at=started_at,
            discovered=discovered,
            profile=self.profile,
        )
        self._save(op)
        return op

    def forget(self, key: str) -> None:
        self.operations.pop(key, None)
        self._forgotten.add(key)
        writer = self._writer
        if self.journal is not None and writer is not None:
            writer.submit(self._write_latest, key)  # gone from memory: removed
        elif self.journal is not None:
            try:
                self.journal.remove(key)
            except JournalError as exc:
                self._note_journal(exc)
            else:
                self._note_journal(None)

    def active_operations(self) -> list[TrackedOperation]:
        """Operations worth asking LCS about on the next watch tick.

        Those with an activity id that have not finished (`poll` asks for
        their status), and those still waiting for reconciliation against the
        history (`poll` reads the history now and then — see
        `RECONCILE_CHECK_INTERVAL` — until they are found or proven absent).
        """
        return [
            op
            for op in self.operations.values()
            if op.needs_watching or (op.key not in self._in_flight and self._still_checking(op))
        ]

    async def poll(self, op: TrackedOperation) -> StatusChange | None:
        """Ask LCS about one operation; return the change, if any.

        With an activity id: its status. Without one (see `active_operations`):
        the environment's history, to reconcile it.
        """
        current = self.operations.get(op.key)
        if current is None:
            # Forgotten meanwhile (e.g. merged into the entry it duplicated):
            # polling it would bring it back.
            return None
        if current.activity_id is None:
            if op.key in self._in_flight or not current.needs_reconciling:
                return _change(op, current)
            env_id = current.poll_environment_id
            if self._history_is_stale(env_id, current):
                await self.load_recent_history(env_id)
            self._reconcile_environment(env_id)
            return _change(op, self.operations.get(op.key, current))
        if current.finished:
            return _change(op, current)
        try:
            report = await self.client.operation_status(
                self.project_id, current.poll_environment_id, current.activity_id
            )
        except LcsRejected as exc:
            if not current.discovered:
                raise
            # Watched by id, and LCS knows no such operation on that
            # environment (a mistyped id, or the wrong environment): stop.
            after = current.with_changes(
                status=NOT_FOUND,
                message=f"LCS knows no such operation on {current.environment_name}: "
                f"{exc.error_message} — check the id and the environment",
                finished_at=self.now(),
            )
            await self._save_soon(after)
            return _change(op, after)
        # A poll that raced with another change of the same operation (a
        # reconciliation, another poll) must not undo it.
        latest = self.operations.get(op.key)
        if latest is None:
            return None  # forgotten while LCS answered
        current = latest
        after = current.with_changes(status=report.status.word)
        if report.status.finished:
            after = after.with_changes(finished_at=report.completion_date or self.now())
        if after != current:
            await self._save_soon(after)
        return _change(op, after)

    def adopt_running_from_history(self, *, journal_read: bool = False) -> list[TrackedOperation]:
        """Watch refreshes and exports found running in the loaded history.

        `journal_read`: the caller has just taken in the journal
        (`read_journal`), so it is not read again here.
        """
        # Unresolved journal entries get first pick: a running operation in
        # the history may be the one whose answer was lost, and adopting it as
        # "discovered" would track it twice.
        self.reconcile_starting(journal_read=journal_read)
        adopted: list[TrackedOperation] = []
        known = {op.activity_id.lower() for op in self.operations.values() if op.activity_id}
        for env_id, entries in self.history.items():
            for h in entries:
                if (
                    h.is_database_operation
                    and h.activity_id
                    and h.activity_id.lower() not in known
                    and not h.status.finished
                ):
                    kind = "refresh" if h.type == HISTORY_TYPE_REFRESH else "export"
                    adopted.append(
                        self.watch(h.activity_id, env_id, kind=kind, started_at=h.started)
                    )
                    known.add(h.activity_id.lower())
        return adopted

    def reconcile_starting(self, *, journal_read: bool = False) -> list[TrackedOperation]:
        """Resolve entries without activity id against the loaded history.

        Covers "Starting" entries (the app stopped during the POST) and
        "OutcomeUnknown" ones (the answer was lost). A database operation of
        the same kind and environment that began around the request time and
        is not tracked yet is adopted with its activity id. Without a match,
        a "Starting" entry becomes "OutcomeUnknown" — but only once the
        history reaches back past the request and the request is older than
        `RECONCILE_GRACE`; an environment whose history is not loaded leaves
        its entries as they are. Nothing is ever sent again.

        Also picks up operations another copy of the app wrote to the journal
        meanwhile, unless `journal_read` says the caller just did
        (`read_journal`). Returns the entries that changed.
        """
        if not journal_read:
            self._merge_from_journal()
        changed: list[TrackedOperation] = []
        for env_id in {op.poll_environment_id for op in self._reconcilable()}:
            changed.extend(self._reconcile_environment(env_id))
        return changed

    async def reconcile(self) -> list[TrackedOperation]:
        """Read whatever history is missing, then `reconcile_starting()`.

        For callers that do not load every history anyway (scripting
        commands). Returns the entries that changed.
        """
        self._merge_from_journal()
        for env_id in sorted({op.poll_environment_id for op in self._reconcilable()}):
            if not self._history_covers(env_id, self._oldest_pending(env_id)):
                await self.load_recent_history(env_id)
        return self.reconcile_starting()

    # -- reconciliation internals -------------------------------------------------

    def _reconcilable(self) -> list[TrackedOperation]:
        return [
            op
            for op in self.operations.values()
            if op.needs_reconciling and op.key not in self._in_flight
        ]

    def _still_checking(self, op: TrackedOperation) -> bool:
        """Unresolved, and the history might still show it (see `_conclusive`)."""
        if not op.needs_reconciling:
            return False
        checked = checked_absent_at(op)
        if checked is None:
            return True
        # Proven absent long enough after the request: the operation would
        # have shown up by now. Reloading still re-checks, at no extra cost.
        return op.requested_at is not None and checked < op.requested_at + RECONCILE_AFTER

    def _history_is_stale(self, env_id: str, op: TrackedOperation) -> bool:
        """Whether watching should read `env_id`'s history again for `op`.

        Yes when none was read since an operation was requested there (it
        cannot show the operation), else at most every
        `reconcile_check_interval` real seconds: the history endpoint's limits
        are tight and shared with the app's own loading.
        """
        if self._starts_seen.get(env_id, -1) < self._starts_asked.get(env_id, 0):
            return True
        last = self._last_read.get(env_id)
        return last is None or self._monotonic() - last >= self.reconcile_check_interval

    def _oldest_pending(self, env_id: str) -> datetime | None:
        times = [
            op.requested_at
            for op in self._reconcilable()
            if op.poll_environment_id == env_id and op.requested_at is not None
        ]
        return min(times) if times else None

    def _history_covers(self, env_id: str, requested_at: datetime | None) -> bool:
        """The loaded history of `env_id` reaches back past a request at `requested_at`."""
        if env_id not in self.history:
            return False
        reach = self._history_reach.get(env_id)
        if reach is None or requested_at is None:
            return True
        return reach <= requested_at - RECONCILE_BEFORE

    def _reconcile_environment(self, env_id: str) -> list[TrackedOperation]:
        entries = self.history.get(env_id)
        if entries is None:
            return []  # not loaded (yet, or it failed): leave the entries as they are
        read_at = self._history_read_at.get(env_id, self.now())
        # Activity ids already claimed by operations started here. One that is
        # only watched as "discovered" (adopted from the history, or watched by
        # id by a user checking the portal) may still be this entry's own
        # operation: the entry takes it over, so it is not tracked twice.
        tracked = {
            op.activity_id.lower()
            for op in self.operations.values()
            if op.activity_id and not op.discovered
        }
        changed: list[TrackedOperation] = []
        pending = sorted(
            (op for op in self._reconcilable() if op.poll_environment_id == env_id),
            key=lambda op: op.requested_at or datetime.min,
        )
        for op in pending:
            fixed = self._reconcile_one(op, entries, tracked, read_at)
            if fixed is not None and fixed != op:
                self._save(fixed)
                changed.append(fixed)
        return changed

    def _reconcile_one(
        self,
        op: TrackedOperation,
        entries: list[HistoryEntry],
        tracked: set[str],
        read_at: datetime,
    ) -> TrackedOperation | None:
        wanted = HISTORY_TYPE_REFRESH if op.kind == "refresh" else HISTORY_TYPE_EXPORT
        match = find_match(entries, wanted, op, tracked)
        if match is not None and match.activity_id:
            activity = match.activity_id.lower()
            tracked.add(activity)
            found = "found in the environment history " + (
                "after a restart" if op.status == STARTING else "although LCS's answer was lost"
            )
            fixed = op.with_changes(
                activity_id=match.activity_id,
                status=match.status.word,
                started_at=match.started,
                finished_at=(match.ended or read_at) if match.status.finished else None,
                message=found,
            )
            duplicate = next(
                (
                    o
                    for o in self.operations.values()
                    if o.key != op.key and o.activity_id and o.activity_id.lower() == activity
                ),
                None,
            )
            if duplicate is not None:
                # Its status was polled, so it may be newer than the history's.
                fixed = fixed.with_changes(
                    status=duplicate.status, finished_at=duplicate.finished_at
                )
                self.forget(duplicate.key)
            return fixed
        return verdict_when_absent(
            op, read_at, covered=self._history_covers(op.poll_environment_id, op.requested_at)
        )

    async def read_journal(self) -> None:
        """`_merge_from_journal` with the file read in a thread (for event loops)."""
        if self.journal is None:
            return
        writer = self._writer
        try:
            if writer is not None:
                # Behind every queued write: a forgotten operation's removal
                # lands before the read, or the read would bring it back.
                stored = await asyncio.wrap_future(writer.submit(self.journal.load))
            else:
                stored = await asyncio.to_thread(self.journal.load)
        except JournalError as exc:
            self.journal_problem = str(exc)
            return
        self._merge_from_journal(stored)

    def _merge_from_journal(self, stored: list[TrackedOperation] | None = None) -> None:
        """Take in what another copy of the app (or a scripting command) journalled.

        Entries this process does not know are added. For a known one, the
        journal's version wins only when it knows more: an activity id where
        ours has none, or a final status where ours is still running.
        `stored`: the journal's entries when the caller has read them already.
        """
        if self.journal is None:
            return
        if stored is None:
            try:
                stored = self.journal.load()
            except JournalError as exc:
                self.journal_problem = str(exc)
                return
        for op in stored:
            if (
                op.profile != self.profile
                or op.project_id != self.project_id
                or op.key in self._forgotten
            ):
                continue
            mine = self.operations.get(op.key)
            if mine is None:
                if not self._duplicate_of_tracked(op):
                    self.operations[op.key] = op
            elif op.key not in self._in_flight and (
                (mine.activity_id is None and op.activity_id is not None)
                or (op.finished and not mine.finished)
            ):
                self.operations[op.key] = op

    def _duplicate_of_tracked(self, op: TrackedOperation) -> bool:
        if op.activity_id is None:
            return False
        wanted = op.activity_id.lower()
        return any(
            o.activity_id and o.activity_id.lower() == wanted for o in self.operations.values()
        )

    # -- environments ------------------------------------------------------------

    async def start_environment(self, environment_id: str) -> str | None:
        return (await self.client.start_environment(self.project_id, environment_id)).activity_id

    async def stop_environment(self, environment_id: str) -> str | None:
        return (await self.client.stop_environment(self.project_id, environment_id)).activity_id


def _change(before: TrackedOperation, after: TrackedOperation) -> StatusChange | None:
    return None if after == before else StatusChange(before, after)


def _oldest_start(entries: Iterable[HistoryEntry]) -> datetime | None:
    starts = [h.started for h in entries if h.started is not None]
    return min(starts) if starts else None


def _is_sign_in_error(exc: BaseException) -> bool:
    # Imported here: the service must not load MSAL and friends at import time.
    from lcs_tui.auth.errors import SignInError

    return isinstance(exc, SignInError)
