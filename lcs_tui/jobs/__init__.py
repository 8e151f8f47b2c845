"""Jobs: routines that run while nobody watches (DESIGN.md, "Routines"; docs/jobs.md).

A job is an ordered list of steps over one profile — refresh, export,
download, wait, notify — with a schedule (once, cron, as soon as possible)
and notification targets. Jobs are defined in jobs.toml in the config
directory; each job's progress is in the state directory; any lcs-tui
process may run due jobs, and a lease makes sure exactly one does.

No Textual here: the TUI and the CLI use the same API.

Creating a job (checked, shown, confirmed by typing each refreshed target)::

    from lcs_tui.jobs import Job, Refresh, Export, Download, PREVIOUS, Schedule
    from lcs_tui.jobs import JobStore, plan_job, add_job
    job = Job("golden-copy", "contoso", (Refresh("CONTOSO-PROD", "CONTOSO-UAT"),
              Export("CONTOSO-UAT", "uat-golden-{date}"), Download(PREVIOUS, "~/backups")),
              Schedule.once(datetime(2026, 11, 21, 22, 0), "Europe/Amsterdam"),
              notify=("desktop",))
    plan = plan_job(job, workspace.service, now=workspace.now())  # JobError: why not
    # show plan.lines and plan.notes; ask the user to type each of plan.must_type
    add_job(JobStore(), plan, typed={"CONTOSO-UAT"})

Listing (status, current step, waiting reason, next run, ETA)::

    runner.views()            # or: job_view(job, JobStateStore().read(job.name), now=…, service=…)
    view.summary              # "waiting (1/3): CONTOSO-UAT's quota frees at 13:07 UTC"
    view.next_run_text        # "2026-11-21 22:00 CET (21:00 UTC)"
    view.eta.describe() if view.eta else ""   # "ETA 15:40 UTC (typical 2h10m, from 6 …)"

Pause, resume, cancel, run now (any process; the driving runner obeys at its next tick)::

    from lcs_tui.jobs import control
    control.pause(states, "golden-copy"); control.resume(...); control.cancel(...)
    control.request_run(states, "golden-copy")

Hosting the runner in a running app::

    runner = JobRunner(lambda: open_workspaces, polls_operations=False, read_only=read_only)
    unsubscribe = runner.subscribe(listener)   # JobChanged(job, view) / JobNotice(job, text)
    await runner.tick()                        # on each poll interval
    await runner.aclose()                      # when the app quits (downloads stop, resumable)

ETA for any operation: `lcs_tui.jobs.eta.estimate(history, kind, started_at=…, now=…)`.
Notifications: `lcs_tui.jobs.notify` (`NotificationCenter`, `Notification.about`).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from lcs_tui.jobs import control
    from lcs_tui.jobs.creation import Plan, add_job, plan_job
    from lcs_tui.jobs.eta import Eta, estimate, typical_duration
    from lcs_tui.jobs.model import (
        LATEST,
        PREVIOUS,
        Download,
        Export,
        Job,
        JobError,
        Notify,
        Refresh,
        Step,
        Wait,
    )
    from lcs_tui.jobs.runner import JobChanged, JobEvent, JobNotice, JobRunner, TickResult
    from lcs_tui.jobs.schedule import Schedule, ScheduleError
    from lcs_tui.jobs.state import JobState, JobStateStore
    from lcs_tui.jobs.store import JobStore, NotifyDefaults, NotifyTarget
    from lcs_tui.jobs.views import JobView, StepView, job_view

#: Where each name lives. Imported when first asked for: the app imports this
#: package on its start-up path, and the runner, the store and the schedules
#: (cronsim, zoneinfo, tomllib) are not needed before the first screen.
_WHERE = {
    "control": "lcs_tui.jobs.control",
    **dict.fromkeys(("Plan", "add_job", "plan_job"), "lcs_tui.jobs.creation"),
    **dict.fromkeys(("Eta", "estimate", "typical_duration"), "lcs_tui.jobs.eta"),
    **dict.fromkeys(
        (
            "LATEST",
            "PREVIOUS",
            "Download",
            "Export",
            "Job",
            "JobError",
            "Notify",
            "Refresh",
            "Step",
            "Wait",
        ),
        "lcs_tui.jobs.model",
    ),
    **dict.fromkeys(
        ("JobChanged", "JobEvent", "JobNotice", "JobRunner", "TickResult"), "lcs_tui.jobs.runner"
    ),
    **dict.fromkeys(("Schedule", "ScheduleError"), "lcs_tui.jobs.schedule"),
    **dict.fromkeys(("JobState", "JobStateStore"), "lcs_tui.jobs.state"),
    **dict.fromkeys(("JobStore", "NotifyDefaults", "NotifyTarget"), "lcs_tui.jobs.store"),
    **dict.fromkeys(("JobView", "StepView", "job_view"), "lcs_tui.jobs.views"),
}


def __getattr__(name: str) -> Any:
    where = _WHERE.get(name)
    if where is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module = importlib.import_module(where)
    value = module if name == "control" else getattr(module, name)
    globals()[name] = value
    return value


__all__ = [
    "LATEST",
    "PREVIOUS",
    "Download",
    "Eta",
    "Export",
    "Job",
    "JobChanged",
    "JobError",
    "JobEvent",
    "JobNotice",
    "JobRunner",
    "JobState",
    "JobStateStore",
    "JobStore",
    "JobView",
    "Notify",
    "NotifyDefaults",
    "NotifyTarget",
    "Plan",
    "Refresh",
    "Schedule",
    "ScheduleError",
    "Step",
    "StepView",
    "TickResult",
    "Wait",
    "add_job",
    "control",
    "estimate",
    "job_view",
    "plan_job",
    "typical_duration",
]
