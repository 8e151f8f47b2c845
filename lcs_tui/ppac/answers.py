"""What the Power Platform client makes of an answer: typed errors, waits, poll URLs.

Pure functions, no I/O. Error bodies come in two documented shapes — the
Power Platform API's `ValidationResponse` (`errorDetail.code`,
`errorDetail.fieldErrors`) and BAP's `{"error": {"code", "message"}}` —
and in undocumented ones (401/403/429 have no documented body, a 409 may
have none at all). Each becomes one typed error with what to do next;
server text is quoted only redacted and made inert.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx

from lcs_tui.api.errors import LcsError, LcsHttpError
from lcs_tui.api.redact import redact_text
from lcs_tui.api.retry import (
    RETRY_AFTER_CEILING,
    RETRY_AFTER_FLOOR,
    RetryAfter,
    retry_after,
)
from lcs_tui.api.transport import body_text
from lcs_tui.ppac.errors import (
    REGISTER_APP_URL,
    FieldError,
    PpAuthError,
    PpBusy,
    PpCapacity,
    PpForbidden,
    PpNotFound,
    PpRejected,
    PpValidationFailed,
)
from lcs_tui.untrusted import inert

#: Which API answered: the Power Platform API, BAP, or a Dataverse organisation.
API_PP = "ppapi"
API_BAP = "bap"
API_DATAVERSE = "dataverse"
API_NAMES = {API_PP: "the Power Platform API", API_BAP: "BAP", API_DATAVERSE: "Dataverse"}

#: BAP's words for an unregistered service principal (§1.3).
_NOT_REGISTERED = "does not have permission to access the path"
_CORRELATION_HEADERS = ("x-ms-correlation-id", "x-ms-request-id", "request-id", "x-ms-activity-id")
#: Longest server message quoted in an error (the rest is in the request log).
QUOTE_LIMIT = 300


@dataclass(frozen=True, slots=True)
class ErrorBody:
    """What an error answer said, whichever shape it had."""

    code: str | None = None
    message: str | None = None
    field_errors: tuple[FieldError, ...] = ()


def read_error_body(body: bytes, headers: httpx.Headers) -> ErrorBody:
    """The code, message and field errors of an error answer; never raises."""
    text = body_text(body[:65536], headers).strip()
    if not text or text.startswith("<"):
        return ErrorBody()
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        return ErrorBody(message=_quote(text))
    if not isinstance(data, dict):
        return ErrorBody()
    lowered = {str(k).lower(): v for k, v in data.items()}
    detail = lowered.get("errordetail")
    if not isinstance(detail, dict):
        detail = lowered.get("error")
    if isinstance(detail, dict):
        d = {str(k).lower(): v for k, v in detail.items()}
        return ErrorBody(
            code=_word(d.get("code")),
            message=_quote(d.get("message")),
            field_errors=_field_errors(d.get("fielderrors")),
        )
    return ErrorBody(message=_quote(lowered.get("message")), code=_word(lowered.get("code")))


def _field_errors(raw: Any) -> tuple[FieldError, ...]:
    if not isinstance(raw, dict):
        return ()
    found: list[FieldError] = []
    for name, detail in list(raw.items())[:20]:
        messages: list[str] = []
        suggested: str | None = None
        if isinstance(detail, dict):
            d = {str(k).lower(): v for k, v in detail.items()}
            listed = d.get("errormessages")
            if isinstance(listed, list):
                messages = [m for item in listed[:10] if (m := _quote(item))]
            elif (single := _quote(listed)) is not None:
                messages = [single]
            suggested = _quote(d.get("suggestedvalue"))
        elif (single := _quote(detail)) is not None:
            messages = [single]
        found.append(FieldError(inert(str(name), limit=100), tuple(messages), suggested))
    return tuple(found)


def _quote(value: Any) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return None
    return inert(redact_text(value.strip()), limit=QUOTE_LIMIT)


def _word(value: Any) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return None
    return inert(value.strip(), limit=100)


def correlation_id(headers: httpx.Headers) -> str | None:
    for name in _CORRELATION_HEADERS:
        value = headers.get(name)
        if value and len(value) <= 128:
            return inert(value.strip(), limit=128)
    return None


# -- waits ---------------------------------------------------------------------------

#: A Go duration ("10s", "1m30s", "500ms"), which the Terraform provider accepts (§6).
_GO_DURATION = re.compile(r"^(?:[0-9]{1,9}(?:\.[0-9]{1,9})?(?:ms|s|m|h)){1,4}$")
_GO_PART = re.compile(r"([0-9]{1,9}(?:\.[0-9]{1,9})?)(ms|s|m|h)")
_GO_UNIT = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}


def pp_retry_after(value: str | None, *, now: datetime | None = None) -> RetryAfter:
    """`Retry-After` as seconds, an HTTP-date or a Go duration, bounded like LCS's."""
    text = (value or "").strip()
    if text and _GO_DURATION.match(text):
        seconds = sum(float(n) * _GO_UNIT[u] for n, u in _GO_PART.findall(text))
        if math.isnan(seconds) or seconds > RETRY_AFTER_CEILING:
            return RetryAfter(RETRY_AFTER_CEILING, beyond_ceiling=not math.isnan(seconds))
        return RetryAfter(max(RETRY_AFTER_FLOOR, seconds))
    return retry_after(value, now=now)


def poll_hint(value: str | None, *, default: float) -> float:
    """The wait a poll answer asks for before the next poll (`Retry-After`, else `default`)."""
    if not value or not value.strip():
        return default
    wait = pp_retry_after(value)
    return wait.seconds


# -- where to poll ---------------------------------------------------------------------


