"""Every fault switch, seen through a plain httpx client in-process."""

from __future__ import annotations

import json
import time
from datetime import datetime, timedelta

import httpx
import pytest

from lcs_tui.simulator import ManualClock, Simulator, demo

from .support import (
    Envs,
    backups_path,
    call,
    call_json,
    detail_path,
    export_path,
    refresh_path,
    status_path,
    token_response,
)


async def test_drop_after_action_starts_the_operation_but_loses_the_answer(
    sim: Simulator, envs: Envs, client: httpx.AsyncClient, token: str
) -> None:
    sim.faults.drop_after_action()
    path = refresh_path(envs.prod, envs.uat)
    with pytest.raises(httpx.RemoteProtocolError):
        await call(client, "POST", path, token)

    [op] = sim.operations()
    assert op.target_environment_id == envs.uat
    assert sim.request_log[-1] == ("POST", path, 0)
    # Only the next request was affected.
    assert (await call(client, "GET", backups_path(), token)).status_code == 200


async def test_drop_before_action_does_nothing_and_logs_nothing(
    sim: Simulator, envs: Envs, client: httpx.AsyncClient, token: str
) -> None:
    sim.faults.drop_before_action(n=2)
    logged = len(sim.request_log)
    for _ in range(2):
        with pytest.raises(httpx.ConnectError):
            await call(client, "POST", refresh_path(envs.prod, envs.uat), token)
    assert sim.operations() == []
    assert len(sim.request_log) == logged
    assert (await call(client, "POST", refresh_path(envs.prod, envs.uat), token)).status_code == 200


async def test_server_errors_answer_html_5xx_without_acting(
    sim: Simulator, envs: Envs, client: httpx.AsyncClient, token: str
) -> None:
    sim.faults.server_errors(2, status=502)
    first = await call(client, "POST", export_path(envs.uat, "x"), token)
    second = await call(client, "GET", backups_path(), token)
    third = await call(client, "GET", backups_path(), token)

    assert (first.status_code, second.status_code, third.status_code) == (502, 502, 200)
    assert first.headers["Content-Type"].startswith("text/html")
    assert "<html>" in first.text
    assert sim.operations() == []


async def test_request_faults_leave_sign_in_alone_unless_targeted(
    sim: Simulator, envs: Envs, client: httpx.AsyncClient
) -> None:
    sim.faults.server_errors(1)
    assert token_response(sim).status_code == 200  # the API fault is still armed
    sim.faults.server_errors(1, path_prefix=f"/{demo.TENANT_ID}/oauth2/")
    assert token_response(sim).status_code == 503


@pytest.mark.parametrize(
    "kind", ["truncated-json", "html", "empty", "not-an-object", "wrong-types"]
)
async def test_malformed_answers(
    sim: Simulator, envs: Envs, client: httpx.AsyncClient, token: str, kind: str
) -> None:
    sim.add_backup("one")
    sim.faults.malformed(1, kind)  # type: ignore[arg-type]
    response = await call(client, "GET", backups_path(), token)

    assert response.status_code == 200
    if kind == "truncated-json":
        with pytest.raises(json.JSONDecodeError):
            response.json()
        assert response.text.startswith('{"DatabaseAssets":[')
    elif kind == "html":
        assert response.headers["Content-Type"].startswith("text/html")
    elif kind == "empty":
        assert response.content == b""
    elif kind == "not-an-object":
        assert isinstance(response.json(), list)
    else:
        body = response.json()
        assert isinstance(body["IsSuccess"], str)
        assert isinstance(body["DatabaseAssets"], int)
    assert (await call_json(client, "GET", backups_path(), token))["IsSuccess"] is True


async def test_a_malformed_answer_still_acted(
    sim: Simulator, envs: Envs, client: httpx.AsyncClient, token: str
) -> None:
    sim.faults.malformed(1, "html")
    await call(client, "POST", export_path(envs.uat, "acted"), token)
    assert [op.backup_name for op in sim.operations()] == ["acted"]


async def test_throttle_answers_429_on_the_environment_api_only(
    sim: Simulator, envs: Envs, client: httpx.AsyncClient, token: str
) -> None:
    sim.faults.throttle(2, retry_after=17)
    backups = await call(client, "GET", backups_path(), token)
    first = await call(client, "GET", detail_path(), token)
    second = await call(client, "GET", detail_path(), token)
    third = await call(client, "GET", detail_path(), token)

    assert backups.status_code == 200
    assert (first.status_code, second.status_code, third.status_code) == (429, 429, 200)
    assert first.headers["Retry-After"] == "17"


