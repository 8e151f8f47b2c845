"""The Power Platform service: everything the app does with one tenant's unified environments.

The same ideas as ProjectService (lcs_tui/service/project.py), so the app's
panes, the journal, the checks and the scripting commands work alike for
both backends: environments (F&O ones unless asked), backups as restore
points, operations (copy, restore) with their stages, rules checked before
anything is sent (rules.py), busy environments from their operation lists,
and the journal: an operation is written before its POST, never re-sent,
and reconciled from the target's operation history after a crash or a lost
answer (reconcile.py, tracking.py).

Client-side waits never give up on an operation: a copy can take 8 to 24
hours, and nothing here times out; only the user (or `--timeout`) does.

This is the one class the app and the commands call, so it is longer than
most: the rules, the journal's bookkeeping, watching and reconciliation
live in their own modules, and it delegates to them.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timezone

from lcs_tui.api.errors import LcsError, OutcomeUnknown
from lcs_tui.ppac.client import PowerPlatformClient, Started, Validation
from lcs_tui.ppac.errors import PpAuthError, PpForbidden, PpNotFound
from lcs_tui.ppac.models import CopyCandidate, PpEnvironment
from lcs_tui.ppac.operation_models import PpBackup, PpOperation
from lcs_tui.ppac.reconcile import ACCEPTED, lost_answer
from lcs_tui.ppac.requests import CopyOptions, RestorePoint
from lcs_tui.ppac.rules import NO_BACPAC, Verdict, backup_problems, copy_verdict, restore_verdict
from lcs_tui.ppac.tracking import OperationBook
from lcs_tui.ppac.watching import HISTORY_CHECK_INTERVAL, OperationWatcher
from lcs_tui.service.busy import Busy
from lcs_tui.service.checks import Problem
from lcs_tui.service.journal import Journal, JournalError
from lcs_tui.service.operations import (
    EXTRA_OPTIONS,
    EXTRA_POLL_URL,
    EXTRA_RESTORE_POINT,
    NOT_STARTED_LOCALLY,
    OUTCOME_UNKNOWN,
    POWERPLATFORM,
    TrackedOperation,
)
from lcs_tui.service.project import ActionRefused, StatusChange

#: A validate-only call the service answers "202, poll here" is followed this long.
VALIDATION_LIMIT = 15 * 60.0
#: Environments whose Dataverse is asked UDE-or-USE at the same time.
DETAILS_AT_ONCE = 4

EXPORT_EXPLANATION = NO_BACPAC


def utc_now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


@dataclass(frozen=True, slots=True)
class ValidationResult:
    """What validate-only said (passed, or the service's reasons) and the client's notes."""

    passed: bool
    problems: tuple[str, ...]
    notes: tuple[str, ...]
    report: PpOperation | None = None


class PowerPlatformService:
    """One tenant's unified F&O environments (a Power Platform workspace)."""

    backend = POWERPLATFORM

    def __init__(
        self,
        client: PowerPlatformClient,
        *,
        profile: str = "default",
        journal: Journal | None = None,
        now: Callable[[], datetime] = utc_now,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        history_check_interval: float = HISTORY_CHECK_INTERVAL,
    ) -> None:
        self.client = client
        self.profile = profile
        self.now = now
        self._monotonic = monotonic
        self._sleep = sleep
        self.history_check_interval = history_check_interval
        self.book = OperationBook(journal, profile=profile)
        #: Environments shown (F&O ones, or all with include_all), and all listed.
        self.environments: dict[str, PpEnvironment] = {}
        self.all_environments: dict[str, PpEnvironment] = {}
        self.include_all = False
        #: What the last environment load could not do (BAP fallback, UDE/USE unknown).
        self.notes: list[str] = []
        self.candidates: dict[str, list[CopyCandidate]] = {}
        self.backups: dict[str, list[PpBackup]] = {}
        #: Polls, histories, busy environments and reconciliation (watching.py).
        self.watcher = OperationWatcher(
            client,
            self.book,
            profile=profile,
            now=now,
            monotonic=monotonic,
            name_of=lambda env_id: env.name if (env := self.environment(env_id)) else None,
            history_check_interval=history_check_interval,
        )
        if journal is not None:
            try:
                journal.prune(now())
            except JournalError as exc:
                self.book.journal_problem = str(exc)
            self.book.merge()

    # -- the journal, as ProjectService shows it --------------------------------------

    @property
    def journal(self) -> Journal | None:
        return self.book.journal

    @property
    def operations(self) -> dict[str, TrackedOperation]:
        return self.book.operations

    @property
    def journal_notice(self) -> str | None:
        return self.book.journal_notice

    @property
    def journal_problem(self) -> str | None:
        return self.book.journal_problem

    def write_journal_in_background(self) -> None:
        self.book.write_in_background()

    def close(self) -> None:
        self.book.close()

    async def read_journal(self) -> None:
        await self.book.read()

    def forget(self, key: str) -> None:
        self.book.forget(key)

    # -- environments --------------------------------------------------------------------

    async def load_environments(
        self, *, include_all: bool = False, details: bool = True
    ) -> list[PpEnvironment]:
        """The tenant's environments with F&O (all of them with `include_all`).

        The Power Platform API's list first; BAP's when that one cannot be
        read or leaves out the F&O metadata; Dataverse for UDE-or-USE.
        """
        self.notes = []
        try:
            listing = await self.client.list_environments()
            envs = list(listing.items)
        except (PpNotFound, PpForbidden) as exc:
            envs = await self._bap_instead(exc)
        else:
            if any(e.type is None or (e.has_finops and e.finops_type is None) for e in envs) or (
                envs and not any(e.has_finops for e in envs)
            ):
                envs = await self._enriched_by_bap(envs)
        if details:
            envs = await self._with_details(envs)
        self.all_environments = {e.id: e for e in envs}
        self.include_all = include_all
        shown = envs if include_all else [e for e in envs if e.has_finops]
        self.environments = {e.id: e for e in shown}
        return shown

    async def _bap_instead(self, exc: LcsError) -> list[PpEnvironment]:
        try:
            listing = await self.client.list_bap_environments()
        except LcsError:
            raise exc from None
        self.notes.append(
            f"the Power Platform API's environment list could not be read ({exc.message}); "
            "BAP's was used instead"
        )
        return list(listing.items)

    async def _enriched_by_bap(self, envs: list[PpEnvironment]) -> list[PpEnvironment]:
        try:
            bap = {e.id: e for e in (await self.client.list_bap_environments()).items}
        except (PpAuthError, PpForbidden, LcsError) as exc:
            self.notes.append(
                "the Power Platform API did not say which environments have finance and "
                f"operations apps, and BAP could not be asked ({exc.message})"
            )
            return envs
        return [e.enriched_by(bap[e.id]) if e.id in bap else e for e in envs]

    async def _with_details(self, envs: list[PpEnvironment]) -> list[PpEnvironment]:
        """Ask each unified environment's Dataverse for its F&O details (UDE or USE, version)."""
        gate = asyncio.Semaphore(DETAILS_AT_ONCE)
        failures: list[tuple[str, str]] = []

        async def one(env: PpEnvironment) -> PpEnvironment:
            # Every unified one: a sandbox's says UDE or USE, and each its F&O version.
            if not env.is_unified:
                return env
            known = self.all_environments.get(env.id)
            if known is not None and known.details is not None:
                return env.with_details(known.details)
            async with gate:
                try:
                    return env.with_details(await self.client.finops_details(env))
                except LcsError as exc:
                    failures.append((env.name, exc.message))
                    return env

        found = list(await asyncio.gather(*(one(e) for e in envs)))
        if failures:
            names = [name for name, _ in failures]
            shown = ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
            self.notes.append(
                f"could not read the F&O details (UDE or USE, version) of {shown}: "
                f"{failures[0][1]} (a service principal needs an application user in each "
                "environment's Dataverse)"
            )
        return found

    def environment(self, id_or_name: str) -> PpEnvironment | None:
        envs = self.all_environments or self.environments
        if id_or_name in envs:
            return envs[id_or_name]
        wanted = id_or_name.lower()
        return next(
            (e for e in envs.values() if e.name.lower() == wanted or e.id.lower() == wanted), None
        )

    def linked_to(self, lcs_environment_id: str) -> PpEnvironment | None:
        """The Power Platform environment linked to an LCS environment (for the TUI's jump)."""
        wanted = lcs_environment_id.replace("-", "").lower()
        return next(
            (
                e
                for e in self.all_environments.values()
                if (e.lcs_environment_id or "").replace("-", "").lower() == wanted
            ),
            None,
        )

    async def load_copy_candidates(self, source_id: str) -> list[CopyCandidate]:
        found = list((await self.client.copy_candidates(source_id)).items)
        self.candidates[source_id] = found
        return found

    # -- history and busy ------------------------------------------------------------

    # -- copy --------------------------------------------------------------------------------

    def copy_verdict(self, source_id: str, target_id: str) -> Verdict:
        source, target = self.environment(source_id), self.environment(target_id)
        if source is None or target is None:
            return Verdict([Problem("unknown environment; reload the environment list")], [])
        listed = self.candidates.get(source.id)
        return copy_verdict(
            source,
            target,
            busy=self.watcher.busy_environments(),
            candidates=None if listed is None else {c.environment_id for c in listed},
        )

    async def validate_copy(
        self, source_id: str, target_id: str, options: CopyOptions
    ) -> ValidationResult:
        """The checks, then Power Platform's validate-only call; nothing is started."""
        verdict = self._allowed(self.copy_verdict(source_id, target_id))
        source, target = self._pair(source_id, target_id)
        validation = await self.client.validate_copy(source.id, target.id, options)
        return await self._settle_validation(validation, verdict)

    async def start_copy(
        self, source_id: str, target_id: str, options: CopyOptions, *, key: str | None = None
    ) -> TrackedOperation:
        """Start the copy: checked, journalled before the POST, sent once.

        `key`: the journal key to use (a job step records it before asking)."""
        self._allowed(self.copy_verdict(source_id, target_id))
        source, target = self._pair(source_id, target_id)
        op = TrackedOperation.new(
            key,
            kind="copy",
            project_id=0,
            poll_environment_id=target.id,
            environment_name=target.name,
            source_name=source.name,
            source_environment_id=source.id,
            requested_at=self.now(),
            profile=self.profile,
            backend=POWERPLATFORM,
            extra={EXTRA_OPTIONS: options.to_json()},
        )
        return await self._start(op, lambda: self.client.start_copy(source.id, target.id, options))

    # -- restore -------------------------------------------------------------------------

    def restore_verdict(self, source_id: str, target_id: str, point: RestorePoint) -> Verdict:
        source, target = self.environment(source_id), self.environment(target_id)
        if source is None or target is None:
            return Verdict([Problem("unknown environment; reload the environment list")], [])
        return restore_verdict(
            source, target, point.moment, now=self.now(), busy=self.watcher.busy_environments()
        )

    async def validate_restore(
        self, source_id: str, target_id: str, point: RestorePoint, *, skip_audit_data: bool = True
    ) -> ValidationResult:
        verdict = self._allowed(self.restore_verdict(source_id, target_id, point))
        source, target = self._pair(source_id, target_id)
        validation = await self.client.validate_restore(
            source.id, target.id, point, skip_audit_data=skip_audit_data
        )
        return await self._settle_validation(validation, verdict)

    async def start_restore(
        self,
        source_id: str,
        target_id: str,
        point: RestorePoint,
        *,
        skip_audit_data: bool = True,
        key: str | None = None,
    ) -> TrackedOperation:
        self._allowed(self.restore_verdict(source_id, target_id, point))
        source, target = self._pair(source_id, target_id)
        op = TrackedOperation.new(
            key,
            kind="restore",
            project_id=0,
            poll_environment_id=target.id,
            environment_name=target.name,
            source_name=source.name,
            source_environment_id=source.id,
            backup_name=point.backup_label,
            requested_at=self.now(),
            profile=self.profile,
            backend=POWERPLATFORM,
            extra={
                EXTRA_RESTORE_POINT: point.wire,
                EXTRA_OPTIONS: {"skip_audit_data": skip_audit_data},
            },
        )
        return await self._start(
            op,
            lambda: self.client.start_restore(
                source.id, target.id, point, skip_audit_data=skip_audit_data
            ),
        )

    # -- backups -----------------------------------------------------------------------------

    async def load_backups(self, environment_id: str) -> list[PpBackup]:
        """System and manual backups, newest first, with their expiry."""
        found = list((await self.client.list_backups(environment_id)).items)
        found.sort(key=lambda b: b.point or datetime.min, reverse=True)
        self.backups[environment_id] = found
        return found

    def backup_problems(self, environment_id: str, label: str) -> list[Problem]:
        env = self.environment(environment_id)
        if env is None:
            return [Problem("unknown environment; reload the environment list")]
        return backup_problems(env, label)

    async def create_backup(self, environment_id: str, label: str) -> PpBackup | None:
        """A manual backup (a label and a point in time, kept in the cloud). Sent once."""
        problems = self.backup_problems(environment_id, label)
        if problems:
            raise ActionRefused(problems)
        made = await self.client.create_backup(environment_id, label)
        if made is not None:
            self.backups.setdefault(environment_id, []).insert(0, made)
        return made

    async def delete_backup(self, environment_id: str, backup_id: str) -> None:
        await self.client.delete_backup(environment_id, backup_id)
        kept = [b for b in self.backups.get(environment_id, []) if b.id != backup_id]
        self.backups[environment_id] = kept

    def export_explanation(self) -> str:
        """Why there is no export or download here (§4.4), in plain words."""
        return EXPORT_EXPLANATION

    # -- starting ---------------------------------------------------------------------------

    def _allowed(self, verdict: Verdict) -> Verdict:
        if verdict.problems:
            raise ActionRefused(verdict.problems)
        return verdict

    def _pair(self, source_id: str, target_id: str) -> tuple[PpEnvironment, PpEnvironment]:
        source, target = self.environment(source_id), self.environment(target_id)
        assert source is not None and target is not None  # the verdict checked them
        return source, target

    async def _start(
        self, op: TrackedOperation, send: Callable[[], Awaitable[Started]]
    ) -> TrackedOperation:
        try:
            # Durable before the POST: a crash during the call leaves evidence
            # that is reconciled with the history, never a second request.
            await self.book.record_before_sending(op)
        except JournalError as exc:
            problem = f"the operation journal cannot be written, so nothing was sent: {exc}"
            raise ActionRefused([Problem(problem)]) from exc
        self.book.in_flight.add(op.key)
        env_id = op.poll_environment_id
        self.watcher.note_start(env_id)
        try:
            started = await send()
        except OutcomeUnknown as exc:
            await self.book.save_soon(
                op.with_changes(status=OUTCOME_UNKNOWN, message=lost_answer(op, exc.message))
            )
            raise
        except LcsError as exc:
            # Refused (400, 403, 409) or never sent: nothing started.
            await self.book.save_soon(
                op.with_changes(
                    status=NOT_STARTED_LOCALLY, message=str(exc), finished_at=self.now()
                )
            )
            raise
        except BaseException as exc:
            if _is_sign_in_error(exc):
                after = op.with_changes(
                    status=NOT_STARTED_LOCALLY, message=str(exc), finished_at=self.now()
                )
            else:
                what = (
                    "lcs-tui was interrupted while Power Platform was being asked to start it"
                    if isinstance(exc, asyncio.CancelledError)
                    else f"the request failed unexpectedly after it may have arrived ({exc})"
                )
                after = op.with_changes(status=OUTCOME_UNKNOWN, message=lost_answer(op, what))
            await self.book.save_soon(after)
            raise
        finally:
            self.book.in_flight.discard(op.key)
        return await self._accepted(op, started)

    async def _accepted(self, op: TrackedOperation, started: Started) -> TrackedOperation:
        url = self.client.usable_poll_url(started.poll_url)
        message = None
        if started.poll_url and url is None:
            message = "its status URL pointed off this profile's hosts and is not used"
        if url is None and started.operation_id:
            url = self.client.operation_url(op.poll_environment_id, started.operation_id)
        status = "Queued" if started.operation_id else ACCEPTED
        if started.report is not None:
            status = started.report.status.word
        op = op.with_changes(
            activity_id=started.operation_id,
            status=status,
            started_at=self.now(),
            message=message,
            extra={**op.extra, EXTRA_POLL_URL: url},
        )
        if started.report is not None:
            op = self.watcher.apply(op, started.report)
        if started.retry_after is not None:
            self.watcher.poll_waits[op.key] = started.retry_after
        await self.book.save_soon(op)
        return op

    async def _settle_validation(
        self, validation: Validation, verdict: Verdict
    ) -> ValidationResult:
        report = validation.report
        passed = validation.passed
        url = self.client.usable_poll_url(validation.poll_url)
        began = self._monotonic()
        waited = 0.0
        while passed is None and url is not None:
            if waited >= VALIDATION_LIMIT or self._monotonic() - began >= VALIDATION_LIMIT:
                raise LcsError(
                    "Power Platform's validation did not finish within 15 minutes; nothing "
                    "was started",
                    hint="try again later",
                )
            wait = max(2.0, validation.retry_after or 2.0)
            await self._sleep(wait)
            waited += wait
            poll = await self.client.poll(url)
            if poll.state == "gone":
                passed = True
            elif poll.report is not None and poll.report.status.finished:
                report = poll.report
                passed = report.status.outcome.value == "succeeded"
        problems: tuple[str, ...] = ()
        if passed is False:
            problems = (report.error if report and report.error else "the validation failed",)
        return ValidationResult(
            bool(passed) if passed is not None else True, problems, tuple(verdict.notes), report
        )

    # -- watching ---------------------------------------------------------------------------

    @property
    def history(self) -> dict[str, list[PpOperation]]:
        return self.watcher.history

    async def load_history(self, environment_id: str, *, pages: int = 1) -> list[PpOperation]:
        """The environment's operations, newest first (see OperationWatcher.load_history)."""
        return await self.watcher.load_history(environment_id, pages=pages)

    def loaded_history(self, environment_id: str) -> list[PpOperation] | None:
        return self.watcher.loaded_history(environment_id)

    def busy_environments(self) -> dict[str, Busy]:
        return self.watcher.busy_environments()

    def busy_environment_ids(self) -> set[str]:
        return set(self.watcher.busy_environments())

    def active_operations(self) -> list[TrackedOperation]:
        return self.watcher.active_operations()

    def next_poll_in(self, op: TrackedOperation, default: float) -> float:
        return self.watcher.next_poll_in(op, default)

    async def poll(self, op: TrackedOperation) -> StatusChange | None:
        return await self.watcher.poll(op)

    def watch(
        self,
        operation_id: str,
        environment_id: str,
        *,
        kind: str = "operation",
        discovered: bool = True,
        started_at: datetime | None = None,
    ) -> TrackedOperation:
        return self.watcher.watch(
            operation_id, environment_id, kind=kind, discovered=discovered, started_at=started_at
        )

    def adopt_running_from_history(self) -> list[TrackedOperation]:
        return self.watcher.adopt_running_from_history()

    def reconcile_starting(self) -> list[TrackedOperation]:
        return self.watcher.reconcile_starting()

    async def reconcile(self) -> list[TrackedOperation]:
        return await self.watcher.reconcile()


def _is_sign_in_error(exc: BaseException) -> bool:
    from lcs_tui.auth.errors import SignInError

    return isinstance(exc, SignInError)


__all__ = ["ActionRefused", "PowerPlatformService", "StatusChange", "ValidationResult"]
