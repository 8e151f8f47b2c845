"""The Power Platform workspace's dialogs: copy, restore, back up.

Copy and restore go in two steps, as a refresh does: a picker whose
client-side checks (the §3.4 direction rules, busy targets, retention) run
as the choice changes, then — once Power Platform's validate-only call has
passed — the consequences and the target's name typed to confirm.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, TypeVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Checkbox, Input, Label, Select, Static

from lcs_tui.jobs import Schedule, ScheduleError
from lcs_tui.ppac.models import PpEnvironment
from lcs_tui.ppac.operation_models import PpBackup
from lcs_tui.ppac.requests import COPY_TRANSACTIONLESS, COPY_TYPES, CopyOptions, RestorePoint
from lcs_tui.ppac.rules import LABEL_MAX, Verdict
from lcs_tui.service.checks import Problem
from lcs_tui.tui.format import safe
from lcs_tui.tui.screens.common import Dialog, TypedNameDialog
from lcs_tui.tui.screens.job_options import JobOptions

#: Client-side checks of a (source, target) choice.
CopyCheck = Callable[[str, str], Verdict]
RestoreCheck = Callable[[str, RestorePoint], Verdict]


def _env_options(envs: Sequence[PpEnvironment]) -> list[tuple[Text, str]]:
    return [
        (Text.assemble(safe(e.name, "bold"), "  ", safe(e.kind_label, "dim")), e.id) for e in envs
    ]


def verdict_text(verdict: Verdict) -> Text:
    """✘ for each reason not to send; ✔ and the notes when it may go ahead."""
    if verdict.problems:
        return Text("\n").join(safe(f"✘ {p.message}", limit=400) for p in verdict.problems)
    shown = Text("✔ the checks passed; Power Platform validates it next", style="green")
    for note in verdict.notes:
        shown.append("\n")
        shown.append_text(safe(f"ℹ {note}", "dim", limit=400))
    return shown


Choice = TypeVar("Choice")


class CheckedPicker(Dialog, Generic[Choice]):
    """Step 1 of a copy or restore: the checks run as the choice changes, and
    Validate… is offered only when they pass. `chosen` once it is pressed."""

    chosen: Choice | None = None

    def _choice(self) -> Choice | str:
        """The choice, or what is still missing."""
        raise NotImplementedError

    def _verdict(self, choice: Choice) -> Verdict:
        raise NotImplementedError

    def _recheck(self) -> None:
        choice = self._choice()
        problems = self.query_one("#problems", Static)
        button = self.query_one("#continue", Button)
        if isinstance(choice, str):
            problems.update(Text(choice, style="dim"))
            button.disabled = True
            return
        verdict = self._verdict(choice)
        problems.update(verdict_text(verdict))
        button.disabled = bool(verdict.problems)

    @on(Button.Pressed, "#continue")
    def _continue(self) -> None:
        choice = self._choice()
        if not isinstance(choice, str) and not self._verdict(choice).problems:
            self.chosen = choice
            self.dismiss(True)


@dataclass(frozen=True, slots=True)
class CopyChoice:
    source_id: str
    target_id: str
    options: CopyOptions


#: Below 32 rows (the app's "-short") the dialogs give up their introductions
#: and scroll, so the checks and the buttons stay in reach at 80x24.
SHORT_CSS = """
{name} > Vertical {{ overflow-y: auto; }}
{name}.-short .intro {{ display: none; }}
{name}.-short .field-label {{ margin-top: 0; }}
"""


class CopyPicker(CheckedPicker[CopyChoice]):
    """Step 1 of a copy: source, target (only sandboxes and UDEs pass), copy type."""

    DEFAULT_CSS = SHORT_CSS.format(name="CopyPicker")

    def __init__(
        self, envs: Sequence[PpEnvironment], check: CopyCheck, source_id: str | None
    ) -> None:
        super().__init__()
        self._envs = list(envs)
        self._check = check
        self._source_id = source_id

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("Copy an environment over a unified one", classes="title")
            yield Static(
                "Power Platform copies the source's finance and operations database (and "
                "its Dataverse) over the target. It is checked here, then validated by "
                "Power Platform, before anything starts.",
                classes="intro",
            )
            yield Label("Source (copied from)", classes="field-label")
            yield Select(
                _env_options(self._envs),
                id="source",
                value=self._source_id or Select.NULL,
                prompt="choose the source",
            )
            yield Label("Target (overwritten) — a unified sandbox or UDE", classes="field-label")
            yield Select(_env_options(self._envs), id="target", prompt="choose the target")
            yield Label("What is copied", classes="field-label")
            yield Select(
                [(text.split(":")[0], key) for key, text in COPY_TYPES.items()],
                id="copy-type",
                value=COPY_TRANSACTIONLESS,
                allow_blank=False,
            )
            yield Checkbox("Leave out audit data (the portal's default)", True, id="skip-audit")
            yield Static(id="problems", classes="problems")
            with Horizontal(classes="buttons"):
                yield Button("Cancel", id="cancel")
                yield Button("Validate…", id="continue", variant="warning", disabled=True)

    def on_mount(self) -> None:
        self._recheck()
        self.query_one("#target" if self._source_id else "#source", Select).focus()

    def _choice(self) -> CopyChoice | str:
        source = self.query_one("#source", Select).value
        target = self.query_one("#target", Select).value
        copy_type = self.query_one("#copy-type", Select).value
        if not (isinstance(source, str) and isinstance(target, str)):
            return "Choose a source and a target."
        options = CopyOptions(
            copy_type=copy_type if isinstance(copy_type, str) else COPY_TRANSACTIONLESS,
            skip_audit_data=self.query_one("#skip-audit", Checkbox).value,
        )
        return CopyChoice(source, target, options)

    def _verdict(self, choice: CopyChoice) -> Verdict:
        return self._check(choice.source_id, choice.target_id)

    @on(Select.Changed)
    @on(Checkbox.Changed)
    def _changed(self) -> None:
        self._recheck()


@dataclass(frozen=True, slots=True)
class RestoreChoice:
    target_id: str
    point: RestorePoint


def parse_point(text: str) -> datetime | None:
    """ "2026-12-01 06:00" (UTC), with or without seconds or a "T"."""
    cleaned = text.strip().replace("T", " ").removesuffix("Z").removesuffix(" UTC")
    for pattern in ("%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"):
        try:
            return datetime.strptime(cleaned, pattern)
        except ValueError:
            continue
    return None


class RestorePicker(CheckedPicker[RestoreChoice]):
    """Step 1 of a restore: the backup (or a point in time) and the target sandbox."""

    DEFAULT_CSS = SHORT_CSS.format(name="RestorePicker")

    def __init__(
        self,
        source: PpEnvironment,
        targets: Sequence[PpEnvironment],
        check: RestoreCheck,
        backup: PpBackup | None,
        now: datetime,
    ) -> None:
        super().__init__()
        self._source = source
        self._targets = list(targets)
        self._check = check
        self._backup = backup
        self._now = now

    def compose(self) -> ComposeResult:
        backup = self._backup
        point_text = f"{backup.point:%Y-%m-%d %H:%M:%S}" if backup and backup.point else ""
        with Vertical():
            yield Label(safe(f"Restore a backup of {self._source.name}"), classes="title")
            yield Static(
                "Restores the source's database as it was at a point in time into a "
                "sandbox, within the source's backup retention.",
                classes="intro",
            )
            yield Label("Point in time (UTC, YYYY-MM-DD HH:MM)", classes="field-label")
            yield Input(point_text, placeholder=f"{self._now:%Y-%m-%d %H:%M}", id="point")
            if backup is not None:
                yield Static(safe(f"ℹ the backup {backup.shown_name}", "dim"), id="backup-note")
            yield Label("Target (overwritten) — a sandbox", classes="field-label")
            yield Select(
                _env_options(self._targets),
                id="target",
                value=self._source.id if self._source in self._targets else Select.NULL,
                prompt="choose the target sandbox",
            )
            yield Static(id="problems", classes="problems")
            with Horizontal(classes="buttons"):
                yield Button("Cancel", id="cancel")
                yield Button("Validate…", id="continue", variant="warning", disabled=True)

    def on_mount(self) -> None:
        self._recheck()
        self.query_one("#target" if self._backup else "#point").focus()

    def _choice(self) -> RestoreChoice | str:
        target = self.query_one("#target", Select).value
        text = self.query_one("#point", Input).value
        backup = self._backup
        if (
            backup is not None
            and backup.point is not None
            and text.strip() == (f"{backup.point:%Y-%m-%d %H:%M:%S}")
        ):
            point = RestorePoint(backup.point, backup.point_text, backup.id, backup.label)
        else:
            moment = parse_point(text)
            if moment is None:
                return "Type the point in time as YYYY-MM-DD HH:MM (UTC)."
            point = RestorePoint(moment)
        if not isinstance(target, str):
            return "Choose the target sandbox."
        return RestoreChoice(target, point)

    def _verdict(self, choice: RestoreChoice) -> Verdict:
        return self._check(choice.target_id, choice.point)

    @on(Select.Changed)
    @on(Input.Changed)
    def _changed(self) -> None:
        self._recheck()


class TypedConfirm(TypedNameDialog):
    """Step 2 of a copy or restore: what happens, Power Platform's notes, the name
    typed; with `job_verb`, the "as a job" part (later, or on a schedule)."""

    DEFAULT_CSS = """
    TypedConfirm > Vertical { border: thick $error; overflow-y: auto; }
    TypedConfirm.-short .field-label { margin-top: 0; }
    """

    def __init__(
        self, title: str, body: Text, target_name: str, button: str, *, job_verb: str = ""
    ) -> None:
        super().__init__()
        self._title = title
        self._body = body
        self._target = target_name
        self.typed_name = target_name
        self._button = button
        self._job_verb = job_verb
        #: When the user asked for a job: its schedule and name.
        self.job: tuple[Schedule, str] | None = None

    def compose(self) -> ComposeResult:
        target = safe(self._target, "bold")
        with Vertical():
            yield Label(safe(self._title), classes="title")
            yield Static(self._body)
            yield Label(Text.assemble("Type ", target, " to confirm:"), classes="field-label")
            yield Input(placeholder="type the name here", id="typed")
            yield Static(id="mismatch", classes="problems")
            if self._job_verb:
                yield JobOptions(
                    self._target, job_only=False, follow_ups=False, verb=self._job_verb
                )
            with Horizontal(classes="buttons"):
                yield Button("Cancel", id="cancel")
                yield Button(self._label(), id="confirm", variant="error", disabled=True)

    def _label(self) -> Text:
        is_job = bool(self._job_verb) and self.is_mounted and self.query_one(JobOptions).is_job
        return safe("Save the job" if is_job else self._button, limit=60)

    def on_mount(self) -> None:
        self.query_one("#typed", Input).focus()

    @on(JobOptions.Changed)
    def _options_changed(self) -> None:
        self.query_one("#confirm", Button).label = self._label()
        self.query_one("#mismatch", Static).update("")

    def confirm(self) -> None:
        if not self.typed_matches():
            return
        if self._job_verb and self.query_one(JobOptions).is_job:
            try:
                self.job = self.query_one(JobOptions).schedule_and_name()
            except ScheduleError as exc:
                self.query_one("#mismatch", Static).update(safe(f"✘ {exc}", limit=400))
                return
        self.dismiss(True)


class BackupDialog(Dialog):
    """A manual backup: a label (checked as it is typed)."""

    def __init__(self, env: PpEnvironment, check: Callable[[str], list[Problem]]) -> None:
        super().__init__()
        self._env = env
        self._check = check
        self.label = ""

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(safe(f"Back up {self._env.name}"), classes="title")
            yield Static(
                "A manual backup is kept in the cloud for the environment's retention "
                "period and can be restored into a sandbox. (There is no .bacpac "
                "export or download of a unified environment.)"
            )
            yield Label(f"Label (up to {LABEL_MAX} characters)", classes="field-label")
            yield Input(placeholder="e.g. before the December release", id="label")
            yield Static(id="problems", classes="problems")
            with Horizontal(classes="buttons"):
                yield Button("Cancel", id="cancel")
                yield Button("Back up", id="confirm", variant="warning", disabled=True)

    def on_mount(self) -> None:
        self.query_one("#label", Input).focus()

    @on(Input.Changed, "#label")
    def _typed(self, event: Input.Changed) -> None:
        problems = self._check(event.value.strip()) if event.value.strip() else []
        self.query_one("#problems", Static).update(
            Text("\n").join(safe(f"✘ {p.message}", limit=400) for p in problems)
        )
        self.query_one("#confirm", Button).disabled = bool(problems) or not event.value.strip()

    def confirm(self) -> None:
        label = self.query_one("#label", Input).value.strip()
        if label and not self._check(label):
            self.label = label
            self.dismiss(True)

    @on(Input.Submitted, "#label")
    def _submitted(self) -> None:
        self.confirm()
