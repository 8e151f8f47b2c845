"""The Power Platform workspace's tables: environments, backups, operations' stages."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import ClassVar

from rich.text import Text
from textual.binding import BindingType

from lcs_tui.ppac.models import KIND_UDE, KIND_UPE, LCS_KINDS, UNIFIED_KINDS, PpEnvironment
from lcs_tui.ppac.operation_models import PpBackup, Stage
from lcs_tui.service.operations import EXTRA_STAGES, TrackedOperation
from lcs_tui.tui.format import plain, safe, when
from lcs_tui.tui.keymap import bindings
from lcs_tui.tui.widgets.tables import PaneTable, highlighted_key

ENVIRONMENT_COLUMNS = (
    ("name", "Name", None),
    ("kind", "Kind", 25),
    ("state", "State", 10),
    ("region", "Region", 11),
    ("version", "F&O version", None),  # 10.0.2177.52: never cut
)
#: A system backup has no label: "(system)" says what it is; the point in time which.
BACKUP_COLUMNS = (
    ("label", "Backup", None),
    ("point", "Point in time", 16),
    ("expires", "Expires", 16),
)
#: The order the environments are listed in: the unified ones first (what
#: this workspace changes), production before sandboxes before developer ones.
_KIND_ORDER = {KIND_UPE: 0, KIND_UDE: 2}


def environment_order(envs: Collection[PpEnvironment]) -> list[PpEnvironment]:
    def rank(env: PpEnvironment) -> tuple[int, int, str]:
        group = 0 if env.kind in UNIFIED_KINDS else 1 if env.kind in LCS_KINDS else 2
        within = _KIND_ORDER.get(env.kind, 1) if group == 0 else (0 if env.is_production else 1)
        return group, within, env.name.lower()

    return sorted(envs, key=rank)


def state_text(env: PpEnvironment, busy: bool) -> Text:
    if busy:
        return Text("busy", style="yellow")
    if env.admin_mode:
        return Text("admin mode", style="magenta")
    word = env.state or "—"
    return safe(word, "green" if word.lower() == "ready" else "yellow")


class UnifiedEnvironmentsTable(PaneTable):
    def on_mount(self) -> None:
        self.cursor_type = "row"
        for key, label, width in ENVIRONMENT_COLUMNS:
            self.add_column(label, key=key, width=width)

    def show(self, envs: Sequence[PpEnvironment], busy: Collection[str]) -> None:
        for env in envs:
            version = env.details.application_version if env.details else None
            cells = {
                "name": safe(env.name, "bold" if env.kind in UNIFIED_KINDS else ""),
                "kind": safe(env.kind_label, "" if env.kind in UNIFIED_KINDS else "dim"),
                "state": state_text(env, env.id in busy),
                "region": plain(env.region),
                "version": plain(version),
            }
            if env.id in self.rows:
                for column, value in cells.items():
                    self.update_cell(env.id, column, value, update_width=True)
            else:
                self.add_row(*(cells[k] for k, _, _ in ENVIRONMENT_COLUMNS), key=env.id)
        wanted = {env.id for env in envs}
        for row_key in list(self.rows):
            if row_key.value not in wanted:
                self.remove_row(row_key)

    @property
    def highlighted_id(self) -> str | None:
        return highlighted_key(self)


class UnifiedBackupsTable(PaneTable):
    BINDINGS: ClassVar[list[BindingType]] = [*PaneTable.BINDINGS, *bindings("unified_backups")]

    def on_mount(self) -> None:
        self.cursor_type = "row"
        for key, label, width in BACKUP_COLUMNS:
            self.add_column(label, key=key, width=width)

    def show(self, backups: Sequence[PpBackup], now: datetime) -> None:
        self.clear()
        for backup in backups:
            expired = backup.expires is not None and backup.expires <= now
            label = safe(backup.label, "dim" if expired else "") if backup.label else None
            self.add_row(
                label or Text("(system)", style="dim"),
                when(backup.point),
                when(backup.expires) if not expired else Text("expired", style="red"),
                key=backup.id,
            )

    @property
    def highlighted_id(self) -> str | None:
        return highlighted_key(self)


def stages_of(op: TrackedOperation) -> list[Stage]:
    raw = op.extra.get(EXTRA_STAGES)
    if not isinstance(raw, list):
        return []
    return [stage for item in raw if (stage := Stage.from_json(item)) is not None]


def stage_line(op: TrackedOperation) -> str:
    """Validate ✓ · Prepare ✓ · Run … · Finalize — as far as Power Platform said."""
    marks = {"Succeeded": "✓", "InProgress": "…", "Failed": "✗", "Canceled": "✗"}
    return " · ".join(f"{s.name} {marks.get(s.status, '–')}" for s in stages_of(op))


def current_stage(op: TrackedOperation) -> str:
    stages = stages_of(op)
    running = [s for s in stages if s.status == "InProgress"]
    done = [s for s in stages if s.status not in ("NotStarted", "Postponed")]
    chosen = running[0] if running else (done[-1] if done else None)
    return chosen.name if chosen else ""
