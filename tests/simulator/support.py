"""Helpers for the simulator tests: sign in, call the API, a fake rate-limit clock."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx

from lcs_tui.simulator import Simulator, demo

START = datetime(2026, 11, 20, 8, 0)
API = demo.API_HOST
PROJECT = demo.PROJECT_ID


class FakeTime:
    """A monotonic time source tests move by hand (the simulator's `rate_time`)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@dataclass(frozen=True)
class Envs:
    prod: str
    uat: str
    test: str
    dev: str


def token_response(
    sim: Simulator,
    *,
    username: str = demo.USERNAME,
    password: str = demo.PASSWORD,
    client_id: str = demo.CLIENT_ID,
    scope: str = demo.SCOPE,
    tenant: str = demo.TENANT_ID,
    authority_host: str = demo.AUTHORITY_HOST,
    **extra: str,
) -> httpx.Response:
    """A raw ROPC call to the v2 token endpoint, as MSAL would make it."""
    with httpx.Client(transport=sim.sync_transport()) as client:
        return client.post(
            f"{authority_host}/{tenant}/oauth2/v2.0/token",
            data={
                "grant_type": "password",
                "client_id": client_id,
                "scope": f"{scope} openid profile offline_access",
                "username": username,
                "password": password,
                "client_info": "1",
                **extra,
            },
        )


def sign_in(sim: Simulator, username: str = demo.USERNAME, host: str = API) -> str:
    """An access token for `host` (password flow), for calling the API."""
    password = {
        demo.USERNAME: demo.PASSWORD,
        demo.NOT_IN_PROJECT_USERNAME: demo.NOT_IN_PROJECT_PASSWORD,
    }[username]
    response = token_response(sim, username=username, password=password, scope=f"{host}//.default")
    assert response.status_code == 200, response.text
    token: str = response.json()["access_token"]
    return token


def bearer(token: str) -> dict[str, str]:
    return {
        "Authorization": f"Bearer {token}",
        "x-ms-version": "2017-09-15",
        "Content-Type": "application/json",
    }


async def call(
    client: httpx.AsyncClient, method: str, path: str, token: str, host: str = API
) -> httpx.Response:
    return await client.request(method, f"{host}{path}", headers=bearer(token))


async def call_json(
    client: httpx.AsyncClient, method: str, path: str, token: str, host: str = API
) -> dict[str, Any]:
    response = await call(client, method, path, token, host)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def refresh_path(source: str, target: str, project: int = PROJECT) -> str:
    return f"/databasemovement/v1/refresh/project/{project}/source/{source}/target/{target}"


def export_path(env: str, name: str, project: int = PROJECT) -> str:
    return f"/databasemovement/v1/export/project/{project}/environment/{env}/backupName/{name}"


def status_path(env: str, activity: str, project: int = PROJECT) -> str:
    return (
        f"/databasemovement/v1/fetchstatus/project/{project}/environment/{env}"
        f"/operationactivity/{activity}"
    )


def history_path(env: str, page: int = 1, project: int = PROJECT) -> str:
    return f"/environmentinfo/v1/history/project/{project}/environment/{env}/?page={page}"


def detail_path(query: str = "page=1", project: int = PROJECT) -> str:
    return f"/environmentinfo/v1/detail/project/{project}/?{query}"


def backups_path(project: int = PROJECT) -> str:
    return f"/databasemovement/v1/databases/project/{project}"
