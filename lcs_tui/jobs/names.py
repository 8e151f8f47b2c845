"""Backup name templates: `uat-golden-{date}` becomes `uat-golden-2026-11-20`.

Placeholders (the moment is the export step's start, in the job's zone):

| placeholder | example | | placeholder | example |
|---|---|---|---|---|
| `{date}` | 2026-11-20 | | `{yyyy}` | 2026 |
| `{time}` | 2215 | | `{mm}` | 11 |
| `{env}` | CONTOSO-UAT | | `{dd}` | 20 |
| `{job}` | golden-copy | | `{HH}` `{MM}` | 22 15 |

A template is checked when the job is created: unknown placeholders are an
error, and a sample rendering must pass the export name rules of
service/checks.py (letters, digits, `-` and `_`; no `.bacpac`; at most 100
characters — the longest date and the environment's own name are used, so a
valid template cannot render invalid later).
"""

from __future__ import annotations

import re
from datetime import datetime, timezone

from lcs_tui.service.checks import backup_name_problem

_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
PLACEHOLDERS = ("date", "time", "env", "job", "yyyy", "mm", "dd", "HH", "MM")
#: A sample moment with two-digit everything, for checking templates.
_SAMPLE = datetime(2026, 12, 31, 23, 59)


class TemplateError(ValueError):
    """A name template that cannot give valid backup names."""


def render(template: str, moment: datetime, *, env: str, job: str = "") -> str:
    """The backup name for `moment` (a wall time in the job's zone)."""
    values = {
        "date": f"{moment:%Y-%m-%d}",
        "time": f"{moment:%H%M}",
        "env": env,
        "job": job,
        "yyyy": f"{moment:%Y}",
        "mm": f"{moment:%m}",
        "dd": f"{moment:%d}",
        "HH": f"{moment:%H}",
        "MM": f"{moment:%M}",
    }

    def substitute(match: re.Match[str]) -> str:
        word = match.group(1)
        if word not in values:
            raise TemplateError(_unknown(word))
        return values[word]

    return _PLACEHOLDER.sub(substitute, template)


def check_template(template: str, *, env: str, job: str = "") -> str | None:
    """Why `template` cannot name backups of `env`, or None when it can."""
    for word in _PLACEHOLDER.findall(template):
        if word not in PLACEHOLDERS:
            return _unknown(word)
    if "{" in _PLACEHOLDER.sub("", template) or "}" in _PLACEHOLDER.sub("", template):
        return "a '{' or '}' without its partner; placeholders look like {date}"
    sample = render(template, _SAMPLE, env=env, job=job)
    problem = backup_name_problem(sample)
    if problem:
        return f"{template!r} gives names like {sample!r}: {problem}"
    return None


def local_moment(utc: datetime, zone: str) -> datetime:
    """Naive-UTC `utc` as a naive wall time in `zone` (for rendering)."""
    from lcs_tui.jobs.schedule import zone_of

    aware = utc.replace(tzinfo=timezone.utc).astimezone(zone_of(zone))
    return aware.replace(tzinfo=None)


def _unknown(word: str) -> str:
    known = " ".join("{" + p + "}" for p in PLACEHOLDERS)
    return f"unknown placeholder {{{word}}}; known: {known}"
