"""How long the client waits, and how often it tries again: every loop ends.

`Retry-After` comes from the server and is untrusted: `0`, `-1` or `nan`
would make a tight loop, `inf` or `1e12` overflow a `timedelta`, and `1e9`
would name a time decades away. `retry_after` turns any value into a wait
between `RETRY_AFTER_FLOOR` and `RETRY_AFTER_CEILING`, and says whether the
server asked for more than the ceiling (then the client gives up with a
bounded retry time instead of waiting).

`RetryPolicy` bounds every retry loop of the client twice: by a number of
attempts and by a total time per call.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime

#: The shortest wait on a 429: `Retry-After: 0` must not become a tight loop.
RETRY_AFTER_FLOOR = 1.0
#: The wait when `Retry-After` is missing or unreadable: LCS's windows are a minute.
RETRY_AFTER_DEFAULT = 60.0
#: The longest wait a hint ever names. LCS's longest window is 30 minutes
#: (start/stop per user); anything beyond an hour is not a real answer.
RETRY_AFTER_CEILING = 3600.0


@dataclass(frozen=True, slots=True)
class RetryAfter:
    """A bounded wait, and whether the server asked for longer than the ceiling."""

    seconds: float
    beyond_ceiling: bool = False


def retry_after(value: str | None, *, now: datetime | None = None) -> RetryAfter:
    """`Retry-After` (delta seconds or an HTTP-date) as a bounded wait.

    `now` is the moment an HTTP-date is measured from: the server's own `Date`
    when it sent one (both are its clock), else ours (aware, UTC).
    """
    text = (value or "").strip()
    if not text:
        return RetryAfter(RETRY_AFTER_DEFAULT)
    seconds = _delta_seconds(text)
    if seconds is None:
        seconds = _seconds_until_date(text, now or datetime.now(timezone.utc))
    if seconds is None:
        return RetryAfter(RETRY_AFTER_DEFAULT)
    if math.isnan(seconds):
        return RetryAfter(RETRY_AFTER_FLOOR)
    if seconds > RETRY_AFTER_CEILING:
        return RetryAfter(RETRY_AFTER_CEILING, beyond_ceiling=True)
    return RetryAfter(max(RETRY_AFTER_FLOOR, seconds))


def _delta_seconds(text: str) -> float | None:
    # RFC 9110 says digits; a float is accepted as LCS might send "1.5". The
    # length check keeps a megabyte of digits from ever being converted.
    if len(text) > 32:
        return None
    try:
        return float(text)
    except ValueError:
        return None


def _seconds_until_date(text: str, now: datetime) -> float | None:
    try:
        moment = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)  # RFC 9110: HTTP-dates are GMT
    try:
        return (moment - now).total_seconds()
    except OverflowError:
        return None


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How often and how patiently calls are retried (operation starts never are,
    except after a 429, which LCS answers without acting)."""

    get_retries: int = 3
    backoff_base: float = 0.5
    backoff_max: float = 8.0
    #: Longest single `Retry-After` the client waits out by itself.
    max_retry_after: float = 120.0
    #: Longest total throttling wait for one call before giving up.
    max_throttle_total: float = 600.0
    #: How many 429 answers one call waits out before giving up: enough for
    #: a storm of several minutes, few enough that `Retry-After: 0` (waited
    #: as 1 s) ends within seconds.
    max_throttle_retries: int = 15
    #: Attempts of one call, whatever their reasons (renewal, retries, 429s).
    max_attempts: int = 20
    #: Longest time one call may take, waits and retries included (seconds).
    max_call_time: float = 900.0
