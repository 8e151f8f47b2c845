"""`lcs-tui backups download` as users and scripts run it.

In-process runs use the demo (a simulator the test controls); the resume test
runs the real command in a subprocess against the simulator served over
loopback HTTPS, kills it with SIGKILL half-way, and runs it again.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from lcs_tui.simulator import LoopbackServer, ManualClock, Simulator, demo

from .support import MIB, START, lcs

pytestmark = pytest.mark.usefixtures("isolated")

ROOT = Path(__file__).resolve().parents[2]


def smallest(sim: Simulator) -> tuple[str, str, int]:
    backup = min(sim.backups(), key=lambda b: b.size)
    return backup.name, backup.file_name, backup.size


def test_demo_download_prints_where_the_file_is(
    demo_sim: Simulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    name, file_name, size = smallest(demo_sim)
    code, out, err = lcs(capsys, "--demo", "backups", "download", name, "--dest", str(tmp_path))
    assert code == 0, err
    assert out == f"{tmp_path / file_name}\n"
    assert (tmp_path / file_name).stat().st_size == size
    assert err == ""  # quiet without a terminal


def test_existing_destination_exits_5(
    demo_sim: Simulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    name, file_name, _ = smallest(demo_sim)
    (tmp_path / file_name).write_bytes(b"mine")
    code, out, err = lcs(capsys, "backups", "download", name, "--demo", "--dest", str(tmp_path))
    assert code == 5
    assert out == ""
    assert "already exists" in err and "--overwrite" in err
    assert (tmp_path / file_name).read_bytes() == b"mine"

    code, out, err = lcs(
        capsys, "backups", "download", name, "--demo", "--dest", str(tmp_path), "--overwrite"
    )
    assert code == 0, err
    assert (tmp_path / file_name).read_bytes() != b"mine"


def test_unknown_backup_is_a_usage_error_like_an_unknown_environment(
    demo_sim: Simulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = lcs(
        capsys, "--demo", "backups", "download", "no-such-backup", "--dest", str(tmp_path)
    )
    assert code == 2
    assert "list them with: lcs-tui backups" in err
    assert "no backup with the id or name 'no-such-backup'" in err


def test_usage_errors_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = lcs(capsys, "--demo", "backups", "download", "x", "--connections", "0")
    assert code == 2 and "'auto' or a number from 1 to 64" in err
    code, _, err = lcs(
        capsys, "--demo", "backups", "download", "x", "--dest", str(tmp_path / "missing")
    )
    assert code == 2 and "is not a folder" in err


def add_profile(capsys: pytest.CaptureFixture[str], api_host: str, **extra: str) -> None:
    argv = [
        "profile", "add", "sim", "--no-input", "--default",
        "--tenant", demo.TENANT_DOMAIN, "--client-id", demo.CLIENT_ID,
        "--username", demo.USERNAME, "--project-id", str(demo.PROJECT_ID),
        "--api-host", api_host, "--authority", f"{api_host}/{demo.TENANT_ID}",
        "--method", "password",
    ]  # fmt: skip
    for key, value in extra.items():
        argv += [f"--{key.replace('_', '-')}", value]
    code, _, err = lcs(capsys, *argv)
    assert code == 0, err


def test_not_signed_in_exits_3(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    add_profile(capsys, "https://127.0.0.1:9", secret_store="session")
    code, _, err = lcs(capsys, "backups", "download", "anything", "--dest", str(tmp_path))
    assert code == 3
    assert "not signed in" in err and "lcs-tui login" in err


# -- killed half-way, resumed: a real process over real TLS ---------------------------------


@pytest.fixture
def served() -> Iterator[tuple[Simulator, LoopbackServer]]:
    sim = Simulator(clock=ManualClock(START), seed=5, token_lifetime=timedelta(days=7))
    with sim.serve_https() as server:
        yield sim, server


def command(env: dict[str, str], *argv: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "lcs_tui", *argv],
        env={**os.environ, **env},
        cwd=ROOT,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def trusting(server: LoopbackServer) -> httpx.Client:
    return httpx.Client(verify=ssl.create_default_context(cafile=server.ca_file))


def blob_md5(url: str, server: LoopbackServer) -> str:
    digest = hashlib.md5()
    with trusting(server) as client, client.stream("GET", url) as response:
        for chunk in response.iter_raw():
            digest.update(chunk)
    return digest.hexdigest()


def listed_location(server: LoopbackServer, token: str, backup_id: str) -> str:
    with trusting(server) as client:
        assets = client.get(
            f"{server.base_url}/databasemovement/v1/databases/project/{demo.PROJECT_ID}",
            headers={"Authorization": f"Bearer {token}"},
        ).json()["DatabaseAssets"]
    url: str = next(a["FileLocation"] for a in assets if a["Id"] == backup_id)
    return url


def loopback_token(server: LoopbackServer) -> str:
    with trusting(server) as client:
        token: str = client.post(
            f"{server.base_url}/{demo.TENANT_ID}/oauth2/v2.0/token",
            data={
                "grant_type": "password",
                "client_id": demo.CLIENT_ID,
                "scope": f"{server.base_url}//.default",
                "username": demo.USERNAME,
                "password": demo.PASSWORD,
            },
        ).json()["access_token"]
    return token


def test_sigkill_half_way_then_resume(
    served: tuple[Simulator, LoopbackServer],
    isolated: dict[str, str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    sim, server = served
    backup = sim.add_backup("killed", size=16 * MIB)
    add_profile(capsys, server.base_url, secret_store="file", ca_bundle=server.ca_file)
    login = command({**isolated, "LCS_TUI_PASSWORD": demo.PASSWORD}, "login")
    assert login.wait(timeout=60) == 0, login.communicate()

    # Every answer is cut after 2 MiB: the download crawls (a retry pause
    # after each cut), so there is time to kill it half-way.
    sim.faults.blob_cut_after(2 * MIB, n=1000)
    dest = tmp_path / "dest"
    dest.mkdir()
    argv = ("backups", "download", "killed", "--dest", str(dest), "--connections", "1")
    first = command(isolated, *argv)
    record = dest / "killed.bacpac.part.json"
    deadline = time.monotonic() + 30
    kept = 0
    while kept < 4 * MIB:
        assert first.poll() is None, first.communicate()
        assert time.monotonic() < deadline, "the download made no progress"
        time.sleep(0.05)
        try:
            kept = sum(e - s for s, e in json.loads(record.read_text())["done"])
        except (OSError, ValueError):
            continue
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=10)
    assert (dest / "killed.bacpac.part").exists()
    assert not (dest / "killed.bacpac").exists()

    sim.faults.clear()
    second = command(isolated, *argv)
    out, err = second.communicate(timeout=60)
    assert second.returncode == 0, err
    assert out == f"{dest / 'killed.bacpac'}\n"
    assert "Resuming: " in err and "of 16.8 MB already downloaded" in err
    resumed = int(float(err.split("Resuming: ")[1].split(" MB")[0]) * 1e6)
    assert resumed >= 4 * MIB * 0.99
    assert sorted(p.name for p in dest.iterdir()) == ["killed.bacpac"]
    url = listed_location(server, loopback_token(server), backup.backup_id)
    digest = hashlib.md5((dest / "killed.bacpac").read_bytes()).hexdigest()
    assert digest == blob_md5(url, server)
