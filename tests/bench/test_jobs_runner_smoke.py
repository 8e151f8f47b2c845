"""bench/jobs_runner.py still runs (--quick: one simulated hour); its LCS counts are exact.

The CPU and memory figures are not judged here (a shared CI machine cannot
time anything); the calls are: one status call per running operation per
tick, and nothing at all for the jobs that wait.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.bench.test_bench_smoke import run_quick

pytestmark = pytest.mark.slow


def test_jobs_runner_quick(tmp_path: Path) -> None:
    doc = run_quick("jobs_runner", tmp_path)
    results = doc["results"]
    assert results["ticks"] == 120
    assert results["calls"].get("status") == 2 * 120
    assert results["calls"].get("history", 0) == 0
    assert results["calls"].get("refresh", 0) == 0
    assert results["states"] == {"waiting": 5, "running": 2}
    assert results["cpu_ms_per_tick"] > 0
    assert {t["name"] for t in doc["targets"]} >= {"CPU, % of one core", "heap growth over the run"}
