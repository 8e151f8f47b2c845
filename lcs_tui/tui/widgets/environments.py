"""The Environments pane: one row per environment, updated in place; the
highlighted one's summary and recent history below."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.containers import Vertical
from textual.widgets import DataTable, Static

from lcs_tui.api import Environment, HistoryEntry
from lcs_tui.service.busy import Busy
from lcs_tui.service.operations import TrackedOperation
from lcs_tui.service.quota import Quota
from lcs_tui.tui.format import duration, plain, safe, status_text, when
from lcs_tui.tui.widgets.tables import PaneTable, highlighted_key

# What matters most comes first: the pane may be narrower than all columns.
# Widths follow the content (a project has a handful of environments, so
# measuring them costs nothing); "Ops today" reserves room for its longest
# text so the column does not jump as quotas change.
COLUMNS = (
    ("name", "Name"),
    ("type", "Type"),
    ("state", "State"),
    ("quota", "Ops today"),
    ("version", "Version"),
    ("infra", "Infra"),
    ("region", "Region"),
)
QUOTA_WIDTH = len("0 until 00:00")


def state_text(env: Environment, busy: bool) -> Text:
    if busy:
        return Text("busy", style="bold yellow")
    word = env.deployment_status or env.deployment_state
    style = {
        "Deployed": "green",
        "Finished": "green",
        "Stopped": "grey62",
        "Failed": "bold red",
    }.get(word or "", "")
    return safe(word, style) if word else Text("—")


def quota_text(quota: Quota | None, env: Environment) -> Text:
    if not env.is_sandbox:
        # Refreshes and exports only ever run on sandboxes (LCS-API.md section 2).
        return Text("—", style="dim")
    if quota is None:
        return Text("…", style="dim")
    style = "bold red" if quota.left == 0 else "yellow" if quota.left == 1 else ""
    # Short enough for a narrow column; the summary below says it in full.
    text = f"{quota.left}/{quota.limit} left"
    if quota.left == 0 and quota.next_frees_at:
        text = f"0 until {quota.next_frees_at:%H:%M}"
    return Text(text, style=style)


class EnvironmentsPane(Vertical):
    """The table, the highlighted environment's summary and its recent history."""

    ALLOW_MAXIMIZE = True


class EnvironmentsTable(PaneTable):
    def on_mount(self) -> None:
        self.cursor_type = "row"
        self.zebra_stripes = True
        for key, label in COLUMNS:
            self.add_column(label, key=key, width=QUOTA_WIDTH if key == "quota" else None)

    @property
    def natural_width(self) -> int:
        """Cells the table needs to show every column (for the pane's width).

        Measured from the cells themselves: DataTable sizes its columns only
        when it next lays out, after the pane's width has to be known.
        """
        total = 0
        for key, column in self.columns.items():
            widest = column.label.cell_len
            if not column.auto_width:
                widest = max(widest, column.width)
            for row_key in self.rows:
                cell = self.get_cell(row_key, key)
                widest = max(widest, cell.cell_len if isinstance(cell, Text) else len(str(cell)))
            total += widest + 2 * self.cell_padding
        return total

    def show(
        self, envs: list[Environment], quotas: dict[str, Quota | None], busy: set[str]
    ) -> None:
        """Add new rows and update existing ones in place (keeps the cursor)."""
        wanted = {e.id for e in envs}
        for row_key in list(self.rows):
            if row_key.value not in wanted:
                self.remove_row(row_key)
        for env in envs:
            cells = {
                "name": safe(env.name, "bold" if env.is_production else ""),
                "type": plain(env.type),
                "infra": plain(_short_infra(env.infrastructure)),
                "state": state_text(env, env.id in busy),
                "version": plain(env.app_release or env.app_build_version),
                "region": plain(env.region),
                "quota": quota_text(quotas.get(env.id), env),
            }
            if env.id in self.rows:
                for column, value in cells.items():
                    self.update_cell(env.id, column, value, update_width=True)
            else:
                self.add_row(*(cells[key] for key, _ in COLUMNS), key=env.id)

    def show_quotas(self, envs: list[Environment], quotas: dict[str, Quota | None]) -> bool:
        """Update the "Ops today" cells whose text changed; True if any did.

        The 24-hour window moves with the clock, so a count changes without
        any new data (an operation turns 24 hours old).
        """
        changed = False
        for env in envs:
            if env.id not in self.rows:
                continue
            text = quota_text(quotas.get(env.id), env)
            if self.get_cell(env.id, "quota") != text:
                self.update_cell(env.id, "quota", text)
                changed = True
        return changed

    @property
    def highlighted_id(self) -> str | None:
        return highlighted_key(self)


def _short_infra(value: str | None) -> str | None:
    return {
        "MicrosoftManaged": "Microsoft",
        "CustomerManaged": "Customer",
        "SelfService": "Self-service",
    }.get(value or "", value)


