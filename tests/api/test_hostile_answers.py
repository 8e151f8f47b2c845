"""Answers no reader foresaw end in a typed error, never a traceback.

Seen before: JSON nested 100k deep raised RecursionError (and for a refresh
the CLI said "failed" although the outcome was unknown); `CreatedDateTime`
near year 1 or 9999 with an offset, or an offset of ±25 h, raised
OverflowError/ValueError and hid the whole backups list; a non-200 answer
with `charset=utf-16` raised UnicodeError.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import httpx
import pytest

from lcs_tui.api import (
    LcsError,
    LcsHttpError,
    LcsMalformedResponse,
    OutcomeUnknown,
    QuotaExceeded,
)
from lcs_tui.api.parsing import Fields, parse_datetime
from tests.api.helpers import client_for

DEPTH = 100_000


def deep(opening: str = "[", closing: str = "]") -> bytes:
    return (opening * DEPTH + closing * DEPTH).encode()


DEEP_BODIES = {
    "array": deep(),
    "object": ('{"a":' * DEPTH + "1" + "}" * DEPTH).encode(),
    "inside-envelope": b'{"IsSuccess": true, "DatabaseAssets": ' + deep() + b"}",
    "in-an-item": b'{"IsSuccess": true, "Data": [' + deep() + b"]}",
}


def answer(body: bytes, status: int = 200, **headers: str) -> Any:
    return lambda request: httpx.Response(status, content=body, headers=headers)


@pytest.mark.parametrize("body", DEEP_BODIES.values(), ids=DEEP_BODIES.keys())
async def test_deeply_nested_json_to_a_get_is_a_malformed_answer(body: bytes) -> None:
    async with client_for(answer(body)) as client:
        with pytest.raises(LcsMalformedResponse) as caught:
            await client.list_backups(1)
        with pytest.raises(LcsMalformedResponse):
            await client.environment_page(1)
    assert "nested too deeply" in str(caught.value)


@pytest.mark.parametrize("body", DEEP_BODIES.values(), ids=DEEP_BODIES.keys())
async def test_deeply_nested_json_to_an_operation_start_is_outcome_unknown(body: bytes) -> None:
    async with client_for(answer(body)) as client:
        with pytest.raises(OutcomeUnknown):
            await client.start_refresh(1, "a", "b")
        with pytest.raises(OutcomeUnknown):
            await client.start_export(1, "a", "name")
        with pytest.raises(OutcomeUnknown):
            await client.stop_environment(1, "a")


@pytest.mark.parametrize(
    "charset", ["utf-16", "utf-32", "rot13", "base64", "idna", "punycode", "zlib", "no-such"]
)
@pytest.mark.parametrize("status", [400, 404, 500])
async def test_an_error_answer_in_any_charset_is_an_http_error(charset: str, status: int) -> None:
    handler = answer(
        b"Bad request \xff\xfe\x00", status, **{"Content-Type": f"text/plain; charset={charset}"}
    )
    async with client_for(handler) as client:
        with pytest.raises(LcsHttpError) as caught:
            await client.list_backups(1)
    assert caught.value.status == status


async def test_an_error_answer_is_quoted_without_control_characters() -> None:
    body = b"nope \x1b]52;c;SGVsbG8=\x07 \x1b[2J done"
    async with client_for(answer(body, 400)) as client:
        with pytest.raises(LcsHttpError) as caught:
            await client.list_backups(1)
    assert "\x1b" not in str(caught.value) and "\x07" not in str(caught.value)
    assert "\\x1b]52" in str(caught.value)


HOSTILE_DATES = [
    "0001-01-01T00:00:00+01:00",
    "0001-01-01T00:30:00+00:59",
    "9999-12-31T23:59:59-01:00",
    "9999-12-31T23:59:59.9999999-00:01",
    "2026-11-20T08:00:00+25:00",
    "2026-11-20T08:00:00-25:00",
    "2026-11-20T08:00:00+23:99",
    "2026-11-20T08:00:00+99:99",
    "2026-11-20T08:00:00." + "9" * 5000,
    "٢٠٢٦-11-20T08:00:00",
    "2026-02-30T00:00:00",
    "x" * 100_000,
]


@pytest.mark.parametrize("text", HOSTILE_DATES, ids=lambda t: t[:40])
def test_parse_datetime_never_raises(text: str) -> None:
    assert parse_datetime(text) is None


def test_parse_datetime_still_converts_real_offsets() -> None:
    assert parse_datetime("2026-11-20T10:12:00+02:00") == datetime(2026, 11, 20, 8, 12)
    assert parse_datetime("2026-11-20T06:12:00-0200") == datetime(2026, 11, 20, 8, 12)
    assert parse_datetime("0001-01-01T01:00:00+01:00") == datetime(1, 1, 1, 0, 0)
    assert parse_datetime("9999-12-31T22:00:00-01:00") == datetime(9999, 12, 31, 23, 0)


@pytest.mark.parametrize("text", HOSTILE_DATES, ids=lambda t: t[:40])
async def test_one_backup_with_an_unreadable_date_is_listed_with_the_date_unknown(
    text: str,
) -> None:
    body = {
        "IsSuccess": True,
        "DatabaseAssets": [
            {"Id": "good", "Name": "good", "CreatedDateTime": "2026-11-20T08:00:00"},
            {"Id": "odd", "Name": "odd", "CreatedDateTime": text, "ModifiedDateTime": 5},
        ],
    }
    async with client_for(answer(json.dumps(body).encode())) as client:
        result = await client.list_backups(1)
    good, odd = result.backups
    assert good.created == datetime(2026, 11, 20, 8, 0)
    assert odd.name == "odd" and odd.created is None and odd.modified is None


async def test_an_unreadable_date_in_history_and_status_is_unknown_not_an_error() -> None:
    history = {
        "IsSuccess": True,
        "Data": [{"ActivityId": "a", "Status": "Completed", "StartDateTimeUTC": HOSTILE_DATES[0]}],
        "ResultHasMorePages": False,
        "VersionEOL": HOSTILE_DATES[2],
        "CompletionDate": HOSTILE_DATES[4],
        "OperationStatus": "Completed",
    }
    async with client_for(answer(json.dumps(history).encode())) as client:
        page = await client.history_page(1, "env")
        report = await client.operation_status(1, "env", "a")
    assert page.items[0].started is None and page.items[0].activity_id == "a"
    assert report.completion_date is None and report.status.word == "Completed"


async def test_an_item_without_its_identity_is_skipped_and_counted_not_the_list() -> None:
    body = {
        "IsSuccess": True,
        "DatabaseAssets": [{"Id": "good"}, {"Name": "no id"}, 5, [], {"Id": {"x": 1}}],
    }
    async with client_for(answer(json.dumps(body).encode())) as client:
        result = await client.list_backups(1)
    assert [b.id for b in result.backups] == ["good"] and result.skipped == 4


@pytest.mark.parametrize(
    "date",
    [
        "Fri, 31 Dec 9999 23:59:59 -2359",
        "Mon, 01 Jan 0001 00:00:00 +2359",
        "Fri, 31 Dec 9999 23:59:59 GMT",
        "Sun, 99 Foo 99999 99:99:99 GMT",
        "x" * 10_000,
    ],
    ids=lambda d: d[:32],
)
async def test_an_absurd_date_header_neither_raises_nor_moves_the_clock(date: str) -> None:
    ok = {"IsSuccess": True, "DatabaseAssets": []}
    async with client_for(
        lambda request: httpx.Response(200, json=ok, headers={"Date": date})
    ) as client:
        await client.list_backups(1)
        now = client.server_now()
    assert abs((now - datetime.utcnow()).total_seconds()) < 5


async def test_a_quota_message_with_a_huge_number_is_still_a_rejection() -> None:
    body = {
        "IsSuccess": False,
        "ErrorMessage": "Maximum allowed API operations are " + "9" * 5000 + " from 2026-11-20",
    }
    async with client_for(answer(json.dumps(body).encode())) as client:
        with pytest.raises(LcsError) as caught:
            await client.start_refresh(1, "a", "b")
    assert not isinstance(caught.value, QuotaExceeded)


async def test_an_unforeseen_failure_after_sending_a_start_is_outcome_unknown(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Whatever a reader may still miss: the class of the guarantee, not one example.
    from lcs_tui.api import client as client_module

    def broken(*_args: object, **_kwargs: object) -> object:
        raise RuntimeError("a reader's bug")

    monkeypatch.setattr(client_module.Envelope, "parse", broken)
    ok = {"IsSuccess": True, "OperationActivityId": "op"}
    async with client_for(lambda request: httpx.Response(200, json=ok)) as client:
        with pytest.raises(OutcomeUnknown):
            await client.start_refresh(1, "a", "b")
        with pytest.raises(LcsMalformedResponse):
            await client.list_backups(1)


def test_fields_report_only_shape_errors() -> None:
    from lcs_tui.api.parsing import ShapeError

    f = Fields({"N": "9" * 5000, "B": "maybe", "L": {}, "D": 5}, "x")
    with pytest.raises(ShapeError):
        f.opt_int("N")
    with pytest.raises(ShapeError):
        f.opt_bool("B")
    with pytest.raises(ShapeError):
        f.opt_list("L")
    assert f.opt_datetime("D") is None
