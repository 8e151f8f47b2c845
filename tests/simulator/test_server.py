"""The loopback HTTPS server: the same services through a real TLS socket."""

from __future__ import annotations

import http.client
import shutil
import ssl
import subprocess
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import msal
import pytest

from lcs_tui.simulator import LoopbackServer, Simulator, demo

from .msal_http import MsalHttp
from .support import Envs, backups_path, bearer, refresh_path

MIB = 1024 * 1024


@pytest.fixture
def server(sim: Simulator, envs: Envs) -> Iterator[LoopbackServer]:
    with sim.serve_https() as running:
        yield running


@pytest.fixture
def tls(server: LoopbackServer) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=server.ca_file)


@pytest.fixture
def https(tls: ssl.SSLContext) -> Iterator[httpx.Client]:
    with httpx.Client(verify=tls, timeout=10) as client:
        yield client


def loopback_token(https: httpx.Client, base: str) -> str:
    response = https.post(
        f"{base}/{demo.TENANT_ID}/oauth2/v2.0/token",
        data={
            "grant_type": "password",
            "client_id": demo.CLIENT_ID,
            "scope": f"{base}//.default",
            "username": demo.USERNAME,
            "password": demo.PASSWORD,
        },
    )
    assert response.status_code == 200, response.text
    token: str = response.json()["access_token"]
    return token


def first_location(https: httpx.Client, base: str, token: str) -> str:
    assets = https.get(f"{base}{backups_path()}", headers=bearer(token)).json()["DatabaseAssets"]
    location: str = assets[0]["FileLocation"]
    return location


def test_base_url_serves_sign_in_api_and_blobs(
    sim: Simulator, server: LoopbackServer, https: httpx.Client
) -> None:
    assert server.base_url.startswith("https://127.0.0.1:")
    token = loopback_token(https, server.base_url)
    sim.add_backup("over-tls", size=2 * MIB + 1)

    listing = https.get(f"{server.base_url}{backups_path()}", headers=bearer(token))
    location = first_location(https, server.base_url, token)
    blob = https.get(location)
    part = https.get(location, headers={"Range": "bytes=10-19"})

    assert listing.json()["IsSuccess"] is True
    assert location.startswith(f"{server.base_url}/{demo.BLOB_CONTAINER}/")
    assert len(blob.content) == 2 * MIB + 1
    assert part.status_code == 206 and part.content == blob.content[10:20]


def test_answers_carry_one_date_header_of_the_simulated_clock(
    sim: Simulator, server: LoopbackServer, https: httpx.Client
) -> None:
    from email.utils import parsedate_to_datetime

    token = loopback_token(https, server.base_url)
    response = https.get(f"{server.base_url}{backups_path()}", headers=bearer(token))
    dates = response.headers.get_list("date")
    assert len(dates) == 1  # not also one of the host's clock
    stamped = parsedate_to_datetime(dates[0]).replace(tzinfo=None)
    assert abs((stamped - sim.clock.now()).total_seconds()) < 2


def test_a_token_for_the_real_host_is_refused_here(
    sim: Simulator, server: LoopbackServer, https: httpx.Client
) -> None:
    from .support import sign_in

    global_token = sign_in(sim)  # issued for https://lcsapi.lcs.dynamics.com
    response = https.get(f"{server.base_url}{backups_path()}", headers=bearer(global_token))
    assert response.status_code == 401


def test_keep_alive_serves_several_requests_on_one_connection(
    server: LoopbackServer, tls: ssl.SSLContext
) -> None:
    connection = http.client.HTTPSConnection("127.0.0.1", server.port, context=tls, timeout=10)
    statuses = []
    sockets = set()
    for _ in range(3):
        connection.request("GET", "/common/discovery/instance?api-version=1.1")
        response = connection.getresponse()
        response.read()
        statuses.append(response.status)
        sockets.add(id(connection.sock))
    connection.close()
    assert statuses == [200, 200, 200]
    assert len(sockets) == 1


