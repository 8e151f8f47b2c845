"""The scan: a full login → LCS call → renewal → logout through the command
line, with known secrets; then no password, client secret, refresh token or
access token may appear in any file lcs-tui's directories hold, in anything
printed, or in any log record."""

from __future__ import annotations

import json
import logging
import ssl
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from lcs_tui.auth import Session
from lcs_tui.config import load_config
from lcs_tui.secrets import open_secret_store
from lcs_tui.simulator import LoopbackServer, ManualClock, Simulator, demo
from tests.auth.cli import Result, run
from tests.auth.keyrings import MemoryKeyring
from tests.auth.simhelp import START

pytestmark = pytest.mark.filterwarnings(
    "ignore:This API has been deprecated for public client flows:DeprecationWarning"
)

WRONG_PASSWORD = "Not-The-Password-9f3b1c"


@pytest.fixture
def sim() -> Simulator:
    return Simulator(clock=ManualClock(START))


@pytest.fixture
def server(sim: Simulator) -> Iterator[LoopbackServer]:
    with sim.serve_https() as server:
        yield server


@pytest.fixture
def log_file(isolated_dirs: dict[str, Path]) -> Iterator[Path]:
    """Everything logged at DEBUG, by lcs-tui, MSAL and httpx, into the log dir."""
    path = isolated_dirs["log"] / "lcs-tui.log"
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setLevel(logging.DEBUG)
    root = logging.getLogger()
    previous = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield path
    finally:
        root.removeHandler(handler)
        root.setLevel(previous)
        handler.close()


def tokens_in_cache(cache_json: str) -> set[str]:
    cache = json.loads(cache_json)
    return {
        entry["secret"]
        for kind in ("AccessToken", "RefreshToken")
        for entry in cache.get(kind, {}).values()
    }


@pytest.mark.parametrize("store", ["keyring", "session"])
def test_no_secret_reaches_files_output_or_logs(
    store: str,
    sim: Simulator,
    server: LoopbackServer,
    isolated_dirs: dict[str, Path],
    log_file: Path,
    memory_keyring: MemoryKeyring,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    results: list[Result] = []

    def lcs(*argv: str) -> Result:
        result = run(capsys, monkeypatch, *argv)
        results.append(result)
        return result

    added = lcs(
        "profile", "add", "scan",
        "--tenant", demo.TENANT_DOMAIN, "--client-id", demo.CONFIDENTIAL_CLIENT_ID,
        "--username", demo.USERNAME, "--project-id", str(demo.PROJECT_ID),
        "--api-host", server.base_url, "--authority", f"{server.base_url}/{demo.TENANT_ID}",
        "--ca-bundle", str(server.ca_file), "--method", "password+secret",
        "--secret-store", store,
    )  # fmt: skip
    assert added.code == 0, added.err

    # A failed attempt first: its password must not be echoed anywhere either.
    monkeypatch.setenv("LCS_TUI_PASSWORD", WRONG_PASSWORD)
    monkeypatch.setenv("LCS_TUI_CLIENT_SECRET", demo.CLIENT_SECRET)
    assert lcs("login").code == 3

    monkeypatch.setenv("LCS_TUI_PASSWORD", demo.PASSWORD)
    login = lcs("login")
    assert login.code == 0, login.err
    monkeypatch.delenv("LCS_TUI_PASSWORD")
    monkeypatch.delenv("LCS_TUI_CLIENT_SECRET")

    # An authenticated LCS call with the token the login kept, then a renewal.
    profile = load_config().get()
    secrets = open_secret_store(profile.secret_store)
    session = Session(profile, secrets)
    access = session.acquire_token()
    context = ssl.create_default_context(cafile=str(server.ca_file))
    url = f"{server.base_url}/databasemovement/v1/databases/project/{demo.PROJECT_ID}"
    with httpx.Client(verify=context) as client:
        answer = client.get(url, headers={"Authorization": f"Bearer {access}"})
        assert answer.status_code == 200 and answer.json()["IsSuccess"] is True
        cache_before = secrets.get("scan", "token-cache")
        sim.expire_tokens()
        assert client.get(url, headers={"Authorization": f"Bearer {access}"}).status_code == 401
        renewed = session.acquire_token(force_refresh=True)
        assert client.get(url, headers={"Authorization": f"Bearer {renewed}"}).status_code == 200
    cache_after = secrets.get("scan", "token-cache")
    assert cache_before and cache_after
    session.close()

    assert lcs("profile", "show").code == 0
    assert lcs("profile", "list", "--json").code == 0
    assert lcs("logout", "--forget-secrets").code == 0

    known = {
        "password": demo.PASSWORD,
        "wrong password": WRONG_PASSWORD,
        "client secret": demo.CLIENT_SECRET,
        "access token": access,
        "renewed access token": renewed,
    }
    for i, token in enumerate(tokens_in_cache(cache_before) | tokens_in_cache(cache_after)):
        known[f"cached token {i}"] = token
    assert any(t.startswith("0.SIMRT.") for t in known.values())  # refresh tokens included

    files = [p for d in isolated_dirs.values() for p in d.rglob("*") if p.is_file()]
    assert any(p.name == "profiles.toml" for p in files)
    assert log_file.stat().st_size > 0 and "HTTP Request" in log_file.read_text()
    haystacks = {str(p): p.read_text(encoding="utf-8", errors="replace") for p in files}
    haystacks["captured output"] = "".join(r.out + r.err for r in results)
    haystacks["log records"] = caplog.text + "".join(
        repr(record.args) + str(record.msg) for record in caplog.records
    )
    leaks = [
        f"{what} in {where}"
        for where, text in haystacks.items()
        for what, value in known.items()
        if value in text
    ]
    assert leaks == []
