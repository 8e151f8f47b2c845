"""What the keys of a workspace do: the dialogs, the checks, the starts.

A mixin of the workspace screen (workspace_screen.py), which provides the
runtime, the service and the panes. Every start goes through the service,
which checks first, journals before the POST and never sends one twice.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import TYPE_CHECKING, Any

from textual import on, work
from textual.css.query import NoMatches
from textual.widgets import DataTable

from lcs_tui.api import Environment, LcsError, LcsRejected, OutcomeUnknown, QuotaExceeded
from lcs_tui.service.operations import TrackedOperation
from lcs_tui.service.project import ActionRefused
from lcs_tui.tui.screen_base import WorkspaceScreenBase
from lcs_tui.tui.widgets.backups import BackupsPane
from lcs_tui.tui.widgets.operations import OperationsTable
from lcs_tui.tui.widgets.request_log import RequestLog

if TYPE_CHECKING:
    from lcs_tui.service.project import ProjectService
    from lcs_tui.tui.controllers.runtime import WorkspaceRuntime
    from lcs_tui.tui.screens.job_options import JobRequest
    from lcs_tui.tui.widgets.downloads import DownloadsPanel
    from lcs_tui.workspace import Workspace

#: Seconds (at the 30 s poll interval of real LCS) after which a started or
#: stopped environment is looked at again.
ENVIRONMENT_RECHECKS = (20.0, 40.0, 60.0, 120.0, 240.0)
DEFAULT_POLL = 30.0


class OperationFlows(WorkspaceScreenBase):
    """The base of the workspace screen, which sets these and draws."""

    runtime: WorkspaceRuntime
    service: ProjectService
    workspace: Workspace
    panes_shown: bool

    def highlighted_env(self) -> Environment | None:
        raise NotImplementedError

    @property
    def jobs_offered(self) -> bool:
        """Whether the refresh dialog offers to make a job (job_flows.py)."""
        return False

    def plan_refresh_job(
        self, request: JobRequest, source: Environment, target: Environment
    ) -> None:
        raise NotImplementedError

    def show_environments(self) -> None:
        raise NotImplementedError

    # -- helpers --------------------------------------------------------------------------

    def _envs(self) -> list[Environment]:
        return list(self.service.environments.values())

    def _quota_label(self, env: Environment) -> str:
        quota = self.service.quota(env.id) if env.is_sandbox else None
        return quota.describe() if quota else ""

    def _need_environments(self) -> bool:
        if not self.service.environments:
            self.notify("The environments are not loaded yet.", severity="warning")
            return False
        return True

    # -- refresh and export ---------------------------------------------------------------

    def action_refresh(self) -> None:
        from lcs_tui.tui.screens.refresh import RefreshConfirm, RefreshPicker

        if not self._need_environments():
            return
        envs = self._envs()
        highlighted = self.highlighted_env()
        source = next((e.id for e in envs if e.is_production), None)
        target = highlighted.id if highlighted and highlighted.is_sandbox else None
        picker = RefreshPicker(
            envs,
            self.service.refresh_problems,
            source,
            target,
            quota=self._quota_label,
            notes=self.service.refresh_notes,
            jobs=self.jobs_offered,
        )

        def picked(ok: bool | None) -> None:
            if not ok or picker.chosen is None:
                return
            source_id, target_id = picker.chosen
            src, tgt = self.service.environments[source_id], self.service.environments[target_id]
            confirm = RefreshConfirm(
                src,
                tgt,
                self._quota_label(tgt),
                jobs=self.jobs_offered,
                job_only=picker.job_only,
            )

            def confirmed(yes: bool | None) -> None:
                if not yes:
                    return
                if confirm.job_request is not None:
                    self.plan_refresh_job(confirm.job_request, src, tgt)
                else:
                    self.start_refresh(source_id, target_id)

            self.app.push_screen(confirm, confirmed)

        self.app.push_screen(picker, picked)

    @work(group="start", exit_on_error=False)
    async def start_refresh(self, source_id: str, target_id: str) -> None:
        await self._start("Refresh", self.service.start_refresh(source_id, target_id))

    def action_export(self) -> None:
        from lcs_tui.tui.screens.export import ExportDialog

        if not self._need_environments():
            return
        highlighted = self.highlighted_env()
        dialog = ExportDialog(
            self._envs(),
            self.service.export_problems,
            highlighted.id if highlighted else None,
            self.service.now(),
            quota=self._quota_label,
        )

        def done(ok: bool | None) -> None:
            if ok and dialog.chosen:
                self.start_export(*dialog.chosen)

        self.app.push_screen(dialog, done)

    @work(group="start", exit_on_error=False)
    async def start_export(self, env_id: str, name: str) -> None:
        await self._start("Export", self.service.start_export(env_id, name))

    async def _start(self, what: str, starting: Awaitable[TrackedOperation]) -> None:
        """Await an operation's start and tell the user how it went."""
        try:
            op = await starting
        except (ActionRefused, LcsError) as exc:
            self._start_failed(f"{what} not started", exc)
            return
        finally:
            self.runtime.operations_changed()
            self.runtime.every_second()  # a journal problem, said at once
        self.notify(f"{op.title()} started. Activity id {op.activity_id}.", title=what)

    def _start_failed(self, title: str, exc: Exception) -> None:
        from lcs_tui.tui.screens.signin import ErrorDialog

        if isinstance(exc, ActionRefused):
            self.notify("\n".join(p.message for p in exc.problems), title=title, severity="error")
            return
        assert isinstance(exc, LcsError)
        if isinstance(exc, QuotaExceeded):
            title = "Quota used up"
        elif isinstance(exc, OutcomeUnknown):
            title = "Outcome unknown — check before retrying"
        elif isinstance(exc, LcsRejected):
            title = "LCS refused the operation"
        message = exc.message
        if exc.activity_id:
            message += f"\n\nOperationActivityId: {exc.activity_id}"
        self.app.push_screen(ErrorDialog(title, message, exc.hint, retry_label=None))

    # -- watching ---------------------------------------------------------------------------

    def action_watch(self) -> None:
        from lcs_tui.tui.screens.watch import WatchDialog

        if not self._need_environments():
            return
        highlighted = self.highlighted_env()
        dialog = WatchDialog(self._envs(), highlighted.id if highlighted else None)

        def done(ok: bool | None) -> None:
            if ok and dialog.chosen:
                env_id, activity = dialog.chosen
                self.service.watch(activity, env_id, kind="operation")
                self.runtime.operations_changed()

        self.app.push_screen(dialog, done)

    def action_forget_operation(self) -> None:
        from lcs_tui.tui.screens.common import ConfirmDialog

        key = self.query_one(OperationsTable).highlighted_key
        op = self.service.operations.get(key) if key else None
        if op is None:
            return
        if op.finished:
            self.service.forget(op.key)
            self.runtime.operations_changed()
            return

        def done(yes: bool | None) -> None:
            if yes:
                self.service.forget(op.key)
                self.runtime.operations_changed()

        body = (
            f"{op.title()} goes on in LCS; lcs-tui stops watching it and forgets it. "
            "Its activity id: " + (op.activity_id or "not known")
        )
        self.app.push_screen(
            ConfirmDialog("Stop watching?", body, confirm_label="Stop watching"), done
        )

    # -- start and stop ---------------------------------------------------------------------

    def action_start_stop(self) -> None:
        from lcs_tui.tui.screens.common import ConfirmDialog

        env = self.highlighted_env()
        if env is None:
            self.notify("Highlight an environment first.", severity="warning")
            return
        if not env.is_customer_managed:
            self.notify(
                f"{env.name} is managed by Microsoft; only customer-managed "
                "environments can be started or stopped.",
                severity="warning",
            )
            return
        if not (env.can_start or env.can_stop):
            self.notify(
                f"{env.name} can neither be started nor stopped right now "
                f"(state {env.deployment_state or 'unknown'}).",
                severity="warning",
            )
            return
        verb = "start" if env.can_start else "stop"
        body = f"{verb.capitalize()} {env.name}? " + (
            "Its users lose access until it is started again."
            if verb == "stop"
            else "It becomes available in a few minutes."
        )

        def done(yes: bool | None) -> None:
            if yes:
                self.start_or_stop(env.id, verb)

        self.app.push_screen(
            ConfirmDialog(f"{verb.capitalize()} {env.name}", body, confirm_label=verb.capitalize()),
            done,
        )

    @work(group="start", exit_on_error=False)
    async def start_or_stop(self, env_id: str, verb: str) -> None:
        try:
            if verb == "start":
                await self.service.start_environment(env_id)
            else:
                await self.service.stop_environment(env_id)
        except LcsError as exc:
            self._start_failed(f"Could not {verb} the environment", exc)
            return
        self.notify(f"{verb.capitalize()} requested; the state updates by itself.")
        before = self.service.environments.get(env_id)
        # Starting or stopping takes minutes: look again a few times, spaced
        # out (the environment endpoint allows 6 calls a minute).
        for delay in ENVIRONMENT_RECHECKS:
            await asyncio.sleep(delay * self.workspace.poll_interval / DEFAULT_POLL)
            try:
                await self.service.load_environments()
            except LcsError:
                continue
            self.show_environments()
            after = self.service.environments.get(env_id)
            if before is None or after is None or after.deployment_state != before.deployment_state:
                return

    # -- downloads --------------------------------------------------------------------------

    def action_download(self) -> None:
        backup = self.query_one(BackupsPane).highlighted()
        if backup is None:
            self.notify("Highlight a backup first (Tab to the backups pane).", severity="warning")
            return
        # The download machinery loads on first use: it is not needed to start.
        from lcs_tui.tui.screens.download import DownloadDialog

        dialog = DownloadDialog(backup)

        async def chosen(go: bool | None) -> None:
            if go and dialog.choice is not None:
                panel = await self.downloads_panel()
                panel.start(backup, dialog.choice.folder, overwrite=dialog.choice.overwrite)

        self.app.push_screen(dialog, chosen)

    async def downloads_panel(self) -> DownloadsPanel:
        from lcs_tui.tui.widgets.downloads import DownloadsPanel

        try:
            return self.query_one(DownloadsPanel)
        except NoMatches:
            profile = self.workspace.profile.name

            def interrupted(items: list[Any]) -> None:
                # For the lines `lcs-tui` prints after quitting (launch.py).
                getattr(self.app, "downloads_interrupted", lambda *_: None)(profile, items)

            panel = DownloadsPanel.for_workspace(
                self.workspace, id="downloads", on_interrupted=interrupted
            )
            await self.mount(panel, before=self.query_one(RequestLog))
            return panel

    def existing_downloads_panel(self) -> DownloadsPanel | None:
        from lcs_tui.tui.widgets.downloads import DownloadsPanel

        found = self.query(DownloadsPanel)
        return found.first() if found else None

    # Handlers by name, so the downloads panel's module need not load at start.
    def on_downloads_panel_finished(self, message: Any) -> None:
        self.notify(
            f"Downloaded {message.backup.name} to {message.result.path}",
            title="Download finished",
            timeout=15,
        )
        getattr(self.app, "ring", self.app.bell)()

    def on_downloads_panel_failed(self, message: Any) -> None:
        self.notify(
            message.error.as_text(),
            title=f"Download of {message.backup.name} stopped",
            severity="error",
            timeout=30,
        )

    # -- pages and views --------------------------------------------------------------------

    def action_import_info(self) -> None:
        from lcs_tui.tui.screens.common import TextPage
        from lcs_tui.tui.screens.texts import IMPORT

        self.app.push_screen(TextPage("Importing a backup", IMPORT))

    def action_reload(self) -> None:
        self.runtime.reload()

    def action_filter(self) -> None:
        if not self.panes_shown:
            return  # nothing to filter yet, and the box would be invisible
        self.query_one(BackupsPane).open_filter()

    def action_close_filter(self) -> None:
        pane = self.query_one(BackupsPane)
        if pane.has_class("filtering"):
            pane.close_filter()

    def action_sort_backups(self, reverse: bool = False) -> None:
        self.query_one(BackupsPane).cycle_sort(reverse_only=reverse)

    def action_toggle_log(self) -> None:
        self.query_one(RequestLog).toggle_class("visible")

    def action_zoom(self) -> None:
        """Maximise the focused pane, or give it back its place (Esc does too)."""
        if self.maximized is not None:
            self.minimize()
        elif self.focused is not None:
            self.maximize(self.focused)

    # -- details ----------------------------------------------------------------------------

    @on(DataTable.RowSelected, "#environments-table")
    def _environment_selected(self, event: DataTable.RowSelected) -> None:
        from lcs_tui.tui.screens.details import EnvironmentDetails

        env = self.service.environments.get(str(event.row_key.value))
        if env is None:
            return
        client, project = self.service.client, self.service.project_id

        async def fetch(page: int) -> Any:
            return await client.history_page(project, env.id, page)

        self.app.push_screen(
            EnvironmentDetails(env, fetch, loaded=self.service.loaded_history(env.id))
        )

    @on(DataTable.RowSelected, "#operations")
    def _operation_selected(self, event: DataTable.RowSelected) -> None:
        from lcs_tui.tui.screens.details import OperationDetails

        op = self.service.operations.get(str(event.row_key.value))
        if op is not None:
            self.app.push_screen(OperationDetails(op))

    @on(DataTable.RowSelected, "#backups-table")
    def _backup_selected(self, event: DataTable.RowSelected) -> None:
        from lcs_tui.tui.screens.details import BackupDetails

        backup = self.query_one(BackupsPane).highlighted()
        if backup is not None:
            self.app.push_screen(BackupDetails(backup))
