"""Profiles and sessions pointed at the simulator's Entra ID and LCS."""

from __future__ import annotations

import time
import types
from datetime import datetime
from typing import Any

import httpx

from lcs_tui.auth import Session
from lcs_tui.config import Profile, make_profile
from lcs_tui.http import HttpSettings
from lcs_tui.secrets import MemoryStore, SecretStore
from lcs_tui.simulator import Simulator, demo

START = datetime(2026, 3, 2, 9, 0)


def profile(**overrides: Any) -> Profile:
    values: dict[str, Any] = {
        "name": "contoso",
        "tenant": demo.TENANT_DOMAIN,
        "client_id": demo.CLIENT_ID,
        "username": demo.USERNAME,
        "project_id": demo.PROJECT_ID,
        "geography": "global",
        "sign_in_method": "password",
    }
    values.update(overrides)
    return make_profile(**values)


def session(
    sim: Simulator, prof: Profile | None = None, store: SecretStore | None = None
) -> Session:
    return Session(
        prof or profile(),
        store if store is not None else MemoryStore(),
        HttpSettings(sync_transport=sim.sync_transport()),
    )


def lcs_answer(sim: Simulator, token: str, api_host: str = demo.API_HOST) -> httpx.Response:
    """What LCS says to this token: GET the project's database backups."""
    url = f"{api_host}/databasemovement/v1/databases/project/{demo.PROJECT_ID}"
    with httpx.Client(transport=sim.sync_transport()) as client:
        return client.get(url, headers={"Authorization": f"Bearer {token}"})


def backups_status(sim: Simulator, token: str, api_host: str = demo.API_HOST) -> int:
    """The HTTP status; a 200 must also be a success in the envelope."""
    response = lcs_answer(sim, token, api_host)
    if response.status_code == 200:
        assert response.json()["IsSuccess"] is True, response.text
    return response.status_code


class ShiftedTime(types.SimpleNamespace):
    """Stands in for the `time` module inside MSAL, running `offset` seconds ahead."""

    def __init__(self) -> None:
        super().__init__(offset=0.0)

    def time(self) -> float:
        return time.time() + float(self.offset)

    def __getattr__(self, name: str) -> Any:
        return getattr(time, name)
