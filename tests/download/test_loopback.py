"""Over real TLS on loopback: the direct transport the CLI and app use by default."""

from __future__ import annotations

import dataclasses
import hashlib
import ssl
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from lcs_tui.download import BlobDownload, ConnectionLost
from lcs_tui.download.transport import DirectTransport, client_factory
from lcs_tui.http import HttpSettings
from lcs_tui.simulator import LoopbackServer, ManualClock, Simulator, demo

from .support import FAST, MIB, START, file_md5


@pytest.fixture
def served() -> Iterator[tuple[Simulator, LoopbackServer]]:
    sim = Simulator(clock=ManualClock(START), seed=9, token_lifetime=timedelta(days=7))
    with sim.serve_https() as server:
        yield sim, server


def trusting(server: LoopbackServer) -> httpx.Client:
    return httpx.Client(verify=ssl.create_default_context(cafile=server.ca_file))


def link(server: LoopbackServer, backup_id: str) -> str:
    with trusting(server) as client:
        token = client.post(
            f"{server.base_url}/{demo.TENANT_ID}/oauth2/v2.0/token",
            data={
                "grant_type": "password",
                "client_id": demo.CLIENT_ID,
                "scope": f"{server.base_url}//.default",
                "username": demo.USERNAME,
                "password": demo.PASSWORD,
            },
        ).json()["access_token"]
        assets = client.get(
            f"{server.base_url}/databasemovement/v1/databases/project/{demo.PROJECT_ID}",
            headers={"Authorization": f"Bearer {token}"},
        ).json()["DatabaseAssets"]
    url: str = next(a["FileLocation"] for a in assets if a["Id"] == backup_id)
    return url


def served_md5(server: LoopbackServer, url: str) -> str:
    digest = hashlib.md5()
    with trusting(server) as client, client.stream("GET", url) as response:
        for chunk in response.iter_raw():
            digest.update(chunk)
    return digest.hexdigest()


def test_a_direct_connection_uses_the_fast_transport(
    served: tuple[Simulator, LoopbackServer],
) -> None:
    _, server = served
    settings = HttpSettings(ca_bundle=server.ca_file)
    with client_factory(settings, f"{server.base_url}/x")() as client:
        assert isinstance(client._transport, DirectTransport)
    proxied = HttpSettings(ca_bundle=server.ca_file, proxy="http://proxy.invalid:8080")
    with client_factory(proxied, f"{server.base_url}/x")() as client:
        assert not isinstance(client._transport, DirectTransport)


async def test_parallel_download_with_a_cut_over_tls(
    served: tuple[Simulator, LoopbackServer], tmp_path: Path
) -> None:
    sim, server = served
    backup = sim.add_backup("tls", size=48 * MIB + 7)
    url = link(server, backup.backup_id)
    sim.faults.blob_cut_after(5 * MIB)
    target = tmp_path / "tls.bacpac"

    result = await BlobDownload(
        url,
        target,
        http=HttpSettings(ca_bundle=server.ca_file),
        options=dataclasses.replace(FAST, connections=4),
    ).run()

    gets = [e for e in sim.request_log if e[0] == "GET" and "/lcsdbbackups/" in e[1]]
    assert len(gets) >= 5  # four ranges, and the retry after the cut
    assert {status for _, _, status in gets} == {206}
    assert result.size == 48 * MIB + 7 and result.md5_checked
    assert file_md5(target) == served_md5(server, url)


async def test_untrusted_certificate_is_refused(
    served: tuple[Simulator, LoopbackServer], tmp_path: Path
) -> None:
    sim, server = served
    backup = sim.add_backup("untrusted", size=MIB)
    url = link(server, backup.backup_id)
    with pytest.raises(ConnectionLost) as failed:
        await BlobDownload(
            url,
            tmp_path / "u.bacpac",
            http=HttpSettings(),
            options=dataclasses.replace(FAST, attempts=1),
        ).run()
    assert "CERTIFICATE_VERIFY_FAILED" in failed.value.message
    assert "sig=" not in failed.value.message
