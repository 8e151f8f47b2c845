"""What every workspace's screen does alike, LCS project or Power Platform tenant.

Read-only mode (a mutating action says why it is off), the footer fitted to
the width, and asking the user to sign in — in the way the profile says —
when only they can.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual import events
from textual.screen import Screen
from textual.widgets import DataTable

from lcs_tui.tui.actions import ACTIONS
from lcs_tui.tui.controllers import events as ev
from lcs_tui.tui.widgets.footer import FittedFooter
from lcs_tui.tui.widgets.status_bar import StatusBar

if TYPE_CHECKING:
    from lcs_tui.tui.controllers.runtime import WorkspaceRuntime
    from lcs_tui.tui.screens.signin import DeviceCodeDialog
    from lcs_tui.workspace import Workspace

#: The screen-side names of the actions that change something (off with --read-only).
MUTATING = frozenset(a.target.removeprefix("screen.") for a in ACTIONS if a.mutating)


class WorkspaceScreenBase(Screen[None]):
    """The base of both workspace screens, which set these."""

    runtime: WorkspaceRuntime
    workspace: Workspace
    _device_dialog: DeviceCodeDialog | None = None

    def row_tables(self) -> tuple[DataTable[Any], ...]:
        """The tables `highlight_row` looks in, in order (operations, jobs, environments)."""
        raise NotImplementedError

    def highlight_row(self, key: str) -> None:
        """Focus the row with this key: an operation, a job, or an environment."""
        for table in self.row_tables():
            if key in table.rows:
                table.focus()
                table.move_cursor(row=table.get_row_index(key))
                return

    def show_demo_clock(self) -> None:
        """The demo runs a faster clock: say so, or elapsed times and dates mislead."""
        simulator = self.workspace.simulator
        if not self.workspace.demo or simulator is None:
            return
        rate = simulator.clock.rate
        now = self.workspace.now()
        bar = self.query_one(StatusBar)
        fast = f" ×{rate:g}" if rate != 1 else ""
        bar.clock = f"demo clock{fast} · {now:%H:%M} UTC"
        bar.clock_short = f"demo{fast} {now:%H:%M}"

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "read_only":
            return self.workspace.read_only
        return not (action in MUTATING and self.workspace.read_only)

    def action_read_only(self, what: str) -> None:
        self.notify(
            f"{what} is off: lcs-tui was started with --read-only. "
            "Start it without --read-only to change anything.",
            title="Read-only",
            severity="warning",
            timeout=4,
        )

    def on_resize(self, event: events.Resize) -> None:
        # Below 100 columns the footer drops its spacing, and it keeps the
        # keys that fit (widgets/footer.py), q Quit and ? Help first.
        footer = self.query_one(FittedFooter)
        footer.compact = event.size.width < 100
        footer.refresh(recompose=True)

    def ask_to_sign_in(self, event: Any) -> None:
        """Only the user can sign this workspace in: ask, in the way the profile says."""
        from lcs_tui.tui.screens.signin import DeviceCodeDialog, ErrorDialog, PasswordDialog

        runtime = self.runtime
        if isinstance(event, ev.DeviceCodeShown):
            self._device_dialog = DeviceCodeDialog(
                event.text, event.user_code, event.url, event.cancel
            )
            self.app.push_screen(self._device_dialog)
            return
        if isinstance(event, ev.SignInFailed):
            if event.device_flow_over:
                self.close_device_dialog(False)

            def retry(again: bool | None) -> None:
                if again:
                    runtime.emit(ev.SignInNeeded())

            self.app.push_screen(ErrorDialog("Sign-in failed", event.message, event.hint), retry)
            return
        profile = self.workspace.profile
        if profile.sign_in_method == "device-code":
            runtime.sign_in_with_device_code()
            return
        where = (
            f"{profile.name} (tenant {profile.tenant})"
            if profile.is_powerplatform
            else f"{profile.name} (project {profile.project_id})"
        )
        dialog = PasswordDialog(
            profile.username or "?",
            need_secret=profile.needs_client_secret,
            error=event.error,
            workspace=where,
        )

        def done(ok: bool | None) -> None:
            if ok:
                runtime.sign_in_with_password(dialog.password, dialog.secret)
            else:
                self.query_one(StatusBar).connection = "not signed in"

        self.app.push_screen(dialog, done)

    def close_device_dialog(self, signed_in: bool) -> None:
        dialog, self._device_dialog = self._device_dialog, None
        if dialog is not None and dialog in self.app.screen_stack:
            dialog.finish(signed_in)
