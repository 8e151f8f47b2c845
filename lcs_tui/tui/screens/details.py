"""Detail pages: an environment with its history, a backup."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from rich.table import Table
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Label, Static

from lcs_tui.api import DatabaseBackup, Environment, HistoryEntry, LcsError, Page
from lcs_tui.service.operations import TrackedOperation
from lcs_tui.tui.format import PAGE_LIMIT, plain, safe, status_text, when
from lcs_tui.tui.screens.common import Dialog
from lcs_tui.untrusted import inert

HistoryFetcher = Callable[[int], Awaitable[Page[HistoryEntry]]]


def fields_table(rows: list[tuple[str, object]]) -> Table:
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold")
    table.add_column()
    for label, value in rows:
        table.add_row(label, value if isinstance(value, Text) else plain(value, limit=PAGE_LIMIT))
    return table


def environment_fields(env: Environment) -> Table:
    return fields_table(
        [
            ("Name", env.name),
            ("Id", env.id),
            ("Type", env.type),
            ("Infrastructure", env.infrastructure),
            ("Deployment state", env.deployment_state),
            ("Deployment status", env.deployment_status),
            ("Topology", env.topology),
            ("Application", f"{env.app_release or '—'} ({env.app_build_version or '—'})"),
            ("Platform", f"{env.platform_release or '—'} ({env.platform_version or '—'})"),
            # LCS sends a US display string; shown in ISO like every other date.
            (
                "Deployed on (UTC)",
                when(env.deployed_on) if env.deployed_on else env.deployed_on_text,
            ),
            ("Region", env.region),
            ("DR region", env.dr_region),
            ("URL", env.endpoint_url),
        ]
    )


class EnvironmentDetails(Dialog):
    BINDINGS = [Binding("m", "more", "More history")]
    DEFAULT_CSS = """
    EnvironmentDetails > Vertical { width: 120; }
    EnvironmentDetails #environment-page { height: auto; max-height: 70vh; }
    /* Below 32 rows: the page scrolls in a smaller box, the buttons stay. */
    EnvironmentDetails.-short #environment-page { max-height: 50vh; }
    """

    def __init__(
        self,
        env: Environment,
        fetch: HistoryFetcher,
        loaded: tuple[list[HistoryEntry], int, bool] | None = None,
    ) -> None:
        """`loaded`: the history the app already read (entries, pages, all of
        them?), shown at once; `m` fetches the pages after those."""
        super().__init__()
        self._env = env
        self._fetch = fetch
        self._loaded = loaded
        self._next_page = 1
        self._has_more = True

    def compose(self) -> ComposeResult:
        from lcs_tui.tui.screens.history import HistoryView

        with Vertical():
            yield Label(safe(f"Environment {self._env.name}"), classes="title")
            # Fields, filter, rows and plot scroll together in a small terminal;
            # the buttons stay in view.
            with VerticalScroll(id="environment-page"):
                yield Static(environment_fields(self._env))
                # Above the rows, so that it is in view however long the page.
                yield Static("History", id="history-state", classes="field-label")
                yield HistoryView(id="history-view")
            with Horizontal(classes="buttons"):
                yield Button("More history (m)", id="more")
                yield Button("Close", id="close", variant="primary")

    @property
    def _view(self) -> Any:
        return self.query_one("#history-view")

    def on_mount(self) -> None:
        self._view.table.focus()
        if self._loaded is None:
            self.load_page()
            return
        entries, pages, complete = self._loaded
        self._view.add(entries)
        self._next_page = pages + 1
        self._show_state(has_more=not complete and bool(entries))

    def action_more(self) -> None:
        if self._has_more:
            self.load_page()

    @on(Button.Pressed, "#more")
    def _more(self) -> None:
        self.action_more()

    @work(exclusive=True, group="history", exit_on_error=False)
    async def load_page(self) -> None:
        state = self.query_one("#history-state", Static)
        state.update(Text(f"History · loading page {self._next_page}…", style="dim"))
        try:
            page = await self._fetch(self._next_page)
        except LcsError as exc:
            state.update(
                safe(f"History · could not load it: {exc}", "red", limit=PAGE_LIMIT)
            )
            return
        self._view.add(page.items)
        self._next_page += 1
        self._show_state(has_more=page.has_more and bool(page.items))

    def _show_state(self, *, has_more: bool) -> None:
        state = self.query_one("#history-state", Static)
        self._has_more = has_more
        self.query_one("#more", Button).disabled = not self._has_more
        state.update(
            Text.assemble(
                ("History", "bold"),
                (
                    f" · {self._view.count} entries"
                    + (" — m for more" if self._has_more else " — all loaded"),
                    "dim",
                ),
            )
        )


def backup_fields(backup: DatabaseBackup) -> Table:
    return fields_table(
        [
            ("Name", backup.name),
            ("File", backup.file_name),
            ("Id", backup.id),
            ("Created (UTC)", when(backup.created)),
            ("Created by", backup.created_by),
            ("Modified (UTC)", when(backup.modified)),
            ("Modified by", backup.modified_by),
            ("Description", backup.description),
        ]
    )


class BackupDetails(Dialog):
    def __init__(self, backup: DatabaseBackup) -> None:
        super().__init__()
        self._backup = backup

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(safe(f"Backup {self._backup.name}"), classes="title")
            yield Static(backup_fields(self._backup))
            with Horizontal(classes="buttons"):
                yield Button("Close", id="close", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#close", Button).focus()


def operation_fields(op: TrackedOperation) -> Table:
    return fields_table(
        [
            ("Operation", op.title()),
            ("Status", status_text(op.status)),
            ("Activity id", op.activity_id or "— (not known yet)"),
            ("Polled with environment", op.poll_environment_id),
            ("Requested (UTC)", when(op.requested_at)),
            ("Started (UTC)", when(op.started_at)),
            ("Finished (UTC)", when(op.finished_at)),
            ("Backup name", op.backup_name),
            ("Note", op.message),
        ]
    )


class OperationDetails(Dialog):
    """Everything about one operation, with its full activity id to quote or copy."""

    BINDINGS = [Binding("c", "copy", "Copy activity id")]

    def __init__(self, op: TrackedOperation) -> None:
        super().__init__()
        self._op = op

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(safe(self._op.title()), classes="title")
            yield Static(operation_fields(self._op))
            yield Static(
                Text("Quote the activity id when you contact Microsoft support.", style="dim")
            )
            with Horizontal(classes="buttons"):
                if self._op.activity_id:
                    yield Button("Copy activity id (c)", id="copy")
                yield Button("Close", id="close", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#close", Button).focus()

    def action_copy(self) -> None:
        if self._op.activity_id:
            # OSC 52: works in most terminals, including over SSH and in tmux.
            # What is copied is what is shown: a control character sent as
            # part of an "id" must not reach a shell the user pastes into.
            copied = inert(self._op.activity_id)
            self.app.copy_to_clipboard(copied)
            self.notify(f"Copied {copied}", markup=False)

    @on(Button.Pressed, "#copy")
    def _copy(self) -> None:
        self.action_copy()
