"""What the jobs pane's keys and the refresh dialog's "as a job" do.

A mixin of the workspace screen, between the operation flows (flows.py)
and the screen itself. The app's JobsController (controllers/jobs.py) runs
the jobs; this only asks it, after the user has seen and confirmed:

- a refresh made into a job: the plan (jobs/creation.py, which checks every
  step) shown in full, saved on "Save job" with the target's typed name;
- Enter: the job's steps and where each stands;
- Space: pause or resume; n: run now; x: cancel the run (asked first).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import work

from lcs_tui.jobs import JobError
from lcs_tui.tui.flows import OperationFlows
from lcs_tui.tui.format import safe
from lcs_tui.tui.widgets.jobs import JobsPanel, steps_text

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from lcs_tui.api import Environment
    from lcs_tui.jobs import JobView, Plan
    from lcs_tui.service.operations import TrackedOperation
    from lcs_tui.tui.controllers.jobs import JobsController
    from lcs_tui.tui.screens.job_options import JobRequest


class JobFlows(OperationFlows):
    """The base of the workspace screen; the screen composes the JobsPanel."""

    @property
    def jobs(self) -> JobsController | None:
        controller: JobsController | None = getattr(self.app, "jobs", None)
        return controller

    @property
    def jobs_offered(self) -> bool:
        return self.jobs is not None and not self.workspace.read_only

    def show_jobs(self, views: list[JobView]) -> None:
        """This workspace's jobs, as the app's runner last saw them."""
        if self.is_attached:
            self.query_one(JobsPanel).show(views)

    def etas(self, operations: list[TrackedOperation]) -> dict[str, str]:
        """Each running refresh's and export's ETA, from its environment's past ones."""
        from lcs_tui.jobs.eta import estimate

        now = self.service.now()
        found: dict[str, str] = {}
        for op in operations:
            history = self.service.history.get(op.poll_environment_id or "")
            if op.finished or op.kind not in ("refresh", "export") or not history:
                continue
            eta = estimate(history, op.kind, started_at=op.started_at or op.requested_at, now=now)
            if eta is not None:
                found[op.key] = eta.describe()
        return found

    def _highlighted_job(self) -> JobView | None:
        name = self.query_one(JobsPanel).highlighted
        if name is None or self.jobs is None:
            return None
        return next((v for v in self.jobs.views if v.name == name), None)

    # -- a refresh as a job ----------------------------------------------------------------

    def plan_refresh_job(
        self, request: JobRequest, source: Environment, target: Environment
    ) -> None:
        from lcs_tui.jobs import plan_job
        from lcs_tui.tui.screens.common import ConfirmDialog

        job = request.job(self.workspace.profile.name, source.name, target.name)
        try:
            plan = plan_job(job, self.service, now=self.service.now())
        except JobError as exc:
            hint = f" {exc.hint}" if exc.hint else ""
            self.notify(f"{exc.message}.{hint}", title="Job not saved", severity="error")
            return
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
                self.save_job(plan, target.name)

        dialog = ConfirmDialog(f"Save job {job.name}?", body, "Save job", variant="error")
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
        text = Text()
        text.append_text(safe(f"{view.summary}\n", "bold", limit=400))
        text.append_text(safe(f"Schedule: {view.schedule}\n"))
        if view.next_run_text:
            text.append_text(safe(f"Next run: {view.next_run_text}\n"))
        if view.eta is not None:
            text.append_text(safe(f"{view.eta.describe()}\n"))
        if view.problem:
            text.append_text(safe(f"✘ {view.problem}\n", "red", limit=400))
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
            "No further step starts. An operation "
            "already started in LCS cannot be stopped there and goes on; the Operations "
            "pane keeps watching it."
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
