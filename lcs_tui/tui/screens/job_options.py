"""The refresh dialog's "as a job" part: then export, then download, and when.

Left alone (When: now, nothing after), the refresh starts at once as it
always has. Anything else makes the refresh the first step of a job that
any open lcs-tui (or `lcs-tui run`) runs: "as soon as possible" waits for
the target's quota and for it to be idle, "once at" and "every (cron)"
wait for their time. The target's name typed in the dialog confirms the
job's refresh, now, not at 3 a.m. (jobs/creation.py checks it all again).
"""

from __future__ import annotations

from dataclasses import dataclass

from textual import on, work
from textual.containers import Horizontal
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Checkbox, Collapsible, Input, Label, Select, Static

from lcs_tui.download.prefs import default_folder
from lcs_tui.jobs import PREVIOUS, Download, Export, Job, Refresh, Schedule, ScheduleError
from lcs_tui.jobs.schedule import check_zone, parse_moment
from lcs_tui.tui.format import safe

NOW, ASAP, ONCE, CRON = "now", "asap", "once", "cron"
WHEN = (
    ("now", NOW),
    ("as soon as possible (waits for quota and for the target to be idle)", ASAP),
    ("once, at a time", ONCE),
    ("every … (cron)", CRON),
)


@dataclass(frozen=True)
class JobRequest:
    """What the user asked for beyond the refresh itself."""

    name: str
    export_template: str | None
    download_folder: str | None
    schedule: Schedule

    def job(self, profile: str, source: str, target: str) -> Job:
        steps: list[Refresh | Export | Download] = [Refresh(source, target)]
        if self.export_template:
            steps.append(Export(target, self.export_template))
        if self.download_folder:
            steps.append(Download(PREVIOUS, self.download_folder))
        return Job(self.name, profile, tuple(steps), self.schedule, notify=("desktop",))


class JobOptions(Collapsible):
    """Collapsed unless the refresh can only be a job (the quota is used up)."""

    DEFAULT_CSS = """
    JobOptions { margin-top: 1; padding: 0; }
    JobOptions > Contents { padding: 0 0 0 1; }
    JobOptions .row { height: 1; margin-bottom: 1; }
    JobOptions .row > Label, JobOptions .row > Checkbox { width: 30; }
    JobOptions .row > Input, JobOptions .row > Select { width: 1fr; }
    JobOptions .hint { color: $text-muted; }
    """

    class Changed(Message):
        """Something the dialog's button label depends on changed."""

    def __init__(
        self, target_name: str, *, job_only: bool, follow_ups: bool = True, verb: str = "refresh"
    ) -> None:
        """`follow_ups`: offer the export and the download after it (an LCS
        refresh); without, only when (a Power Platform copy or restore)."""
        base = target_name.lower()
        when = [w for w in WHEN if not (job_only and w[1] == NOW)]
        first = ASAP if job_only else NOW
        self._follow_ups = follow_ups
        rows: list[Widget] = [
            Horizontal(
                Label("When"),
                Select(when, id="when", allow_blank=False, value=first, compact=True),
                classes="row",
            ),
            Horizontal(
                Label(""), Input(id="when-text", compact=True), classes="row", id="when-row"
            ),
        ]
        if follow_ups:
            rows += [
                Horizontal(
                    Checkbox("Then export it as", id="then-export", compact=True),
                    Input(value=f"{base}-golden-{{date}}", id="export-template", compact=True),
                    classes="row",
                ),
                Horizontal(
                    Checkbox("Then download that to", id="then-download", compact=True),
                    Input(placeholder="a folder", id="download-folder", compact=True),
                    classes="row",
                ),
            ]
        rows += [
            Horizontal(
                Label("Job name"),
                Input(value=f"{verb}-{base}", id="job-name", compact=True),
                classes="row",
            ),
            Static(
                safe(
                    "Names may hold {date} {time} {env} {job}; times are UTC unless a zone follows."
                    if follow_ups
                    else "Times are UTC unless a zone follows (e.g. 0 6 * * MON Europe/Amsterdam)."
                ),
                classes="hint",
            ),
        ]
        super().__init__(
            *rows,
            title=(
                "As a job: then export, then download, later…"
                if follow_ups
                else f"As a job: {verb} later, or on a schedule…"
            ),
            collapsed=not job_only,
        )

    def on_mount(self) -> None:
        self.query_one("#when-row").display = False
        if self._follow_ups:
            self._find_folder()

    @work(thread=True, exclusive=True, group="job-folder", exit_on_error=False)
    def _find_folder(self) -> None:
        folder = str(default_folder())
        self.app.call_from_thread(self._folder_found, folder)

    def _folder_found(self, folder: str) -> None:
        typed = self.query_one("#download-folder", Input)
        if not typed.value:
            typed.value = folder

    @on(Select.Changed, "#when")
    def _when_changed(self, event: Select.Changed) -> None:
        box = self.query_one("#when-text", Input)
        self.query_one("#when-row").display = event.value in (ONCE, CRON)
        box.placeholder = {
            ONCE: "2026-12-06 22:00 UTC   (or local, or Europe/Amsterdam)",
            CRON: "0 22 * * SUN UTC   (Sundays at 22:00; add a zone)",
        }.get(str(event.value), "")
        self.post_message(self.Changed())

    @on(Checkbox.Changed)
    @on(Input.Changed)
    def _changed(self) -> None:
        self.post_message(self.Changed())

    @property
    def is_job(self) -> bool:
        if self.query_one("#when", Select).value != NOW:
            return True
        return self._follow_ups and (
            self.query_one("#then-export", Checkbox).value
            or self.query_one("#then-download", Checkbox).value
        )

    def schedule_and_name(self) -> tuple[Schedule, str]:
        """When and under what name; ScheduleError (a line for the user) when unclear."""
        when = self.query_one("#when", Select).value
        text = self.query_one("#when-text", Input).value.strip()
        schedule = Schedule.asap()
        if when in (ONCE, CRON):
            spec, zone = _split_zone(text)
            if not spec:
                raise ScheduleError("say when: a time like 2026-12-06 22:00, or a cron line")
            if when == ONCE:
                schedule = Schedule.once(parse_moment(spec), check_zone(zone))
            else:
                schedule = Schedule.every(spec, check_zone(zone))
        name = self.query_one("#job-name", Input).value.strip()
        if not name:
            raise ScheduleError("give the job a name")
        return schedule, name

    def request(self) -> JobRequest:
        """The job asked for; ScheduleError (a line for the user) when it cannot be."""
        schedule, name = self.schedule_and_name()
        if not self._follow_ups:
            return JobRequest(name, None, None, schedule)
        template = self.query_one("#export-template", Input).value.strip()
        folder = self.query_one("#download-folder", Input).value.strip()
        export = self.query_one("#then-export", Checkbox).value
        download = self.query_one("#then-download", Checkbox).value
        if download and not export:
            raise ScheduleError("a download after the refresh needs the export before it")
        if export and not template:
            raise ScheduleError("name the export (e.g. uat-golden-{date})")
        if download and not folder:
            raise ScheduleError("choose the folder to download to")
        return JobRequest(
            name, template if export else None, folder if download else None, schedule
        )


def _split_zone(text: str) -> tuple[str, str]:
    """ "2026-12-06 22:00 Europe/Amsterdam" → ("2026-12-06 22:00", "Europe/Amsterdam")."""
    head, _, last = text.rpartition(" ")
    if head and (last.lower() in ("utc", "local", "z") or "/" in last):
        return head.strip(), last
    return text, "UTC"
