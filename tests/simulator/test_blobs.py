"""Backup listing and the blob downloads behind its SAS links."""

from __future__ import annotations

import base64
import hashlib
import re
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import httpx

from lcs_tui.simulator import ManualClock, Simulator, demo

from .support import PROJECT, backups_path, call_json

MIB = 1024 * 1024
ASSET_FIELDS = {
    "Id",
    "ProjectId",
    "OrganizationId",
    "Name",
    "FileName",
    "FileDescription",
    "FileLocation",
    "ModifiedDateTime",
    "CreatedDateTime",
    "CreatedByName",
    "ModifiedByName",
}


async def location_of(client: httpx.AsyncClient, token: str, name: str) -> str:
    assets = (await call_json(client, "GET", backups_path(), token))["DatabaseAssets"]
    [asset] = [a for a in assets if a["Name"] == name]
    location: str = asset["FileLocation"]
    return location


async def test_the_list_has_every_field_and_a_sas_link(
    sim: Simulator, clock: ManualClock, client: httpx.AsyncClient, token: str
) -> None:
    sim.add_backup(
        "older", created=clock.now() - timedelta(days=3), description="before the update"
    )
    sim.add_backup("newer", created=clock.now() - timedelta(days=1))
    body = await call_json(client, "GET", backups_path(), token)

    assert body["IsSuccess"] is True
    assets = body["DatabaseAssets"]
    assert [a["Name"] for a in assets] == ["newer", "older"]
    for asset in assets:
        assert set(asset) == ASSET_FIELDS
        assert asset["ProjectId"] == PROJECT
    assert assets[1]["FileDescription"] == "before the update"
    url = urlsplit(assets[0]["FileLocation"])
    assert f"{url.scheme}://{url.netloc}" == demo.BLOB_HOST
    assert url.path.startswith(f"/{demo.BLOB_CONTAINER}/") and url.path.endswith("/newer.bacpac")
    query = parse_qs(url.query)
    assert query["sv"] == ["2018-03-28"] and query["sr"] == ["b"] and query["sp"] == ["r"]
    assert query["sig"][0]
    expiry = query["se"][0]
    assert expiry == f"{clock.now() + timedelta(days=1):%Y-%m-%dT%H:%M:%S}Z"


async def test_a_download_has_azures_headers_and_a_matching_md5(
    sim: Simulator, client: httpx.AsyncClient, token: str
) -> None:
    size = 3 * MIB + 123
    backup = sim.add_backup("small", size=size)
    url = await location_of(client, token, "small")

    head = await client.head(url)
    body = (await client.get(url)).content

    assert head.status_code == 200
    assert int(head.headers["Content-Length"]) == size == len(body)
    assert head.headers["Accept-Ranges"] == "bytes"
    assert head.headers["Content-Type"] == "application/octet-stream"
    assert head.headers["x-ms-blob-type"] == "BlockBlob"
    assert re.match(r'^"0x8D[0-9A-F]+"$', head.headers["ETag"])
    assert head.headers["Last-Modified"].endswith("GMT")
    assert head.headers["Content-MD5"] == base64.b64encode(hashlib.md5(body).digest()).decode()
    # The content depends on the backup alone: the same bytes again.
    assert (await client.get(url)).content == body
    other = sim.add_backup("other", size=size)
    assert other.backup_id != backup.backup_id
    assert (await client.get(await location_of(client, token, "other"))).content != body


async def test_ranges_give_206_and_the_same_bytes_as_the_whole(
    sim: Simulator, client: httpx.AsyncClient, token: str
) -> None:
    size = 2 * MIB + 10
    sim.add_backup("ranged", size=size)
    url = await location_of(client, token, "ranged")
    whole = (await client.get(url)).content

    middle = await client.get(url, headers={"Range": f"bytes={MIB - 5}-{MIB + 4}"})
    tail = await client.get(url, headers={"Range": f"bytes={2 * MIB}-"})
    suffix = await client.get(url, headers={"Range": "bytes=-7"})
    beyond = await client.get(url, headers={"Range": f"bytes={size}-"})

    assert middle.status_code == 206
    assert middle.headers["Content-Range"] == f"bytes {MIB - 5}-{MIB + 4}/{size}"
    assert middle.content == whole[MIB - 5 : MIB + 5]
    assert middle.headers["x-ms-blob-content-md5"]
    assert "Content-MD5" not in middle.headers
    assert tail.status_code == 206 and tail.content == whole[2 * MIB :]
    assert suffix.content == whole[-7:]
    assert beyond.status_code == 416
    assert beyond.headers["Content-Range"] == f"bytes */{size}"
    assert "<Code>InvalidRange</Code>" in beyond.text


async def test_an_if_range_that_no_longer_matches_gets_the_whole_blob(
    sim: Simulator, client: httpx.AsyncClient, token: str
) -> None:
    sim.add_backup("resumed", size=1000)
    url = await location_of(client, token, "resumed")
    etag = (await client.head(url)).headers["ETag"]

    same = await client.get(url, headers={"Range": "bytes=500-", "If-Range": etag})
    changed = await client.get(url, headers={"Range": "bytes=500-", "If-Range": '"0x8DOTHER"'})
    assert same.status_code == 206 and len(same.content) == 500
    assert changed.status_code == 200 and len(changed.content) == 1000


async def test_a_large_blob_has_no_md5_unless_forced(
    clock: ManualClock,
) -> None:
    from .support import sign_in

    sim = Simulator(clock=clock, md5_max_size=MIB)
    sim.add_backup("big", size=2 * MIB)
    sim.add_backup("big-but-md5", size=2 * MIB, content_md5=True)
    token = sign_in(sim)
    async with httpx.AsyncClient(transport=sim.async_transport()) as client:
        big = await client.head(await location_of(client, token, "big"))
        forced = await client.head(await location_of(client, token, "big-but-md5"))
    assert "Content-MD5" not in big.headers
    assert "Content-MD5" in forced.headers


async def test_an_expired_or_tampered_link_is_403(
    sim: Simulator, clock: ManualClock, client: httpx.AsyncClient, token: str
) -> None:
    sim.add_backup("guarded", size=100)
    url = await location_of(client, token, "guarded")
    tampered = re.sub(r"sig=[^&]+", "sig=AAAA", url)
    unsigned = url.split("?")[0]

    for bad in (tampered, unsigned):
        response = await client.get(bad)
        assert response.status_code == 403
        assert "<Code>AuthenticationFailed</Code>" in response.text
    assert (await client.get(url)).status_code == 200

    clock.advance(timedelta(days=1))
    expired = await client.get(url)
    assert expired.status_code == 403
    assert "AuthenticationFailed" in expired.text and "time frame" in expired.text
    # A fresh listing hands out a fresh link.
    assert (await client.get(await location_of(client, token, "guarded"))).status_code == 200


async def test_blob_content_streams_in_chunks(
    sim: Simulator, client: httpx.AsyncClient, token: str
) -> None:
    sim.add_backup("streamed", size=5 * MIB)
    url = await location_of(client, token, "streamed")
    async with client.stream("GET", url) as response:
        sizes = [len(chunk) async for chunk in response.aiter_raw()]
    assert sum(sizes) == 5 * MIB
    assert max(sizes) <= MIB and len(sizes) >= 5
