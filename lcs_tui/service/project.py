"""The project service: everything the app does with one LCS project.

It keeps what LCS last said (environments, backups, recent history), the
operations the user started or watches, and applies the safety rules:
client-side checks before any operation-starting call, the journal written
before the POST, never a retry of that POST, reconciliation after a crash.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from lcs_tui.api import (
    DatabaseBackup,
    Environment,
    HistoryEntry,
    LcsClient,
    LcsConnectionError,
    LcsError,
    LcsRejected,
    Outcome,
    OutcomeUnknown,
)
from lcs_tui.api.models import HISTORY_TYPE_EXPORT, HISTORY_TYPE_REFRESH
from lcs_tui.service.checks import Problem, export_problems, refresh_problems
from lcs_tui.service.journal import Journal
from lcs_tui.service.operations import (
    NOT_STARTED_LOCALLY,
    OUTCOME_UNKNOWN,
    STARTING,
    TrackedOperation,
)
from lcs_tui.service.quota import QUOTA_WINDOW, Quota, compute_quota

#: How many history pages to read when looking for the last 24 hours.
HISTORY_PAGES_FOR_QUOTA = 3
#: A "Starting" entry matches a history entry that began within this window.
RECONCILE_BEFORE = timedelta(minutes=10)
RECONCILE_AFTER = timedelta(minutes=60)


def utc_now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


class ActionRefused(Exception):
    """The client-side checks found reasons not to send the request."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(p.message for p in problems))
        self.problems = problems