def operation_location(headers: httpx.Headers, data: Any) -> str | None:
    """`Operation-Location`, else `Location`, else the body's `operationUrl` (§10.4, D3)."""
    for name in ("operation-location", "location"):
        header: str | None = headers.get(name)
        if header and header.strip():
            return header.strip()
    if isinstance(data, dict):
        for key, value in data.items():
            if str(key).lower() == "operationurl" and isinstance(value, str) and value.strip():
                return value.strip()
    return None


def operation_id_of(url: str | None, data: Any) -> str | None:
    """The operation's id: from the body (`operationId`, `id`), else the poll URL's last segment."""
    if isinstance(data, dict):
        for key in ("operationid", "id"):
            for k, value in data.items():
                if str(k).lower() == key and isinstance(value, str) and value.strip():
                    return value.strip().rsplit("/", 1)[-1][:128] or None
    if not url:
        return None
    try:
        path = httpx.URL(url).path
    except (httpx.InvalidURL, ValueError, TypeError):
        return None
    segment = path.rstrip("/").rsplit("/", 1)[-1]
    return segment[:128] or None


# -- typed errors -----------------------------------------------------------------------


def typed_error(
    status: int,
    said: ErrorBody,
    *,
    api: str,
    shown: str,
    correlation: str | None,
    scope: str,
) -> LcsError:
    """The error an answer `status` with body `said` stands for (429 is handled apart)."""
    service = API_NAMES.get(api, "Power Platform")
    quoted = said.message or said.code
    code = said.code or ""
    if "insufficientcapacity" in code.lower():
        return PpCapacity(
            quoted or "not enough capacity",
            code=said.code,
            status=status,
            hint="restore, copy and create need at least 1 GB of free database capacity "
            "(and F&O also of operations capacity); free some or add capacity in the "
            "Power Platform admin center, then try again",
            activity_id=correlation,
        )
    if status == 401:
        audience = "audience" in (said.message or "").lower()
        if audience:
            return PpAuthError(
                f"{service} refused the sign-in token: it was issued for another API "
                "(wrong audience, HTTP 401)",
                reason="wrong-audience",
                hint=f"lcs-tui asks for {scope}; check the profile's cloud (each cloud's "
                "API accepts only its own tokens) and that the app registration has the "
                "'Power Platform API' permission with admin consent",
                activity_id=correlation,
            )
        return PpAuthError(
            f"{service} refused the sign-in token (HTTP 401)"
            + (f": {said.message}" if said.message else ""),
            reason="unauthorized",
            hint=f"the token must be for {scope} (the profile's cloud decides it); sign in "
            "again (lcs-tui login); if it persists, check the app registration's API "
            "permission 'Power Platform API' and its admin consent",
            activity_id=correlation,
        )
    if status == 403:
        if api == API_BAP and (_NOT_REGISTERED in (said.message or "").lower() or not quoted):
            return PpForbidden(
                "BAP refused the request: the service principal is not registered as a "
                "Power Platform admin management application (HTTP 403)",
                reason="unregistered",
                hint="a Power Platform administrator registers it once with "
                "PUT https://api.bap.microsoft.com/providers/Microsoft.BusinessAppPlatform/"
                "adminApplications/CLIENT_ID?api-version=2020-10-01 (a service principal "
                f"cannot register itself), see {REGISTER_APP_URL}",
                activity_id=correlation,
            )
        return PpForbidden(
            f"{service} refused the request: the signed-in identity lacks a role "
            "(HTTP 403)" + (f": {quoted}" if quoted else ""),
            reason="missing-role",
            hint="give it the Power Platform Contributor role at tenant scope (Power Platform "
            "RBAC) or the Power Platform administrator role, and an application user with "
            "System Administrator in the source and target environments' Dataverse",
            activity_id=correlation,
        )
    if status == 404:
        if code.lower() in ("environmentnotfound", "servicetoserviceenvironmentnotfound"):
            return PpNotFound(
                f"{service}: no such environment in the tenant"
                + (f" ({quoted})" if quoted else ""),
                code=said.code,
                hint="reload the environment list; it may have been deleted or renamed",
                activity_id=correlation,
            )
        return PpNotFound(
            f"{service} answered HTTP 404 for {shown}" + (f": {quoted}" if quoted else ""),
            code=said.code,
            hint="reload the list; what was asked for may have gone",
            activity_id=correlation,
        )
    if status == 409 and (not said.field_errors or code.lower() == "operationnotstartable"):
        return PpBusy(
            "another lifecycle operation is running on the environment"
            + (f" ({quoted})" if quoted else ""),
            code=said.code or "OperationNotStartable",
            status=409,
            hint="wait until it finishes (lcs-tui history ENV shows it), then try again",
            activity_id=correlation,
        )
    if code.lower() == "environmentnotinreadystate":
        return PpRejected(
            quoted or "the environment is not ready",
            code=said.code,
            status=status,
            hint="the environment is not ready to take the request; try again in a few minutes",
            activity_id=correlation,
        )
    if status in (400, 409, 422) or said.field_errors:
        return PpValidationFailed(
            quoted or "the request is not valid",
            code=said.code,
            status=status,
            field_errors=said.field_errors,
            hint="read the reasons above; nothing was started",
            activity_id=correlation,
        )
    if 400 <= status < 500:
        return PpRejected(
            quoted or f"HTTP {status}",
            code=said.code,
            status=status,
            activity_id=correlation,
        )
    error = LcsHttpError(
        f"{service} answered HTTP {status} for {shown}" + (f": {quoted}" if quoted else ""),
        status=status,
        hint="the service may be having trouble; try again in a few minutes",
    )
    error.activity_id = correlation
    return error
