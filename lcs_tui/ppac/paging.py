"""The two paging shapes of Power Platform lists (PPAC-API.md §10.5, quirk 4).

`value` + `@odata.nextlink` (the environment lists, any case of the key;
a next link is followed only on the host that sent it — the token goes
nowhere else) and `collection` + `continuationToken` (backups, operations,
candidates). Every list ends: at `max_pages`, at a page that brings
nothing, at a token or link the service repeats — with a warning the user
sees. An item without its identity is skipped, not the list.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

from lcs_tui.api.errors import LcsMalformedResponse
from lcs_tui.api.parsing import Fields, ShapeError
from lcs_tui.ppac.engine import Answer, Call, Engine
from lcs_tui.ppac.operation_models import Listing


async def collection_list(
    engine: Engine,
    url: str,
    parse: Callable[[Fields], Any],
    *,
    scope: str,
    api: str,
    what: str,
    params: dict[str, str],
    max_pages: int,
) -> Listing:
    """A `collection` + `continuationToken` list, all pages (at most MAX_LIST_PAGES)."""
    items: list[Any] = []
    skipped = 0
    seen_tokens: set[str] = set()
    token: str | None = None
    for _page in range(max_pages):
        asked = dict(params)
        if token:
            asked["continuationToken"] = token
        answer = await engine.call(Call("GET", url, scope=scope, api=api, params=asked))
        page, dropped, token = collection_page(answer, parse)
        items.extend(page)
        skipped += dropped
        if not token:
            return Listing(items, skipped)
        if token in seen_tokens or not page:
            engine.warn(
                engine.shown(url),
                f"Power Platform said more {what} follow, but sent the same page again; "
                f"showing the {len(items)} read so far",
            )
            return Listing(items, skipped, cut_short=True)
        seen_tokens.add(token)
    engine.warn(
        engine.shown(url),
        f"Power Platform still said more {what} follow after {max_pages} pages; "
        f"showing the first {len(items)}",
    )
    return Listing(items, skipped, cut_short=True)


async def odata_list(
    engine: Engine,
    url: str,
    parse: Callable[[Fields], Any],
    *,
    scope: str,
    api: str,
    what: str,
    params: dict[str, str],
    max_pages: int,
) -> Listing:
    """A `value` + `@odata.nextlink` list, all pages, next links only on the same host."""
    origin = origin_of(url)
    items: list[Any] = []
    skipped = 0
    seen: set[str] = set()
    next_url: str | None = url
    next_params: dict[str, str] | None = params
    for _page in range(max_pages):
        assert next_url is not None
        answer = await engine.call(Call("GET", next_url, scope=scope, api=api, params=next_params))
        page, dropped, link = value_page(answer, parse)
        items.extend(page)
        skipped += dropped
        if not link:
            return Listing(items, skipped)
        if link.startswith("/") and origin is not None:
            link = origin + link
        if origin_of(link) != origin:
            engine.warn(
                engine.shown(url),
                f"the next page of {what} is on another host; lcs-tui does not send its "
                f"sign-in there, showing the {len(items)} read so far",
            )
            return Listing(items, skipped, cut_short=True)
        if link in seen or not page:
            engine.warn(
                engine.shown(url),
                f"the service said more {what} follow, but sent the same page again; "
                f"showing the {len(items)} read so far",
            )
            return Listing(items, skipped, cut_short=True)
        seen.add(link)
        next_url, next_params = link, None  # the link carries its own query
    engine.warn(
        engine.shown(url),
        f"the service still said more {what} follow after {max_pages} pages; "
        f"showing the first {len(items)}",
    )
    return Listing(items, skipped, cut_short=True)


def collection_page(
    answer: Answer, parse: Callable[[Fields], Any]
) -> tuple[list[Any], int, str | None]:
    try:
        f = Fields(answer.data if answer.data is not None else {}, "answer")
        raw = f.opt_list("collection")
        if raw is None:
            raw = f.opt_list("value") or []
        items, skipped = parse_items(raw, parse)
        token = f.opt_str("continuationToken") or None
    except ShapeError as exc:
        raise malformed(exc) from None
    return items, skipped, token


def value_page(answer: Answer, parse: Callable[[Fields], Any]) -> tuple[list[Any], int, str | None]:
    try:
        f = Fields(answer.data if answer.data is not None else {}, "answer")
        items, skipped = parse_items(f.opt_list("value") or [], parse)
        link = f.opt_str("@odata.nextLink") or f.opt_str("nextLink") or None
    except ShapeError as exc:
        raise malformed(exc) from None
    return items, skipped, link


def parse_items(raw: list[Any], parse: Callable[[Fields], Any]) -> tuple[list[Any], int]:
    items: list[Any] = []
    skipped = 0
    for index, item in enumerate(raw):
        try:
            items.append(parse(Fields(item, f"item[{index}]")))
        except ShapeError:
            skipped += 1
    return items, skipped


def origin_of(url: str | None) -> str | None:
    """`scheme://host[:port]` of an https URL (or http on this machine), else None."""
    if not url:
        return None
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, ValueError, TypeError):
        return None
    host = parsed.host
    if not host:
        return None
    if parsed.scheme != "https" and not (
        parsed.scheme == "http" and host in ("127.0.0.1", "localhost", "::1")
    ):
        return None
    port = f":{parsed.port}" if parsed.port is not None else ""
    shown_host = f"[{host}]" if ":" in host else host
    return f"{parsed.scheme}://{shown_host}{port}"


def malformed(exc: ShapeError) -> LcsMalformedResponse:
    return LcsMalformedResponse(
        f"Power Platform sent an answer the app cannot read ({exc})",
        hint="this is usually temporary; try again",
    )
