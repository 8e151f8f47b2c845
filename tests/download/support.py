"""Helpers for the download tests: links from the simulator, a watching transport."""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import httpx
import pytest

from lcs_tui.api import LcsClient
from lcs_tui.cli import main
from lcs_tui.download import DownloadOptions, link_renewer
from lcs_tui.download.engine import RenewLink
from lcs_tui.http import HttpSettings
from lcs_tui.simulator import Simulator, demo

MIB = 1024 * 1024
START = datetime(2026, 11, 20, 8, 0)

#: Fast tests: no back-off pauses, frequent checkpoints and progress; one
#: connection unless a test asks for more (exact request sequences).
FAST = DownloadOptions(
    connections=1,
    backoff=lambda failure: 0.0,
    checkpoint_interval=0.02,
    progress_interval=0.02,
    min_piece=MIB,
    single_stream_below=4 * MIB,
)


def token(sim: Simulator, host: str = demo.API_HOST, authority: str = demo.AUTHORITY_HOST) -> str:
    with httpx.Client(transport=sim.sync_transport()) as client:
        response = client.post(
            f"{authority}/{demo.TENANT_ID}/oauth2/v2.0/token",
            data={
                "grant_type": "password",
                "client_id": demo.CLIENT_ID,
                "scope": f"{host}//.default",
                "username": demo.USERNAME,
                "password": demo.PASSWORD,
            },
        )
    assert response.status_code == 200, response.text
    value: str = response.json()["access_token"]
    return value


def location(sim: Simulator, backup_id: str) -> str:
    """The backup's `FileLocation`, as a listing hands it out now."""
    with httpx.Client(transport=sim.sync_transport()) as client:
        listing = client.get(
            f"{demo.API_HOST}/databasemovement/v1/databases/project/{demo.PROJECT_ID}",
            headers={"Authorization": f"Bearer {token(sim)}"},
        ).json()
    for asset in listing["DatabaseAssets"]:
        if asset["Id"] == backup_id:
            url: str = asset["FileLocation"]
            return url
    raise AssertionError(f"backup {backup_id} not listed")


def served_md5(sim: Simulator, url: str) -> str:
    """MD5 of the blob as the simulator serves it in one plain GET."""
    digest = hashlib.md5()
    with httpx.Client(transport=sim.sync_transport()) as client, client.stream("GET", url) as r:
        assert r.status_code == 200
        for chunk in r.iter_raw():
            digest.update(chunk)
    return digest.hexdigest()


def file_md5(path: Path) -> str:
    digest = hashlib.md5()
    with open(path, "rb") as f:
        while chunk := f.read(MIB):
            digest.update(chunk)
    return digest.hexdigest()


def renewer(sim: Simulator, backup_id: str) -> RenewLink:
    """The real renewal: an LcsClient listing the backups again."""
    sign_in = token(sim)

    async def source(*, force_refresh: bool = False) -> str:
        return sign_in

    client = LcsClient(
        api_host=demo.API_HOST,
        token_source=source,
        http=HttpSettings(async_transport=sim.async_transport()),
    )
    return link_renewer(client, demo.PROJECT_ID, backup_id)


@dataclass
class Seen:
    method: str
    range: str | None
    status: int
    received: int = 0


@dataclass
class Watcher(httpx.BaseTransport):
    """Wraps a transport: records each request's Range and the body bytes the
    client actually received; can tamper with or slow down bodies."""

    inner: httpx.BaseTransport
    tamper: Callable[[int, bytes], bytes] | None = None
    delay_per_chunk: float = 0.0
    seen: list[Seen] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        record = Seen(request.method, request.headers.get("Range"), response.status_code)
        with self.lock:
            self.seen.append(record)
        return httpx.Response(
            response.status_code,
            headers=response.headers,
            stream=_WatchedBody(self, record, response),
            request=request,
        )

    @property
    def received(self) -> int:
        with self.lock:
            return sum(s.received for s in self.seen)

    def gets(self) -> list[Seen]:
        with self.lock:
            return [s for s in self.seen if s.method == "GET"]

    def settings(self) -> HttpSettings:
        return HttpSettings(sync_transport=self)


class _WatchedBody(httpx.SyncByteStream):
    def __init__(self, watcher: Watcher, record: Seen, response: httpx.Response) -> None:
        self._watcher = watcher
        self._record = record
        self._response = response

    def __iter__(self) -> Iterator[bytes]:
        position = 0
        for chunk in self._response.iter_raw():
            if self._watcher.delay_per_chunk:
                time.sleep(self._watcher.delay_per_chunk)
            if self._watcher.tamper is not None:
                chunk = self._watcher.tamper(position, chunk)
            position += len(chunk)
            with self._watcher.lock:
                self._record.received += len(chunk)
            yield chunk

    def close(self) -> None:
        self._response.close()


def names(folder: Path) -> list[str]:
    """The folder's file names, sorted (what the user would see in it)."""
    return sorted(p.name for p in folder.iterdir())


def lcs(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()
    try:
        code = main(list(argv))
    except SystemExit as exc:  # argparse usage errors
        code = int(exc.code or 0)
    captured = capsys.readouterr()
    return code, captured.out, captured.err
