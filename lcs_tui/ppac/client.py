"""The Power Platform client: unified F&O environments through the Power Platform API.

The Power Platform API (api-version 2024-10-01) is preferred; BAP is kept
for what it alone says (PPAC-API.md §10.1): the environment list when the
Power Platform API's leaves F&O metadata out, and an environment's
lifecycle operations when the Power Platform API has no history for it.
Dataverse answers UDE-or-USE (§2.3).

Both paging shapes are read (paging.py). The file is long because it has
one method per endpoint of §10.1, each spelling out its call; what an
answer means lives in answers.py, the request loop in engine.py.

Operations: a start answers 202 and names where to poll
(`Operation-Location`, else `Location`, else `operationUrl` in the body).
Polling accepts both status spellings (`status`, `state`/`state.id`),
reads 409 as "still running" and 404 as "gone" (what the service does once
an operation ended; the service layer then asks the history), and honours
`Retry-After`. A poll URL is only followed on the profile's own hosts; any
other is replaced by the environment's own operation URL.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from lcs_tui.api.answers import segment
from lcs_tui.api.client import Observer
from lcs_tui.api.errors import LcsMalformedResponse
from lcs_tui.api.parsing import Fields, ShapeError
from lcs_tui.api.retry import RetryPolicy
from lcs_tui.auth.token_source import ScopedTokenSource
from lcs_tui.http import HttpSettings
from lcs_tui.ppac.answers import (
    API_BAP,
    API_DATAVERSE,
    API_PP,
    operation_id_of,
    operation_location,
    poll_hint,
)
from lcs_tui.ppac.engine import Answer, Call, Engine
from lcs_tui.ppac.errors import PpNotFound
from lcs_tui.ppac.models import CopyCandidate, FinOpsDetails, PpEnvironment
from lcs_tui.ppac.operation_models import HistoryPage, Listing, PpBackup, PpOperation
from lcs_tui.ppac.paging import collection_list, collection_page, malformed, odata_list, origin_of
from lcs_tui.ppac.requests import CopyOptions, RestorePoint, restore_body

API_VERSION = "2024-10-01"
BAP_ENVIRONMENTS_VERSION = "2023-06-01"
BAP_OPERATIONS_VERSION = "2024-05-01"
#: Pages of one list read before the client stops (and says so).
MAX_LIST_PAGES = 20
#: Operations asked for per history page.
HISTORY_PAGE_SIZE = 50
#: The wait before the next poll when the service names none (the Terraform
#: provider waits 10-20 s; Microsoft's sample 30 s).
DEFAULT_POLL_WAIT = 15.0

_ENVIRONMENTS = "/environmentmanagement/environments"


@dataclass(frozen=True, slots=True)
class Started:
    """An operation the service accepted (202): where to follow it."""

    poll_url: str | None
    operation_id: str | None
    #: Seconds the service asked to wait before the first poll.
    retry_after: float | None
    correlation_id: str | None
    report: PpOperation | None = None


@dataclass(frozen=True, slots=True)
class Validation:
    """What a validate-only call said: passed, failed (with why), or still to be polled."""

    passed: bool | None
    report: PpOperation | None = None
    poll_url: str | None = None
    retry_after: float | None = None
    correlation_id: str | None = None


@dataclass(frozen=True, slots=True)
class Poll:
    """One poll: a report, "running" (202/409 without one), or "gone" (404)."""

    state: str  # "report" | "running" | "gone"
    report: PpOperation | None
    retry_after: float
    correlation_id: str | None = None


class PowerPlatformClient:
    """Async client for one tenant's Power Platform API (and BAP, and Dataverse)."""

    def __init__(
        self,
        *,
        api_host: str,
        scope: str,
        token_source: ScopedTokenSource,
        bap_host: str | None = None,
        bap_scope: str | None = None,
        http: HttpSettings | None = None,
        observer: Observer | None = None,
        retry: RetryPolicy | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.api_host = api_host.rstrip("/")
        self.bap_host = (bap_host or api_host).rstrip("/")
        self.scope = scope
        self.bap_scope = bap_scope or scope
        #: Where a poll URL may point: the tokens go nowhere else.
        self._origins = {origin_of(self.api_host), origin_of(self.bap_host)} - {None}
        self.engine = Engine(
            api_host=self.api_host,
            token_source=token_source,
            http=http,
            observer=observer,
            retry=retry,
            clock=clock,
            sleep=sleep,
        )

    async def aclose(self) -> None:
        await self.engine.aclose()

    async def __aenter__(self) -> PowerPlatformClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    def add_observer(self, observer: Observer) -> None:
        self.engine.add_observer(observer)

    def server_now(self) -> datetime:
        """Now by the service's clock (naive UTC), as its last answer's `Date` gave it."""
        return self.engine.server_now()

    # -- environments ---------------------------------------------------------------

    async def list_environments(self, *, max_pages: int = MAX_LIST_PAGES) -> Listing:
        """Every environment the signed-in identity sees (Power Platform API, P10)."""
        return await self._odata_list(
            f"{self.api_host}{_ENVIRONMENTS}",
            {"api-version": API_VERSION},
            PpEnvironment.parse,
            api=API_PP,
            what="environments",
            max_pages=max_pages,
        )

    async def list_bap_environments(self, *, max_pages: int = MAX_LIST_PAGES) -> Listing:
        """Every environment, as BAP's admin scope lists it (§2.1)."""
        listing = await self._odata_list(
            f"{self.bap_host}/providers/Microsoft.BusinessAppPlatform/scopes/admin/environments",
            {"api-version": BAP_ENVIRONMENTS_VERSION},
            PpEnvironment.parse_bap,
            api=API_BAP,
            what="environments",
            max_pages=max_pages,
        )
        return Listing(listing.items, listing.skipped, listing.cut_short, source="bap")

    async def finops_details(self, environment: PpEnvironment) -> FinOpsDetails | None:
        """UDE or USE, and the F&O versions, from the environment's Dataverse (§2.3).

        None when the environment has no Dataverse URL lcs-tui may send a token
        to (https, or this machine for a simulator).
        """
        base = dataverse_base(environment.url)
        if base is None:
            return None
        answer = await self.engine.call(
            Call(
                "GET",
                f"{base}/api/data/v9.2/msprov_getfinopsapplicationdetails",
                # The organisation's own audience: its URL (§10.2).
                scope=f"{base}/.default",
                api=API_DATAVERSE,
            )
        )
        try:
            return FinOpsDetails.parse(Fields(answer.data or {}, "answer"))
        except ShapeError as exc:
            raise malformed(exc) from None

    async def copy_candidates(self, source_id: str) -> Listing:
        """The environments `source_id` may be copied into (P2)."""
        return await self._collection_list(
            f"{self.api_host}{_ENVIRONMENTS}/{segment(source_id)}/copyCandidates",
            CopyCandidate.parse,
            what="copy candidates",
        )

    async def restore_candidates(self, source_id: str) -> Listing:
        """The environments `source_id`'s backups may be restored into (unverified path, §4.1)."""
        return await self._collection_list(
            f"{self.api_host}{_ENVIRONMENTS}/{segment(source_id)}/restoreCandidates",
            CopyCandidate.parse,
            what="restore candidates",
        )

    # -- copy and restore -----------------------------------------------------------

    async def validate_copy(
        self, source_id: str, target_id: str, options: CopyOptions
    ) -> Validation:
        """The copy with `ValidateOnly=true`: checked by the service, nothing started."""
        answer = await self.engine.call(
            Call(
                "POST",
                self._copy_url(target_id),
                scope=self.scope,
                api=API_PP,
                params={"api-version": API_VERSION, "ValidateOnly": "true"},
                body=options.body(source_id),
                accept=frozenset({200, 202, 204}),
                what="validate the copy",
            )
        )
        return self._validation(answer)

    async def start_copy(self, source_id: str, target_id: str, options: CopyOptions) -> Started:
        """Start the copy (P1). Sent once: never retried, whatever happens."""
        answer = await self.engine.call(
            Call(
                "POST",
                self._copy_url(target_id),
                scope=self.scope,
                api=API_PP,
                params={"api-version": API_VERSION},
                body=options.body(source_id),
                accept=frozenset({200, 201, 202}),
                mutating=True,
                what="start the copy",
            )
        )
        return self._started(answer)

    async def validate_restore(
        self, source_id: str, target_id: str, point: RestorePoint, *, skip_audit_data: bool
    ) -> Validation:
        answer = await self.engine.call(
            Call(
                "POST",
                self._restore_url(target_id),
                scope=self.scope,
                api=API_PP,
                params={"api-version": API_VERSION, "ValidateOnly": "true"},
                body=restore_body(source_id, point, skip_audit_data=skip_audit_data),
                accept=frozenset({200, 202, 204}),
                what="validate the restore",
            )
        )
        return self._validation(answer)

    async def start_restore(
        self, source_id: str, target_id: str, point: RestorePoint, *, skip_audit_data: bool
    ) -> Started:
        """Start the restore (P3). Sent once: never retried, whatever happens."""
        answer = await self.engine.call(
            Call(
                "POST",
                self._restore_url(target_id),
                scope=self.scope,
                api=API_PP,
                params={"api-version": API_VERSION},
                body=restore_body(source_id, point, skip_audit_data=skip_audit_data),
                accept=frozenset({200, 201, 202}),
                mutating=True,
                what="start the restore",
            )
        )
        return self._started(answer)

    # -- backups --------------------------------------------------------------------

    async def list_backups(self, environment_id: str) -> Listing:
        """System and manual backups of the environment (P5)."""
        return await self._collection_list(
            self._backups_url(environment_id), PpBackup.parse, what="backups"
        )

    async def create_backup(self, environment_id: str, label: str) -> PpBackup | None:
        """A manual backup (P4): 201 with the backup. None when the answer had no body."""
        answer = await self.engine.call(
            Call(
                "POST",
                self._backups_url(environment_id),
                scope=self.scope,
                api=API_PP,
                params={"api-version": API_VERSION},
                body={"label": label},
                accept=frozenset({200, 201, 202}),
                mutating=True,
                what="create the backup",
            )
        )
        if not isinstance(answer.data, dict):
            return None
        try:
            return PpBackup.parse(Fields(answer.data, "answer"))
        except ShapeError:
            return None  # created (201 says so); the list will show it

    async def delete_backup(self, environment_id: str, backup_id: str) -> None:
        """Delete a backup (P6): 204. A DELETE may be tried again; gone is gone."""
        await self.engine.call(
            Call(
                "DELETE",
                f"{self._backups_url(environment_id)}/{segment(backup_id)}",
                scope=self.scope,
                api=API_PP,
                params={"api-version": API_VERSION},
                accept=frozenset({200, 202, 204}),
                what="delete the backup",
            )
        )

    # -- operations -----------------------------------------------------------------

    def operation_url(self, environment_id: str, operation_id: str) -> str:
        """The environment-scoped operation URL (P7), for when no poll URL can be used."""
        return (
            f"{self.api_host}{_ENVIRONMENTS}/{segment(environment_id)}/operations/"
            f"{segment(operation_id)}?api-version={API_VERSION}"
        )

    def usable_poll_url(self, url: str | None) -> str | None:
        """`url` if lcs-tui may send its token there (the profile's hosts), else None."""
        if not url:
            return None
        if url.startswith("/"):
            # An absolute-path reference: it replaces the path (RFC 3986), so a
            # base with a mount (/powerplatform) is not doubled.
            url = (origin_of(self.api_host) or self.api_host) + url
        origin = origin_of(url)
        if origin is None or origin not in self._origins:
            return None
        return url

    async def poll(self, url: str) -> Poll:
        """One look at an operation through its poll URL (one of the profile's hosts)."""
        usable = self.usable_poll_url(url)
        if usable is None:
            raise LcsMalformedResponse(
                "the operation's status URL is not on this profile's Power Platform hosts; "
                "lcs-tui does not send its sign-in there",
                hint="the operation is followed through the environment's operation list",
            )
        on_bap = origin_of(usable) == origin_of(self.bap_host) != origin_of(self.api_host)
        answer = await self.engine.call(
            Call(
                "GET",
                usable,
                scope=self.bap_scope if on_bap else self.scope,
                api=API_BAP if on_bap else API_PP,
                accept=frozenset({200, 202, 404, 409}),
            )
        )
        wait = poll_hint(answer.headers.get("retry-after"), default=DEFAULT_POLL_WAIT)
        if answer.status == 404:
            return Poll("gone", None, wait, answer.correlation_id)
        report = _operation_or_none(answer.data)
        if answer.status == 409 or (report is None and answer.status in (200, 202)):
            return Poll("running", report, wait, answer.correlation_id)
        return Poll("report", report, wait, answer.correlation_id)

    async def operation(self, environment_id: str, operation_id: str) -> PpOperation | None:
        """An operation of the environment by its id (P7); None when unknown (404)."""
        try:
            answer = await self.engine.call(
                Call(
                    "GET",
                    f"{self.api_host}{_ENVIRONMENTS}/{segment(environment_id)}/operations/"
                    f"{segment(operation_id)}",
                    scope=self.scope,
                    api=API_PP,
                    params={"api-version": API_VERSION},
                )
            )
        except PpNotFound:
            return None
        report = _operation_or_none(answer.data)
        if report is None:
            raise LcsMalformedResponse(
                "the Power Platform API described the operation in a way lcs-tui cannot read",
                hint="this is usually temporary; try again",
            )
        return report

    async def history_page(
        self,
        environment_id: str,
        *,
        continuation: str | None = None,
        limit: int = HISTORY_PAGE_SIZE,
    ) -> HistoryPage:
        """One page of the environment's operations (P9), newest first (inference)."""
        params = {"api-version": API_VERSION, "limit": str(limit)}
        if continuation:
            params["continuationToken"] = continuation
        answer = await self.engine.call(
            Call(
                "GET",
                f"{self.api_host}{_ENVIRONMENTS}/{segment(environment_id)}/operations",
                scope=self.scope,
                api=API_PP,
                params=params,
            )
        )
        items, skipped, token = collection_page(answer, PpOperation.parse)
        return HistoryPage(items, token, skipped)

    async def bap_history(self, environment_id: str) -> HistoryPage:
        """The environment's lifecycle operations as BAP lists them (§5.1)."""
        listing = await self._odata_list(
            f"{self.bap_host}/providers/Microsoft.BusinessAppPlatform/lifecycleOperations",
            {
                "api-version": BAP_OPERATIONS_VERSION,
                "$filter": f"environment eq '{environment_id}'",
            },
            PpOperation.parse,
            api=API_BAP,
            what="operations",
            max_pages=3,
        )
        return HistoryPage(list(listing.items), None, listing.skipped, source="bap")

    # -- internals ------------------------------------------------------------------

    def _copy_url(self, target_id: str) -> str:
        return f"{self.api_host}{_ENVIRONMENTS}/{segment(target_id)}/copy"

    def _restore_url(self, target_id: str) -> str:
        return f"{self.api_host}{_ENVIRONMENTS}/{segment(target_id)}/restore"

    def _backups_url(self, environment_id: str) -> str:
        return f"{self.api_host}{_ENVIRONMENTS}/{segment(environment_id)}/backups"

    def _started(self, answer: Answer) -> Started:
        url = operation_location(answer.headers, answer.data)
        return Started(
            poll_url=url,
            operation_id=operation_id_of(url, answer.data),
            retry_after=poll_hint(answer.headers.get("retry-after"), default=DEFAULT_POLL_WAIT),
            correlation_id=answer.correlation_id,
            report=_operation_or_none(answer.data),
        )

    def _validation(self, answer: Answer) -> Validation:
        report = _operation_or_none(answer.data)
        url = operation_location(answer.headers, answer.data)
        wait = poll_hint(answer.headers.get("retry-after"), default=DEFAULT_POLL_WAIT)
        if report is not None and report.status.finished:
            passed = report.status.word in ("ValidationPassed", "Succeeded", "NoOperation")
            return Validation(passed, report, None, wait, answer.correlation_id)
        if answer.status == 202 and url:
            return Validation(None, report, url, wait, answer.correlation_id)
        # 200 or 204 without a verdict in the body: nothing was refused.
        return Validation(True, report, None, wait, answer.correlation_id)

    async def _collection_list(
        self, url: str, parse: Callable[[Fields], Any], *, what: str
    ) -> Listing:
        return await collection_list(
            self.engine,
            url,
            parse,
            scope=self.scope,
            api=API_PP,
            what=what,
            params={"api-version": API_VERSION},
            max_pages=MAX_LIST_PAGES,
        )

    async def _odata_list(
        self,
        url: str,
        params: dict[str, str],
        parse: Callable[[Fields], Any],
        *,
        api: str,
        what: str,
        max_pages: int,
    ) -> Listing:
        scope = self.bap_scope if api == API_BAP else self.scope
        return await odata_list(
            self.engine,
            url,
            parse,
            scope=scope,
            api=api,
            what=what,
            params=params,
            max_pages=max_pages,
        )


def dataverse_base(url: str | None) -> str | None:
    """An organisation URL lcs-tui may call (https, or loopback http), without its end slash."""
    if origin_of(url) is None:
        return None
    assert url is not None
    return url.split("?", 1)[0].split("#", 1)[0].rstrip("/")


def _operation_or_none(data: Any) -> PpOperation | None:
    if not isinstance(data, dict) or not data:
        return None
    try:
        report = PpOperation.parse(Fields(data, "answer"))
    except ShapeError:
        return None
    if report.status_field is None and report.operation_id is None:
        return None  # not an operation (an empty object, a bare message)
    return report
