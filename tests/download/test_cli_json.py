"""`lcs-tui backups download` signs in like every command and speaks --json."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from lcs_tui.simulator import LoopbackServer, ManualClock, Simulator, demo
from tests.commands.schemas import assert_valid

from .support import MIB, START, lcs

pytestmark = pytest.mark.usefixtures("isolated")


@pytest.fixture
def served() -> Iterator[tuple[Simulator, LoopbackServer]]:
    sim = Simulator(clock=ManualClock(START), seed=5, token_lifetime=timedelta(days=7))
    with sim.serve_https() as server:
        yield sim, server


def add_session_profile(
    capsys: pytest.CaptureFixture[str], server: LoopbackServer, method: str, client_id: str
) -> None:
    argv = [
        "profile", "add", "pipeline", "--no-input", "--default",
        "--tenant", demo.TENANT_DOMAIN, "--client-id", client_id,
        "--username", demo.USERNAME, "--project-id", str(demo.PROJECT_ID),
        "--api-host", server.base_url, "--authority", f"{server.base_url}/{demo.TENANT_ID}",
        "--method", method, "--secret-store", "session", "--ca-bundle", server.ca_file,
    ]  # fmt: skip
    code, _, err = lcs(capsys, *argv)
    assert code == 0, err


@pytest.mark.parametrize(
    ("method", "client_id", "secret"),
    [
        ("password", demo.CLIENT_ID, None),
        ("password+secret", demo.CONFIDENTIAL_CLIENT_ID, demo.CLIENT_SECRET),
    ],
)
def test_a_pipeline_downloads_with_the_password_from_the_environment(
    served: tuple[Simulator, LoopbackServer],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    method: str,
    client_id: str,
    secret: str | None,
) -> None:
    sim, server = served
    sim.add_backup("nightly", size=2 * MIB)
    add_session_profile(capsys, server, method, client_id)
    monkeypatch.setenv("LCS_TUI_PASSWORD", demo.PASSWORD)
    if secret is not None:
        monkeypatch.setenv("LCS_TUI_CLIENT_SECRET", secret)

    code, out, err = lcs(capsys, "backups", "download", "nightly", "--dest", str(tmp_path))

    assert code == 0, err
    assert out == f"{tmp_path / 'nightly.bacpac'}\n"
    assert (tmp_path / "nightly.bacpac").stat().st_size == 2 * MIB


def test_without_the_password_it_is_not_signed_in_like_the_other_commands(
    served: tuple[Simulator, LoopbackServer], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, server = served
    add_session_profile(capsys, server, "password", demo.CLIENT_ID)
    envs = lcs(capsys, "envs", "--json")
    download = lcs(capsys, "backups", "download", "x", "--dest", str(tmp_path), "--json")
    assert envs[0] == download[0] == 3
    document = json.loads(download[1])
    assert_valid(document, "lcs-tui/error/v1")
    assert document["command"] == "backups download"
    assert document["error"]["kind"] == "sign_in"
    assert json.loads(envs[1])["error"]["message"] == document["error"]["message"]


def test_json_of_a_finished_download(
    demo_sim: Simulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    backup = demo_sim.add_backup("as-json", size=3 * MIB)
    code, out, err = lcs(
        capsys, "--demo", "backups", "download", "as-json", "--dest", str(tmp_path), "--json"
    )
    assert code == 0, err
    document = json.loads(out)
    assert_valid(document, "lcs-tui/backups-download/v1")
    assert document["error"] is None and document["downloaded"] is True
    assert document["path"] == str(tmp_path / "as-json.bacpac")
    assert document["backup"] == {"id": backup.backup_id, "name": "as-json",
                                  "file_name": "as-json.bacpac"}  # fmt: skip
    assert document["size"] == 3 * MIB and document["md5_checked"] is True
    assert document["part"] is None and document["resumable"] is False


def test_json_when_the_file_exists_or_the_link_is_refused(
    demo_sim: Simulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    demo_sim.add_backup("there", size=MIB)
    (tmp_path / "there.bacpac").write_bytes(b"mine")
    code, out, _ = lcs(capsys, "--demo", "backups", "download", "there", "--dest",
                       str(tmp_path), "--json")  # fmt: skip
    assert code == 5
    exists = json.loads(out)
    assert_valid(exists, "lcs-tui/backups-download/v1")
    assert exists["exit_code"] == 5 and exists["error"]["kind"] == "destination_exists"
    assert exists["error"]["hint"] == "use --overwrite to replace it"
    assert exists["downloaded"] is False

    demo_sim.add_backup("odd", size=MIB, link_origin="http://lcsdemoassets.blob.core.windows.net")
    code, out, _ = lcs(capsys, "--demo", "backups", "download", "odd", "--dest", str(tmp_path),
                       "--json")  # fmt: skip
    assert code == 1
    refused = json.loads(out)
    assert_valid(refused, "lcs-tui/backups-download/v1")
    assert refused["error"]["kind"] == "download_failed"
    assert "not an https link" in refused["error"]["message"]
    assert "sig=REDACTED" in refused["error"]["message"]
    assert refused["part"] is None and refused["resumable"] is False


def test_json_of_an_unknown_backup_is_the_error_document(
    demo_sim: Simulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = lcs(capsys, "--demo", "backups", "download", "nope", "--dest", str(tmp_path),
                       "--json")  # fmt: skip
    assert code == 2
    document = json.loads(out)
    assert_valid(document, "lcs-tui/error/v1")
    assert document["error"]["kind"] == "usage"