def test_concurrent_range_requests(
    sim: Simulator, server: LoopbackServer, https: httpx.Client, tls: ssl.SSLContext
) -> None:
    sim.add_backup("parallel", size=8 * MIB + 3)
    location = first_location(https, server.base_url, loopback_token(https, server.base_url))
    whole = https.get(location).content
    parts: dict[int, bytes] = {}
    step = 2 * MIB + 1

    def fetch(start: int) -> None:
        end = min(start + step, len(whole)) - 1
        with httpx.Client(verify=tls, timeout=10) as own:
            response = own.get(location, headers={"Range": f"bytes={start}-{end}"})
            assert response.status_code == 206
            parts[start] = response.content

    threads = [threading.Thread(target=fetch, args=(s,)) for s in range(0, len(whole), step)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert b"".join(parts[s] for s in sorted(parts)) == whole


def test_faults_over_the_wire(
    sim: Simulator, envs: Envs, server: LoopbackServer, https: httpx.Client, tls: ssl.SSLContext
) -> None:
    base = server.base_url
    token = loopback_token(https, base)

    sim.faults.drop_after_action()
    with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
        https.post(f"{base}{refresh_path(envs.prod, envs.uat)}", headers=bearer(token))
    assert len(sim.operations()) == 1

    sim.faults.drop_before_action()
    with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
        https.post(f"{base}{refresh_path(envs.prod, envs.test)}", headers=bearer(token))
    assert len(sim.operations()) == 1

    sim.faults.server_errors(1, status=504)
    assert https.get(f"{base}{backups_path()}", headers=bearer(token)).status_code == 504

    sim.faults.offline = True
    with pytest.raises(httpx.ConnectError), httpx.Client(verify=tls) as fresh:
        fresh.get(f"{base}{backups_path()}")
    sim.faults.offline = False

    sim.faults.slow(0.3, n=1)
    began = time.monotonic()
    assert https.get(f"{base}{backups_path()}", headers=bearer(token)).status_code == 200
    assert time.monotonic() - began >= 0.3


def test_a_cut_blob_over_the_wire(
    sim: Simulator, server: LoopbackServer, https: httpx.Client
) -> None:
    sim.add_backup("cut", size=4 * MIB)
    location = first_location(https, server.base_url, loopback_token(https, server.base_url))
    sim.faults.blob_cut_after(MIB + 7)
    received = 0
    with pytest.raises(httpx.RemoteProtocolError), https.stream("GET", location) as response:
        for chunk in response.iter_raw():
            received += len(chunk)
    assert received == MIB + 7


def test_device_login_page_over_https(
    sim: Simulator, server: LoopbackServer, https: httpx.Client
) -> None:
    flow = https.post(
        f"{server.base_url}/{demo.TENANT_ID}/oauth2/v2.0/devicecode",
        data={"client_id": demo.CLIENT_ID, "scope": f"{server.base_url}//.default"},
    ).json()
    assert flow["verification_uri"] == f"{server.base_url}/devicelogin"
    page = https.get(flow["verification_uri"])
    assert "<form" in page.text
    done = https.post(
        flow["verification_uri"],
        data={"code": flow["user_code"], "username": demo.USERNAME, "password": demo.PASSWORD},
    )
    assert done.status_code == 200
    token = https.post(
        f"{server.base_url}/{demo.TENANT_ID}/oauth2/v2.0/token",
        data={
            "grant_type": "urn:ietf:params:oauth:grant-type:device_code",
            "client_id": demo.CLIENT_ID,
            "device_code": flow["device_code"],
        },
    )
    assert token.status_code == 200


@pytest.mark.filterwarnings("ignore:This API has been deprecated:DeprecationWarning")
def test_msal_with_the_loopback_authority(
    sim: Simulator, server: LoopbackServer, tls: ssl.SSLContext
) -> None:
    base = server.base_url
    app: Any = msal.PublicClientApplication(
        demo.CLIENT_ID,
        authority=f"{base}/{demo.TENANT_ID}",
        http_client=MsalHttp(
            httpx.Client(verify=tls, timeout=10),
            # MSAL drops the port from the user realm URL (see msal_http.py).
            rewrite=("https://127.0.0.1/", f"{base}/"),
        ),
        instance_discovery=False,
        validate_authority=False,
    )
    scopes = [f"{base}//.default"]
    result = app.acquire_token_by_username_password(demo.USERNAME, demo.PASSWORD, scopes=scopes)
    assert "access_token" in result, result
    sim.expire_tokens()
    [account] = app.get_accounts()
    renewed = app.acquire_token_silent(scopes, account=account, force_refresh=True)
    with httpx.Client(verify=tls) as client:
        listing = client.get(f"{base}{backups_path()}", headers=bearer(renewed["access_token"]))
    assert listing.json()["IsSuccess"] is True


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_curl_trusts_the_ca_file(
    sim: Simulator, server: LoopbackServer, https: httpx.Client
) -> None:
    sim.add_backup("curl", size=MIB)
    location = first_location(https, server.base_url, loopback_token(https, server.base_url))
    result = subprocess.run(
        [
            "curl",
            "-sS",
            "--cacert",
            server.ca_file,
            "-o",
            "/dev/null",
            "-w",
            "%{http_code} %{size_download}",
            location,
        ],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.stdout == f"200 {MIB}", result.stderr


@pytest.mark.slow
def test_a_gibibyte_streams_whole(
    sim: Simulator, server: LoopbackServer, https: httpx.Client
) -> None:
    sim.add_backup("huge", size=1024 * MIB)
    location = first_location(https, server.base_url, loopback_token(https, server.base_url))
    received = 0
    with https.stream("GET", location) as response:
        assert "Content-MD5" not in response.headers  # above the MD5 threshold
        for chunk in response.iter_raw(MIB):
            received += len(chunk)
    assert received == 1024 * MIB
    # How fast is for bench/download.py to say: a test must not depend on the
    # machine's speed.
