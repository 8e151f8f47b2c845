"""Benchmark: lcs-tui's downloader against curl on loopback, on the same blob, in one run.

    .venv/bin/python -m bench.download                      # 1 GiB, 5 runs each, medians
    .venv/bin/python -m bench.download --runs 9 --connections auto,1,4 --dest /dev/shm
    .venv/bin/python -m bench.download --via httpx          # httpx's own stack, for comparison
    .venv/bin/python -m bench.download --quick              # CI: 32 MiB, one run

The loopback simulator serves the blob over HTTPS from its own process (so
the server does not share a GIL with the downloader). curl and the
downloader each run as a child process and write a real file into the same
folder; runs alternate (curl, ours, curl, ours...) so that both see the same
machine state. The downloader's child reports its wall time, its peak memory
growth (the peak resident size during the download, VmHWM after a reset,
minus the resident size after imports) and its CPU time. For paths with
latency and loss, see bench/download_path.py. JSON: bench/results/download.json.
"""

from __future__ import annotations

import shutil
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

from bench.common import Target, arguments, table, write_result
from bench.download_common import MIB, Run, parse_size, run_curl, run_ours, served


def main() -> int:
    parser = arguments(__doc__.split("\n\n")[0])
    parser.add_argument("--size", default="1GiB", help="blob size (e.g. 1GiB, 256MiB)")
    parser.add_argument("--runs", type=int, default=5, help="runs of each contender")
    parser.add_argument(
        "--connections", default="auto,1,4", help="comma-separated: auto and/or counts"
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
    args = parser.parse_args()
    if shutil.which("curl") is None:
        print("curl is not installed", file=sys.stderr)
        return 1
    quick = args.quick
    size = 32 * MIB if quick else parse_size(args.size)
    runs = 1 if quick else args.runs
    counts: list[int | None] = [
        None if c.strip() == "auto" else int(c) for c in args.connections.split(",") if c.strip()
    ]
    workdir = Path(tempfile.mkdtemp(prefix="lcs-bench-", dir=args.dest))
    curl_runs: list[Run] = []
    ours: dict[int | None, list[Run]] = {n: [] for n in counts}
    try:
        with served(size) as blob:
            # One warm-up of each (page cache and TLS state settle), then
            # alternating measured runs.
            if not quick:
                run_curl(blob, workdir / "curl.bin")
                run_ours(blob, workdir / "ours.bin", counts[0], via=args.via, durable=args.durable)
            for i in range(runs):
                for n in counts:
                    curl_runs.append(run_curl(blob, workdir / "curl.bin"))
                    run = run_ours(blob, workdir / "ours.bin", n, via=args.via,
                                   durable=args.durable)  # fmt: skip
                    ours[n].append(run)
                    print(
                        f"run {i + 1}/{runs}: curl {size / curl_runs[-1].seconds / 1e6:7.0f} MB/s"
                        f"   ours {_name(n)} {size / run.seconds / 1e6:7.0f} MB/s",
                        file=sys.stderr,
                    )
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    curl_seconds = statistics.median(r.seconds for r in curl_runs)
    rows: list[dict[str, Any]] = []
    for n in counts:
        seconds = statistics.median(r.seconds for r in ours[n])
        rows.append(
            {
                "connections": _name(n),
                "median_mb_s": round(size / seconds / 1e6, 1),
                "vs_curl": round(curl_seconds / seconds, 3),
                "peak_memory_growth_mb": round(max(r.memory_growth or 0 for r in ours[n]) / 1e6, 1),
                "cpu_cores": round(
                    statistics.median((r.cpu_seconds or 0) / r.seconds for r in ours[n]), 2
                ),
                "peak_connections": max(r.peak_connections or 0 for r in ours[n]),
                "runs_s": [round(r.seconds, 3) for r in ours[n]],
            }
        )
    where = args.dest or tempfile.gettempdir()
    sync = "synced" if args.durable else "unsynced"
    print(f"\n{size / MIB:.0f} MiB from the loopback simulator, {runs} runs, medians")
    print(f"written to {where}, our path: {args.via}, {sync} checkpoints\n")
    body: list[list[object]] = [["curl", round(size / curl_seconds / 1e6, 1), "1.00", "-", "-"]]
    for row in rows:
        body.append(
            [
                f"lcs-tui {row['connections']}",
                row["median_mb_s"],
                f"{row['vs_curl']:.2f}",
                f"{row['peak_memory_growth_mb']} MB",
                row["peak_connections"],
            ]
        )
    print(table(["contender", "MB/s", "× curl", "peak mem growth", "conns"], body))
    default = next((r for r in rows if r["connections"] == "auto"), rows[0])
    targets = [Target("time vs curl, default", round(1 / default["vs_curl"], 3), 1.0, "×")]
    for target in targets:
        print(target.line())
    path = write_result(
        args.out,
        "download",
        quick=quick,
        params={
            "size": size,
            "runs": runs,
            "via": args.via,
            "sync_checkpoints": args.durable,
            "dest": str(where),
        },
        results={
            "curl_median_mb_s": round(size / curl_seconds / 1e6, 1),
            "curl_runs_s": [round(r.seconds, 3) for r in curl_runs],
            "lcs_tui": rows,
        },
        targets=targets,
    )
    print(f"\nwrote {path}")
    return 0


def _name(connections: int | None) -> str:
    return "auto" if connections is None else f"×{connections}"


if __name__ == "__main__":
    sys.exit(main())
