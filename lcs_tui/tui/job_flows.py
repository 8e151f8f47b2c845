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

from lcs_tui.jobs import JobError
from lcs_tui.tui.flows import OperationFlows
from lcs_tui.tui.jobs_pane import JobsPaneKeys

if TYPE_CHECKING:

    from lcs_tui.api import Environment
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

        job = request.job(self.workspace.profile.name, source.name, target.name)
        try:
            plan = plan_job(job, self.service, now=self.service.now())
        except JobError as exc:
            hint = f" {exc.hint}" if exc.hint else ""
            self.notify(f"{exc.message}.{hint}", title="Job not saved", severity="error")
            return
        self.offer_plan(plan, target.name)
