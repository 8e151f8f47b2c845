"""Tolerant readers for LCS JSON: keys without regard to case, naive UTC dates.

LCS's field casing differs between endpoints (`StartDateTimeUtc` vs
`StartDateTimeUTC`), it adds fields without notice and leaves optional ones
out, and its date-times may carry seven fractional digits, which
`datetime.fromisoformat` rejects before Python 3.11. Everything here accepts
those and reports a wrong *type* as `ShapeError`, which the client turns into
a typed `LcsMalformedResponse` (or, inside a list, a skipped item).

A date-time is never an item's identity: one that cannot be read (garbage,
an offset of 25 hours, year 1 shifted before year 1) is kept as unknown
(None) instead of costing the item, and nothing here raises anything but
`ShapeError`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

#: An integer sent as text: ASCII digits, few enough for int() to take.
_INTEGER = re.compile(r"^-?[0-9]{1,18}$")


class ShapeError(ValueError):
    """A JSON value had the wrong type or a required field was missing."""


class Fields:
    """Read access to a JSON object by case-insensitive key."""

    __slots__ = ("_data", "_where")

    def __init__(self, raw: object, where: str) -> None:
        if not isinstance(raw, Mapping):
            raise ShapeError(f"{where}: expected an object, got {type(raw).__name__}")
        self._data = {str(k).lower(): v for k, v in raw.items()}
        self._where = where

    def raw(self, key: str) -> Any:
        return self._data.get(key.lower())

    def opt_str(self, key: str) -> str | None:
        value = self.raw(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            raise ShapeError(f"{self._where}: {key} should be text")
        return str(value)

    def req_str(self, key: str) -> str:
        value = self.opt_str(key)
        if value is None or value == "":
            raise ShapeError(f"{self._where}: {key} is missing")
        return value

    def opt_int(self, key: str) -> int | None:
        value = self.raw(key)
        if value is None:
            return None
        if isinstance(value, bool):
            raise ShapeError(f"{self._where}: {key} should be a number")
        if isinstance(value, int):
            return value
        # ASCII digits, and few enough of them: `isdigit` also takes "²",
        # and int() refuses more than 4300 digits with a ValueError.
        if isinstance(value, str) and _INTEGER.match(value.strip()):
            return int(value)
        raise ShapeError(f"{self._where}: {key} should be a number")

    def opt_bool(self, key: str) -> bool | None:
        value = self.raw(key)
        if value is None:
            return None
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        raise ShapeError(f"{self._where}: {key} should be true or false")

    def opt_datetime(self, key: str) -> datetime | None:
        """The date-time, or None when it is missing or cannot be read (shown as unknown)."""
        value = self.raw(key)
        if not isinstance(value, str) or value == "":
            return None
        return parse_datetime(value)

    def opt_list(self, key: str) -> list[Any] | None:
        value = self.raw(key)
        if value is None:
            return None
        if not isinstance(value, list):
            raise ShapeError(f"{self._where}: {key} should be a list")
        return value


# ASCII digits only: `\d` would also take other scripts' digits. The
# fraction is bounded so a megabyte of digits is not even looked at.
_ISO = re.compile(
    r"^([0-9]{4})-([0-9]{2})-([0-9]{2})[T ]([0-9]{2}):([0-9]{2})"
    r"(?::([0-9]{2})(?:\.([0-9]{1,30}))?)?"
    r"(Z|[+-][0-9]{2}:?[0-9]{2})?$"
)
#: A zone offset beyond this is not a real zone (Python refuses 24 h and more).
_MAX_OFFSET = timedelta(hours=18)


def parse_datetime(text: str) -> datetime | None:
    """Parse an LCS ISO date-time into a naive UTC datetime.

    Accepts up to 30 fractional digits (truncated to microseconds) and an
    optional zone, which is converted to UTC. Returns None for anything else,
    including a zone beyond ±18 h and a time the shift to UTC would move out
    of years 1-9999; never raises.
    """
    if not isinstance(text, str) or len(text) > 64:
        return None
    m = _ISO.match(text.strip())
    if not m:
        return None
    year, month, day, hour, minute = (int(m.group(i)) for i in range(1, 6))
    second = int(m.group(6) or 0)
    micro = int((m.group(7) or "0")[:6].ljust(6, "0"))
    try:
        value = datetime(year, month, day, hour, minute, second, micro)
    except ValueError:
        return None
    zone = m.group(8)
    if zone and zone != "Z":
        sign = 1 if zone[0] == "+" else -1
        digits = zone[1:].replace(":", "")
        hours, minutes = int(digits[:2]), int(digits[2:])
        offset = timedelta(hours=hours, minutes=minutes)
        if minutes >= 60 or offset > _MAX_OFFSET:
            return None
        try:
            # Near year 1 or 9999 the shift to UTC leaves the calendar.
            value = value - sign * offset
        except OverflowError:
            return None
    return value


_DISPLAY_FORMATS = ("%m/%d/%Y %I:%M %p", "%m/%d/%Y %I:%M:%S %p", "%m/%d/%Y %H:%M", "%m/%d/%Y")


def parse_display_datetime(text: str | None) -> datetime | None:
    """Parse `DeployedOnUTC`, a US-style display string like `8/5/2021 11:00 PM`."""
    if not text or len(text) > 64:
        return None
    text = text.strip()
    for fmt in _DISPLAY_FORMATS:
        try:
            return datetime.strptime(text, fmt)
        except (ValueError, OverflowError):
            continue
    return parse_datetime(text)
