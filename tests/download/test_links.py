"""Which links a download fetches: https only, from the profile's blob storage;
the link's signature never shows, and the bearer token never goes to a blob host."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qs, quote, urlsplit

import httpx
import pytest

from lcs_tui.config import load_config, make_profile, save_config
from lcs_tui.config.store import Config
from lcs_tui.download import BlobDownload
from lcs_tui.download.backups import link_policy_for
from lcs_tui.download.errors import LinkRefused
from lcs_tui.download.links import LinkPolicy
from lcs_tui.simulator import ManualClock, Simulator, demo

from .support import FAST, MIB, Watcher, lcs, location, names

#: Config, state and secrets of each test only (the CLI tests write them).
pytestmark = pytest.mark.usefixtures("isolated")


def signature(url: str) -> str:
    return parse_qs(urlsplit(url).query)["sig"][0]


def assert_no_signature(text: str, url: str) -> None:
    sig = signature(url)
    assert sig not in text and quote(sig, safe="") not in text
    assert "sig=REDACTED" in text


@pytest.mark.parametrize(
    "origin",
    ["http://lcsdemoassets.blob.core.windows.net", "ftp://lcsdemoassets.blob.core.windows.net",
     "file://", "HTTP://lcsdemoassets.blob.core.windows.net"],
)  # fmt: skip
async def test_a_link_that_is_not_https_is_refused_before_any_request(
    sim: Simulator, tmp_path: Path, origin: str
) -> None:
    backup = sim.add_backup("odd", size=MIB, link_origin=origin)
    url = location(sim, backup.backup_id)
    net = Watcher(sim.sync_transport())

    with pytest.raises(LinkRefused) as refused:
        await BlobDownload(url, tmp_path / "odd.bacpac", http=net.settings(), options=FAST).run()

    assert net.seen == []  # not one request, not five tries
    text = refused.value.as_text()
    assert "is not an https link" in text and "over https only" in text
    assert_no_signature(text, url)
    assert not refused.value.resumable
    assert names(tmp_path) == []


def profile(**values: object) -> object:
    base: dict[str, object] = {
        "name": "p", "tenant": "contoso.onmicrosoft.com", "client_id": demo.CLIENT_ID,
        "project_id": 1, "sign_in_method": "device-code", "geography": "global",
    }  # fmt: skip
    return make_profile(**{**base, **values})  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("where", "allowed", "refused"),
    [
        ({"geography": "global"}, "lcsassets.blob.core.windows.net",
         ["x.blob.core.usgovcloudapi.net", "blob.core.windows.net.evil.example",
          "evilblob.core.windows.net"]),
        ({"geography": "eu"}, "euassets.blob.core.windows.net", ["x.example"]),
        ({"geography": "usgov"}, "govassets.blob.core.usgovcloudapi.net",
         ["lcsassets.blob.core.windows.net"]),
        ({"geography": "cn"}, "cnassets.blob.core.chinacloudapi.cn",
         ["lcsassets.blob.core.windows.net"]),
        ({"api_host": "https://127.0.0.1:8443", "geography": None}, "127.0.0.1",
         ["lcsassets.blob.core.windows.net", "localhost"]),
    ],
)  # fmt: skip
def test_each_cloud_allows_its_own_blob_hosts_only(
    where: dict[str, str | None], allowed: str, refused: list[str]
) -> None:
    policy = link_policy_for(profile(**where))  # type: ignore[arg-type]
    policy.check(f"https://{allowed}/c/x.bacpac?sig=abc")
    policy.check(f"https://{allowed.upper()}:443/c/x.bacpac?sig=abc")
    for host in refused:
        with pytest.raises(LinkRefused, match="is not") as failed:
            policy.check(f"https://{host}/c/x.bacpac?sv=1&sig=SECRET")
        assert "SECRET" not in failed.value.as_text()
        assert 'download_hosts = ["' in (failed.value.hint or "")


def test_the_profile_can_allow_more_hosts_and_keeps_them(tmp_path: Path) -> None:
    p = profile(download_hosts=("backups.example.net", "*.mirror.example"))
    save_config(Config(path=tmp_path / "profiles.toml").with_profile(p))  # type: ignore[arg-type]
    text = (tmp_path / "profiles.toml").read_text()
    assert 'download_hosts = ["backups.example.net", "*.mirror.example"]' in text

    loaded = load_config(tmp_path / "profiles.toml").get("p")
    assert loaded.download_hosts == ("backups.example.net", "*.mirror.example")
    policy = link_policy_for(loaded)
    policy.check("https://backups.example.net/x?sig=1")
    policy.check("https://eu.mirror.example/x?sig=1")
    with pytest.raises(LinkRefused):
        policy.check("https://mirror.example.evil/x?sig=1")


def test_a_bad_download_hosts_entry_is_named(tmp_path: Path) -> None:
    path = tmp_path / "profiles.toml"
    path.write_text(
        '[profiles.p]\ntenant = "t"\nclient_id = "c"\nproject_id = 1\n'
        'sign_in_method = "device-code"\ndownload_hosts = ["https://x.example/"]\n'
    )
    with pytest.raises(Exception, match=r"download_hosts.*not a host name"):
        load_config(path)


async def test_a_renewed_link_to_another_host_is_refused(
    sim: Simulator, clock: ManualClock, tmp_path: Path
) -> None:
    backup = sim.add_backup("renewed", size=MIB)
    url = location(sim, backup.backup_id)
    clock.advance(timedelta(days=1, minutes=1))  # the link expired: a renewal is needed
    elsewhere = url.replace("lcsdemoassets.blob.core.windows.net", "elsewhere.example")

    async def renew() -> str:
        return elsewhere

    net = Watcher(sim.sync_transport())
    policy = LinkPolicy(("*.blob.core.windows.net",), "Azure Storage", "allow {host}")
    with pytest.raises(LinkRefused, match=r"elsewhere\.example is not Azure Storage") as refused:
        await BlobDownload(
            url, tmp_path / "r.bacpac", renew=renew, http=net.settings(), options=FAST,
            policy=policy,
        ).run()  # fmt: skip
    assert_no_signature(refused.value.message, elsewhere)
    assert [s.method for s in net.seen] == ["HEAD"]  # the expired one; nothing to elsewhere


# -- the CLI, on the demo -------------------------------------------------------------------


def test_the_cli_refuses_a_foreign_host_says_how_to_allow_it_and_redacts_the_link(
    demo_sim: Simulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    backup = demo_sim.add_backup("elsewhere", size=MIB, link_origin="https://backups.example.net")
    url = location(demo_sim, backup.backup_id)

    code, out, err = lcs(capsys, "--demo", "backups", "download", "elsewhere", "--dest",
                         str(tmp_path))  # fmt: skip

    assert code == 1 and out == ""
    assert "its host backups.example.net is not an Azure Storage host" in err
    assert "--allow-host backups.example.net" in err and "download_hosts" in err
    assert_no_signature(err, url)
    assert names(tmp_path) == []

    code, out, err = lcs(capsys, "--demo", "backups", "download", "elsewhere", "--dest",
                         str(tmp_path), "--allow-host", "backups.example.net")  # fmt: skip
    assert code == 0, err
    assert (tmp_path / "elsewhere.bacpac").stat().st_size == MIB


def test_the_cli_refuses_an_http_link_without_showing_its_signature(
    demo_sim: Simulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    backup = demo_sim.add_backup(
        "plain", size=MIB, link_origin="http://lcsdemoassets.blob.core.windows.net"
    )
    url = location(demo_sim, backup.backup_id)
    code, _, err = lcs(capsys, "--demo", "backups", "download", "plain", "--dest", str(tmp_path))
    assert code == 1
    assert "is not an https link (http)" in err
    assert_no_signature(err, url)


@dataclass
class Recorder:
    """Every request the demo's transports see (sign-in, LCS, blobs)."""

    requests: list[httpx.Request] = field(default_factory=list)

    def blob_requests(self) -> list[httpx.Request]:
        return [r for r in self.requests if r.url.host == "lcsdemoassets.blob.core.windows.net"]

    def tokens(self) -> set[str]:
        found = set()
        for request in self.requests:
            value = request.headers.get("Authorization", "")
            if value.lower().startswith("bearer "):
                found.add(value.split(" ", 1)[1])
        return found


