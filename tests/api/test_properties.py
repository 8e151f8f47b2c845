"""Property tests: whatever the server sends, the client raises its typed error.

Arbitrary bytes, arbitrary JSON, and arbitrary JSON wrapped in a plausible
envelope must end in a parsed answer or an `LcsError` — never another
exception (a KeyError or TypeError would be a traceback on the user's screen).
"""

from __future__ import annotations

import contextlib
import json
from typing import Any

import httpx
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from lcs_tui.api import LcsClient, LcsError
from tests.api.helpers import client_for

QUOTA_X = "Maximum allowed API operations are 3 from x"
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=20,
)
field_names = st.sampled_from(
    [
        "IsSuccess",
        "isSuccess",
        "OperationActivityId",
        "ErrorMessage",
        "VersionEOL",
        "DatabaseAssets",
        "Data",
        "ResultHasMorePages",
        "ResultPageCurrent",
        "OperationStatus",
        "CompletionDate",
        "ActivityId",
        "EnvironmentId",
        "Id",
        "Name",
        "CreatedDateTime",
        "EnvironmentName",
        "DeployedOnUTC",
        "StartDateTimeUTC",
        "Status",
        "ProjectId",
    ]
)
item = st.dictionaries(field_names, json_values, max_size=8)
envelopes = st.fixed_dictionaries(
    {"IsSuccess": st.booleans() | json_values},
    optional={
        "OperationActivityId": st.text(max_size=10) | json_values,
        "ErrorMessage": st.text(max_size=60)
        | st.just("Maximum allowed API operations are 3 from x"),
        "VersionEOL": st.sampled_from(
            ["9999-12-31T23:59:59.9999999", "2027-01-01T00:00:00", "nonsense"]
        )
        | json_values,
        "DatabaseAssets": st.lists(item, max_size=3) | json_values,
        "Data": st.lists(item, max_size=3) | json_values,
        "ResultHasMorePages": st.booleans() | json_values,
        "ResultPageCurrent": st.integers() | json_values,
        "OperationStatus": st.text(max_size=12) | json_values,
        "CompletionDate": st.text(max_size=30) | json_values,
    },
)


async def exercise(client: LcsClient) -> None:
    calls: list[Any] = [
        client.list_backups(1),
        client.environment_page(1),
        client.history_page(1, "env"),
        client.operation_status(1, "env", "act"),
        client.start_refresh(1, "a", "b"),
        client.start_export(1, "a", "name"),
        client.start_environment(1, "a"),
    ]
    for call in calls:
        with contextlib.suppress(LcsError):
            await call


def constant(body: bytes, status: int = 200) -> Any:
    return lambda request: httpx.Response(status, content=body)


SETTINGS = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@SETTINGS
@given(st.binary(max_size=200), st.sampled_from([200, 200, 200, 400, 404, 500, 503]))
async def test_arbitrary_bytes_give_typed_errors(body: bytes, status: int) -> None:
    async with client_for(constant(body, status)) as client:
        await exercise(client)


@SETTINGS
@given(json_values)
async def test_arbitrary_json_gives_typed_errors(value: Any) -> None:
    async with client_for(constant(json.dumps(value).encode())) as client:
        await exercise(client)


@SETTINGS
@given(envelopes)
@example({"IsSuccess": True, "DatabaseAssets": 5, "Data": "x"})
@example({"IsSuccess": True, "DatabaseAssets": [5, None], "Data": [[]]})
async def test_plausible_envelopes_give_answers_or_typed_errors(value: Any) -> None:
    async with client_for(constant(json.dumps(value).encode())) as client:
        await exercise(client)
