"""The scripting commands against a hostile or broken LCS: they say what they
wait for, they end, and they end with an exit code and words, never a traceback.

The demo simulator serves everything; an interceptor in front of it answers
chosen API calls the way a broken or hostile server would.

Seen before: `envs` sat silent for a minute during a 429 wait; `Retry-After:
0` made it retry without end; a list that always says "more pages" was read
for minutes without a word; a refresh whose answer was JSON nested 100k deep
ended in a traceback with exit 1 ("failed") although its outcome was unknown;
one backup with a date off the calendar hid the whole list.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import datetime, timedelta, timezone

import httpx
import pytest

from lcs_tui.api import RequestEvent, RetryPolicy
from lcs_tui.commands import exit_codes, runtime
from tests.commands.conftest import PROD, TEST, Harness
from tests.commands.schemas import assert_valid

pytestmark = pytest.mark.filterwarnings(
    "ignore:This API has been deprecated for public client flows:DeprecationWarning"
)

Answer = Callable[[httpx.Request], httpx.Response | None]
ENV_DETAIL = "/environmentinfo/v1/detail/"
BACKUPS = "/databasemovement/v1/databases/"
REFRESH = "/databasemovement/v1/refresh/"
#: Past this, an interceptor answers with a connection error: a client that
#: loops for ever fails the test instead of hanging it.
RUNAWAY = 60


class Interceptor(httpx.AsyncBaseTransport):
    """Answers the requests `answer` picks; passes the rest to the simulator."""

    def __init__(self, inner: httpx.AsyncBaseTransport, prefix: str, answer: Answer) -> None:
        self.inner, self.prefix, self.answer = inner, prefix, answer
        self.seen: list[httpx.Request] = []
        self.answered = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.startswith(self.prefix):
            self.seen.append(request)
            if self.answered >= RUNAWAY:
                raise httpx.ConnectError("the test's runaway guard")
            made = self.answer(request)
            if made is not None:
                self.answered += 1
                return made
        return await self.inner.handle_async_request(request)


def intercept(harness: Harness, prefix: str, answer: Answer) -> Interceptor:
    inner = harness.sim.async_transport()
    spy = Interceptor(inner, prefix, answer)
    harness.monkeypatch.setattr(harness.sim, "async_transport", lambda: spy)
    return spy


def utc_times(text: str) -> list[datetime]:
    today = datetime.now(timezone.utc).date()
    return [
        datetime.combine(today, datetime.strptime(t, "%H:%M:%S").time(), timezone.utc)
        for t in re.findall(r"(\d\d:\d\d:\d\d) UTC", text)
    ]


# --------------------------------------------------------------------- waiting


def test_envs_says_on_stderr_what_it_waits_for_and_until_when(harness: Harness) -> None:
    harness.sim.faults.throttle(n=1, retry_after=30)
    before = datetime.now(timezone.utc)
    result = harness.run("envs", "--json")
    assert result.code == exit_codes.OK, result.err
    waits = [line for line in result.err.splitlines() if line.startswith("waiting")]
    assert len(waits) == 1  # one line per wait
    assert "throttled by LCS" in waits[0] and "(30 s)" in waits[0]
    (until,) = utc_times(waits[0])
    assert timedelta(seconds=25) < (until - before) % timedelta(days=1) < timedelta(seconds=40)
    assert_valid(result.json, "lcs-tui/envs/v1")  # stdout stays the document alone


def test_pacing_waits_are_reported_too(capsys: pytest.CaptureFixture[str]) -> None:
    runtime.report_wait(
        RequestEvent("wait", "GET", "/environmentinfo/v1/x?sig=REDACTED", waited=12)
    )
    runtime.report_wait(RequestEvent("request", "GET", "/x", 200, note="not a warning"))
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1
    assert "pacing to stay under LCS's rate limits" in err[0] and "(12 s)" in err[0]


def test_a_wait_line_cannot_carry_control_characters(capsys: pytest.CaptureFixture[str]) -> None:
    runtime.report_wait(RequestEvent("wait", "GET", "/x/\x1b]0;owned\x07", 429, waited=3))
    runtime.report_wait(RequestEvent("request", "GET", "/x", 200, note="\x1b[2J", warning=True))
    err = capsys.readouterr().err
    assert "\x1b" not in err and "\x07" not in err and err.count("\n") == 2


@pytest.mark.parametrize("value", ["0", "-1", "nan"])
def test_a_retry_after_of_nothing_does_not_loop_for_ever(harness: Harness, value: str) -> None:
    spy = intercept(
        harness, ENV_DETAIL, lambda r: httpx.Response(429, headers={"Retry-After": value})
    )
    result = harness.run("envs", "--json")
    assert result.code == exit_codes.UNAVAILABLE, result.err
    assert len(spy.seen) == RetryPolicy().max_throttle_retries + 1
    assert all(s >= 1.0 for s in harness.sleeps)
    assert result.err.count("throttled by LCS") == len(spy.seen) - 1  # one line per wait
    assert_valid(result.json, "lcs-tui/error/v1")
    assert "try again after" in result.err


@pytest.mark.parametrize("value", ["inf", "1e9", "1e12"])
def test_an_absurd_retry_after_ends_at_once_with_a_near_retry_time(
    harness: Harness, value: str
) -> None:
    spy = intercept(
        harness, ENV_DETAIL, lambda r: httpx.Response(429, headers={"Retry-After": value})
    )
    before = datetime.now(timezone.utc)
    result = harness.run("envs", "--json")
    assert result.code == exit_codes.UNAVAILABLE, result.err
    assert len(spy.seen) == 1 and "Traceback" not in result.err
    assert "more than an hour" in result.json["error"]["message"]
    (retry_at,) = utc_times(result.json["error"]["hint"])
    assert (retry_at - before) % timedelta(days=1) <= timedelta(hours=1, seconds=5)


def env_page(request: httpx.Request) -> httpx.Response:
    page = int(request.url.params.get("page", "1"))
    env = {"EnvironmentId": f"e{page}", "EnvironmentName": f"ENV-{page:03d}"}
    return httpx.Response(200, json={"IsSuccess": True, "Data": [env], "ResultHasMorePages": True})


def test_a_list_that_never_ends_stops_with_a_warning(harness: Harness) -> None:
    spy = intercept(harness, ENV_DETAIL, env_page)
    result = harness.run("envs")
    assert result.code == exit_codes.OK, result.err
    assert len(spy.seen) == 20
    warnings = [line for line in result.err.splitlines() if line.startswith("warning:")]
    assert warnings == [
        "warning: LCS still said more environments follow after 20 pages; showing the first 20"
    ]
    assert len(result.out.splitlines()) == 21


# ------------------------------------------------------------- no traceback


DEEP = b"[" * 100_000 + b"]" * 100_000


def test_a_refresh_whose_answer_cannot_be_read_is_outcome_unknown(harness: Harness) -> None:
    intercept(harness, REFRESH, lambda r: httpx.Response(200, content=DEEP))
    result = harness.run("refresh", "--source", PROD, "--target", TEST, "--yes", "--json")
    assert result.code == exit_codes.OUTCOME_UNKNOWN, result.err
    doc = result.json
    assert_valid(doc, "lcs-tui/refresh/v1")
    assert doc["error"]["kind"] == "outcome_unknown"
    assert "Traceback" not in result.err and "do NOT simply run the command again" in result.err


@pytest.mark.parametrize("command", [("envs",), ("backups",)])
def test_a_read_whose_answer_is_nested_too_deeply_is_unavailable(
    harness: Harness, command: tuple[str, ...]
) -> None:
    intercept(
        harness,
        ENV_DETAIL if command[0] == "envs" else BACKUPS,
        lambda r: httpx.Response(200, content=DEEP),
    )
    result = harness.run(*command, "--json")
    assert result.code == exit_codes.UNAVAILABLE, result.err
    assert "nested too deeply" in result.json["error"]["message"]


@pytest.mark.parametrize(
    "date",
    ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00", "2026-11-20T08:00:00+25:00"],
)
def test_one_backup_with_an_impossible_date_does_not_hide_the_list(
    harness: Harness, date: str
) -> None:
    body = {
        "IsSuccess": True,
        "DatabaseAssets": [
            {"Id": "b1", "Name": "good", "CreatedDateTime": "2026-11-19T08:00:00"},
            {"Id": "b2", "Name": "odd", "CreatedDateTime": date},
        ],
    }
    intercept(harness, BACKUPS, lambda r: httpx.Response(200, json=body))
    result = harness.run("backups", "--json")
    assert result.code == exit_codes.OK, result.err
    doc = result.json
    assert_valid(doc, "lcs-tui/backups/v1")
    assert {b["name"]: b["created"] for b in doc["backups"]} == {
        "good": "2026-11-19T08:00:00Z",
        "odd": None,
    }


def test_an_error_page_in_a_bogus_charset_is_an_explained_error(harness: Harness) -> None:
    intercept(
        harness,
        BACKUPS,
        lambda r: httpx.Response(
            400, content=b"bad\xff", headers={"Content-Type": "text/plain; charset=utf-16"}
        ),
    )
    result = harness.run("backups")
    assert result.code == exit_codes.UNAVAILABLE and "HTTP 400" in result.err


@pytest.mark.parametrize(
    ("argv", "code"),
    [
        (("envs",), exit_codes.UNAVAILABLE),
        (("refresh", "--source", PROD, "--target", TEST, "--yes"), exit_codes.OUTCOME_UNKNOWN),
    ],
)
def test_an_unexpected_error_is_an_exit_code_and_words_not_a_traceback(
    harness: Harness, argv: tuple[str, ...], code: int
) -> None:
    from lcs_tui.service.project import ProjectService

    async def broken(self: ProjectService) -> None:
        raise RuntimeError("something no layer explained")

    harness.monkeypatch.setattr(ProjectService, "load_environments", broken)
    result = harness.run(*argv, "--json")
    assert result.code == code
    assert "Traceback" not in result.err
    assert "RuntimeError: something no layer explained" in result.err
    assert_valid(result.json, "lcs-tui/error/v1")


# ---------------------------------------------------------------- redaction


def test_an_error_echoing_the_token_shows_no_token_on_stderr_or_in_json(
    harness: Harness,
) -> None:
    tokens: list[str] = []

    def echo(request: httpx.Request) -> httpx.Response:
        header = request.headers["Authorization"]
        tokens.append(header.removeprefix("Bearer "))
        body = f"Rejected. Authorization: {header} sig=c2VjcmV0LXNpZw%3D%3D"
        return httpx.Response(400, text=body)

    intercept(harness, BACKUPS, echo)
    result = harness.run("backups", "--json")
    assert result.code == exit_codes.UNAVAILABLE
    assert "Rejected. Authorization: Bearer REDACTED" in result.err  # quoted, scrubbed
    assert tokens and len(tokens[0]) > 20
    for shown in (result.err, result.out, json.dumps(result.json)):
        assert tokens[0] not in shown and "c2VjcmV0LXNpZw" not in shown


def test_a_wait_throttled_for_long_holds_off_as_long_as_lcs_asked(harness: Harness) -> None:
    answered: list[int] = []

    def once(request: httpx.Request) -> httpx.Response | None:
        answered.append(1)
        if len(answered) == 1:
            return httpx.Response(429, headers={"Retry-After": "600"})
        return None

    intercept(harness, "/databasemovement/v1/fetchstatus/", once)
    result = harness.run(
        "refresh", "--source", PROD, "--target", TEST, "--yes", "--wait", "--interval", "30"
    )
    assert result.code == exit_codes.OK, result.err
    (line,) = [line for line in result.err.splitlines() if "status check failed" in line]
    assert "throttling" in line and "retrying after" in line and "UTC" in line
    # The next poll came after LCS's 600 s, not after the 30 s interval.
    assert any(590 <= s <= 600 for s in harness.sleeps)
