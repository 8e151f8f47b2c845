"""jobs.toml: the jobs, notification targets and per-profile notification defaults.

It lives beside profiles.toml in the config directory (LCS_TUI_CONFIG_DIR
overrides it), is meant to be read and edited by people, and holds no
secret — a webhook's URL lives in the keyring (notify/webhook.py):

    version = 1

    [notify.ops-teams]
    kind = "teams"                   # teams, slack or json (a webhook)

    [defaults.contoso]               # a profile's notifications (--notify, jobs)
    notify = ["desktop", "ops-teams"]
    notify_on = ["finish", "failure", "waiting"]

    [jobs.golden-copy]
    profile = "contoso"
    at = "2026-11-21 22:00"          # or: cron = "0 22 * * SUN", or: asap = true
    zone = "Europe/Amsterdam"        # UTC (default), local, or an IANA name
    notify = ["desktop", "ops-teams"]

    [[jobs.golden-copy.steps]]
    do = "refresh"
    source = "CONTOSO-PROD"
    target = "CONTOSO-UAT"
    confirmed = "CONTOSO-UAT"        # typed by the user when the job was created

    [[jobs.golden-copy.steps]]
    do = "export"
    environment = "CONTOSO-UAT"
    name = "uat-golden-{date}"

    [[jobs.golden-copy.steps]]
    do = "download"
    backup = "previous"              # previous, latest, or a backup's name or id
    folder = "~/backups"

A job of a Power Platform profile has copy and restore steps instead:

    [[jobs.ana-from-prod.steps]]
    do = "copy"
    source = "CONTOSO-U-PROD"
    target = "CONTOSO-UDE-ANA"
    type = "full"                    # full, transactionless or minimal (lcs-tui copy --type)
    skip_audit_data = true           # the default
    confirmed = "CONTOSO-UDE-ANA"

    [[jobs.test-baseline.steps]]
    do = "restore"
    source = "CONTOSO-U-TEST"
    target = "CONTOSO-U-TEST"
    backup = "test-baseline"         # a backup's label or id, or: at = "2026-11-19T07:30:00Z"
    confirmed = "CONTOSO-U-TEST"

A broken file is reported with its path, line and key (ConfigError, as for
profiles.toml). Writes are atomic and serialised with a lock: the CLI and
the TUI may add jobs at the same time. `JobStore.load()` re-reads the file
only when it changed (size and modification time), so a runner can ask on
every tick for free and still sees a hand edit at once.

The file's contents are in jobs_file.py, reading and checking it in
jobs_read.py, writing it in jobs_write.py; this module is the store: the
cached read and the locked read-modify-write.
"""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path
from typing import Any

from lcs_tui.config.store import ConfigError
from lcs_tui.jobs.jobs_file import (
    WEBHOOK_KINDS,
    JobsFile,
    NotifyDefaults,
    NotifyTarget,
    jobs_path,
)
from lcs_tui.jobs.jobs_read import load as _load
from lcs_tui.jobs.jobs_write import render
from lcs_tui.jobs.model import BUILTIN_TARGETS, JOB_NAME, Job, JobError
from lcs_tui.jobs.statefile import StateFile, StateFileError

#: The store and the file's types it takes and returns.
__all__ = [
    "JobStore",
    "JobsFile",
    "NotifyDefaults",
    "NotifyTarget",
    "jobs_path",
]


class JobStore:
    """The jobs file. Thread-safe for reading; writes are locked between processes."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or jobs_path()
        self._cache: tuple[tuple[int, int], JobsFile] | None = None

    def load(self) -> JobsFile:
        """The file's contents (ConfigError when it is broken); cached while unchanged."""
        try:
            info = os.stat(self.path)
        except FileNotFoundError:
            return JobsFile(self.path)
        except OSError as exc:
            raise ConfigError(f"cannot read the jobs file: {exc}", path=self.path) from None
        stamp = (info.st_size, info.st_mtime_ns)
        cached = self._cache
        if cached is not None and cached[0] == stamp:
            return cached[1]
        loaded = _load(self.path)
        self._cache = (stamp, loaded)
        return loaded

    def jobs(self) -> list[Job]:
        return list(self.load().jobs.values())

    def get(self, name: str) -> Job:
        jobs = self.load().jobs
        if name not in jobs:
            known = ", ".join(sorted(jobs)) or "none yet"
            raise JobError(f"no job named {name!r}", f"jobs: {known}; create one: lcs-tui job add")
        return jobs[name]

    def add(self, job: Job, *, replace_existing: bool = False) -> None:
        def change(current: JobsFile) -> JobsFile:
            if job.name in current.jobs and not replace_existing:
                raise JobError(
                    f"a job named {job.name} exists already",
                    f"pick another name, or remove it first: lcs-tui job remove {job.name}",
                )
            _check_targets(job, current)
            return replace(current, jobs={**current.jobs, job.name: job})

        self._change(change)

    def remove(self, name: str) -> None:
        def change(current: JobsFile) -> JobsFile:
            if name not in current.jobs:
                raise JobError(f"no job named {name!r}")
            return replace(current, jobs={k: v for k, v in current.jobs.items() if k != name})

        self._change(change)

    def set_target(self, target: NotifyTarget) -> None:
        if target.kind not in WEBHOOK_KINDS:
            raise JobError(f"webhook kind {target.kind!r}: one of {', '.join(WEBHOOK_KINDS)}")
        if not JOB_NAME.match(target.name) or target.name in BUILTIN_TARGETS:
            raise JobError(
                f"notification target name {target.name!r}: letters, digits, '-' and '_', "
                f"not {' or '.join(BUILTIN_TARGETS)}"
            )
        self._change(
            lambda current: replace(current, targets={**current.targets, target.name: target})
        )

    def remove_target(self, name: str) -> None:
        def change(current: JobsFile) -> JobsFile:
            users = [j.name for j in current.jobs.values() if name in j.notify]
            if users:
                raise JobError(f"jobs {', '.join(users)} notify {name}", "change them first")
            if name not in current.targets:
                raise JobError(f"no webhook named {name!r}")
            return replace(current, targets={k: v for k, v in current.targets.items() if k != name})

        self._change(change)

    def set_defaults(self, profile: str, defaults: NotifyDefaults) -> None:
        def change(current: JobsFile) -> JobsFile:
            for name in defaults.notify:
                if name not in BUILTIN_TARGETS and name not in current.targets:
                    raise JobError(f"no notification target named {name!r}")
            return replace(current, defaults={**current.defaults, profile: defaults})

        self._change(change)

    def _change(self, change: Any) -> None:
        # The state file's lock (a `.lock` beside jobs.toml) serialises the
        # read-modify-write between the CLI and a running app.
        lock = StateFile(self.path.with_name("." + self.path.name))
        try:
            with lock.locked():
                current = _load(self.path) if self.path.exists() else JobsFile(self.path)
                updated = change(current)
                from lcs_tui.config.store import _atomic_write

                _atomic_write(self.path, render(updated))
        except StateFileError as exc:
            raise JobError(str(exc)) from None
        except OSError as exc:
            raise JobError(f"cannot write the jobs file {self.path}: {exc}") from None
        self._cache = None


def _check_targets(job: Job, current: JobsFile) -> None:
    for name in job.notify:
        if name not in BUILTIN_TARGETS and name not in current.targets:
            raise JobError(
                f"no notification target named {name!r}",
                "add a webhook first: lcs-tui job notify add NAME --kind teams|slack|json",
            )
