"""The Power Platform request engine: every call bounded, typed and reported.

It is built from the LCS client's machinery (lcs_tui/api): `exchange` (one
overall deadline per request, a size cap on the answer, defensive decoding),
`RetryPolicy` (attempt and time limits per call, bounded `Retry-After`
waits), `redact_url`, the `RequestEvent` observers of the request log, and
the error hierarchy. What differs from LCS is what an answer means, so the
loop is its own:

* success is the HTTP status (200, 201, 202, 204 as the call expects), not
  an envelope;
* 401 gets one silent token renewal for its audience, then a typed
  `PpAuthError` (wrong audience said as such);
* 429 waits `Retry-After` (seconds, HTTP-date or Go duration; bounded) and
  tries again — the service refused without acting, so that is safe for any
  method;
* GETs (and DELETEs, which are idempotent) ride out connection failures and
  500/502/503/504 with a few jittered retries;
* a POST is **never** retried: once it may have reached the service, a
  failure of one that starts something (copy, restore, a backup) is
  `OutcomeUnknown`; a validate-only POST is reported as not completed;
* a token is only ever sent to the profile's own hosts: the Power Platform
  API, BAP, and Dataverse organisations with their own audience.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx

from lcs_tui.api.answers import describe_transport_error, http_date, utcnow
from lcs_tui.api.client import SERVER_CLOCK_TOLERANCE, Observer, RequestEvent
from lcs_tui.api.errors import (
    LcsConnectionError,
    LcsError,
    LcsMalformedResponse,
    LcsThrottled,
    OutcomeUnknown,
    TokenUnavailable,
)
from lcs_tui.api.parsing import ShapeError
from lcs_tui.api.redact import redact_url
from lcs_tui.api.retry import RetryPolicy
from lcs_tui.api.transport import AnswerTooLarge, DeadlinePassed, exchange, load_json
from lcs_tui.auth.token_source import ScopedTokenSource
from lcs_tui.http import HttpSettings, make_async_client
from lcs_tui.ppac.answers import (
    API_NAMES,
    correlation_id,
    pp_retry_after,
    read_error_body,
    typed_error,
)

#: GET statuses tried again after a short backoff (the Terraform provider
#: retries 500 too; a GET changes nothing).
_RETRYABLE_STATUS = frozenset({500, 502, 503, 504})
#: A server clock this far from ours is not a clock.
_MAX_SERVER_OFFSET = timedelta(days=3650)
_LOST_HINT = "check the environment's operation history (lcs-tui history ENV) before trying again"


@dataclass(frozen=True, slots=True)
class Answer:
    """A status the call expected, its headers, and its JSON body (None when empty)."""

    status: int
    headers: httpx.Headers
    data: Any
    correlation_id: str | None


@dataclass(frozen=True, slots=True)
class Call:
    """One request to make."""

    method: str
    url: str
    #: The audience of the token the request carries.
    scope: str
    #: Which API answers it: "ppapi", "bap" or "dataverse" (for the error wording).
    api: str
    params: dict[str, str] | None = None
    body: dict[str, Any] | None = None
    #: Statuses that are answers (anything else is an error).
    accept: frozenset[int] = frozenset({200})
    #: A POST that starts an operation or creates something: never retried,
    #: and a failure after it may have arrived is an unknown outcome.
    mutating: bool = False
    #: What the user is told it would have done ("start the copy").
    what: str = "the request"


@dataclass(slots=True)
class _Progress:
    """Whether any attempt of a call may have reached the service."""

    sent: bool = False


class Engine:
    """One `httpx.AsyncClient` and the loop every Power Platform call goes through."""

    def __init__(
        self,
        *,
        api_host: str,
        token_source: ScopedTokenSource,
        http: HttpSettings | None = None,
        observer: Observer | None = None,
        retry: RetryPolicy | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.api_host = api_host.rstrip("/")
        self._token_source = token_source
        settings = http or HttpSettings()
        self._http = make_async_client(settings)
        self._deadline = settings.request_deadline
        self._max_answer = settings.max_answer_bytes
        self._observers: list[Observer] = [observer] if observer else []
        self._retry = retry or RetryPolicy()
        self._clock = clock
        self._sleep = sleep
        #: How far the service's clock (its `Date` header) is ahead of ours.
        self._server_offset = timedelta(0)

    def server_now(self) -> datetime:
        """Now by the service's clock as its last answer gave it (naive UTC); see
        `LcsClient.server_now` — the operation history's times are the service's."""
        try:
            return utcnow() + self._server_offset
        except OverflowError:
            return utcnow()

    def _note_server_date(self, value: str | None) -> None:
        server = http_date(value)
        if server is None:
            return
        offset = server.replace(tzinfo=None) - utcnow()
        if abs(offset) > _MAX_SERVER_OFFSET:
            return
        self._server_offset = offset if abs(offset) > SERVER_CLOCK_TOLERANCE else timedelta(0)

    async def aclose(self) -> None:
        await self._http.aclose()

    def add_observer(self, observer: Observer) -> None:
        self._observers.append(observer)

    def emit(self, event: RequestEvent) -> None:
        for observer in self._observers:
            observer(event)

    def warn(self, shown: str, message: str) -> None:
        """A note the user should see (a list cut short, a poll URL refused)."""
        self.emit(RequestEvent("request", "GET", shown, 200, note=message, warning=True))

    def shown(self, url: str, params: dict[str, str] | None = None) -> str:
        """The URL as the request log shows it: relative on the Power Platform API, redacted."""
        try:
            full = str(httpx.URL(url, params=params))
        except (httpx.InvalidURL, ValueError, TypeError):
            return "<unreadable URL>"
        if full.startswith(self.api_host + "/"):
            full = full[len(self.api_host) :]
        return redact_url(full)

    async def call(self, call: Call) -> Answer:
        """Make `call`; return its answer or raise a typed `LcsError`, nothing else."""
        shown = self.shown(call.url, call.params)
        progress = _Progress()
        try:
            return await self._attempts(call, shown, progress)
        except LcsError:
            raise
        except Exception as exc:
            # Nothing a server sends may end in a traceback (as in the LCS client).
            detail = type(exc).__name__
            if not progress.sent:
                raise LcsError(
                    f"the request could not be prepared ({detail}); nothing was sent",
                    hint="this is a bug in lcs-tui; please report it",
                ) from exc
            if call.mutating:
                raise OutcomeUnknown(
                    f"the answer to the request to {call.what} could not be handled "
                    f"({detail}); it may have been done",
                    hint=_LOST_HINT,
                ) from exc
            raise LcsMalformedResponse(
                f"{API_NAMES.get(call.api, 'Power Platform')} sent an answer the app cannot "
                f"read ({detail})",
                hint="this is usually temporary; try again",
            ) from exc

    async def _attempts(self, call: Call, shown: str, progress: _Progress) -> Answer:
        policy = self._retry
        service = API_NAMES.get(call.api, "Power Platform")
        idempotent = call.method in ("GET", "DELETE")
        renewed = False
        attempt = retries = throttles = 0
        throttled_for = spent = 0.0
        while True:
            attempt += 1
            try:
                token = await self._token_source(scope=call.scope, force_refresh=renewed)
            except Exception as exc:  # the sign-in layer's own errors, kept as the cause
                raise TokenUnavailable(
                    getattr(exc, "message", None) or str(exc) or type(exc).__name__,
                    hint=getattr(exc, "hint", None),
                ) from exc
            headers = {
                "Authorization": f"Bearer {token}",
                "Accept": "application/json",
            }
            request = self._http.build_request(
                call.method, call.url, params=call.params, headers=headers, json=call.body
            )
            started = self._clock()
            progress.sent = True  # from here on the request may reach the service
            try:
                answer = await exchange(
                    self._http, request, deadline=self._deadline, limit=self._max_answer
                )
            except AnswerTooLarge as exc:
                self.emit(
                    RequestEvent(
                        "request",
                        call.method,
                        shown,
                        200,
                        self._clock() - started,
                        None,
                        attempt,
                        note=str(exc),
                    )
                )
                if call.mutating:
                    raise OutcomeUnknown(
                        f"the answer to the request to {call.what} could not be read ({exc}); "
                        "it may have been done",
                        hint=_LOST_HINT,
                    ) from None
                raise LcsMalformedResponse(
                    f"{service} sent an answer the app cannot read ({exc})",
                    hint="this is usually temporary; try again",
                ) from None
            except (httpx.HTTPError, DeadlinePassed) as exc:
                duration = self._clock() - started
                spent += duration
                not_sent = isinstance(
                    exc, (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
                )
                described = describe_transport_error(exc)
                self.emit(
                    RequestEvent(
                        "request",
                        call.method,
                        shown,
                        None,
                        duration,
                        None,
                        attempt,
                        note=described,
                    )
                )
                if call.method == "POST":
                    if not_sent:
                        raise LcsConnectionError(
                            f"could not reach {service}: {described}",
                            hint="nothing was sent; check the network and try again",
                        ) from None
                    if call.mutating:
                        raise OutcomeUnknown(
                            f"the connection failed after the request to {call.what} was sent "
                            f"({described}); it may have been done",
                            hint=_LOST_HINT,
                        ) from None
                    raise LcsConnectionError(
                        f"{call.what.capitalize()} did not complete: {described}",
                        hint="nothing was started; try again",
                    ) from None
                if idempotent and not isinstance(exc, DeadlinePassed):
                    delay = self._backoff_delay(retries + 1)
                    if retries < policy.get_retries and self._may_wait(attempt, spent, delay):
                        retries += 1
                        await self._sleep(delay)
                        spent += delay
                        continue
                raise LcsConnectionError(
                    f"could not reach {service}: {described}",
                    hint="check the network, proxy and CA settings; the app retries by itself",
                ) from None

            duration = self._clock() - started
            spent += duration
            self._note_server_date(answer.headers.get("date"))
            status = answer.status
            correlation = correlation_id(answer.headers)
            self.emit(
                RequestEvent("request", call.method, shown, status, duration, correlation, attempt)
            )
            if status in call.accept:
                return Answer(status, answer.headers, self._json(answer.body, call), correlation)
            if status == 401 and not renewed and attempt < policy.max_attempts:
                # A 401 means the service did not act: one renewal is safe for any method.
                renewed = True
                continue
            if status == 429:
                throttles += 1
                wait = pp_retry_after(
                    answer.headers.get("retry-after"), now=http_date(answer.headers.get("date"))
                )
                delay = wait.seconds
                if (
                    wait.beyond_ceiling
                    or delay > policy.max_retry_after
                    or throttles > policy.max_throttle_retries
                    or throttled_for + delay > policy.max_throttle_total
                    or not self._may_wait(attempt, spent, delay)
                ):
                    raise LcsThrottled(
                        f"{service} is throttling requests"
                        + (f" ({throttles} times in a row)" if throttles > 1 else "")
                        + f"; it asks to wait {delay:.0f} s",
                        retry_at=utcnow() + timedelta(seconds=delay),
                        hint="wait and try again; the service limits how often it is asked",
                    )
                self.emit(
                    RequestEvent(
                        "wait",
                        call.method,
                        shown,
                        429,
                        waited=delay,
                        note=f"throttled by {service}: waiting {delay:.0f} s",
                    )
                )
                await self._sleep(delay)
                throttled_for += delay
                spent += delay
                continue
            if call.mutating and status >= 500:
                raise OutcomeUnknown(
                    f"{service} answered HTTP {status} to the request to {call.what}; "
                    "it may have been done anyway",
                    hint=_LOST_HINT,
                    activity_id=correlation,
                )
            if idempotent and status in _RETRYABLE_STATUS:
                delay = self._backoff_delay(retries + 1)
                if retries < policy.get_retries and self._may_wait(attempt, spent, delay):
                    retries += 1
                    await self._sleep(delay)
                    spent += delay
                    continue
            raise typed_error(
                status,
                read_error_body(answer.body, answer.headers),
                api=call.api,
                shown=shown,
                correlation=correlation,
                scope=call.scope,
            )

    def _json(self, body: bytes, call: Call) -> Any:
        if not body.strip():
            return None
        try:
            return load_json(body)
        except ShapeError as exc:
            if call.mutating:
                # Accepted (the status says so) but unreadable: the operation
                # started; the caller decides what it can do without the body.
                return None
            raise LcsMalformedResponse(
                f"{API_NAMES.get(call.api, 'Power Platform')} sent an answer the app cannot "
                f"read ({exc})",
                hint="this is usually temporary; try again",
            ) from None

    def _may_wait(self, attempt: int, spent: float, delay: float) -> bool:
        return attempt < self._retry.max_attempts and spent + delay <= self._retry.max_call_time

    def _backoff_delay(self, retry: int) -> float:
        ceiling = min(self._retry.backoff_max, self._retry.backoff_base * 2 ** min(retry - 1, 30))
        return random.uniform(ceiling / 2, ceiling)
