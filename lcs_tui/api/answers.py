"""What the client makes of LCS's answers, and how ids go into its paths.

Pure functions, no I/O: the typed errors built from an answer (quoting no
HTML, no secret and no control character), the pages and lists read item
by item, the dates of headers, and the encoding of path segments.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import quote

import httpx

from lcs_tui.api.errors import LcsMalformedResponse, LcsRejected, LcsThrottled, QuotaExceeded
from lcs_tui.api.models import Envelope, Page
from lcs_tui.api.parsing import Fields, ShapeError, parse_datetime
from lcs_tui.api.redact import redact_text
from lcs_tui.api.retry import RetryAfter
from lcs_tui.api.transport import DeadlinePassed, body_text
from lcs_tui.untrusted import inert

_QUOTA = re.compile(
    r"Maximum allowed API operations are ([0-9]{1,9}) from (\S{1,64})", re.IGNORECASE
)


def utcnow() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def http_date(value: str | None) -> datetime | None:
    """An HTTP-date header as an aware UTC datetime, or None when it is not one."""
    if not value or len(value) > 64:
        return None
    try:
        moment = parsedate_to_datetime(value)
        if moment.tzinfo is None:
            return None
        return moment.astimezone(timezone.utc)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


def segment(value: str) -> str:
    """Percent-encode one path segment so that it always arrives as itself.

    Ids are opaque: never reformatted. `/`, `?`, `#` and `%` are encoded; a
    segment of only dots ("." or "..") would be removed by URL normalisation
    (httpx does it, as servers do), so its dots travel as `%2E`, which httpx
    leaves as written.
    """
    encoded = quote(value, safe="", errors="surrogatepass")
    if encoded in (".", ".."):
        return encoded.replace(".", "%2E")
    return encoded


def activity_of(data: Any) -> str | None:
    if isinstance(data, dict):
        for key, value in data.items():
            if str(key).lower() == "operationactivityid" and isinstance(value, str):
                return value
    return None


def quoted_body(body: bytes, headers: httpx.Headers) -> str:
    """The start of an error answer, fit to quote in a message: no HTML, no
    secret, no control character."""
    text = body_text(body[:4096], headers).strip()
    if not text or text.startswith("<"):
        return ""
    return inert(redact_text(text), limit=200)


def throttled(wait: RetryAfter, throttles: int) -> LcsThrottled:
    hint = "wait and try again; the limits are a few calls per minute"
    retry_at = utcnow() + timedelta(seconds=wait.seconds)
    if wait.beyond_ceiling:
        return LcsThrottled(
            "LCS is throttling requests and asks to wait more than an hour",
            retry_at=retry_at,
            hint=hint,
        )
    if throttles > 1:
        return LcsThrottled(
            f"LCS kept throttling requests ({throttles} times in a row); "
            f"it asks to wait another {wait.seconds:.0f} s",
            retry_at=retry_at,
            hint=hint,
        )
    return LcsThrottled(
        f"LCS is throttling requests for another {wait.seconds:.0f} s", retry_at=retry_at, hint=hint
    )


def malformed(detail: str, activity_id: str | None) -> LcsMalformedResponse:
    return LcsMalformedResponse(
        f"LCS sent an answer the app cannot read ({detail})",
        hint="this is usually temporary; if it persists, quote the OperationActivityId to support",
        activity_id=activity_id,
    )


def rejection(envelope: Envelope) -> LcsRejected:
    # LCS's words are kept as it said them, but an echoed token or SAS
    # signature never reaches a message.
    message = redact_text(envelope.error_message or "") or "no reason given"
    quota = _QUOTA.search(message)
    if quota:
        return QuotaExceeded(
            message,
            activity_id=envelope.activity_id,
            limit=int(quota.group(1)),
            frees_at=parse_datetime(quota.group(2).rstrip(".")),
        )
    return LcsRejected(message, activity_id=envelope.activity_id)


def describe_transport_error(exc: httpx.HTTPError | DeadlinePassed) -> str:
    if isinstance(exc, DeadlinePassed):
        return f"no complete answer within {exc.seconds:g} s"
    if isinstance(exc, httpx.TimeoutException):
        return "timed out"
    if isinstance(exc, httpx.ConnectError):
        text = str(exc)
        if "CERTIFICATE" in text.upper() or "SSL" in text.upper():
            return "TLS certificate not trusted (set the profile's CA bundle)"
        return "connection failed"
    if isinstance(exc, httpx.RemoteProtocolError):
        return "the server closed the connection"
    return type(exc).__name__


def parse_items(
    raw_items: list[Any], parse: Callable[[Fields], Any], where: str
) -> tuple[list[Any], int]:
    items: list[Any] = []
    skipped = 0
    for index, raw in enumerate(raw_items):
        try:
            items.append(parse(Fields(raw, f"{where}[{index}]")))
        except ShapeError:
            skipped += 1
    return items, skipped


def parse_page(f: Fields, parse: Callable[[Fields], Any], env: Envelope) -> Page[Any]:
    try:
        items, skipped = parse_items(f.opt_list("Data") or [], parse, "Data")
        return Page(
            items=items,
            page=f.opt_int("ResultPageCurrent") or 1,
            has_more=bool(f.opt_bool("ResultHasMorePages")),
            skipped=skipped,
        )
    except ShapeError as exc:
        raise malformed(str(exc), env.activity_id) from None
