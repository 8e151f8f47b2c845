"""Which bearer tokens the LCS API accepts: 401 for anything else."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from lcs_tui.simulator import ManualClock, Simulator, demo

from .support import API, START, backups_path, bearer, call, detail_path, sign_in

DENIED = {"Message": "Authorization has been denied for this request."}


@pytest.fixture
def hourly() -> Simulator:
    """A simulator whose tokens last the default hour."""
    return Simulator(clock=ManualClock(START))


async def test_a_missing_or_unknown_token_is_401(sim: Simulator, client: httpx.AsyncClient) -> None:
    missing = await client.get(f"{API}{backups_path()}")
    unknown = await call(client, "GET", backups_path(), "not-a-token")

    for response in (missing, unknown):
        assert response.status_code == 401
        assert response.json() == DENIED
        assert response.headers["WWW-Authenticate"].startswith("Bearer")


async def test_a_token_expires_on_the_simulator_clock(hourly: Simulator) -> None:
    token = sign_in(hourly)
    async with httpx.AsyncClient(transport=hourly.async_transport()) as client:
        assert (await call(client, "GET", backups_path(), token)).status_code == 200
        hourly.clock.advance(timedelta(minutes=59))  # type: ignore[attr-defined]
        assert (await call(client, "GET", detail_path(), token)).status_code == 200
        hourly.clock.advance(timedelta(minutes=1))  # type: ignore[attr-defined]
        assert (await call(client, "GET", backups_path(), token)).status_code == 401


async def test_expire_tokens_expires_every_token_issued_so_far(
    sim: Simulator, client: httpx.AsyncClient, token: str
) -> None:
    sim.expire_tokens()
    assert (await call(client, "GET", backups_path(), token)).status_code == 401
    fresh = sign_in(sim)
    assert (await call(client, "GET", backups_path(), fresh)).status_code == 200


async def test_a_token_for_another_geography_is_refused(
    sim: Simulator, client: httpx.AsyncClient
) -> None:
    eu_token = sign_in(sim, host=demo.EU_API_HOST)

    wrong = await call(client, "GET", backups_path(), eu_token, host=API)
    right = await call(client, "GET", backups_path(), eu_token, host=demo.EU_API_HOST)

    assert wrong.status_code == 401
    assert right.status_code == 200 and right.json()["IsSuccess"] is True


async def test_the_scope_with_one_slash_means_the_same_resource(
    sim: Simulator, client: httpx.AsyncClient
) -> None:
    from .support import token_response

    token = token_response(sim, scope=f"{API}/.default").json()["access_token"]
    assert (await call(client, "GET", backups_path(), token)).status_code == 200


async def test_unknown_paths_and_methods_answer_like_aspnet(
    client: httpx.AsyncClient, token: str
) -> None:
    unknown = await client.get(f"{API}/databasemovement/v2/nothing", headers=bearer(token))
    wrong_method = await client.post(f"{API}{backups_path()}", headers=bearer(token))
    assert unknown.status_code == 404 and "No HTTP resource" in unknown.json()["Message"]
    assert wrong_method.status_code == 405


async def test_the_request_log_stays_bounded(
    sim: Simulator, client: httpx.AsyncClient, token: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from lcs_tui.simulator import world

    monkeypatch.setattr(world, "REQUEST_LOG_LIMIT", 10)
    sim.request_log.clear()
    for _ in range(25):
        await call(client, "GET", backups_path(), token)
    assert 5 <= len(sim.request_log) <= 10
    assert sim.request_log[-1] == ("GET", backups_path(), 200)
