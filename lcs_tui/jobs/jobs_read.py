"""Reading jobs.toml: every table and key checked, a broken one reported by line.

A mistake is a ConfigError with the file's path, the line and the key (as
for profiles.toml), and a hint where one helps; nothing half-read is
returned. The format is described in store.py.
"""

from __future__ import annotations

import re
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

from lcs_tui.config.store import ConfigError
from lcs_tui.jobs.jobs_file import (
    FORMAT_VERSION,
    WEBHOOK_KINDS,
    JobsFile,
    NotifyDefaults,
    NotifyTarget,
)
from lcs_tui.jobs.model import (
    BUILTIN_TARGETS,
    JOB_NAME,
    NOTIFY_EVENTS,
    Copy,
    Download,
    Export,
    Job,
    JobError,
    Notify,
    Refresh,
    Restore,
    Step,
    Wait,
)
from lcs_tui.jobs.schedule import Schedule, ScheduleError, parse_moment

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10 only
    import importlib

    tomllib = importlib.import_module("tomli")


_STEP_KEYS: dict[str, tuple[str, ...]] = {
    "refresh": ("source", "target", "confirmed"),
    "export": ("environment", "name"),
    "download": ("backup", "folder", "connections"),
    "wait": ("until", "zone", "quota", "idle"),
    "notify": ("message",),
    "copy": ("source", "target", "type", "skip_audit_data", "confirmed"),
    "restore": ("source", "target", "backup", "at", "skip_audit_data", "confirmed"),
}
_JOB_KEYS = (
    "profile",
    "description",
    "asap",
    "at",
    "cron",
    "zone",
    "notify",
    "notify_on",
    "created",
    "steps",
)


def load(path: Path) -> JobsFile:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return JobsFile(path)
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read the jobs file: {exc}", path=path) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        from lcs_tui.config.store import _line_of_decode_error

        raise ConfigError(
            f"not valid TOML: {exc}", path=path, line=_line_of_decode_error(exc)
        ) from None
    except RecursionError:
        raise ConfigError("its arrays or tables are nested too deeply", path=path) from None
    return _Parser(path, text).parse(data)