async def test_slow_delays_answers(
    sim: Simulator, envs: Envs, client: httpx.AsyncClient, token: str
) -> None:
    sim.faults.slow(0.3, n=1)
    began = time.monotonic()
    await call(client, "GET", backups_path(), token)
    assert time.monotonic() - began >= 0.3
    # n=1: it fired once and is disarmed (no timing of the next call, which a
    # loaded machine may make slow for its own reasons).
    assert sim.faults.take_delay(backups_path()) == 0.0


async def test_offline_fails_every_request_until_switched_back(
    sim: Simulator, envs: Envs, client: httpx.AsyncClient, token: str
) -> None:
    sim.faults.offline = True
    with pytest.raises(httpx.ConnectError):
        await call(client, "GET", backups_path(), token)
    with pytest.raises(httpx.ConnectError):
        token_response(sim)
    sim.faults.offline = False
    assert (await call(client, "GET", backups_path(), token)).status_code == 200


async def test_unknown_status_shows_a_word_then_the_operation_carries_on(
    sim: Simulator, clock: ManualClock, envs: Envs, client: httpx.AsyncClient, token: str
) -> None:
    activity = (await call_json(client, "POST", refresh_path(envs.prod, envs.uat), token))[
        "OperationActivityId"
    ]
    clock.advance(timedelta(minutes=10))
    sim.faults.unknown_status("ServicingInProgress", minutes=30)

    async def status() -> str:
        body = await call_json(client, "GET", status_path(envs.uat, activity), token)
        word: str = body["OperationStatus"]
        return word

    assert await status() == "ServicingInProgress"
    clock.advance(timedelta(minutes=29))
    assert await status() == "ServicingInProgress"
    clock.advance(timedelta(minutes=1))
    assert await status() == "InProgress"
    clock.advance(timedelta(hours=4))
    assert await status() == "Completed"


async def test_unknown_status_applies_to_operations_started_in_its_window(
    sim: Simulator, clock: ManualClock, envs: Envs, client: httpx.AsyncClient, token: str
) -> None:
    sim.faults.unknown_status("Preparing", minutes=15)
    clock.advance(timedelta(minutes=5))
    activity = (await call_json(client, "POST", export_path(envs.test, "in-window"), token))[
        "OperationActivityId"
    ]
    body = await call_json(client, "GET", status_path(envs.test, activity), token)
    assert body["OperationStatus"] == "Preparing"
    clock.advance(timedelta(minutes=15))
    body = await call_json(client, "GET", status_path(envs.test, activity), token)
    assert body["OperationStatus"] in ("NotStarted", "InProgress")


async def test_blob_ignore_range_answers_200_with_everything(
    sim: Simulator, client: httpx.AsyncClient, token: str
) -> None:
    sim.add_backup("b", size=1000)
    [asset] = (await call_json(client, "GET", backups_path(), token))["DatabaseAssets"]
    sim.faults.blob_ignore_range = True
    response = await client.get(asset["FileLocation"], headers={"Range": "bytes=100-199"})
    assert response.status_code == 200 and len(response.content) == 1000


async def test_blob_cut_after_drops_the_connection_mid_body(
    sim: Simulator, client: httpx.AsyncClient, token: str
) -> None:
    sim.add_backup("b", size=3 * 1024 * 1024)
    [asset] = (await call_json(client, "GET", backups_path(), token))["DatabaseAssets"]
    sim.faults.blob_cut_after(1_500_000)
    received = 0
    with pytest.raises(httpx.RemoteProtocolError):
        async with client.stream("GET", asset["FileLocation"]) as response:
            assert response.headers["Content-Length"] == str(3 * 1024 * 1024)
            async for chunk in response.aiter_raw():
                received += len(chunk)
    assert received == 1_500_000
    assert len((await client.get(asset["FileLocation"])).content) == 3 * 1024 * 1024


async def test_version_eol_becomes_a_real_date(
    sim: Simulator, client: httpx.AsyncClient, token: str
) -> None:
    sim.faults.version_eol(datetime(2027, 3, 31, 0, 0))
    body = await call_json(client, "GET", backups_path(), token)
    assert body["VersionEOL"] == "2027-03-31T00:00:00.0000000"
    sim.faults.clear()
    body = await call_json(client, "GET", backups_path(), token)
    assert body["VersionEOL"] == "9999-12-31T23:59:59.9999999"


async def test_clear_disarms_everything(
    sim: Simulator, envs: Envs, client: httpx.AsyncClient, token: str
) -> None:
    sim.faults.server_errors(5)
    sim.faults.throttle(5)
    sim.faults.drop_before_action(5)
    sim.faults.offline = True
    sim.faults.clear()
    assert (await call(client, "GET", detail_path(), token)).status_code == 200
