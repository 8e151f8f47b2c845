"""A 1 GiB backup over loopback TLS, in its own process, at the connection cap:
memory stays bounded.

Throughput against curl is the benchmarks' business (bench/download.py,
bench/download_path.py): on a shared CI machine a timing assertion would
only measure the neighbours.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from lcs_tui.download.ramp import RampSettings
from lcs_tui.simulator import LoopbackServer, Simulator

from .support import MIB
from .test_loopback import link

ROOT = Path(__file__).resolve().parents[2]
GIB = 1024 * MIB


@pytest.fixture
def served() -> Iterator[tuple[Simulator, LoopbackServer]]:
    sim = Simulator(seed=11)
    with sim.serve_https() as server:
        yield sim, server


@pytest.mark.slow
def test_a_gibibyte_downloads_in_constant_memory(
    served: tuple[Simulator, LoopbackServer], tmp_path: Path
) -> None:
    sim, server = served
    backup = sim.add_backup("gibibyte", size=GIB)
    url = link(server, backup.backup_id)
    target = tmp_path / "gibibyte.bacpac"

    # The benchmarks' child: one download, then its wall time and peak memory
    # growth (peak resident size during the download minus before). 32 is the
    # automatic count's cap: the most memory a default download can take.
    out = subprocess.run(
        [sys.executable, "-m", "bench.download_common", "--fetch", url, "--ca-file",
         server.ca_file, "--out", str(target), "--connections", str(RampSettings().cap)],
        cwd=ROOT, capture_output=True, text=True, timeout=300, check=True,
    ).stdout  # fmt: skip
    report = json.loads(out.strip().splitlines()[-1])

    assert target.stat().st_size == GIB
    assert report["peak_connections"] > 1
    assert report["memory_growth"] < 80 * 1_000_000, report