class _Parser:
    def __init__(self, path: Path, text: str) -> None:
        self.path = path
        self.lines = text.splitlines()

    def fail(
        self, message: str, header: str | None, key: str | None, nth: int = 0, hint: str = ""
    ) -> ConfigError:
        return ConfigError(
            message,
            path=self.path,
            line=self._locate(header, key, nth),
            key=key,
            hint=hint or None,
        )

    def parse(self, data: dict[str, Any]) -> JobsFile:
        for key in data:
            if key not in ("version", "notify", "defaults", "jobs"):
                raise self.fail(f"unknown setting {key!r}", None, key)
        if data.get("version", FORMAT_VERSION) != FORMAT_VERSION:
            raise self.fail(
                f"format version {data.get('version')!r} is not supported "
                f"(this lcs-tui reads {FORMAT_VERSION}); upgrade lcs-tui",
                None,
                "version",
            )
        targets = {
            name: self._target(name, table) for name, table in self._tables(data, "notify").items()
        }
        defaults = {
            name: self._defaults(name, table, targets)
            for name, table in self._tables(data, "defaults").items()
        }
        jobs = {
            name: self._job(name, table, targets)
            for name, table in self._tables(data, "jobs").items()
        }
        return JobsFile(self.path, jobs, targets, defaults)

    def _tables(self, data: dict[str, Any], section: str) -> dict[str, dict[str, Any]]:
        tables = data.get(section, {})
        if not isinstance(tables, dict):
            raise self.fail(f"'{section}' must be [{section}.NAME] tables", None, section)
        for name, table in tables.items():
            if not isinstance(table, dict):
                raise self.fail(f"[{section}.{name}] must be a table", None, f"{section}.{name}")
        return tables

    def _target(self, name: str, table: dict[str, Any]) -> NotifyTarget:
        header = f"notify.{name}"
        for key in table:
            if key != "kind":
                raise self.fail(
                    f"unknown key {key!r} in [{header}] (the URL is kept in the keyring, "
                    "never in this file)",
                    header,
                    key,
                )
        kind = table.get("kind")
        if kind not in WEBHOOK_KINDS:
            raise self.fail(f"kind must be one of {', '.join(WEBHOOK_KINDS)}", header, "kind")
        return NotifyTarget(name, kind)

    def _defaults(
        self, name: str, table: dict[str, Any], targets: dict[str, NotifyTarget]
    ) -> NotifyDefaults:
        header = f"defaults.{name}"
        for key in table:
            if key not in ("notify", "notify_on"):
                raise self.fail(f"unknown key {key!r} in [{header}]", header, key)
        notify = self._names(table, "notify", header, targets, ("desktop",))
        notify_on = self._events(table, header)
        return NotifyDefaults(notify, notify_on)

    def _names(
        self,
        table: dict[str, Any],
        key: str,
        header: str,
        targets: dict[str, NotifyTarget],
        default: tuple[str, ...],
    ) -> tuple[str, ...]:
        value = table.get(key, list(default))
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.fail(f'{key} must be a list of names, e.g. ["desktop"]', header, key)
        for name in value:
            if name not in BUILTIN_TARGETS and name not in targets:
                raise self.fail(
                    f"no notification target {name!r}: use desktop, terminal, or add "
                    f"[notify.{name}]",
                    header,
                    key,
                )
        return tuple(value)

    def _events(self, table: dict[str, Any], header: str) -> tuple[str, ...]:
        value = table.get("notify_on", list(NOTIFY_EVENTS))
        if not isinstance(value, list) or any(v not in NOTIFY_EVENTS for v in value):
            raise self.fail(
                f"notify_on must be a list of {', '.join(NOTIFY_EVENTS)}", header, "notify_on"
            )
        return tuple(value)

    def _job(self, name: str, table: dict[str, Any], targets: dict[str, NotifyTarget]) -> Job:
        header = f"jobs.{name}"
        if not JOB_NAME.match(name):
            raise self.fail(f"job name {name!r}: letters, digits, '-' and '_' only", header, None)
        for key in table:
            if key not in _JOB_KEYS:
                raise self.fail(
                    f"unknown key {key!r} in [{header}]; known keys: {', '.join(_JOB_KEYS)}",
                    header,
                    key,
                )
        profile = table.get("profile")
        if not isinstance(profile, str) or not profile:
            raise self.fail(f'[{header}] needs profile = "NAME"', header, "profile")
        schedule = self._schedule(table, header)
        raw_steps = table.get("steps")
        if not isinstance(raw_steps, list) or not raw_steps:
            raise self.fail(
                f"job {name} has no steps: add [[{header}.steps]] tables", header, "steps"
            )
        steps = tuple(self._step(name, i, s) for i, s in enumerate(raw_steps))
        created = table.get("created")
        if created is not None:
            created = self._moment(created, header, "created")
        description = table.get("description", "")
        if not isinstance(description, str):
            raise self.fail("description must be a quoted string", header, "description")
        job = Job(
            name=name,
            profile=profile,
            steps=steps,
            schedule=schedule,
            notify=self._names(table, "notify", header, targets, ()),
            notify_on=self._events(table, header),
            created_at=created,
            description=description,
        )
        try:
            job.check_shape()
        except JobError as exc:
            raise self.fail(exc.message, header, None, hint=exc.hint or "") from None
        return job

    def _schedule(self, table: dict[str, Any], header: str) -> Schedule:
        given = [key for key in ("asap", "at", "cron") if key in table]
        if len(given) > 1:
            raise self.fail(
                f"[{header}] has {' and '.join(given)}: a job has one schedule", header, given[1]
            )
        zone = table.get("zone", "UTC")
        if not isinstance(zone, str):
            raise self.fail("zone must be a quoted string", header, "zone")
        try:
            if not given or given == ["asap"]:
                if table.get("asap", True) is not True:
                    raise ScheduleError("asap = true, or give at = ... or cron = ...")
                return Schedule.asap()
            if given == ["at"]:
                return Schedule.once(self._moment(table["at"], header, "at"), zone)
            cron = table["cron"]
            if not isinstance(cron, str):
                raise ScheduleError('cron must be a quoted string, e.g. "0 22 * * SUN"')
            return Schedule.every(cron, zone)
        except ScheduleError as exc:
            key: str = given[0] if given else "asap"
            if "zone" in str(exc):
                key = "zone"
            raise self.fail(str(exc), header, key) from None

    def _moment(self, value: Any, header: str, key: str, nth: int = 0) -> datetime:
        if isinstance(value, datetime):
            if value.tzinfo is not None:
                from datetime import timezone

                return value.astimezone(timezone.utc).replace(tzinfo=None)
            return value
        if not isinstance(value, str):
            raise self.fail(
                f'{key} must be a date and time, e.g. "2026-11-22 22:00"', header, key, nth
            )
        try:
            return parse_moment(value.rstrip("Z"))
        except ScheduleError as exc:
            raise self.fail(str(exc), header, key, nth) from None

    def _step(self, job: str, index: int, table: Any) -> Step:
        header = f"jobs.{job}.steps"
        if not isinstance(table, dict):
            raise self.fail(f"step {index + 1} of job {job} must be a table", header, None, index)
        kind = table.get("do")
        if kind not in _STEP_KEYS:
            raise self.fail(
                f"step {index + 1} of job {job}: do must be one of {', '.join(_STEP_KEYS)}",
                header,
                "do",
                index,
            )
        allowed = _STEP_KEYS[kind]
        for key in table:
            if key != "do" and key not in allowed:
                raise self.fail(
                    f"unknown key {key!r} in a {kind} step; known: {', '.join(allowed)}",
                    header,
                    key,
                    index,
                )

        def text(key: str, default: str | None = None) -> str:
            value = table.get(key, default)
            if not isinstance(value, str) or (not value and default is None):
                raise self.fail(
                    f'a {kind} step needs {key} = "..."',
                    header,
                    key,
                    index,
                )
            return value

        if kind == "refresh":
            return Refresh(text("source"), text("target"), text("confirmed", ""))
        if kind == "export":
            return Export(text("environment"), text("name"))
        if kind == "download":
            connections = table.get("connections")
            if connections is not None and (
                not isinstance(connections, int) or isinstance(connections, bool)
            ):
                raise self.fail("connections must be a whole number", header, "connections", index)
            return Download(text("backup"), text("folder"), connections)
        if kind == "notify":
            return Notify(text("message"))
        if kind in ("copy", "restore"):
            skip = table.get("skip_audit_data", True)
            if not isinstance(skip, bool):
                raise self.fail(
                    "skip_audit_data must be true or false", header, "skip_audit_data", index
                )
            source, target, confirmed = text("source"), text("target"), text("confirmed", "")
            if kind == "copy":
                return Copy(source, target, text("type"), skip, confirmed)
            backup = table.get("backup")
            if backup is not None and (not isinstance(backup, str) or not backup):
                raise self.fail(
                    'backup must be a label or id, e.g. "before-go-live"', header, "backup", index
                )
            at = table.get("at")
            moment = self._point(at, header, index) if at is not None else None
            return Restore(source, target, backup, moment, skip, confirmed)
        until = table.get("until")
        zone = text("zone", "UTC")
        moment = self._moment(until, header, "until", index) if until is not None else None
        quota = table.get("quota")
        idle = table.get("idle")
        for key, value in (("quota", quota), ("idle", idle)):
            if value is not None and not isinstance(value, str):
                raise self.fail(f"{key} must be an environment's name", header, key, index)
        try:
            from lcs_tui.jobs.schedule import check_zone

            zone = check_zone(zone)
        except ScheduleError as exc:
            raise self.fail(str(exc), header, "zone", index) from None
        return Wait(until=moment, zone=zone, quota=quota, idle=idle)

    def _point(self, value: Any, header: str, nth: int) -> datetime:
        """A restore point: a TOML date-time or RFC 3339 text, with its offset (UTC kept)."""
        from datetime import timezone

        from lcs_tui.ppac.requests import parse_point

        moment: datetime | None = None
        if isinstance(value, datetime) and value.tzinfo is not None:
            moment = value.astimezone(timezone.utc).replace(tzinfo=None)
        elif isinstance(value, str):
            moment = parse_point(value)
        if moment is None:
            raise self.fail(
                'at must be a date and time with its offset, e.g. "2026-11-19T07:30:00Z"',
                header,
                "at",
                nth,
            )
        return moment

    def _locate(self, header: str | None, key: str | None, nth: int) -> int | None:
        """The line of `key` under the `nth` [header] / [[header]] (best effort)."""
        start = 0
        if header is not None:
            pattern = re.compile(rf"^\s*\[\[?\s*{_dotted(header)}\s*\]\]?\s*(#.*)?$")
            found = [i for i, line in enumerate(self.lines) if pattern.match(line)]
            if len(found) <= nth:
                return None
            start = found[nth] + 1
            if key is None:
                return start
        if key is None:
            return None
        key_line = re.compile(rf"^\s*[\"']?{re.escape(key)}[\"']?\s*=")
        for i in range(start, len(self.lines)):
            if header is not None and re.match(r"^\s*\[", self.lines[i]):
                break
            if key_line.match(self.lines[i]):
                return i + 1
        return start if header is not None else None


def _dotted(dotted: str) -> str:
    return r"\s*\.\s*".join(rf"[\"']?{re.escape(p)}[\"']?" for p in dotted.split("."))
