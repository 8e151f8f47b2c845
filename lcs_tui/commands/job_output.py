"""How `lcs-tui job …` and `lcs-tui run` print jobs: tables, `key  value` lines, JSON.

The JSON documents are `lcs-tui/job/v1` (one job) and `lcs-tui/jobs/v1`
(the list), described in docs/scripting.md; every string passes through
output.py (inert, or escaped in JSON) like the other commands' output.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lcs_tui.commands.output import emit_json, iso, out, print_fields, print_table, schema_id

if TYPE_CHECKING:
    from lcs_tui.jobs import Job, JobView
    from lcs_tui.jobs.eta import Eta


def eta_json(eta: Eta | None, zone: str) -> dict[str, Any] | None:
    if eta is None:
        return None
    return {
        "text": eta.describe(zone),
        "finishes_at": iso(eta.finishes_at),
        "typical_seconds": int(eta.typical.duration.total_seconds()),
        "samples": eta.typical.samples,
        "overdue": eta.overdue,
    }


def job_json(job: Job, view: JobView) -> dict[str, Any]:
    s = job.schedule
    return {
        "name": view.name,
        "profile": view.profile,
        "description": job.description or None,
        "schedule": {
            "kind": s.kind,
            "at": f"{s.at:%Y-%m-%dT%H:%M}" if s.at is not None else None,
            "cron": s.cron,
            "zone": s.zone,
            "text": s.describe(),
        },
        "status": view.status,
        "summary": view.summary,
        "paused": view.paused,
        "changes_lcs": view.changes_lcs,
        "current_step": view.current_step,
        "waiting": view.waiting,
        "next_run": iso(view.next_run),
        "next_run_text": view.next_run_text,
        "eta": eta_json(view.eta, view.zone),
        "run": None
        if view.run_id is None
        else {
            "id": view.run_id,
            "status": view.run_status,
            "started_at": iso(view.run_started_at),
            "finished_at": iso(view.run_finished_at),
            "held_by": view.lease_holder,
        },
        "steps": [
            {
                "number": st.number,
                "kind": st.kind,
                "text": st.text,
                "status": st.status,
                "message": st.message,
                "activity_id": st.activity_id,
                "backup_name": st.backup_name,
                "path": st.path,
                "started_at": iso(st.started_at),
                "finished_at": iso(st.finished_at),
                "eta": eta_json(st.eta, view.zone),
            }
            for st in view.steps
        ],
        "notify": list(job.notify),
        "notify_on": list(job.notify_on),
    }


def emit_job(
    command: str, code: int, error: dict[str, Any] | None, job: Job, view: JobView
) -> None:
    emit_json(
        {
            "schema": schema_id("job"),
            "command": command,
            "exit_code": code,
            "error": error,
            "job": job_json(job, view),
        }
    )


def emit_jobs(code: int, error: dict[str, Any] | None, pairs: list[tuple[Job, JobView]]) -> None:
    emit_json(
        {
            "schema": schema_id("jobs"),
            "exit_code": code,
            "error": error,
            "jobs": [job_json(job, view) for job, view in pairs],
        }
    )


def print_jobs(views: list[JobView]) -> None:
    rows = []
    for v in views:
        step = f"{v.current_step}/{len(v.steps)}" if v.current_step is not None else "-"
        detail = v.waiting or v.current_text or ""
        if v.eta is not None and not v.waiting:
            detail = f"{detail}; {v.eta.describe(v.zone)}" if detail else v.eta.describe(v.zone)
        rows.append(
            [v.name, v.profile, v.status.replace("_", " "), step, v.next_run_text, detail or None]
        )
    print_table(["NAME", "PROFILE", "STATUS", "STEP", "NEXT RUN", "NOW"], rows)


def print_job(job: Job, view: JobView) -> None:
    fields: list[tuple[str, object | None]] = [
        ("job", view.name),
        ("profile", view.profile),
        ("schedule", job.schedule.explain()),
        ("status", view.summary),
        ("next run", view.next_run_text),
        ("eta", view.eta.describe(view.zone) if view.eta else None),
        ("notify", ", ".join(job.notify) or "the profile's defaults"),
    ]
    if view.run_id is not None:
        started = view.run_started_at
        when = f" (started {started:%Y-%m-%d %H:%M} UTC)" if started else ""
        fields.append(("run", f"{view.run_status}{when}"))
    print_fields(fields)
    for st in view.steps:
        line = f"  {st.number}. {st.text} — {st.status.replace('_', ' ')}"
        if st.message:
            line += f": {st.message}"
        if st.activity_id:
            line += f" (activity {st.activity_id})"
        if st.eta is not None and st.status not in ("done", "failed"):
            line += f"; {st.eta.describe(view.zone)}"
        out(line)
