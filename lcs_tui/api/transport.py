"""One request to LCS, bounded in time and in size, and its answer read defensively.

httpx's timeouts are per read: a server trickling one byte a second keeps a
request alive for ever, and `response.read()` buffers a body of any size. So
the client sends with `stream=True`, reads the body in chunks up to a cap,
and runs the whole exchange under one overall deadline. Text and JSON are
decoded here so that no codec, depth or charset the server names can raise
anything but the typed errors below.
"""

from __future__ import annotations

import asyncio
import codecs
import json
from dataclasses import dataclass
from typing import Any

import httpx

from lcs_tui.api.parsing import ShapeError

#: How much of an error answer (non-200) is read: its first lines are all
#: that is ever shown.
ERROR_BODY_LIMIT = 64 * 1024


class DeadlinePassed(Exception):
    """The whole exchange took longer than the request deadline."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"no complete answer within {seconds:g} s")
        self.seconds = seconds


class AnswerTooLarge(Exception):
    """The answer was larger than the cap; reading stopped there."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"the answer was larger than {limit // (1024 * 1024) or 1} MiB")
        self.limit = limit


@dataclass(frozen=True, slots=True)
class Answer:
    """An answer read whole: status, headers and body."""

    status: int
    headers: httpx.Headers
    body: bytes


async def exchange(
    http: httpx.AsyncClient,
    request: httpx.Request,
    *,
    deadline: float,
    limit: int,
) -> Answer:
    """Send `request` and read its answer, all within `deadline` seconds.

    A 200 body over `limit` bytes raises `AnswerTooLarge`; other bodies are
    cut at `ERROR_BODY_LIMIT` (they are only ever quoted). Transport failures
    are httpx's own exceptions.
    """
    try:
        return await asyncio.wait_for(_exchange(http, request, limit), timeout=deadline)
    except asyncio.TimeoutError:
        raise DeadlinePassed(deadline) from None


async def _exchange(http: httpx.AsyncClient, request: httpx.Request, limit: int) -> Answer:
    response = await http.send(request, stream=True)
    try:
        status = response.status_code
        cap = limit if status == 200 else ERROR_BODY_LIMIT
        announced = _content_length(response.headers)
        if status == 200 and announced is not None and announced > limit:
            raise AnswerTooLarge(limit)
        chunks: list[bytes] = []
        size = 0
        async for chunk in response.aiter_bytes():
            size += len(chunk)
            if size > cap:
                if status == 200:
                    raise AnswerTooLarge(limit)
                chunks.append(chunk[: len(chunk) - (size - cap)])
                break
            chunks.append(chunk)
        return Answer(status, response.headers, b"".join(chunks))
    finally:
        await response.aclose()


def _content_length(headers: httpx.Headers) -> int | None:
    value = headers.get("content-length", "")
    return int(value) if value.isdigit() and len(value) < 20 else None


def load_json(body: bytes) -> Any:
    """The answer as JSON; `ShapeError` saying what it was otherwise (never another error)."""
    if not body:
        raise ShapeError("the answer was empty")
    try:
        return json.loads(body)
    except RecursionError:
        raise ShapeError("the answer was nested too deeply") from None
    except (ValueError, UnicodeDecodeError):
        kind = "an HTML page" if body.lstrip()[:1] == b"<" else "not JSON"
        raise ShapeError(f"the answer was {kind}") from None


#: Charsets an error body is decoded with when it names one; anything else
#: (a bogus name, a codec that is not a text encoding such as `base64`,
#: `rot13` or `idna`, which raise unusual errors) is read as UTF-8.
_TEXT_CHARSETS = frozenset(
    {"utf-8", "utf-16", "utf-16-le", "utf-16-be", "utf-32", "iso8859-1", "ascii", "cp1252"}
)


def body_text(body: bytes, headers: httpx.Headers) -> str:
    """An error body as text, whatever charset it claims: never raises."""
    charset = "utf-8"
    content_type = headers.get("content-type", "")
    for parameter in content_type.split(";")[1:]:
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "charset":
            charset = value.strip().strip("\"'").lower()
    try:
        known = codecs.lookup(charset).name
    except LookupError:
        known = "utf-8"
    if known not in _TEXT_CHARSETS:
        known = "utf-8"
    try:
        return body.decode(known, errors="replace")
    except UnicodeError:  # e.g. a utf-16 body of an odd length in some Pythons
        return body.decode("utf-8", errors="replace")
