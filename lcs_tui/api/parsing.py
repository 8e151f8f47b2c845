"""Tolerant readers for LCS JSON: keys without regard to case, naive UTC dates.

LCS's field casing differs between endpoints (`StartDateTimeUtc` vs
`StartDateTimeUTC`), it adds fields without notice and leaves optional ones
out, and its date-times may carry seven fractional digits, which
`datetime.fromisoformat` rejects before Python 3.11. Everything here accepts
those and reports a wrong *type* as `ShapeError`, which the client turns into
a typed `LcsMalformedResponse`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
from typing import Any


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
        if isinstance(value, str) and value.strip().lstrip("-").isdigit():
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
        value = self.raw(key)
        if value is None or value == "":
            return None
        if not isinstance(value, str):
            raise ShapeError(f"{self._where}: {key} should be a date-time")
        parsed = parse_datetime(value)
        if parsed is None:
            raise ShapeError(f"{self._where}: {key} is not a date-time: {value[:40]!r}")
        return parsed

    def opt_list(self, key: str) -> list[Any] | None:
        value = self.raw(key)
        if value is None:
            return None
        if not isinstance(value, list):
            raise ShapeError(f"{self._where}: {key} should be a list")
        return value


_ISO = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?"
    r"(Z|[+-]\d{2}:?\d{2})?$"
)


def parse_datetime(text: str) -> datetime | None:
    """Parse an LCS ISO date-time into a naive UTC datetime.

    Accepts any number of fractional digits (truncated to microseconds) and an
    optional zone, which is converted to UTC. Returns None for anything else.
    """
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
        offset = timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
        value = (value.replace(tzinfo=timezone(sign * offset))).astimezone(timezone.utc)
        value = value.replace(tzinfo=None)
    return value


_DISPLAY_FORMATS = ("%m/%d/%Y %I:%M %p", "%m/%d/%Y %I:%M:%S %p", "%m/%d/%Y %H:%M", "%m/%d/%Y")


def parse_display_datetime(text: str | None) -> datetime | None:
    """Parse `DeployedOnUTC`, a US-style display string like `8/5/2021 11:00 PM`."""
    if not text:
        return None
    text = text.strip()
    for fmt in _DISPLAY_FORMATS:
        try:
            return datetime.strptime(text, fmt)
        except ValueError:
            continue
    return parse_datetime(text)
