"""Fuzzing the Power Platform client: whatever a server sends, only `LcsError`s escape.

As tests/api/test_fuzz.py does for LCS: the real `PowerPlatformClient` on an
`httpx.MockTransport` whose answers hypothesis makes up — any status, hostile
`Retry-After` (seconds, dates, Go durations), `Location` headers pointing
anywhere, bodies of both paging shapes gone wrong, both status spellings —
and every call ends in an answer or an `LcsError`, within bounds, with a
start never sent twice. The readers (models, error bodies, waits) are fuzzed
on their own too.
"""

from __future__ import annotations

import contextlib
import json
import math
from typing import Any

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lcs_tui.api import LcsError, RetryPolicy
from lcs_tui.api.parsing import Fields, ShapeError
from lcs_tui.api.retry import RETRY_AFTER_CEILING, RETRY_AFTER_FLOOR
from lcs_tui.ppac.answers import (
    ErrorBody,
    operation_id_of,
    operation_location,
    pp_retry_after,
    read_error_body,
    typed_error,
)
from lcs_tui.ppac.client import PowerPlatformClient
from lcs_tui.ppac.models import CopyCandidate, FinOpsDetails, PpEnvironment
from lcs_tui.ppac.operation_models import PpBackup, PpOperation
from lcs_tui.ppac.requests import CopyOptions, RestorePoint
from tests.ppac.helpers import client_on

FUZZ = settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(max_size=20)
    | st.sampled_from(
        [
            "9" * 3000,
            "2026-11-20T08:00:00+25:00",
            "0001-01-01T00:00:00+01:00",
            "Succeeded",
            "InProgress",
            "Rehydrating",
            "Internal",
            "Linked",
            "\x1b]52;c;UFdORUQ=\x07",
        ]
    )
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
        "id",
        "name",
        "displayName",
        "type",
        "state",
        "status",
        "finOpsMetadata",
        "properties",
        "linkedAppMetadata",
        "states",
        "stageStatuses",
        "stages",
        "errorDetail",
        "error",
        "collection",
        "value",
        "continuationToken",
        "@odata.nextlink",
        "nextLink",
        "operationId",
        "label",
        "backupPointDateTime",
        "backupExpiryDateTime",
        "createdBy",
        "environmentId",
        "retentionDetails",
        "requestedBy",
        "links",
        "fieldErrors",
        "operationUrl",
        "adminMode",
        "governanceConfiguration",
    ]
)
objects = st.dictionaries(keys, json_values, max_size=10)
pages = st.fixed_dictionaries(
    {},
    optional={
        "value": st.lists(objects, max_size=3),
        "collection": st.lists(objects, max_size=3),
        "continuationToken": st.text(max_size=6) | st.none(),
        "@odata.nextlink": st.sampled_from(
            [
                "https://api.powerplatform.com/environmentmanagement/environments?p=2",
                "https://evil.example/next",
                "/environmentmanagement/environments?p=3",
                "not a url",
            ]
        ),
        "status": st.sampled_from(["Succeeded", "Failed", "InProgress", "Weird"]),
        "state": st.sampled_from(["Running", {"id": "Succeeded"}, {"id": 5}, None]),
    },
)
bodies = (
    st.binary(max_size=200)
    | json_values.map(lambda v: json.dumps(v).encode())
    | pages.map(lambda v: json.dumps(v).encode())
    | st.just(b"[" * 5000 + b"]" * 5000)
)
header_text = st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=40)
headers = st.fixed_dictionaries(
    {},
    optional={
        "Retry-After": st.sampled_from(["0", "-1", "nan", "1e9", "1h", "90m", "1m30s", "500ms"])
        | header_text,
        "Operation-Location": st.sampled_from(
            [
                "https://api.powerplatform.com/environmentmanagement/operations/1",
                "https://evil.example/steal",
                "/environmentmanagement/operations/2",
                "javascript:alert(1)",
            ]
        )
        | header_text,
        "Location": header_text,
        "x-ms-correlation-id": header_text,
    },
)
statuses = st.sampled_from([200, 200, 201, 202, 204, 400, 401, 403, 404, 409, 429, 500, 503])
answers = st.tuples(statuses, headers, bodies)


