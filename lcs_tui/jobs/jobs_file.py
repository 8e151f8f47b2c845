"""What jobs.toml holds once read: jobs, webhooks and per-profile notification defaults.

The file's format is described in store.py; jobs_read.py reads and checks
it, jobs_write.py writes it back. These are the values the three share.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from lcs_tui.config.store import config_dir
from lcs_tui.jobs.model import NOTIFY_EVENTS, Job

FILE_NAME = "jobs.toml"
FORMAT_VERSION = 1
WEBHOOK_KINDS = ("teams", "slack", "json")


@dataclass(frozen=True)
class NotifyTarget:
    """A webhook: `kind` teams, slack or json; its URL is a secret in the keyring."""

    name: str
    kind: str


@dataclass(frozen=True)
class NotifyDefaults:
    """A profile's notifications: for its jobs without their own, and for --notify."""

    notify: tuple[str, ...] = ("desktop",)
    notify_on: tuple[str, ...] = NOTIFY_EVENTS


@dataclass(frozen=True)
class JobsFile:
    path: Path
    jobs: dict[str, Job] = field(default_factory=dict)
    targets: dict[str, NotifyTarget] = field(default_factory=dict)
    defaults: dict[str, NotifyDefaults] = field(default_factory=dict)

    def defaults_for(self, profile: str) -> NotifyDefaults:
        return self.defaults.get(profile, NotifyDefaults())


def jobs_path() -> Path:
    return config_dir() / FILE_NAME
