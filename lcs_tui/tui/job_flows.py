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
from lcs_tui.tui.jobs_pane import JobsPaneKeys
from lcs_tui.tui.widgets.jobs import JobsPanel

if TYPE_CHECKING:

    from lcs_tui.api import Environment
    from lcs_tui.jobs import Plan
    from lcs_tui.service.operations import TrackedOperation
    from lcs_tui.tui.screens.job_options import JobRequest


class JobFlows(OperationFlows, JobsPaneKeys):
    """The base of the workspace screen; the screen composes the JobsPanel."""

    @property
    def jobs_offered(self) -> bool:
        return self.jobs is not None and not self.workspace.read_only

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
