"""Benchmark: lcs-tui's downloader against curl, on the same blob, in one run.

    .venv/bin/python bench/download.py                 # 1 GiB, 5 runs each, medians
    .venv/bin/python bench/download.py --runs 3 --size 256MiB --connections 1,4
    .venv/bin/python bench/download.py --dest /dev/shm # where both write their file

The loopback simulator serves the blob over HTTPS from its own process (so
the server does not share a GIL with the downloader). curl and the
downloader each run as a child process and write a real file into the same
folder; runs alternate (curl, ours, curl, ours...) so that both see the same
machine state. The downloader's child reports its wall time and its peak
memory growth (the peak resident size during the download, VmHWM after a
reset, minus the resident size after imports).
Results: a table on stdout and JSON in bench/results/ (not committed).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
MIB = 1024 * 1024


# -- child: the server ----------------------------------------------------------------------


def serve(size: int) -> None:
    """Serve one backup of `size` bytes; print its link; run until stdin closes."""
    import httpx

    from lcs_tui.simulator import Simulator, demo

    sim = Simulator()
    sim.add_backup("bench", size=size)
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
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KiB on Linux


def fetch(url: str, ca_file: str, dest: Path, connections: int, via: str, durable: bool) -> None:
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
    began = time.monotonic()
    download = BlobDownload(
        url,
        dest,
        http=http,
        options=DownloadOptions(connections=connections, overwrite=True, durable=durable),
    )
    result = asyncio.run(download.run())
    seconds = time.monotonic() - began
    peak = peak_rss_bytes()
    print(
        json.dumps(
            {"seconds": seconds, "size": result.size, "memory_growth": max(0, peak - baseline)}
        )
    )


# -- the parent -----------------------------------------------------------------------------


def run_curl(url: str, ca_file: str, dest: Path) -> float:
    began = time.monotonic()
    subprocess.run(["curl", "-sS", "--fail", "--cacert", ca_file, "-o", str(dest), url], check=True)
    return time.monotonic() - began


def run_ours(
    url: str, ca_file: str, dest: Path, connections: int, via: str, durable: bool
) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, __file__, "--fetch", url, "--ca-file", ca_file, "--out", str(dest),
         "--connections", str(connections), "--via", via,
         *([] if durable else ["--no-sync-checkpoints"])],
        check=True, capture_output=True, text=True, cwd=ROOT,
    ).stdout  # fmt: skip
    result: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    return result


def parse_size(text: str) -> int:
    units = {"kib": 1024, "mib": MIB, "gib": 1024 * MIB, "b": 1}
    lowered = text.strip().lower()
    for suffix, factor in units.items():
        if lowered.endswith(suffix):
            return int(float(lowered[: -len(suffix)]) * factor)
    return int(lowered)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", default="1GiB", help="blob size (e.g. 1GiB, 256MiB)")
    parser.add_argument("--runs", type=int, default=5, help="runs of each contender")
    parser.add_argument(
        "--connections", default="1,4", help="comma-separated connection counts to measure"
    )
    parser.add_argument(
        "--via", default="direct", choices=("direct", "httpx"), help="our network path"
    )
    parser.add_argument("--dest", type=Path, help="folder both write to (default: a temp dir)")
    parser.add_argument(
        "--no-sync-checkpoints",
        dest="durable",
        action="store_false",
        help="no fdatasync before each checkpoint (DownloadOptions.durable=False)",
    )
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--fetch", help=argparse.SUPPRESS)
    parser.add_argument("--ca-file", help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.serve is not None:
        serve(args.serve)
        return 0
    if args.fetch is not None:
        fetch(args.fetch, args.ca_file, args.out, int(args.connections), args.via, args.durable)
        return 0

    if shutil.which("curl") is None:
        print("curl is not installed", file=sys.stderr)
        return 1
    size = parse_size(args.size)
    counts = [int(c) for c in args.connections.split(",")]
    server = subprocess.Popen(
        [sys.executable, __file__, "--serve", str(size)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=ROOT,
    )  # fmt: skip
    assert server.stdout is not None and server.stdin is not None
    info = json.loads(server.stdout.readline())
    url, ca_file = info["url"], info["ca_file"]
    workdir = Path(tempfile.mkdtemp(prefix="lcs-bench-", dir=args.dest))
    curl_times: list[float] = []
    ours: dict[int, list[dict[str, Any]]] = {n: [] for n in counts}
    try:
        # One warm-up of each (the server computes nothing, but page cache and
        # TLS session state settle), then alternating measured runs.
        run_curl(url, ca_file, workdir / "curl.bin")
        run_ours(url, ca_file, workdir / "ours.bin", counts[0], args.via, args.durable)
        for i in range(args.runs):
            for n in counts:
                (workdir / "curl.bin").unlink(missing_ok=True)
                curl_times.append(run_curl(url, ca_file, workdir / "curl.bin"))
                (workdir / "ours.bin").unlink(missing_ok=True)
                ours[n].append(
                    run_ours(url, ca_file, workdir / "ours.bin", n, args.via, args.durable)
                )
                print(
                    f"run {i + 1}/{args.runs}: curl {size / curl_times[-1] / 1e6:7.0f} MB/s   "
                    f"ours ×{n} {size / ours[n][-1]['seconds'] / 1e6:7.0f} MB/s",
                    file=sys.stderr,
                )
    finally:
        server.stdin.close()
        server.wait(timeout=10)
        shutil.rmtree(workdir, ignore_errors=True)

    curl_rate = size / statistics.median(curl_times)
    rows = []
    for n in counts:
        rate = size / statistics.median(r["seconds"] for r in ours[n])
        growth = max(r["memory_growth"] for r in ours[n])
        rows.append(
            {
                "connections": n,
                "median_mb_s": round(rate / 1e6, 1),
                "vs_curl": round(rate / curl_rate, 3),
                "peak_memory_growth_mb": round(growth / 1e6, 1),
                "runs_s": [round(r["seconds"], 3) for r in ours[n]],
            }
        )
    print(f"\n{size / MIB:.0f} MiB from the loopback simulator, {args.runs} runs, medians")
    sync = "synced" if args.durable else "unsynced"
    where = args.dest or tempfile.gettempdir()
    print(f"written to {where}, our path: {args.via}, {sync} checkpoints\n")
    print(f"{'contender':<22}{'MB/s':>10}{'vs curl':>10}{'peak mem growth':>18}")
    print(f"{'curl':<22}{curl_rate / 1e6:>10.0f}{1.0:>10.2f}{'-':>18}")
    for row in rows:
        print(
            f"{'lcs-tui ×' + str(row['connections']):<22}{row['median_mb_s']:>10.0f}"
            f"{row['vs_curl']:>10.2f}{str(row['peak_memory_growth_mb']) + ' MB':>18}"
        )
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    report = {
        "when": stamp,
        "size": size,
        "runs": args.runs,
        "via": args.via,
        "sync_checkpoints": args.durable,
        "dest": str(args.dest or tempfile.gettempdir()),
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count()},
        "curl_median_mb_s": round(curl_rate / 1e6, 1),
        "curl_runs_s": [round(t, 3) for t in curl_times],
        "lcs_tui": rows,
    }
    path = RESULTS / f"download-{stamp}.json"
    path.write_text(json.dumps(report, indent=2) + "\n")
    print(f"\nJSON: {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
