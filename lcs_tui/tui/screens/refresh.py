"""Starting a refresh: pick source and target, see the checks, type the name.

Two steps, because a refresh replaces the target's database, takes it offline
without warning to its users, cannot be cancelled and can run for a day: the
second step states exactly that and only enables the button once the user has
typed the target environment's name.
"""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label, Select, Static

from lcs_tui.api import Environment
from lcs_tui.jobs import ScheduleError
from lcs_tui.service.checks import Problem
from lcs_tui.tui.format import safe
from lcs_tui.tui.screens.common import Dialog, TypedNameDialog
from lcs_tui.tui.screens.job_options import JobOptions, JobRequest

ProblemCheck = Callable[[str, str], list[Problem]]
#: Things worth knowing about a refresh from a source that are not problems.
SourceNotes = Callable[[str], list[str]]
QuotaLabel = Callable[[Environment], str]


def _options(envs: list[Environment], quota: QuotaLabel | None = None) -> list[tuple[Text, str]]:
    # Text, not str: Select parses a str prompt as markup, and names are LCS's.
    def label(e: Environment) -> Text:
        extra = quota(e) if quota else ""
        return safe(f"{e.name}  ({e.type or '?'}{', ' + extra if extra else ''})")

    return [(label(e), e.id) for e in envs]


class RefreshPicker(Dialog):
    """Step 1: choose source and target; the checks run as the choice changes."""

    def __init__(
        self,
        envs: list[Environment],
        check: ProblemCheck,
        source_id: str | None,
        target_id: str | None,
        quota: QuotaLabel | None = None,
        notes: SourceNotes | None = None,
        *,
        jobs: bool = False,
    ) -> None:
        """`jobs`: a refresh held up only for now (quota, busy) may go on as a job."""
        super().__init__()
        self._jobs = jobs
        #: The choice can only go ahead as a job that waits (set with `chosen`).
        self.job_only = False
        self._quota = quota
        self._notes = notes
        self._envs = {e.id: e for e in envs}
        self._check = check
        self._source_id = source_id
        self._target_id = target_id
        self.chosen: tuple[str, str] | None = None

    def compose(self) -> ComposeResult:
        envs = list(self._envs.values())
        with Vertical():
            yield Label("Refresh a sandbox from another environment", classes="title")
            yield Static("Copies the source environment's database over the target's.")
            yield Label("Source (copied from)", classes="field-label")
            yield Select(
                _options(envs),
                id="source",
                allow_blank=True,
                value=self._source_id if self._source_id else Select.NULL,
                prompt="choose the source",
            )
            yield Label("Target (overwritten) — must be a sandbox", classes="field-label")
            # Every environment is listed: choosing production is explained by the
            # checks below rather than silently impossible.
            yield Select(
                _options(envs, self._quota),
                id="target",
                allow_blank=True,
                value=self._target_id if self._target_id else Select.NULL,
                prompt="choose the target sandbox",
            )
            yield Static(id="problems", classes="problems")
            with Horizontal(classes="buttons"):
                yield Button("Cancel", id="cancel")
                yield Button("Continue…", id="continue", variant="warning", disabled=True)

    def on_mount(self) -> None:
        self._recheck()
        # Preselected and fine: one key (Enter) goes on; otherwise start where
        # a choice is missing.
        if not self.query_one("#continue", Button).disabled:
            self.query_one("#continue", Button).focus()
        elif self._selection() is None and self._source_id:
            self.query_one("#target", Select).focus()
        else:
            self.query_one("#source", Select).focus()

    @on(Select.Changed)
    def _changed(self) -> None:
        self._recheck()

    def _selection(self) -> tuple[str, str] | None:
        source = self.query_one("#source", Select).value
        target = self.query_one("#target", Select).value
        if isinstance(source, str) and isinstance(target, str):
            return source, target
        return None

    def _recheck(self) -> None:
        chosen = self._selection()
        problems_widget = self.query_one("#problems", Static)
        button = self.query_one("#continue", Button)
        if chosen is None:
            problems_widget.update(Text("Choose a source and a target.", style="dim"))
            button.disabled = True
            return
        problems = self._check(*chosen)
        waits = self._can_wait(problems)
        if problems:
            shown = Text("\n").join(safe(f"✘ {p.message}", limit=400) for p in problems)
            if waits:
                shown.append_text(
                    Text(
                        "\nℹ This passes by itself: it can go ahead as a job that waits for it.",
                        style="dim",
                    )
                )
            problems_widget.update(shown)
        else:
            passed = Text("✔ all checks passed", style="green")
            for note in self._notes(chosen[0]) if self._notes else []:
                passed.append("\n")
                passed.append_text(safe(f"ℹ {note}", "dim", limit=400))
            problems_widget.update(passed)
        button.disabled = bool(problems) and not waits
        button.label = "Continue as a job…" if waits else "Continue…"

    def _can_wait(self, problems: list[Problem]) -> bool:
        return self._jobs and bool(problems) and all(p.transient for p in problems)

    @on(Button.Pressed, "#continue")
    def _continue(self) -> None:
        chosen = self._selection()
        if chosen is None:
            return
        problems = self._check(*chosen)
        if not problems or self._can_wait(problems):
            self.chosen = chosen
            self.job_only = bool(problems)
            self.dismiss(True)


