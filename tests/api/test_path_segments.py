"""Every id travels as itself: one path segment, whatever characters it has.

Seen before: ids "." and ".." vanished from the path (httpx removes dot
segments), so a status poll for activity ".." asked LCS about the
environment instead. The raw path that reaches the transport is checked
segment by segment.
"""

from __future__ import annotations

from urllib.parse import unquote

import httpx
import pytest

from lcs_tui.api import LcsClient
from tests.api.helpers import client_for

HOSTILE_IDS = [".", "..", "...", "a/b", "../..", "%2e", "%2E%2E", "x?y", "#", "a b", "é", "%", ""]
OK = {"IsSuccess": True, "OperationActivityId": "op", "OperationStatus": "InProgress"}


def segments(raw_path: bytes) -> list[str]:
    """The path's segments as a server (and the simulator's router) decodes
    them: split first, then unquote each."""
    path = raw_path.decode("ascii").partition("?")[0]
    return [unquote(part) for part in path.split("/")[1:]]


async def sent_path(call: object) -> list[str]:
    seen: list[bytes] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.raw_path)
        return httpx.Response(200, json=OK)

    async with client_for(handler) as client:
        await call(client)  # type: ignore[operator]
    (raw,) = seen
    return segments(raw)


@pytest.mark.parametrize("value", HOSTILE_IDS)
async def test_an_activity_id_arrives_as_one_segment_of_itself(value: str) -> None:
    async def call(client: LcsClient) -> None:
        await client.operation_status(7, "env-1", value)

    assert await sent_path(call) == [
        "databasemovement",
        "v1",
        "fetchstatus",
        "project",
        "7",
        "environment",
        "env-1",
        "operationactivity",
        value,
    ]


@pytest.mark.parametrize("value", HOSTILE_IDS)
async def test_environment_ids_and_backup_names_arrive_as_themselves(value: str) -> None:
    async def refresh(client: LcsClient) -> None:
        await client.start_refresh(7, value, "tgt")

    async def export(client: LcsClient) -> None:
        await client.start_export(7, value, value)

    async def history(client: LcsClient) -> None:
        await client.history_page(7, value)

    async def start(client: LcsClient) -> None:
        await client.start_environment(7, value)

    assert (await sent_path(refresh))[5:8] == ["source", value, "target"]
    assert (await sent_path(export))[5:] == ["environment", value, "backupName", value]
    assert (await sent_path(history))[5:7] == ["environment", value]
    assert (await sent_path(start))[-1] == value


def test_the_encoding_survives_httpx_normalisation() -> None:
    # What the client relies on: httpx removes "." and ".." but keeps %2E as written.
    assert httpx.URL("https://h/a/../b").raw_path == b"/b"
    assert httpx.URL("https://h/a/%2E%2E/b").raw_path == b"/a/%2E%2E/b"
