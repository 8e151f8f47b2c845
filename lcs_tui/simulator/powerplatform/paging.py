"""The two paging shapes (PPAC-API.md §10.5 item 4).

- `value` + `@odata.nextlink`: the Power Platform API's environment list; the
  link is the same URL with `$skip` moved on (present only when more follow).
- `collection` + `continuationToken`: backups, operations, candidates; the
  token is opaque (an offset bound to the list it came from) and `limit`
  sets the page size where the API documents it.

Paging is by offset over the list as it is at each call: an item added
between two calls can shift a page, as with most services.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any
from urllib.parse import parse_qsl, urlencode

from lcs_tui.simulator.exchange import Reply, json_reply
from lcs_tui.simulator.powerplatform.access import Call
from lcs_tui.simulator.powerplatform.wire import validation_error

#: The largest `limit` a collection accepts (the service's is undocumented).
MAX_LIMIT = 100


def _token(key: str, offset: int) -> str:
    return base64.urlsafe_b64encode(f"{key}|{offset}".encode()).decode("ascii").rstrip("=")


def _offset(key: str, token: str) -> int | None:
    try:
        text = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    found_key, _, number = text.rpartition("|")
    if found_key != key or not number.isdigit():
        return None
    return int(number)


def _bad(field: str, message: str) -> Reply:
    return validation_error("InvalidQueryParameter", {field: [message]})


def collection(call: Call, items: list[dict[str, Any]], key: str, *, limit: bool) -> Reply:
    """A `collection` + `continuationToken` page; `limit` whether `limit=` is honoured."""
    size = call.pp.settings.collection_page_size
    text = call.query("limit") if limit else None
    if text:
        if not text.isdigit() or not 1 <= int(text) <= MAX_LIMIT:
            return _bad("limit", f"The limit must be a whole number from 1 to {MAX_LIMIT}.")
        size = int(text)
    start = 0
    token = call.query("continuationToken")
    if token:
        found = _offset(key, token)
        if found is None:
            return _bad("continuationToken", "The continuation token is not valid.")
        start = found
    page = items[start : start + size]
    body: dict[str, Any] = {"collection": page}
    if start + size < len(items):
        body["continuationToken"] = _token(key, start + size)
    return json_reply(body)


def value_page(
    call: Call, items: list[dict[str, Any]], page_size: int | None, key: str | None = None
) -> Reply:
    """A `value` page with a next link when more follow: `key`, by default
    `@odata.nextlink` or as the settings spell it. `$skip` offsets, `$top`
    makes pages smaller; page_size None: everything in one page."""
    start = 0
    skip = call.query("$skip")
    if skip:
        if not skip.isdigit():
            return _bad("$skip", "$skip must be a whole number, 0 or greater.")
        start = int(skip)
    size = page_size if page_size is not None else max(len(items), 1)
    top = call.query("$top")
    if top:
        if not top.isdigit():
            return _bad("$top", "$top must be a whole number, 0 or greater.")
        size = min(size, int(top)) if int(top) > 0 else size
    page = items[start : start + size]
    body: dict[str, Any] = {"value": page}
    if start + size < len(items):
        body[key or call.pp.settings.next_link_key] = _next_link(call, start + size)
    return json_reply(body)


def _next_link(call: Call, skip: int) -> str:
    request = call.request
    query = [
        (k, v) for k, v in parse_qsl(request.query, keep_blank_values=True) if k.lower() != "$skip"
    ]
    query.append(("$skip", str(skip)))
    return f"{request.origin}{request.path}?{urlencode(query)}"
