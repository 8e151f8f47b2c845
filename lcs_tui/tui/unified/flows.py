"""What a Power Platform workspace's keys do: copy, restore, back up, delete.

Nothing is sent that has not been checked here (the §3.4 direction rules,
busy targets, retention, labels), validated by Power Platform
(validate-only), seen with its consequences and confirmed by typing the
target's name. The service journals a start before its POST and never sends
it twice (lcs_tui/ppac/service.py).
"""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable
from typing import TYPE_CHECKING

from textual import on, work
from textual.widgets import DataTable

from lcs_tui.api import LcsError, OutcomeUnknown
from lcs_tui.jobs.model import Copy
from lcs_tui.ppac.models import PpEnvironment
from lcs_tui.ppac.operation_models import PpBackup
from lcs_tui.ppac.service import ValidationResult
from lcs_tui.service.project import ActionRefused
from lcs_tui.tui.jobs_pane import JobsPaneKeys
from lcs_tui.tui.unified.tables import UnifiedBackupsTable, environment_order
from lcs_tui.tui.widgets.operations import OperationsTable
from lcs_tui.tui.widgets.request_log import RequestLog

if TYPE_CHECKING:
    from lcs_tui.jobs import Schedule
    from lcs_tui.ppac.service import PowerPlatformService
    from lcs_tui.service.operations import TrackedOperation
    from lcs_tui.tui.unified.runtime import UnifiedRuntime


