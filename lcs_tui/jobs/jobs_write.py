"""Writing jobs.toml: the jobs, webhooks and defaults as a person would write them.

What `render` writes reads back (jobs_read.py) as the same jobs, targets
and defaults; keys with their default value are left out.
"""

from __future__ import annotations

from lcs_tui.config.store import _toml_string as q
from lcs_tui.jobs.jobs_file import FORMAT_VERSION, JobsFile
from lcs_tui.jobs.model import (
    JOB_NAME,
    NOTIFY_EVENTS,
    Copy,
    Download,
    Export,
    Notify,
    Refresh,
    Restore,
    Step,
)


def render(jobs_file: JobsFile) -> str:
    lines = [
        "# lcs-tui jobs, written by `lcs-tui job` and the app; hand edits are fine",
        "# (see docs/jobs.md). No secrets here: a webhook's URL is in the keyring.",
        f"version = {FORMAT_VERSION}",
    ]
    for target in sorted(jobs_file.targets.values(), key=lambda t: t.name):
        lines += ["", f"[notify.{target.name}]", f"kind = {q(target.kind)}"]
    for profile in sorted(jobs_file.defaults):
        d = jobs_file.defaults[profile]
        lines += [
            "",
            f"[defaults.{q(profile) if not JOB_NAME.match(profile) else profile}]",
            f"notify = {_list(d.notify)}",
            f"notify_on = {_list(d.notify_on)}",
        ]
    for job in sorted(jobs_file.jobs.values(), key=lambda j: j.name):
        lines += ["", f"[jobs.{job.name}]", f"profile = {q(job.profile)}"]
        if job.description:
            lines.append(f"description = {q(job.description)}")
        s = job.schedule
        if s.kind == "asap":
            lines.append("asap = true")
        elif s.kind == "once":
            assert s.at is not None
            lines.append(f"at = {q(f'{s.at:%Y-%m-%d %H:%M}')}")
        else:
            lines.append(f"cron = {q(s.cron or '')}")
        if s.kind != "asap" or s.zone != "UTC":
            lines.append(f"zone = {q(s.zone)}")
        if job.notify:
            lines.append(f"notify = {_list(job.notify)}")
        if tuple(job.notify_on) != NOTIFY_EVENTS:
            lines.append(f"notify_on = {_list(job.notify_on)}")
        if job.created_at is not None:
            lines.append(f"created = {q(f'{job.created_at:%Y-%m-%dT%H:%M:%S}Z')}")
        for step in job.steps:
            lines += ["", f"[[jobs.{job.name}.steps]]", f"do = {q(step.kind)}"]
            lines += [f"{k} = {v}" for k, v in _step_values(step)]
    return "\n".join(lines) + "\n"


def _list(values: tuple[str, ...]) -> str:
    return "[" + ", ".join(q(v) for v in values) + "]"


def _step_values(step: Step) -> list[tuple[str, str]]:
    if isinstance(step, Refresh):
        return [
            ("source", q(step.source)),
            ("target", q(step.target)),
            ("confirmed", q(step.confirmed)),
        ]
    if isinstance(step, Export):
        return [("environment", q(step.environment)), ("name", q(step.name))]
    if isinstance(step, Download):
        values = [("backup", q(step.backup)), ("folder", q(step.folder))]
        if step.connections is not None:
            values.append(("connections", str(step.connections)))
        return values
    if isinstance(step, Notify):
        return [("message", q(step.message))]
    if isinstance(step, (Copy, Restore)):
        values = [("source", q(step.source)), ("target", q(step.target))]
        if isinstance(step, Copy):
            values.append(("type", q(step.copy_type)))
        elif step.backup is not None:
            values.append(("backup", q(step.backup)))
        elif step.at is not None:
            values.append(("at", q(f"{step.at:%Y-%m-%dT%H:%M:%S}Z")))
        values += [
            ("skip_audit_data", "true" if step.skip_audit_data else "false"),
            ("confirmed", q(step.confirmed)),
        ]
        return values
    if step.until is not None:
        return [("until", q(f"{step.until:%Y-%m-%d %H:%M}")), ("zone", q(step.zone))]
    if step.quota is not None:
        return [("quota", q(step.quota))]
    return [("idle", q(step.idle or ""))]
