"""Fuzzing: whatever status, headers and body a server sends, only `LcsError`s escape.

The real `LcsClient` runs on an `httpx.MockTransport` whose answers
hypothesis makes up: any status code, hostile headers (`Retry-After`, `Date`,
`Content-Type` charsets) and bodies (bytes, JSON, nesting, huge numbers,
dates at the edges of the calendar). Every call must end in an answer or an
`LcsError`, within a bounded number of requests. The parsers are fuzzed on
their own as well. Example counts are bounded so the suite stays fast.
"""

from __future__ import annotations

import contextlib
import json
import math
from datetime import datetime
from typing import Any

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lcs_tui.api import (
    DatabaseBackup,
    Envelope,
    Environment,
    HistoryEntry,
    LcsClient,
    LcsError,
    OperationReport,
    RetryPolicy,
)
from lcs_tui.api.parsing import Fields, ShapeError, parse_datetime, parse_display_datetime
from lcs_tui.api.retry import RETRY_AFTER_CEILING, RETRY_AFTER_FLOOR, retry_after
from tests.api.helpers import client_for

FUZZ = settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

edge_dates = st.sampled_from(
    [
        "0001-01-01T00:00:00+01:00",
        "9999-12-31T23:59:59-01:00",
        "2026-11-20T08:00:00+25:00",
        "2026-11-20T08:00:00-23:59",
        "2026-11-20T08:00:00.99999999999Z",
        "2026-02-29T00:00:00",
        "8/5/2021 11:00 PM",
        "13/45/2021 99:00 PM",
    ]
)
scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.just("9" * 5000)
    | st.floats()
    | st.text(max_size=30)
    | edge_dates
)
json_values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=25,
)
keys = st.sampled_from(
    [
        "IsSuccess",
        "OperationActivityId",
        "ErrorMessage",
        "VersionEOL",
        "DatabaseAssets",
        "Data",
        "ResultHasMorePages",
        "ResultPageCurrent",
        "OperationStatus",
        "CompletionDate",
        "Id",
        "Name",
        "CreatedDateTime",
        "EnvironmentId",
        "EnvironmentName",
        "DeployedOnUTC",
        "StartDateTimeUTC",
        "ProjectId",
    ]
)
items = st.dictionaries(keys, json_values, max_size=10)
envelopes = st.fixed_dictionaries(
    {"IsSuccess": st.booleans()},
    optional={
        "DatabaseAssets": st.lists(items, max_size=3),
        "Data": st.lists(items, max_size=3),
        "ResultHasMorePages": st.booleans(),
        "VersionEOL": edge_dates,
        "ErrorMessage": st.text(max_size=40)
        | st.just("Maximum allowed API operations are 3 from 2026-11-20T08:00:00+25:00"),
        "OperationActivityId": st.text(max_size=10),
    },
)


class Nested:
    """A body of `depth` nested arrays, made only when sent (a short repr)."""

    def __init__(self, depth: int) -> None:
        self.depth = depth

    def __repr__(self) -> str:
        return f"Nested({self.depth})"

    def body(self) -> bytes:
        return b"[" * self.depth + b"]" * self.depth


bodies = (
    st.binary(max_size=300)
    | json_values.map(lambda v: json.dumps(v).encode())
    | envelopes.map(lambda v: json.dumps(v).encode())
    | st.sampled_from([10, 900, 5_000, 100_000]).map(Nested)
    | st.just(b"\xff\xfe{\x00}\x00")
    | st.just(b'{"IsSuccess": true, "ResultPageCurrent": ' + b"9" * 5000 + b"}")
)
charsets = st.sampled_from(
    ["utf-8", "utf-16", "utf-32", "rot13", "base64", "idna", "zlib", "bogus", "", '"utf-8"']
)
header_text = st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=40)
headers = st.fixed_dictionaries(
    {},
    optional={
        "Retry-After": st.sampled_from(["0", "-1", "nan", "inf", "1e9", "1e12", "1e400"])
        | st.floats().map(repr)
        | header_text,
        "Date": st.sampled_from(
            ["Fri, 31 Dec 9999 23:59:59 -2359", "Mon, 01 Jan 0001 00:00:00 +2359"]
        )
        | header_text,
        "Content-Type": charsets.map(lambda c: f"application/json; charset={c}"),
    },
)
statuses = st.sampled_from([200, 200, 200, 201, 204, 301, 400, 401, 404, 409, 429, 500, 503])
answers = st.tuples(statuses, headers, bodies)


