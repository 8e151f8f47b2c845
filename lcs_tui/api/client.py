"""The LCS API client: one `httpx.AsyncClient`, typed answers, a retry policy.

Rules it enforces (LCS-API.md, DESIGN.md):

* HTTP 200 is not success: `IsSuccess: false` becomes `LcsRejected` (or
  `QuotaExceeded`), carrying `ErrorMessage` and `OperationActivityId`.
* 401 is answered with exactly one silent token renewal, then `LcsAuthError`.
* 429 waits `Retry-After` (bounded, cancellable, reported) and tries again;
  a client-side limiter keeps normal use from provoking it at all.
* GETs survive connect errors, timeouts and 502/503/504 with a few jittered
  retries. A POST that starts an operation is **never** retried: once it may
  have reached LCS, any failure is `OutcomeUnknown`.
* Every loop ends: each call has an attempt limit and a total time
  (`RetryPolicy`), each request an overall deadline and a size cap on its
  answer (`HttpSettings`), each paged list a page limit (with a warning).
* Whatever the server sends, only `LcsError`s come out.
* Every request is reported to an observer with secrets redacted.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal, Protocol

import httpx

from lcs_tui.api import ratelimit
from lcs_tui.api.answers import (
    activity_of,
    describe_transport_error,
    http_date,
    malformed,
    parse_items,
    parse_page,
    quoted_body,
    rejection,
    segment,
    throttled,
    utcnow,
)
from lcs_tui.api.errors import (
    LcsAuthError,
    LcsConnectionError,
    LcsError,
    LcsHttpError,
    LcsThrottled,
    OutcomeUnknown,
    TokenUnavailable,
)
from lcs_tui.api.models import (
    ActionAccepted,
    BackupList,
    DatabaseBackup,
    Envelope,
    Environment,
    HistoryEntry,
    OperationReport,
    OperationStarted,
    Page,
)
from lcs_tui.api.parsing import Fields, ShapeError
from lcs_tui.api.ratelimit import Limit, LimitWouldWait, RateLimiter
from lcs_tui.api.redact import redact_url
from lcs_tui.api.retry import RetryPolicy, retry_after
from lcs_tui.api.transport import (
    AnswerTooLarge,
    DeadlinePassed,
    exchange,
    load_json,
)
from lcs_tui.http import HttpSettings, make_async_client

API_VERSION = "2017-09-15"


class TokenSource(Protocol):
    """Gives a bearer token; `force_refresh=True` after the API answered 401."""

    def __call__(self, *, force_refresh: bool = False) -> Awaitable[str]: ...


@dataclass(frozen=True, slots=True)
class RequestEvent:
    """What the observer hears about each request or wait. Never holds a secret."""

    kind: Literal["request", "wait"]
    method: str
    path: str
    status: int | None = None
    duration: float = 0.0
    activity_id: str | None = None
    attempt: int = 1
    waited: float = 0.0
    note: str | None = None
    #: The note is something the user should see (a list cut short, ...),
    #: not just a detail of the request log.
    warning: bool = False


#: A difference between LCS's clock and ours that is taken as real (see
#: `LcsClient.server_now`).
SERVER_CLOCK_TOLERANCE = timedelta(minutes=1)

Observer = Callable[[RequestEvent], None]


_RETRYABLE_STATUS = frozenset({502, 503, 504})
#: Pages of one list read before the client stops (and says so): LCS's page
#: size is undocumented, but no project has hundreds of environments, and
#: at 6 calls a minute 20 pages already take over three minutes.
MAX_LIST_PAGES = 20
#: A server clock this far from ours is not a clock (a Date of year 9999).
_MAX_SERVER_OFFSET = timedelta(days=3650)


class LcsClient:
    """Async client for the LCS Database Movement and Environment APIs."""

    def __init__(
        self,
        *,
        api_host: str,
        token_source: TokenSource,
        http: HttpSettings | None = None,
        observer: Observer | None = None,
        retry: RetryPolicy | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        limiter: RateLimiter | None = None,
        user_key: str = "me",
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
        self._limiter = limiter or RateLimiter(clock=clock, sleep=sleep)
        self._user_key = user_key
        #: Set when LCS announces a retirement date for this API version.
        self.retirement_date: datetime | None = None
        #: How far LCS's clock (its `Date` header) is ahead of ours; see `server_now`.
        self._server_offset = timedelta(0)

    def server_now(self) -> datetime:
        """Now, by LCS's clock as its last answer gave it (naive UTC).

        History times and the 24-hour quota window are LCS's; a local clock
        more than a minute off (or a simulator running a faster clock) would
        otherwise shift every "until HH:MM". Within a minute our own clock is
        kept: `Date` has whole seconds only, and would make times jitter.
        """
        try:
            return utcnow() + self._server_offset
        except OverflowError:  # cannot happen within _MAX_SERVER_OFFSET; never a traceback
            return utcnow()

    def _note_server_date(self, value: str | None) -> None:
        server = http_date(value)
        if server is None:
            return  # a malformed Date header says nothing about the clock
        offset = server.replace(tzinfo=None) - utcnow()
        if abs(offset) > _MAX_SERVER_OFFSET:
            return
        self._server_offset = offset if abs(offset) > SERVER_CLOCK_TOLERANCE else timedelta(0)

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> LcsClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    def add_observer(self, observer: Observer) -> None:
        self._observers.append(observer)

    # -- database movement ---------------------------------------------------

    async def list_backups(self, project_id: int) -> BackupList:
        f, env = await self._call("GET", f"/databasemovement/v1/databases/project/{project_id}")
        try:
            items, skipped = parse_items(
                f.opt_list("DatabaseAssets") or [], DatabaseBackup.parse, "DatabaseAssets"
            )
        except ShapeError as exc:
            raise malformed(str(exc), env.activity_id) from None
        return BackupList(backups=items, activity_id=env.activity_id, skipped=skipped)

    async def start_refresh(
        self, project_id: int, source_environment_id: str, target_environment_id: str
    ) -> OperationStarted:
        path = (
            f"/databasemovement/v1/refresh/project/{project_id}"
            f"/source/{segment(source_environment_id)}/target/{segment(target_environment_id)}"
        )
        activity = await self._start_operation(path)
        return OperationStarted("refresh", activity, project_id, target_environment_id)

    async def start_export(
        self, project_id: int, environment_id: str, backup_name: str
    ) -> OperationStarted:
        path = (
            f"/databasemovement/v1/export/project/{project_id}"
            f"/environment/{segment(environment_id)}/backupName/{segment(backup_name)}"
        )
        activity = await self._start_operation(path)
        return OperationStarted("export", activity, project_id, environment_id)

    async def operation_status(
        self, project_id: int, environment_id: str, activity_id: str
    ) -> OperationReport:
        path = (
            f"/databasemovement/v1/fetchstatus/project/{project_id}"
            f"/environment/{segment(environment_id)}/operationactivity/{segment(activity_id)}"
        )
        f, env = await self._call("GET", path)
        try:
            return OperationReport.parse(f, asked_activity_id=activity_id, envelope=env)
        except ShapeError as exc:
            raise malformed(str(exc), env.activity_id) from None

    # -- environments --------------------------------------------------------

    async def environment_page(
        self, project_id: int, page: int = 1, **filters: str
    ) -> Page[Environment]:
        params: dict[str, str | int] = {"page": page, **filters}
        f, env = await self._call(
            "GET",
            f"/environmentinfo/v1/detail/project/{project_id}/",
            params=params,
            limits=[(f"detail:{project_id}", ratelimit.ENV_DETAIL_PER_PROJECT)],
        )
        return parse_page(f, Environment.parse, env)

    async def list_environments(
        self, project_id: int, *, max_pages: int = MAX_LIST_PAGES
    ) -> list[Environment]:
        """Every environment of the project, all pages (at most `max_pages`).

        A list cut short — LCS still says "more" after `max_pages`, or says
        "more" but repeats a page or sends an empty one — ends with what was
        read and a warning event the user sees.
        """
        found: list[Environment] = []
        seen: set[str] = set()
        shown = f"/environmentinfo/v1/detail/project/{project_id}/"
        for page in range(1, max_pages + 1):
            result = await self.environment_page(project_id, page)
            fresh = [e for e in result.items if e.id not in seen]
            seen.update(e.id for e in fresh)
            found.extend(fresh)
            if not result.has_more:
                return found
            if not fresh:
                self._warn(
                    shown,
                    f"LCS said more environments follow, but page {page} brought no new "
                    f"ones; showing the {len(found)} read so far",
                )
                return found
        self._warn(
            shown,
            f"LCS still said more environments follow after {max_pages} pages; "
            f"showing the first {len(found)}",
        )
        return found

    async def environment_by_id(self, project_id: int, environment_id: str) -> Environment | None:
        result = await self.environment_page(project_id, 1, environmentId=environment_id)
        return next(iter(result.items), None)

    async def environment_by_name(self, project_id: int, name: str) -> Environment | None:
        result = await self.environment_page(project_id, 1, environmentName=name)
        return next((e for e in result.items if e.name.lower() == name.lower()), None)

    async def history_page(
        self, project_id: int, environment_id: str, page: int = 1
    ) -> Page[HistoryEntry]:
        f, env = await self._call(
            "GET",
            f"/environmentinfo/v1/history/project/{project_id}/environment/{segment(environment_id)}/",
            params={"page": page},
            limits=[
                (f"history-env:{environment_id}", ratelimit.HISTORY_PER_ENVIRONMENT),
                (f"history-project:{project_id}", ratelimit.HISTORY_PER_PROJECT),
            ],
        )
        return parse_page(f, HistoryEntry.parse, env)

    async def iter_history(
        self, project_id: int, environment_id: str, *, max_pages: int | None = None
    ) -> AsyncIterator[HistoryEntry]:
        """History entries newest first, fetching the next page only when needed.

        Without `max_pages`, at most MAX_LIST_PAGES, with a warning event
        when LCS still says more follow.
        """
        limit = MAX_LIST_PAGES if max_pages is None else max_pages
        for page in range(1, limit + 1):
            result = await self.history_page(project_id, environment_id, page)
            for entry in result.items:
                yield entry
            if not result.has_more or not result.items:
                return
        if max_pages is None:
            self._warn(
                f"/environmentinfo/v1/history/project/{project_id}"
                f"/environment/{segment(environment_id)}/",
                f"LCS still said more history follows after {limit} pages; stopped there",
            )

    async def start_environment(self, project_id: int, environment_id: str) -> ActionAccepted:
        return await self._environment_action("start", project_id, environment_id)

    async def stop_environment(self, project_id: int, environment_id: str) -> ActionAccepted:
        return await self._environment_action("stop", project_id, environment_id)

    async def _environment_action(
        self, action: str, project_id: int, environment_id: str
    ) -> ActionAccepted:
        path = (
            f"/environment/v1/{action}/project/{project_id}/environment/{segment(environment_id)}"
        )
        limits = [
            (f"startstop-env:{environment_id}", ratelimit.START_STOP_PER_ENVIRONMENT),
            (f"startstop-user:{self._user_key}", ratelimit.START_STOP_PER_USER),
        ]
        _, env = await self._call("POST", path, limits=limits, starts_operation=True, limit_wait=0)
        return ActionAccepted(activity_id=env.activity_id)

    # -- the request engine --------------------------------------------------

    async def _start_operation(self, path: str) -> str:
        _, env = await self._call("POST", path, starts_operation=True)
        if not env.activity_id:
            raise OutcomeUnknown(
                "LCS accepted the request but sent no OperationActivityId",
                hint="check the environment's history in LCS to find the operation",
            )
        return env.activity_id

    def _emit(self, event: RequestEvent) -> None:
        for observer in self._observers:
            observer(event)

    def _warn(self, shown: str, message: str) -> None:
        self._emit(RequestEvent("request", "GET", shown, 200, note=message, warning=True))

    async def _call(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, str | int] | None = None,
        limits: list[tuple[str, Limit]] | None = None,
        starts_operation: bool = False,
        limit_wait: float | None = None,
    ) -> tuple[Fields, Envelope]:
        call = _Call(method, self.api_host + path, params, starts_operation)
        try:
            call.shown = redact_url(
                str(httpx.URL(call.url, params=params)).removeprefix(self.api_host)
            )
            return await self._attempts(call, limits, limit_wait)
        except LcsError:
            raise
        except Exception as exc:
            # Nothing a server sends may end in a traceback: an answer no
            # reader foresaw is still a typed error, and for a request that
            # starts an operation it is an unknown outcome.
            detail = type(exc).__name__
            if starts_operation and call.sent:
                raise OutcomeUnknown(
                    f"LCS's answer to a request that starts an operation could not be "
                    f"handled ({detail}); the operation may have started",
                    hint="check the environment's history before trying again",
                ) from exc
            if call.sent:
                raise malformed(detail, None) from exc
            raise LcsError(
                f"the request to LCS could not be prepared ({detail}); nothing was sent",
                hint="this is a bug in lcs-tui; please report it",
            ) from exc

    async def _attempts(
        self, call: _Call, limits: list[tuple[str, Limit]] | None, limit_wait: float | None
    ) -> tuple[Fields, Envelope]:
        method, shown, starts_operation = call.method, call.shown, call.starts_operation
        policy = self._retry
        renewed = False
        attempt = 0
        retries = 0  # after transport failures and 5xx
        throttles = 0
        throttled_for = 0.0
        #: Seconds this call has taken: requests and waits (measured as asked,
        #: so an injected sleep counts the same as a real one).
        spent = 0.0
        reached_server = True  # whether the previous attempt may count against LCS's limits
        while True:
            attempt += 1
            if limits and reached_server:
                spent += await self._wait_for_limiter(method, shown, limits, limit_wait)
            reached_server = True
            try:
                token = await self._token_source(force_refresh=renewed)
            except Exception as exc:  # the sign-in layer's own errors, kept as the cause
                raise TokenUnavailable(
                    getattr(exc, "message", None) or str(exc) or type(exc).__name__,
                    hint=getattr(exc, "hint", None),
                ) from exc
            headers = {
                "Authorization": f"Bearer {token}",
                "x-ms-version": API_VERSION,
                "Content-Type": "application/json",
                "Accept": "application/json",
            }
            request = self._http.build_request(
                method, call.url, params=call.params, headers=headers
            )
            started = self._clock()
            call.sent = True  # from here on the request may reach LCS
            try:
                answer = await exchange(
                    self._http, request, deadline=self._deadline, limit=self._max_answer
                )
            except AnswerTooLarge as exc:
                self._emit(
                    RequestEvent(
                        "request",
                        method,
                        shown,
                        200,
                        self._clock() - started,
                        None,
                        attempt,
                        note=str(exc),
                    )
                )
                if starts_operation:
                    raise OutcomeUnknown(
                        f"LCS's answer to a request that starts an operation could not be "
                        f"read ({exc}); the operation may have started",
                        hint="check the environment's history before trying again",
                    ) from None
                raise malformed(str(exc), None) from None
            except (httpx.HTTPError, DeadlinePassed) as exc:
                duration = self._clock() - started
                spent += duration
                not_sent = isinstance(
                    exc, (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
                )
                reached_server = not not_sent
                described = describe_transport_error(exc)
                self._emit(
                    RequestEvent(
                        "request", method, shown, None, duration, None, attempt, note=described
                    )
                )
                if starts_operation:
                    if not_sent:
                        raise LcsConnectionError(
                            f"could not reach LCS: {described}",
                            hint="nothing was sent; check the network and try again",
                        ) from None
                    raise OutcomeUnknown(
                        f"the connection failed after the request was sent "
                        f"({described}); LCS may have started the operation",
                        hint="check the environment's history before trying again",
                    ) from None
                # A deadline that passed is not tried again: the next attempt
                # would most likely be as slow, and the user waited long enough.
                if method == "GET" and not isinstance(exc, DeadlinePassed):
                    delay = self._backoff_delay(retries + 1)
                    if retries < policy.get_retries and self._may_wait(attempt, spent, delay):
                        retries += 1
                        await self._sleep(delay)
                        spent += delay
                        continue
                raise LcsConnectionError(
                    f"could not reach LCS at {self.api_host}: {described}",
                    hint="check the network, proxy and CA settings; the app retries by itself",
                ) from None

            duration = self._clock() - started
            spent += duration
            self._note_server_date(answer.headers.get("date"))
            status = answer.status
            data: Any = None
            unreadable: ShapeError | None = None
            if status == 200:
                try:
                    data = load_json(answer.body)
                except ShapeError as exc:
                    unreadable = exc
            activity = activity_of(data)
            self._emit(RequestEvent("request", method, shown, status, duration, activity, attempt))

            if status == 401:
                # A 401 means LCS did not act, so one retry is safe for any method.
                if not renewed and attempt < policy.max_attempts:
                    renewed = True
                    continue
                raise LcsAuthError(
                    "LCS refused the sign-in token (HTTP 401)",
                    hint=(
                        "the token may be for another geography, the app registration may "
                        "lack the 'Dynamics Lifecycle services' permission, or the user is "
                        "not an owner or environment admin of the project"
                    ),
                )
            if status == 429:
                # LCS refused the call without acting on it; waiting and retrying is safe.
                throttles += 1
                wait = retry_after(
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
                    raise throttled(wait, throttles)
                self._emit(
                    RequestEvent(
                        "wait",
                        method,
                        shown,
                        429,
                        waited=delay,
                        note=f"throttled by LCS: waiting {delay:.0f} s",
                    )
                )
                await self._sleep(delay)
                throttled_for += delay
                spent += delay
                continue
            if status != 200:
                if starts_operation:
                    if status >= 500:
                        raise OutcomeUnknown(
                            f"LCS answered HTTP {status} to a request that starts an operation; "
                            "it may have started anyway",
                            hint="check the environment's history before trying again",
                        )
                    raise LcsHttpError(f"LCS answered HTTP {status}", status=status)
                if status in _RETRYABLE_STATUS:
                    delay = self._backoff_delay(retries + 1)
                    if retries < policy.get_retries and self._may_wait(attempt, spent, delay):
                        retries += 1
                        await self._sleep(delay)
                        spent += delay
                        continue
                body = quoted_body(answer.body, answer.headers)
                raise LcsHttpError(
                    f"LCS answered HTTP {status} for {method} {shown}"
                    + (f": {body}" if body else ""),
                    status=status,
                    hint="the service may be having trouble; try again in a few minutes",
                )

            try:
                if unreadable is not None:
                    raise unreadable
                fields = Fields(data, "answer")
                envelope = Envelope.parse(fields)
            except ShapeError as exc:
                if starts_operation:
                    raise OutcomeUnknown(
                        "LCS's answer to a request that starts an operation was unreadable; "
                        "the operation may have started",
                        hint="check the environment's history before trying again",
                    ) from None
                raise malformed(str(exc), activity) from None
            if envelope.retirement_date and self.retirement_date is None:
                self.retirement_date = envelope.retirement_date
                self._emit(
                    RequestEvent(
                        "request",
                        method,
                        shown,
                        status,
                        0.0,
                        envelope.activity_id,
                        attempt,
                        note=f"API version retires on {envelope.retirement_date:%Y-%m-%d}",
                    )
                )
            if not envelope.is_success:
                raise rejection(envelope)
            return fields, envelope

    def _may_wait(self, attempt: int, spent: float, delay: float) -> bool:
        """Whether one more attempt after `delay` stays within the call's bounds."""
        return attempt < self._retry.max_attempts and spent + delay <= self._retry.max_call_time

    async def _wait_for_limiter(
        self, method: str, shown: str, limits: list[tuple[str, Limit]], limit_wait: float | None
    ) -> float:
        def report(delay: float) -> None:
            self._emit(
                RequestEvent(
                    "wait",
                    method,
                    shown,
                    None,
                    waited=delay,
                    note=f"pacing to stay under LCS limits: waiting {delay:.0f} s",
                )
            )

        try:
            return await self._limiter.acquire(limits, on_wait=report, max_wait=limit_wait)
        except LimitWouldWait as exc:
            raise LcsThrottled(
                f"LCS allows this only once per few minutes; try again in {exc.delay:.0f} s",
                retry_at=utcnow() + timedelta(seconds=exc.delay),
            ) from None

    def _backoff_delay(self, retry: int) -> float:
        ceiling = min(self._retry.backoff_max, self._retry.backoff_base * 2 ** min(retry - 1, 30))
        return random.uniform(ceiling / 2, ceiling)


@dataclass(slots=True)
class _Call:
    """One call's request, and whether any attempt of it may have reached LCS."""

    method: str
    url: str
    params: dict[str, str | int] | None
    starts_operation: bool
    shown: str = ""
    sent: bool = False


__all__ = [
    "MAX_LIST_PAGES",
    "LcsClient",
    "LcsError",
    "RequestEvent",
    "RetryPolicy",
    "TokenSource",
]
