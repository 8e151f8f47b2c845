"""What the download benchmarks share: the blob server, the contenders, sizes.

Every contender runs as its own process writing a real file, so that none
shares an interpreter (or a GIL) with the server or the path emulator:

- the server: the loopback simulator serving one backup over HTTPS
  (`python -m bench.download_common --serve SIZE` prints its link);
- lcs-tui: `--fetch` runs `BlobDownload` and prints its wall time, peak
  memory growth (VmHWM after a reset, minus the resident size before), CPU
  seconds and the most connections that worked at once;
- curl and aria2c, when installed (`aria2c` is skipped where it is absent).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
MIB = 1024 * 1024


def parse_size(text: str) -> int:
    units = {"kib": 1024, "mib": MIB, "gib": 1024 * MIB, "b": 1}
    lowered = text.strip().lower()
    for suffix, factor in units.items():
        if lowered.endswith(suffix):
            return int(float(lowered[: -len(suffix)]) * factor)
    return int(lowered)


# -- child: the server ----------------------------------------------------------------------


def serve(size: int) -> None:
    """Serve one backup of `size` bytes; print its link; run until stdin closes.

    Without Content-MD5, as Azure serves large bacpacs (uploaded in blocks):
    the figures are the transfer's, not an MD5 read-back's."""
    import httpx

    from lcs_tui.simulator import Simulator, demo

    sim = Simulator()
    sim.add_backup("bench", size=size, content_md5=False)
    with sim.serve_https() as server, httpx.Client(verify=server.ca_file) as client:
        base = server.base_url
        token = client.post(
            f"{base}/{demo.TENANT_ID}/oauth2/v2.0/token",
            data={
                "grant_type": "password",
                "client_id": demo.CLIENT_ID,
                "scope": f"{base}//.default",
                "username": demo.USERNAME,
                "password": demo.PASSWORD,
            },
        ).json()["access_token"]
        listing = client.get(
            f"{base}/databasemovement/v1/databases/project/{demo.PROJECT_ID}",
            headers={"Authorization": f"Bearer {token}"},
        ).json()
        url = listing["DatabaseAssets"][0]["FileLocation"]
        print(json.dumps({"url": url, "ca_file": server.ca_file}), flush=True)
        sys.stdin.read()


@dataclass(frozen=True)
class Blob:
    url: str
    ca_file: str
    size: int

    def through(self, port: int) -> Blob:
        """The same link through another port (the path emulator's)."""
        from urllib.parse import urlsplit

        parts = urlsplit(self.url)
        moved = parts._replace(netloc=f"{parts.hostname}:{port}").geturl()
        return Blob(moved, self.ca_file, self.size)

    @property
    def port(self) -> int:
        from urllib.parse import urlsplit

        port = urlsplit(self.url).port
        assert port is not None
        return port


@contextmanager
def served(size: int) -> Iterator[Blob]:
    server = subprocess.Popen(
        [sys.executable, "-m", "bench.download_common", "--serve", str(size)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=REPO,
    )  # fmt: skip
    assert server.stdout is not None and server.stdin is not None
    try:
        info = json.loads(server.stdout.readline())
        yield Blob(info["url"], info["ca_file"], size)
    finally:
        server.stdin.close()
        server.wait(timeout=30)


@contextmanager
def emulated_path(blob: Blob, rtt_ms: float, loss: float, mbit: float) -> Iterator[Blob]:
    """The blob through bench/netem.py's relay: the same link, a long path."""
    relay = subprocess.Popen(
        [sys.executable, "-m", "bench.netem", "--upstream", f"127.0.0.1:{blob.port}",
         "--rtt-ms", str(rtt_ms), "--loss", str(loss), "--mbit", str(mbit)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=REPO,
    )  # fmt: skip
    assert relay.stdout is not None and relay.stdin is not None
    try:
        info = json.loads(relay.stdout.readline())
        yield blob.through(int(info["port"]))
    finally:
        relay.stdin.close()
        relay.wait(timeout=30)


# -- child: our downloader ------------------------------------------------------------------


def rss_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def reset_peak_rss() -> bool:
    """Forget the peak so far (Linux: clear_refs 5), so that what imports and
    bytecode compilation used before the download does not count as growth."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def peak_rss_bytes() -> int:
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KiB on Linux


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _switches() -> int:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_nvcsw + usage.ru_nivcsw


def fetch(
    url: str, ca_file: str, dest: Path, connections: int | None, via: str, durable: bool
) -> None:
    import asyncio
    import ssl

    import httpx

    from lcs_tui.download import BlobDownload, DownloadOptions
    from lcs_tui.http import HttpSettings

    if via == "httpx":
        transport = httpx.HTTPTransport(verify=ssl.create_default_context(cafile=ca_file))
        http = HttpSettings(ca_bundle=ca_file, sync_transport=transport)
    else:
        http = HttpSettings(ca_bundle=ca_file)
    baseline = rss_bytes()
    if not reset_peak_rss():
        print("cannot reset the peak RSS: imports count as growth", file=sys.stderr)
    cpu = cpu_seconds()
    switches = _switches()
    began = time.monotonic()
    download = BlobDownload(
        url,
        dest,
        http=http,
        options=DownloadOptions(connections=connections, overwrite=True, durable=durable),
    )
    result = asyncio.run(download.run())
    seconds = time.monotonic() - began
    report = {
        "seconds": seconds,
        "size": result.size,
        "memory_growth": max(0, peak_rss_bytes() - baseline),
        "cpu_seconds": cpu_seconds() - cpu,
        "peak_connections": result.peak_connections,
        "context_switches": _switches() - switches,
    }
    print(json.dumps(report))


# -- running the contenders -------------------------------------------------------------------


@dataclass(frozen=True)
class Run:
    seconds: float
    memory_growth: int | None = None
    cpu_seconds: float | None = None
    peak_connections: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v is not None}


def run_curl(blob: Blob, dest: Path) -> Run:
    dest.unlink(missing_ok=True)
    began = time.monotonic()
    subprocess.run(
        ["curl", "-sS", "--fail", "--cacert", blob.ca_file, "-o", str(dest), blob.url], check=True
    )
    return Run(time.monotonic() - began)


def have_aria2c() -> bool:
    return shutil.which("aria2c") is not None


def run_aria2c(blob: Blob, dest: Path, connections: int = 16, split: str | None = None) -> Run:
    """`aria2c -x16 -s16`, as people run it (its other settings at their
    defaults). Its default --min-split-size (20M) splits a 256 MiB blob only
    8 ways; `split="1M"` (-k1M) makes it use all 16, as on a multi-GB one."""
    dest.unlink(missing_ok=True)
    began = time.monotonic()
    subprocess.run(
        ["aria2c", "-q", f"-x{connections}", f"-s{connections}",
         *([f"-k{split}"] if split else []),
         f"--ca-certificate={blob.ca_file}", "--allow-overwrite=true",
         "--auto-file-renaming=false", "-d", str(dest.parent), "-o", dest.name, blob.url],
        check=True,
    )  # fmt: skip
    return Run(time.monotonic() - began)


def run_ours(
    blob: Blob,
    dest: Path,
    connections: int | None = None,
    *,
    via: str = "direct",
    durable: bool = True,
) -> Run:
    dest.unlink(missing_ok=True)
    count = "auto" if connections is None else str(connections)
    out = subprocess.run(
        [sys.executable, "-m", "bench.download_common", "--fetch", blob.url,
         "--ca-file", blob.ca_file, "--out", str(dest), "--connections", count, "--via", via,
         *([] if durable else ["--no-sync-checkpoints"])],
        check=True, capture_output=True, text=True, cwd=REPO,
    ).stdout  # fmt: skip
    data: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    return Run(
        data["seconds"], data["memory_growth"], data["cpu_seconds"], data["peak_connections"]
    )


def main() -> int:
    parser = argparse.ArgumentParser(description="a child of the download benchmarks")
    parser.add_argument("--serve", type=int)
    parser.add_argument("--fetch")
    parser.add_argument("--ca-file")
    parser.add_argument("--out", type=Path)
    parser.add_argument("--connections", default="auto")
    parser.add_argument("--via", default="direct", choices=("direct", "httpx"))
    parser.add_argument("--no-sync-checkpoints", dest="durable", action="store_false")
    args = parser.parse_args()
    if args.serve is not None:
        serve(args.serve)
        return 0
    if args.fetch is not None:
        count = None if args.connections == "auto" else int(args.connections)
        fetch(args.fetch, args.ca_file, args.out, count, args.via, args.durable)
        return 0
    parser.error("--serve or --fetch")
    return 2


if __name__ == "__main__":
    sys.exit(main())
