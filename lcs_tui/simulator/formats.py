"""How LCS writes dates and ids on the wire.

LCS is a .NET service: its date-times are naive (meaning UTC) and come with
seven fractional digits (`DateTime` ticks), three, or none, depending on the
endpoint; one field (`DeployedOnUTC`) is a US display string. The simulator
reproduces that variety on purpose, so the client's parsing meets it.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timezone
from email.utils import format_datetime

#: What `VersionEOL` says while the API version is not being retired.
NO_END_OF_LIFE = "9999-12-31T23:59:59.9999999"


def ticks(moment: datetime) -> str:
    """ISO with seven fractional digits: 2019-09-30T04:01:01.9999999."""
    return f"{moment:%Y-%m-%dT%H:%M:%S}.{moment.microsecond:06d}0"


def millis(moment: datetime) -> str:
    """ISO with three fractional digits: 2019-09-27T15:17:35.867."""
    return f"{moment:%Y-%m-%dT%H:%M:%S}.{moment.microsecond // 1000:03d}"


def seconds(moment: datetime) -> str:
    """ISO without fraction: 2019-09-27T15:17:35."""
    return f"{moment:%Y-%m-%dT%H:%M:%S}"


def us_display(moment: datetime) -> str:
    """The US display form of `DeployedOnUTC`: 8/5/2021 11:00 PM."""
    hour = moment.hour % 12 or 12
    half = "AM" if moment.hour < 12 else "PM"
    return f"{moment.month}/{moment.day}/{moment.year} {hour}:{moment.minute:02d} {half}"


def http_date(moment: datetime) -> str:
    """RFC 1123 date for HTTP headers (Last-Modified), from naive UTC."""
    return format_datetime(moment.replace(tzinfo=timezone.utc), usegmt=True)


def sas_time(moment: datetime) -> str:
    """Azure SAS `se=` form: 2026-11-21T08:00:00Z."""
    return f"{moment:%Y-%m-%dT%H:%M:%S}Z"


def parse_sas_time(text: str) -> datetime | None:
    for fmt in ("%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%dT%H:%MZ", "%Y-%m-%d"):
        try:
            return datetime.strptime(text, fmt)
        except ValueError:
            continue
    return None


def same_id(a: str, b: str) -> bool:
    """Environment ids compare like .NET Guid.Parse would: case and dashes don't matter."""
    return _canonical(a) == _canonical(b)


def _canonical(identifier: str) -> str:
    text = identifier.strip().strip("{}").lower()
    try:
        return uuid.UUID(text).hex
    except ValueError:
        return text