class EnvironmentSummary(Static):
    """What a user wants to know about the highlighted environment at a glance."""

    DEFAULT_CSS = """
    EnvironmentSummary {
        height: auto; padding: 0 1; color: $text-muted;
        border-top: hkey $primary-muted;
    }
    """

    def show(
        self,
        env: Environment | None,
        quota: Quota | None,
        running: list[TrackedOperation],
        *,
        busy: Busy | None = None,
        copied_by: list[TrackedOperation] | None = None,
    ) -> None:
        """`running`: operations on `env`; `busy`: why it is busy, if it is;
        `copied_by`: running refreshes that copy from it (which is not busy)."""
        if env is None:
            self.update("")
            return
        kind = (
            "customer-managed"
            if env.is_customer_managed
            else (
                "Microsoft-managed"
                if (env.infrastructure or "") == "MicrosoftManaged"
                else env.infrastructure or ""
            )
        )
        # Every piece of it came from LCS: one inert() over the assembled
        # plain text, styles added after, so nothing escapes the sanitiser.
        text = Text.assemble(safe(env.name, "bold"), safe(f" · {env.type or '?'} · {kind}"))
        if env.region:
            text.append_text(safe(f" · {env.region}"))
            if env.dr_region:
                text.append_text(safe(f" (DR {env.dr_region})"))
        if env.endpoint_url:
            text.append("\n")
            text.append_text(safe(env.endpoint_url, "underline"))
        versions = []
        if env.app_release or env.app_build_version:
            versions.append(f"App {env.app_release or ''} ({env.app_build_version or '—'})")
        if env.platform_release or env.platform_version:
            versions.append(
                f"Platform {env.platform_release or ''} ({env.platform_version or '—'})"
            )
        # LCS sends a US display string; show it like every other date here.
        if env.deployed_on:
            versions.append(f"deployed {env.deployed_on:%Y-%m-%d %H:%M} UTC")
        elif env.deployed_on_text:
            versions.append(f"deployed {env.deployed_on_text} UTC")
        if versions:
            text.append("\n")
            text.append_text(safe(" · ".join(versions), limit=3 * 200))
        if env.is_sandbox:
            text.append("\nOperations in the last 24 h: ")
            if quota is None:
                text.append("loading…", style="dim")
            else:
                text.append(
                    f"{quota.used} used, {quota.left} left",
                    style="bold red" if quota.left == 0 else "",
                )
                if quota.left == 0 and quota.next_frees_at:
                    text.append(f" — next one frees at {quota.next_frees_at:%Y-%m-%d %H:%M} UTC")
        for op in running:
            text.append("\nRunning: ", style="bold yellow")
            text.append_text(safe(f"{op.title()} — {op.status}"))
        if busy is not None and not running:
            text.append("\nBusy: ", style="bold yellow")
            text.append_text(safe(f"{busy.reason} — new operations wait until it ends"))
        for op in copied_by or []:
            text.append("\nSource of a running refresh: ", style="cyan")
            text.append_text(safe(f"{op.title()} — {op.status} (it can still be copied from)"))
        hints = ["Enter: details & history"]
        if env.is_sandbox:
            hints += ["r: refresh into it", "e: export it"]
        if env.is_customer_managed:
            hints.append("t: start/stop")
        text.append("\n" + " · ".join(hints), style="dim italic")
        self.update(text)


class EnvironmentHistory(DataTable[Text]):
    """The highlighted environment's recent history, from what the app has read.

    Fills the pane's spare rows with what an admin asks next ("what ran on
    UAT lately, and how long did it take?"). Not focusable: Enter on the
    environment opens the full, pageable history.
    """

    DEFAULT_CSS = """
    EnvironmentHistory { height: 1fr; border-top: hkey $primary-muted; }
    """
    can_focus = False

    def on_mount(self) -> None:
        self.cursor_type = "none"
        self.show_cursor = False
        for key, label in (
            ("start", "Started (UTC)"),
            ("what", "Operation"),
            ("status", "Status"),
            ("took", "Took"),
        ):
            self.add_column(label, key=key)

    def show(self, entries: Sequence[HistoryEntry] | None) -> None:
        self.clear()
        if entries is None:
            # Sandboxes' histories come with the load; another's is read when
            # it is highlighted (the history endpoint's limits are tight).
            self.add_row(Text("…", style="dim"), Text("reading the history…", style="dim"))
            return
        if not entries:
            self.add_row(Text("—", style="dim"), Text("nothing in the history", style="dim"))
            return
        for entry in entries:
            took = (
                duration(entry.ended - entry.started)
                if entry.started is not None and entry.ended is not None
                else "—"
            )
            self.add_row(
                when(entry.started),
                plain(entry.type_display or entry.type or entry.name),
                status_text(entry.status.word),
                plain(took),
            )
