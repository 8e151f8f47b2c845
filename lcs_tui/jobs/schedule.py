"""When a job runs: once at a moment, on a cron schedule, or as soon as possible.

Moments are kept as the user gave them — a wall-clock time *in a zone* —
and turned into UTC only when the runner asks "when next?". A job set for
"Sunday 22:00 Europe/Amsterdam" therefore stays at 22:00 local time across
the change to and from summer time; cron expressions are evaluated by
`cronsim` in that zone, which follows Debian cron on DST: a time that does
not exist that night (02:30 when clocks jump to 03:00) runs at the first
minute that does, a time that happens twice runs once.

Zones are IANA names ("Europe/Amsterdam"), "UTC", or "local": the machine's
zone, read when the schedule is evaluated (TZ, else /etc/localtime). Every
moment is *shown* with its zone and, when that is not UTC, with UTC beside
it ("2026-11-22 22:00 CET (21:00 UTC)"), so nobody has to guess.

All datetimes crossing this module's boundary are naive UTC, like every
other time in the app (LCS's and the journal's), unless a name says `local`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone, tzinfo
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

UTC_NAMES = frozenset({"utc", "z", "gmt", "etc/utc"})
LOCAL = "local"
#: A run whose moment passed longer ago than this while no runner ran is not
#: started late (a Sunday-night refresh must not start on Monday morning,
#: taking a sandbox offline under its users): it is reported as missed.
MISSED_AFTER = timedelta(hours=1)


class ScheduleError(ValueError):
    """A schedule that cannot be used; the message says why and how to write it."""


def zone_of(name: str) -> tzinfo:
    """The tzinfo of a zone name ("UTC", "local" or an IANA name)."""
    if name.lower() in UTC_NAMES:
        return timezone.utc
    if name.lower() == LOCAL:
        return local_zone()
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ScheduleError(
            f"unknown time zone {name!r}; use UTC, local, or a name such as Europe/Amsterdam"
        ) from None


def check_zone(name: str) -> str:
    """`name` when it is a usable zone (ScheduleError otherwise), normalised for UTC."""
    zone_of(name)
    return "UTC" if name.lower() in UTC_NAMES else name


def local_zone() -> tzinfo:
    """The machine's zone with its DST rules (not just today's offset).

    TZ first (how a service or a test sets it), then the zoneinfo file
    /etc/localtime points at; where neither names a zone (Windows), the
    offset the operating system applies now — correct except across a DST
    change, which is why docs/jobs.md recommends a named zone there.
    """
    name = os.environ.get("TZ", "").lstrip(":")
    if name:
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    try:
        target = str(Path("/etc/localtime").resolve())
    except OSError:
        target = ""
    if "zoneinfo/" in target:
        try:
            return ZoneInfo(target.split("zoneinfo/", 1)[1])
        except (ZoneInfoNotFoundError, ValueError):
            pass
    fixed = datetime.now().astimezone().tzinfo
    return fixed if fixed is not None else timezone.utc


def to_utc(local: datetime, zone: str) -> datetime:
    """A wall-clock time in `zone` as naive UTC (the earlier one when it happens twice)."""
    aware = local.replace(tzinfo=zone_of(zone), fold=0)
    return aware.astimezone(timezone.utc).replace(tzinfo=None)


def shown(moment: datetime | None, zone: str = "UTC") -> str:
    """A naive-UTC moment for people, unambiguous: in `zone`, with UTC beside it."""
    if moment is None:
        return "-"
    utc = moment.replace(tzinfo=timezone.utc)
    if zone.lower() in UTC_NAMES:
        return f"{utc:%Y-%m-%d %H:%M} UTC"
    local = utc.astimezone(zone_of(zone))
    abbreviation = local.tzname() or zone
    return f"{local:%Y-%m-%d %H:%M} {abbreviation} ({utc:%H:%M} UTC)"


def parse_moment(text: str) -> datetime:
    """ "2026-11-22 22:00" or "2026-11-22T22:00" (seconds allowed), as naive wall time."""
    cleaned = text.strip().replace("T", " ", 1)
    for fmt in ("%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"):
        try:
            return datetime.strptime(cleaned, fmt)
        except ValueError:
            continue
    raise ScheduleError(f"not a date and time: {text!r}; write it as 2026-11-22 22:00")


@dataclass(frozen=True)
class Schedule:
    """When runs start. `kind`: "asap", "once" or "cron".

    - asap: one run, at once (its steps wait for quota and idle environments);
    - once: one run at `at` (wall time in `zone`);
    - cron: a run at every time `cron` (5 fields) matches, in `zone`.
    """

    kind: str
    at: datetime | None = None
    cron: str | None = None
    zone: str = "UTC"

    @classmethod
    def asap(cls) -> Schedule:
        return cls("asap")

    @classmethod
    def once(cls, at: datetime, zone: str = "UTC") -> Schedule:
        return cls("once", at=at.replace(microsecond=0), zone=check_zone(zone))

    @classmethod
    def every(cls, cron: str, zone: str = "UTC") -> Schedule:
        schedule = cls("cron", cron=" ".join(cron.split()), zone=check_zone(zone))
        schedule.validate()
        return schedule

    @property
    def recurring(self) -> bool:
        return self.kind == "cron"

    def validate(self) -> None:
        if self.kind == "asap":
            return
        check_zone(self.zone)
        if self.kind == "once":
            if self.at is None:
                raise ScheduleError("a one-time schedule needs a time")
            return
        if self.kind != "cron" or not self.cron:
            raise ScheduleError(f"unknown schedule {self.kind!r}; use asap, at or cron")
        if len(self.cron.split()) != 5:
            raise ScheduleError(
                f"cron {self.cron!r} needs 5 fields (minute hour day month weekday), "
                "e.g. '0 22 * * SUN'"
            )
        from cronsim import CronSim, CronSimError

        try:
            CronSim(self.cron, datetime(2026, 1, 1, tzinfo=timezone.utc))
        except CronSimError as exc:
            raise ScheduleError(f"cron {self.cron!r}: {exc}") from None

    def next_after(self, moment: datetime) -> datetime | None:
        """The first start strictly after naive-UTC `moment`, as naive UTC; None: never."""
        if self.kind == "asap":
            return None
        if self.kind == "once":
            assert self.at is not None
            when = to_utc(self.at, self.zone)
            return when if when > moment else None
        from cronsim import CronSim

        assert self.cron is not None
        zone = zone_of(self.zone)
        start = moment.replace(tzinfo=timezone.utc).astimezone(zone)
        fired = next(CronSim(self.cron, start))
        return fired.astimezone(timezone.utc).replace(tzinfo=None)

    def first(self, created: datetime) -> datetime | None:
        """The first start of a job created at naive-UTC `created` (None: at once)."""
        if self.kind == "asap":
            return None
        if self.kind == "once":
            assert self.at is not None
            return to_utc(self.at, self.zone)
        return self.next_after(created)

    def describe(self) -> str:
        """The schedule in a few words, as it is written in jobs.toml."""
        if self.kind == "asap":
            return "as soon as possible"
        if self.kind == "once":
            assert self.at is not None
            return f"once at {self.at:%Y-%m-%d %H:%M} {self.zone}"
        return f"cron '{self.cron}' ({self.zone})"

    def explain(self) -> str:
        """The cron expression in words (cronsim's), or `describe()`."""
        if self.kind != "cron" or not self.cron:
            return self.describe()
        from cronsim import CronSim

        try:
            words = CronSim(self.cron, datetime(2026, 1, 1, tzinfo=timezone.utc)).explain()
        except Exception:  # explain() is best effort; the expression itself is valid
            return self.describe()
        return f"{words} ({self.zone})"