class _SyncRecording(httpx.BaseTransport):
    def __init__(self, inner: httpx.BaseTransport, recorder: Recorder) -> None:
        self.inner, self.recorder = inner, recorder

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.recorder.requests.append(request)
        return self.inner.handle_request(request)


class _AsyncRecording(httpx.AsyncBaseTransport):
    def __init__(self, inner: httpx.AsyncBaseTransport, recorder: Recorder) -> None:
        self.inner, self.recorder = inner, recorder

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.recorder.requests.append(request)
        return await self.inner.handle_async_request(request)


@pytest.fixture
def recorder(demo_sim: Simulator, monkeypatch: pytest.MonkeyPatch) -> Iterator[Recorder]:
    seen = Recorder()
    sync, async_ = demo_sim.sync_transport, demo_sim.async_transport
    monkeypatch.setattr(demo_sim, "sync_transport", lambda: _SyncRecording(sync(), seen))
    monkeypatch.setattr(demo_sim, "async_transport", lambda: _AsyncRecording(async_(), seen))
    yield seen


def test_the_bearer_token_never_goes_to_the_blob_host(
    demo_sim: Simulator, recorder: Recorder, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    demo_sim.add_backup("tokenless", size=3 * MIB)
    code, _, err = lcs(capsys, "--demo", "backups", "download", "tokenless", "--dest",
                       str(tmp_path))  # fmt: skip
    assert code == 0, err

    tokens = recorder.tokens()
    blob = recorder.blob_requests()
    assert tokens, "LCS was called with a bearer token"
    assert {r.method for r in blob} == {"HEAD", "GET"}
    for request in blob:
        assert "authorization" not in {k.lower() for k in request.headers}
        sent = str(request.url) + "".join(request.headers.values())
        assert not any(token in sent for token in tokens)
