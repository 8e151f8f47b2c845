"""The switches for a hostile LCS: odd `Retry-After` values and JSON nested too deeply."""

from __future__ import annotations

import httpx
import pytest

from lcs_tui.simulator import Simulator
from lcs_tui.simulator.malformed import DEEP_JSON_DEPTH

from .support import Envs, backups_path, call, call_json, detail_path


@pytest.mark.parametrize("value", ["0", "-1", "nan", "inf", "1e9", "Fri, 31 Dec 9999 23:59:59 GMT"])
async def test_throttle_sends_a_retry_after_string_as_it_is(
    sim: Simulator, envs: Envs, client: httpx.AsyncClient, token: str, value: str
) -> None:
    sim.faults.throttle(1, retry_after=value)
    first = await call(client, "GET", detail_path(), token)
    assert first.status_code == 429 and first.headers["Retry-After"] == value
    assert (await call(client, "GET", detail_path(), token)).status_code == 200


async def test_deep_json_wraps_the_answer_in_nested_arrays(
    sim: Simulator, envs: Envs, client: httpx.AsyncClient, token: str
) -> None:
    sim.faults.malformed(1, "deep-json")
    response = await call(client, "GET", backups_path(), token)
    assert response.status_code == 200
    assert response.content.startswith(b"[" * DEEP_JSON_DEPTH + b"{")
    assert response.content.endswith(b"}" + b"]" * DEEP_JSON_DEPTH)
    assert (await call_json(client, "GET", backups_path(), token))["IsSuccess"] is True