async def exercise(client: PowerPlatformClient) -> None:
    env = PpEnvironment(id="e1", name="E1", url="https://e1.crm4.dynamics.com")
    point = RestorePoint(__import__("datetime").datetime(2026, 11, 19, 7, 30))
    calls: list[Any] = [
        client.list_environments(),
        client.list_bap_environments(),
        client.finops_details(env),
        client.copy_candidates("e1"),
        client.validate_copy("e1", "e2", CopyOptions()),
        client.start_copy("e1", "e2", CopyOptions()),
        client.start_restore("e1", "e2", point, skip_audit_data=True),
        client.list_backups("e1"),
        client.create_backup("e1", "label"),
        client.delete_backup("e1", "b1"),
        client.poll("https://api.powerplatform.com/environmentmanagement/operations/1"),
        client.operation("e1", "op"),
        client.history_page("e1"),
        client.bap_history("e1"),
    ]
    for call in calls:
        try:
            await call
        except LcsError as exc:
            str(exc)


@FUZZ
@given(st.lists(answers, min_size=1, max_size=6))
async def test_any_answers_give_results_or_typed_errors_and_one_start_each(
    script: list[tuple[int, dict[str, str], bytes]],
) -> None:
    requests: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        requests.append(request)
        status, head, body = script[min(len(requests) - 1, len(script) - 1)]
        return httpx.Response(status, headers=head, content=body)

    async with client_on(handler) as client:
        await exercise(client)
    starts = [
        r
        for r in requests
        if r.method == "POST"
        and "ValidateOnly" not in str(r.url)
        and (r.url.path.endswith("/copy") or r.url.path.endswith("/restore"))
    ]
    # A 401 is renewed once and a 429 waited: the service did not act. Anything else: once.
    retried = [s for s, _, _ in script if s in (401, 429)]
    assert len(starts) <= 2 * (1 + len(retried) * RetryPolicy().max_throttle_retries)
    assert all(r.url.host != "evil.example" for r in requests)
    assert len(requests) <= 14 * RetryPolicy().max_attempts * 20


@FUZZ
@given(answers)
async def test_a_start_is_sent_once_unless_refused_unacted(
    answer: tuple[int, dict[str, str], bytes],
) -> None:
    status, head, body = answer
    requests: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        requests.append(request)
        return httpx.Response(status, headers=head, content=body)

    async with client_on(handler) as client:
        with contextlib.suppress(LcsError):
            await client.start_copy("e1", "e2", CopyOptions())
    if status not in (401, 429):
        assert len(requests) == 1


@FUZZ
@given(st.text(max_size=60) | st.sampled_from(["9" * 5000, "1e400", "99999h", "0.0001ms", "nan"]))
def test_retry_after_of_any_text_is_a_bounded_wait(text: str) -> None:
    wait = pp_retry_after(text)
    assert RETRY_AFTER_FLOOR <= wait.seconds <= RETRY_AFTER_CEILING
    assert not math.isnan(wait.seconds)


MODELS: list[Any] = [
    PpEnvironment.parse,
    PpEnvironment.parse_bap,
    PpOperation.parse,
    PpBackup.parse,
    CopyCandidate.parse,
    FinOpsDetails.parse,
]


@FUZZ
@given(objects)
def test_models_parse_or_raise_a_shape_error_only(raw: dict[str, Any]) -> None:
    for parse in MODELS:
        with contextlib.suppress(ShapeError):
            parsed = parse(Fields(raw, "item"))
            if isinstance(parsed, PpEnvironment):
                assert parsed.kind  # every environment has a kind
            if isinstance(parsed, PpOperation):
                assert isinstance(parsed.status.word, str)
                parsed.current_stage  # noqa: B018


@FUZZ
@given(
    bodies,
    st.sampled_from([400, 401, 403, 404, 409, 422, 500, 503]),
    st.sampled_from(["ppapi", "bap", "dataverse"]),
)
def test_error_bodies_become_typed_errors_without_control_characters(
    body: bytes, status: int, api: str
) -> None:
    said = read_error_body(body, httpx.Headers({"content-type": "application/json"}))
    assert isinstance(said, ErrorBody)
    error = typed_error(status, said, api=api, shown="/x", correlation=None, scope="s")
    assert isinstance(error, LcsError)
    assert "\x1b" not in str(error) and "\x07" not in str(error)


@FUZZ
@given(headers, json_values)
def test_poll_urls_and_ids_are_read_without_raising(head: dict[str, str], data: Any) -> None:
    url = operation_location(httpx.Headers(head), data)
    assert url is None or isinstance(url, str)
    op_id = operation_id_of(url, data)
    assert op_id is None or (isinstance(op_id, str) and len(op_id) <= 128)