class UnifiedFlows(JobsPaneKeys):
    """The base of the Power Platform workspace's screen, which draws."""

    runtime: UnifiedRuntime

    def __init__(self, runtime: UnifiedRuntime) -> None:
        super().__init__(name=runtime.name)
        self.runtime = runtime
        self.workspace = runtime.workspace
        self.pp: PowerPlatformService = runtime.pp

    def highlighted_env(self) -> PpEnvironment | None:
        raise NotImplementedError

    def show_environments(self) -> None:
        raise NotImplementedError

    def show_backups(self) -> None:
        raise NotImplementedError

    def _environments(self) -> list[PpEnvironment]:
        return environment_order([e for e in self.pp.environments.values() if e.has_finops])

    def _need_environments(self) -> bool:
        if self.pp.environments:
            return True
        self.notify("The environments are not loaded yet.", severity="warning")
        return False

    def highlighted_backup(self) -> PpBackup | None:
        env = self.highlighted_env()
        backup_id = self.query_one(UnifiedBackupsTable).highlighted_id
        if env is None or backup_id is None:
            return None
        return next((b for b in self.pp.backups.get(env.id, []) if b.id == backup_id), None)

    # -- copy ------------------------------------------------------------------------------

    def action_copy(self) -> None:
        if self._need_environments():
            env = self.highlighted_env()
            self._copy(env.id if env is not None else None)

    @work(group="copy", exclusive=True)
    async def _copy(self, source_id: str | None) -> None:
        from lcs_tui.tui.unified.consequences import copy_consequences
        from lcs_tui.tui.unified.dialogs import CopyPicker, TypedConfirm

        pp = self.pp
        if source_id is not None and source_id not in pp.candidates:
            # The targets Power Platform lists for it, which the checks use;
            # without them the checks go on and validate-only decides.
            with contextlib.suppress(LcsError):
                await pp.load_copy_candidates(source_id)
        picker = CopyPicker(self._environments(), pp.copy_verdict, source_id)
        if not await self.app.push_screen_wait(picker) or picker.chosen is None:
            return
        choice = picker.chosen
        source, target = pp.environment(choice.source_id), pp.environment(choice.target_id)
        assert source is not None and target is not None
        result = await self._validated(
            "copy", pp.validate_copy(choice.source_id, choice.target_id, choice.options)
        )
        if result is None:
            return
        confirm = TypedConfirm(
            f"Copy {source.name} over {target.name}?",
            copy_consequences(source, target, choice.options, result.notes),
            target.name,
            f"Copy over {target.name}",
            job_verb="copy" if self.jobs_offered else "",
        )
        if not await self.app.push_screen_wait(confirm):
            return
        if confirm.job is not None:
            options = choice.options
            step = Copy(
                source.name,
                target.name,
                options.copy_type,
                skip_audit_data=options.skip_audit_data,
            )
            self._plan(step, *confirm.job)
            return
        await self._start("Copy", pp.start_copy(choice.source_id, choice.target_id, choice.options))

    # -- restore ---------------------------------------------------------------------------

    def action_restore(self) -> None:
        env = self.highlighted_env()
        if not self._need_environments():
            return
        if env is None:
            self.notify("Highlight the environment whose backup to restore.", severity="warning")
            return
        self._restore(env, self.highlighted_backup())

    @work(group="restore", exclusive=True)
    async def _restore(self, source: PpEnvironment, backup: PpBackup | None) -> None:
        from lcs_tui.tui.unified.consequences import restore_consequences
        from lcs_tui.tui.unified.dialogs import RestorePicker, TypedConfirm

        pp = self.pp
        picker = RestorePicker(
            source,
            self._environments(),
            lambda target_id, point: pp.restore_verdict(source.id, target_id, point),
            backup,
            pp.now(),
        )
        if not await self.app.push_screen_wait(picker) or picker.chosen is None:
            return
        choice = picker.chosen
        target = pp.environment(choice.target_id)
        assert target is not None
        result = await self._validated(
            "restore", pp.validate_restore(source.id, choice.target_id, choice.point)
        )
        if result is None:
            return
        confirm = TypedConfirm(
            f"Restore {source.name} into {target.name}?",
            restore_consequences(source, target, choice.point, result.notes),
            target.name,
            f"Restore into {target.name}",
        )
        if await self.app.push_screen_wait(confirm):
            await self._start(
                "Restore", pp.start_restore(source.id, choice.target_id, choice.point)
            )

    # -- a copy as a job -------------------------------------------------------------------

    @property
    def jobs_offered(self) -> bool:
        return self.jobs is not None and not self.workspace.read_only

    def _plan(self, step: Copy, schedule: Schedule, name: str) -> None:
        """The job's plan, checked by the same rules as `lcs-tui job add --copy`."""
        from lcs_tui.jobs import Job, JobError, plan_job

        job = Job(name, self.workspace.profile.name, (step,), schedule, notify=("desktop",))
        try:
            plan = plan_job(job, self.pp, now=self.pp.now())
        except JobError as exc:
            hint = f" {exc.hint}" if exc.hint else ""
            self.notify(f"{exc.message}.{hint}", title="Job not saved", severity="error")
            return
        self.offer_plan(plan, step.target)

    # -- validating and starting -----------------------------------------------------------

    async def _validated(
        self, what: str, asking: Awaitable[ValidationResult]
    ) -> ValidationResult | None:
        """Power Platform's validate-only answer; None (and said why) when it did not pass."""
        from lcs_tui.tui.screens.signin import ErrorDialog

        self.notify(
            f"Asking Power Platform to validate the {what} (nothing starts yet)…", timeout=3
        )
        try:
            result = await asking
        except ActionRefused as exc:
            self.notify(
                "\n".join(p.message for p in exc.problems), title="Not sent", severity="error"
            )
            return None
        except LcsError as exc:
            await self.app.push_screen_wait(
                ErrorDialog(
                    f"The {what} could not be validated", exc.message, exc.hint, retry_label=None
                )
            )
            return None
        if result.passed:
            return result
        lines = [f"✘ {p}" for p in result.problems] + [f"ℹ {n}" for n in result.notes]
        await self.app.push_screen_wait(
            ErrorDialog(
                f"Power Platform refused the {what}",
                "\n".join(lines) or "It gave no reason.",
                "Nothing was started. Choose another target, or fix what it names.",
                retry_label=None,
            )
        )
        return None

    async def _start(self, title: str, starting: Awaitable[TrackedOperation]) -> None:
        from lcs_tui.tui.screens.signin import ErrorDialog

        try:
            op = await starting
        except ActionRefused as exc:
            self.notify("\n".join(p.message for p in exc.problems), title=title, severity="error")
            return
        except LcsError as exc:
            heading = (
                "Outcome unknown — check before retrying"
                if isinstance(exc, OutcomeUnknown)
                else f"Power Platform refused the {title.lower()}"
            )
            self.runtime.operations_changed()  # an unknown outcome is shown, and reconciled
            await self.app.push_screen_wait(
                ErrorDialog(heading, exc.message, exc.hint, retry_label=None)
            )
            return
        self.runtime.operations_changed()
        self.runtime.every_second()  # a journal problem, said at once
        self.notify(
            f"{op.title()} started; watched through its stages. "
            f"Operation id {op.activity_id or 'not given yet'}.",
            title=title,
        )

    # -- backups ---------------------------------------------------------------------------

    def action_create_backup(self) -> None:
        env = self.highlighted_env()
        if env is None:
            self.notify("Highlight the environment to back up.", severity="warning")
            return
        self._create_backup(env)

    @work(group="backup", exclusive=True)
    async def _create_backup(self, env: PpEnvironment) -> None:
        from lcs_tui.tui.screens.signin import ErrorDialog
        from lcs_tui.tui.unified.dialogs import BackupDialog

        dialog = BackupDialog(env, lambda label: self.pp.backup_problems(env.id, label))
        if not await self.app.push_screen_wait(dialog):
            return
        try:
            made = await self.pp.create_backup(env.id, dialog.label)
        except ActionRefused as exc:
            self.notify("\n".join(p.message for p in exc.problems), severity="error")
            return
        except LcsError as exc:
            await self.app.push_screen_wait(
                ErrorDialog("The backup was not made", exc.message, exc.hint, retry_label=None)
            )
            return
        self.notify(
            f"Backup “{dialog.label}” of {env.name} made"
            + (
                f" (point in time {made.point:%Y-%m-%d %H:%M} UTC)." if made and made.point else "."
            ),
            title="Backed up",
        )
        self.runtime.read_backups(env.id, again=True)

    def action_delete_backup(self) -> None:
        env, backup = self.highlighted_env(), self.highlighted_backup()
        if env is None or backup is None:
            return
        if not backup.is_manual:
            self.notify(
                "System backups are made and removed by Power Platform itself; only manual "
                "(labelled) backups can be deleted.",
                severity="warning",
            )
            return
        self._delete_backup(env, backup)

    @work(group="backup", exclusive=True)
    async def _delete_backup(self, env: PpEnvironment, backup: PpBackup) -> None:
        from lcs_tui.tui.screens.common import ConfirmDialog
        from lcs_tui.tui.screens.signin import ErrorDialog

        ask = ConfirmDialog(
            f"Delete the backup {backup.shown_name}?",
            f"The manual backup {backup.shown_name} of {env.name} is deleted in Power "
            "Platform; it cannot be restored afterwards.",
            confirm_label="Delete",
            variant="error",
        )
        if not await self.app.push_screen_wait(ask):
            return
        try:
            await self.pp.delete_backup(env.id, backup.id)
        except LcsError as exc:
            await self.app.push_screen_wait(
                ErrorDialog("The backup was not deleted", exc.message, exc.hint, retry_label=None)
            )
            return
        self.notify(f"Backup {backup.shown_name} of {env.name} deleted.", title="Deleted")
        self.show_backups()
        self.runtime.read_backups(env.id, again=True)

    # -- the rest --------------------------------------------------------------------------

    def action_all_environments(self) -> None:
        self.pp.include_all = not self.pp.include_all
        self.notify(
            "Showing every environment of the tenant (reloading)."
            if self.pp.include_all
            else "Showing the environments with finance and operations apps (reloading)."
        )
        self.runtime.reload()

    def action_no_export(self) -> None:
        from lcs_tui.tui.screens.common import TextPage

        self.app.push_screen(TextPage("No export or download here", self.pp.export_explanation()))

    def action_forget_operation(self) -> None:
        key = self.query_one(OperationsTable).highlighted_key
        op = self.pp.operations.get(key) if key else None
        if op is None:
            return
        if not op.finished:
            self.notify(
                f"{op.title()} still runs; it is watched until it ends (Power Platform "
                "cannot cancel a copy or restore).",
                severity="warning",
            )
            return
        self.pp.forget(op.key)
        self.runtime.operations_changed()

    def action_reload(self) -> None:
        self.runtime.reload()

    def action_toggle_log(self) -> None:
        self.query_one(RequestLog).toggle_class("visible")

    def action_zoom(self) -> None:
        if self.maximized is not None:
            self.minimize()
        elif self.focused is not None:
            self.maximize(self.focused)

    @on(DataTable.RowSelected, "#environments-table")
    def _environment_selected(self, event: DataTable.RowSelected) -> None:
        """Enter on an LCS-linked environment: that LCS workspace, at its row, when open."""
        env = self.pp.environments.get(str(event.row_key.value))
        if env is None or env.lcs_environment_id is None:
            return
        show = getattr(self.app, "show_linked_lcs_environment", None)
        if show is None or not show(env.lcs_environment_id):
            self.notify(
                f"{env.name} is an LCS environment (id {env.lcs_environment_id}); open the LCS "
                "project's profile (p) to see it there.",
            )