class RefreshConfirm(TypedNameDialog):
    """Step 2: the consequences, and the target's name typed to confirm."""

    DEFAULT_CSS = """
    RefreshConfirm > Vertical { border: thick $error; overflow-y: auto; }
    """

    def __init__(
        self,
        source: Environment,
        target: Environment,
        quota: str = "",
        *,
        jobs: bool = False,
        job_only: bool = False,
    ) -> None:
        """`quota`: what is left of the target's operations today ("1/3 left").

        `jobs`: offer to make it a job (then export, then download, later);
        `job_only`: it cannot start now (the quota is used up, the target is
        busy), only as a job that waits."""
        super().__init__()
        self._source = source
        self._target = target
        self.typed_name = target.name
        self._quota = quota
        self._jobs = jobs or job_only
        self._job_only = job_only
        #: Set when the user asked for a job rather than a start now.
        self.job_request: JobRequest | None = None

    def _quota_note(self) -> str:
        if not self._quota:
            return ""
        last = " — the last one" if self._quota.startswith("1/") else ""
        return f" (now {self._quota}{last})"

    def compose(self) -> ComposeResult:
        t, s = self._target, self._source
        target, source = safe(t.name, "bold"), safe(s.name, "bold")
        body = Text.assemble(
            "The database of ",
            target,
            " will be ",
            ("replaced", "bold"),
            " by a copy of ",
            source,
            ".\n\n",
            "• ",
            target,
            " goes offline at once, without warning to its users.\n",
            "• Everything in its database now is lost.\n",
            "• The operation ",
            ("cannot be cancelled", "bold"),
            " and can take up to 24 hours.\n",
            "• It uses one of ",
            target,
            "'s 3 operations per 24 hours",
            safe(self._quota_note()),
            ".\n",
        )
        with Vertical():
            yield Label(safe(f"Refresh {t.name} from {s.name}?"), classes="title")
            yield Static(body)
            yield Label(Text.assemble("Type ", target, " to confirm:"), classes="field-label")
            yield Input(placeholder="type the name here", id="typed")
            yield Static(id="mismatch", classes="problems")
            if self._jobs:
                yield JobOptions(t.name, job_only=self._job_only)
            with Horizontal(classes="buttons"):
                yield Button("Cancel", id="cancel")
                yield Button(self._button_label(), id="confirm", variant="error", disabled=True)

    def _button_label(self) -> Text:
        is_job = self._job_only
        if not is_job and self._jobs and self.is_mounted:
            is_job = self.query_one(JobOptions).is_job
        return safe(("Save the job" if is_job else f"Refresh {self._target.name}"), limit=60)

    def on_mount(self) -> None:
        self.query_one("#typed", Input).focus()

    @on(JobOptions.Changed)
    def _options_changed(self) -> None:
        self.query_one("#confirm", Button).label = self._button_label()
        self.query_one("#mismatch", Static).update("")

    def confirm(self) -> None:
        if not self.typed_matches():
            return
        if self._jobs and (self._job_only or self.query_one(JobOptions).is_job):
            try:
                self.job_request = self.query_one(JobOptions).request()
            except ScheduleError as exc:
                self.query_one("#mismatch", Static).update(safe(f"✘ {exc}", limit=400))
                return
        self.dismiss(True)