@dataclass(frozen=True, slots=True)
class StatusChange:
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
        if journal is not None:
            for op in journal.load():
                if op.profile == profile and op.project_id == project_id:
                    self.operations[op.key] = op

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
        """History entries of (at least) the last 24 hours, for quota and busy checks."""
        entries: list[HistoryEntry] = []
        horizon = self.now() - QUOTA_WINDOW
        page_number = 0
        async for entry in self.client.iter_history(
            self.project_id, environment_id, max_pages=HISTORY_PAGES_FOR_QUOTA
        ):
            entries.append(entry)
            page_number += 1
            # History comes newest first in practice; stop once past the window
            # (the documentation does not promise an order, hence "in practice").
            if entry.started is not None and entry.started < horizon and len(entries) > 20:
                break
        self.history[environment_id] = entries
        return entries

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
        if environment_id not in self.history:
            return None
        starts: list[tuple[str | None, datetime]] = [
            (h.activity_id, h.started)
            for h in self.history[environment_id]
            if h.is_database_operation and h.started is not None
        ]
        # Operations started here a moment ago may not be in the history yet.
        for op in self.operations.values():
            when = op.started_at or op.requested_at
            if (
                op.poll_environment_id == environment_id
                and when is not None
                and op.status != NOT_STARTED_LOCALLY
            ):
                starts.append((op.activity_id, when))
        return compute_quota(starts, now=self.now())

    def busy_environment_ids(self) -> set[str]:
        busy = {
            op.poll_environment_id
            for op in self.operations.values()
            if not op.finished and op.status != OUTCOME_UNKNOWN
        }
        for op in self.operations.values():
            if op.kind == "refresh" and not op.finished and op.source_environment_id:
                busy.add(op.source_environment_id)
        recent = self.now() - QUOTA_WINDOW
        for env_id, entries in self.history.items():
            for h in entries:
                if h.started and h.started >= recent and h.status.outcome is Outcome.RUNNING:
                    busy.add(env_id)
        return busy

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
            busy=self.busy_environment_ids(),
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
            busy=self.busy_environment_ids(),
            existing_names={b.name.lower() for b in self.backups},
        )

    # -- starting operations -----------------------------------------------------

    async def start_refresh(self, source_id: str, target_id: str) -> TrackedOperation:
        problems = self.refresh_problems(source_id, target_id)
        if problems:
            raise ActionRefused(problems)
        source, target = self.environments[source_id], self.environments[target_id]
        op = TrackedOperation.new(
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

    async def start_export(self, environment_id: str, backup_name: str) -> TrackedOperation:
        problems = self.export_problems(environment_id, backup_name)
        if problems:
            raise ActionRefused(problems)
        env = self.environments[environment_id]
        op = TrackedOperation.new(
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

    async def _start(self, op: TrackedOperation, send: Callable[[], object]) -> TrackedOperation:
        # Written *before* the POST: if the app dies during the call, the entry
        # is reconciled against the history on the next start, never re-sent.
        self._save(op)
        try:
            started = await send()  # type: ignore[misc]
        except OutcomeUnknown as exc:
            self._save(op.with_changes(status=OUTCOME_UNKNOWN, message=str(exc)))
            raise
        except (LcsRejected, LcsConnectionError, LcsError) as exc:
            self._save(
                op.with_changes(
                    status=NOT_STARTED_LOCALLY, message=str(exc), finished_at=self.now()
                )
            )
            raise
        op = op.with_changes(
            activity_id=started.activity_id, status="NotStarted", started_at=self.now()
        )
        self._save(op)
        return op

    def _save(self, op: TrackedOperation) -> None:
        self.operations[op.key] = op
        if self.journal is not None:
            self.journal.upsert(op)

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
        if self.journal is not None:
            self.journal.remove(key)

    def active_operations(self) -> list[TrackedOperation]:
        return [op for op in self.operations.values() if op.needs_watching]

    async def poll(self, op: TrackedOperation) -> StatusChange | None:
        """Ask LCS for one operation's status; return the change, if any."""
        if op.activity_id is None:
            return None
        report = await self.client.operation_status(
            self.project_id, op.poll_environment_id, op.activity_id
        )
        after = op.with_changes(status=report.status.word)
        if report.status.finished:
            after = after.with_changes(finished_at=report.completion_date or self.now())
        if after == op:
            return None
        self._save(after)
        return StatusChange(op, after)

    def adopt_running_from_history(self) -> list[TrackedOperation]:
        """Watch refreshes and exports found running in the loaded history."""
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

    def reconcile_starting(self) -> list[TrackedOperation]:
        """Resolve "Starting" entries left by a crash during the POST.

        Uses the loaded history of each entry's environment: a database
        operation of the same kind that began around the request time and is
        not tracked yet is adopted; otherwise the entry becomes "outcome
        unknown". Nothing is ever sent again.
        """
        resolved: list[TrackedOperation] = []
        tracked = {op.activity_id.lower() for op in self.operations.values() if op.activity_id}
        for op in list(self.operations.values()):
            if op.status != STARTING or op.activity_id is not None:
                continue
            entries = self.history.get(op.poll_environment_id)
            if entries is None:
                continue
            wanted = HISTORY_TYPE_REFRESH if op.kind == "refresh" else HISTORY_TYPE_EXPORT
            match = _find_match(entries, wanted, op.requested_at, tracked)
            if match is not None and match.activity_id:
                fixed = op.with_changes(
                    activity_id=match.activity_id,
                    status=match.status.word,
                    started_at=match.started,
                    message="found in the environment history after a restart",
                )
                tracked.add(match.activity_id.lower())
            else:
                fixed = op.with_changes(
                    status=OUTCOME_UNKNOWN,
                    message="the app stopped while starting this operation and LCS's history "
                    "shows no matching operation; check the LCS portal before retrying",
                )
            self._save(fixed)
            resolved.append(fixed)
        return resolved

    # -- environments ------------------------------------------------------------

    async def start_environment(self, environment_id: str) -> str | None:
        return (await self.client.start_environment(self.project_id, environment_id)).activity_id

    async def stop_environment(self, environment_id: str) -> str | None:
        return (await self.client.stop_environment(self.project_id, environment_id)).activity_id


def _find_match(
    entries: Iterable[HistoryEntry],
    wanted_type: str,
    requested_at: datetime | None,
    tracked: set[str],
) -> HistoryEntry | None:
    if requested_at is None:
        return None
    for h in entries:
        if (
            h.type == wanted_type
            and h.started is not None
            and h.activity_id
            and h.activity_id.lower() not in tracked
            and requested_at - RECONCILE_BEFORE <= h.started <= requested_at + RECONCILE_AFTER
        ):
            return h
    return None