async def exercise(client: LcsClient) -> None:
    """Every public call; each must return or raise an LcsError."""
    calls: list[Any] = [
        client.list_backups(1),
        client.environment_page(1),
        client.list_environments(1),
        client.history_page(1, "env"),
        client.operation_status(1, "env", "act"),
        client.start_refresh(1, "a", "b"),
        client.start_export(1, "a", "name"),
        client.start_environment(1, "a"),
    ]
    for call in calls:
        try:
            await call
        except LcsError as exc:
            str(exc)  # the message itself must be printable


@FUZZ
@given(st.lists(answers, min_size=1, max_size=6))
async def test_any_answers_give_results_or_typed_errors_within_bounds(
    script: list[tuple[int, dict[str, str], bytes | Nested]],
) -> None:
    requests: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        requests.append(request)
        status, head, body = script[min(len(requests) - 1, len(script) - 1)]
        content = body.body() if isinstance(body, Nested) else body
        return httpx.Response(status, headers=head, content=content)

    async with client_for(handler) as client:
        await exercise(client)
    # Eight calls, each within its attempt limit (list_environments pages too).
    assert len(requests) <= 8 * RetryPolicy().max_attempts * 2


@FUZZ
@given(st.text(max_size=60) | st.sampled_from(["9" * 5000, "1e400", "-0", "nan"]))
def test_retry_after_of_any_text_is_a_bounded_wait(text: str) -> None:
    wait = retry_after(text)
    assert RETRY_AFTER_FLOOR <= wait.seconds <= RETRY_AFTER_CEILING
    assert not math.isnan(wait.seconds)


iso_like = st.builds(
    lambda y, mo, d, h, mi, s, frac, zone: (
        f"{y:04d}-{mo:02d}-{d:02d}T{h:02d}:{mi:02d}:{s:02d}{frac}{zone}"
    ),
    st.integers(0, 9999),
    st.integers(0, 99),
    st.integers(0, 99),
    st.integers(0, 99),
    st.integers(0, 99),
    st.integers(0, 99),
    st.sampled_from(["", ".", ".1", ".9999999", ".123456789012"]),
    st.sampled_from(["", "Z", "+00:00"])
    | st.builds(
        lambda sign, h, m: f"{sign}{h:02d}:{m:02d}",
        st.sampled_from("+-"),
        st.integers(0, 99),
        st.integers(0, 99),
    ),
)


@FUZZ
@given(iso_like | st.text(max_size=40))
def test_parse_datetime_returns_a_date_or_none_never_raises(text: str) -> None:
    parsed = parse_datetime(text)
    assert parsed is None or (isinstance(parsed, datetime) and parsed.tzinfo is None)
    shown = parse_display_datetime(text)
    assert shown is None or isinstance(shown, datetime)


MODELS: list[Any] = [
    DatabaseBackup.parse,
    Environment.parse,
    HistoryEntry.parse,
    Envelope.parse,
    lambda f: OperationReport.parse(
        f, asked_activity_id="a", envelope=Envelope(True, None, None, None)
    ),
]


@FUZZ
@given(items)
def test_models_parse_or_raise_a_shape_error_only(raw: dict[str, Any]) -> None:
    for parse in MODELS:
        with contextlib.suppress(ShapeError):
            parse(Fields(raw, "item"))


@FUZZ
@given(json_values, keys)
def test_fields_readers_raise_only_shape_errors(raw: Any, key: str) -> None:
    try:
        fields = Fields(raw, "x")
    except ShapeError:
        return
    for read in (
        fields.opt_str,
        fields.req_str,
        fields.opt_int,
        fields.opt_bool,
        fields.opt_datetime,
        fields.opt_list,
    ):
        with contextlib.suppress(ShapeError):
            read(key)
