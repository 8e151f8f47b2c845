"""The jobs pane's keys, on either workspace's screen (LCS project or tenant).

Enter: the job's steps and where each stands; Space: pause or resume;
n: run now; x: cancel the run (asked first). The app's JobsController
(controllers/jobs.py) runs the jobs; this only asks it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import work

from lcs_tui.jobs import JobError
from lcs_tui.tui.format import safe
from lcs_tui.tui.screen_base import WorkspaceScreenBase
from lcs_tui.tui.widgets.jobs import JobsPanel, steps_text

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from lcs_tui.jobs import JobView, Plan
    from lcs_tui.tui.controllers.jobs import JobsController


class JobsPaneKeys(WorkspaceScreenBase):
    """A workspace screen that composes a JobsPanel."""

    @property
    def jobs(self) -> JobsController | None:
        controller: JobsController | None = getattr(self.app, "jobs", None)
        return controller

    def show_jobs(self, views: list[JobView]) -> None:
        """This workspace's jobs, as the app's runner last saw them."""
        if self.is_attached:
            self.query_one(JobsPanel).show(views)

    def _highlighted_job(self) -> JobView | None:
        name = self.query_one(JobsPanel).highlighted
        if name is None or self.jobs is None:
            return None
        return next((v for v in self.jobs.views if v.name == name), None)

    # -- saving a planned job ---------------------------------------------------------

    def offer_plan(self, plan: Plan, target: str) -> None:
        """Show what the job will do, in full; save it on "Save job" (the
        target's name was typed in the dialog before)."""
        from lcs_tui.tui.screens.common import ConfirmDialog

        body = Text("\n").join(safe(line, limit=400) for line in plan.lines)
        for note in plan.notes:
            body.append("\n")
            body.append_text(safe(f"ℹ {note}", "dim", limit=400))
        body.append_text(
            Text(
                "\n\nAny open lcs-tui runs it, or `lcs-tui run` while none is open; "
                "it is kept in jobs.toml.",
                style="dim",
            )
        )

        def answered(yes: bool | None) -> None:
            if yes:
                self.save_job(plan, target)

        dialog = ConfirmDialog(f"Save job {plan.job.name}?", body, "Save job", variant="error")
        self.app.push_screen(dialog, answered)

    @work(group="jobs", exit_on_error=False)
    async def save_job(self, plan: Plan, target: str) -> None:
        jobs = self.jobs
        if jobs is None:
            return
        try:
            job = await jobs.add(plan, typed={target})
        except (JobError, OSError) as exc:
            text = exc.message if isinstance(exc, JobError) else str(exc)
            self.notify(text, title="Job not saved", severity="error")
            return
        self.notify(
            f"Job {job.name} saved: {job.schedule.describe()}. The Jobs pane follows it.",
            title="Job saved",
        )
        self.query_one(JobsPanel).table.focus()

    # -- the jobs pane's keys --------------------------------------------------------------

    def action_job_details(self) -> None:
        from lcs_tui.tui.screens.common import TextPage

        view = self._highlighted_job()
        if view is None:
            return
        # One line each, made inert one by one: a newline inside an inert
        # text would show as the two characters "\n".
        lines = [safe(view.summary, "bold", limit=400), safe(f"Schedule: {view.schedule}")]
        if view.next_run_text:
            lines.append(safe(f"Next run: {view.next_run_text}"))
        if view.eta is not None:
            lines.append(safe(view.eta.describe()))
        if view.problem:
            lines.append(safe(f"✘ {view.problem}", "red", limit=400))
        text = Text("\n").join(lines)
        text.append("\n")
        text.append("\n")
        text.append_text(steps_text(view))
        self.app.push_screen(TextPage(f"Job {view.name}", text))

    def action_pause_job(self) -> None:
        view, jobs = self._highlighted_job(), self.jobs
        if view is None or jobs is None:
            return
        if view.paused:
            self._control(jobs.resume, view.name, f"Job {view.name} resumed.")
        else:
            self._control(
                jobs.pause,
                view.name,
                f"Job {view.name} paused: it starts no step until resumed "
                "(a step already started in LCS goes on there).",
            )

    def action_run_job_now(self) -> None:
        view, jobs = self._highlighted_job(), self.jobs
        if view is None or jobs is None:
            return
        self._control(jobs.run_now, view.name, f"Job {view.name}: a run starts now.")

    def action_cancel_job(self) -> None:
        from lcs_tui.tui.screens.common import ConfirmDialog

        view, jobs = self._highlighted_job(), self.jobs
        if view is None or jobs is None:
            return
        body = (
            "No further step starts. An operation already started (in LCS or Power "
            "Platform) cannot be stopped there and goes on; the Operations pane keeps "
            "watching it."
        )

        def answered(yes: bool | None) -> None:
            if yes and jobs is not None:
                self._control(jobs.cancel, view.name, f"Job {view.name}: run cancelled.")

        self.app.push_screen(
            ConfirmDialog(
                f"Cancel the run of {view.name}?", body, "Cancel the run", "error", "Keep it"
            ),
            answered,
        )

    @work(group="jobs", exit_on_error=False)
    async def _control(
        self, change: Callable[[str], Awaitable[None]], name: str, done: str
    ) -> None:
        try:
            await change(name)
        except (JobError, OSError) as exc:
            text = exc.message if isinstance(exc, JobError) else str(exc)
            self.notify(text, title=f"Job {name}", severity="error")
            return
        self.notify(done, title="Jobs")
