"""The benchmark scripts still run: each in --quick mode, as a user runs it, with sane JSON.

They run as subprocesses (`python -m bench.X`) because that is how they are
used, and because the start-up benchmark needs its own pseudo-terminals. The
figures are not judged here — a shared CI machine cannot time anything — but
counts are exact (requests, workspaces opened, rows and operations seen), so
they are checked.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow


def run_quick(name: str, out: Path, *extra: str) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-m", f"bench.{name}", "--quick", "--out", str(out), *extra],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "wrote" in done.stdout
    document: dict[str, Any] = json.loads((out / f"{name}-quick.json").read_text())
    assert document["benchmark"] == name
    assert document["mode"] == "quick"
    assert document["machine"]["cpus"] >= 1
    assert document["targets"], "every benchmark states its targets"
    for target in document["targets"]:
        assert set(target) >= {"name", "value", "limit", "unit", "met"}
        assert isinstance(target["met"], bool)
    return document


def test_startup_quick(tmp_path: Path) -> None:
    doc = run_quick("startup", tmp_path)
    results = doc["results"]
    runs = doc["params"]["runs"]
    for app in ("lcs", "many", "bare"):
        total = results["total"][app]
        assert 0 < total["min_ms"] <= total["median_ms"] <= total["max_ms"] < 60_000
        assert total["n"] == runs
    assert results["ratio"] > 0
    assert results["many_ratio"] > 0
    # Each lcs-tui process opened the workspaces it was asked to.
    assert doc["params"]["workspaces"] == 5
    assert results["workspaces_seen"] == {"lcs": [1] * runs, "many": [5] * runs, "bare": [0] * runs}
    # The phases come from stamps taken inside each process, in order.
    for app in ("lcs", "many"):
        phases = results["phases"][app]
        assert phases["sign-in (from mount)"]["median_ms"] > 0
        assert phases["total: launch → full frame"]["median_ms"] > 0
        assert "full frame → others start" in phases
    assert results["imports"]["lcs"]["total_ms"] > results["imports"]["bare"]["total_ms"] > 0


def test_keys_quick(tmp_path: Path) -> None:
    doc = run_quick("keys", tmp_path)
    results = doc["results"]
    assert results["rows_seen"]["5000"] == [5000]
    assert results["rows_seen"]["empty"] == [0]
    assert results["rows_seen"]["ws1"] == results["rows_seen"]["ws10"] == [37]
    for name, watched in results["watched_seen"].items():
        assert watched == [20], name
    # Every workspace had loaded and watched its 20 before the presses.
    assert results["workspaces_seen"] == {
        "5000": [1],
        "37": [1],
        "empty": [1],
        "ws1": [1],
        "ws10": [10],
    }
    for name, views in results["summaries"].items():
        overall = views["all"]
        assert overall is not None, name
        assert overall["n"] == doc["params"]["presses_per_scenario"]
        assert 0 < overall["median_ms"] < 10_000, name


def test_network_quick(tmp_path: Path) -> None:
    doc = run_quick("network", tmp_path, "--ops", "1,3", "--projects", "3x4")
    for case, projects, watched in (("1", 1, 1), ("3", 1, 3), ("3x4", 3, 12)):
        hour = doc["results"][case]
        assert hour["projects"] == projects
        assert hour["operations"] == watched
        assert hour["intervals"] == doc["params"]["intervals"]
        # Exact, not timing: one status call per operation per interval, nothing else.
        assert hour["status_calls"] == watched * hour["intervals"]
        assert hour["per_operation_min"] == hour["per_operation_max"] == hour["intervals"]
        assert hour["irregular_intervals"] == []
        assert hour["other_calls"] == 0
        assert hour["throttled_429"] == 0
        assert hour["throttled_429_at_start"] == 0
    assert all(t["met"] for t in doc["targets"])


def test_idle_quick(tmp_path: Path) -> None:
    doc = run_quick("idle", tmp_path)
    params = doc["params"]
    watched = params["watched_per_workspace"]
    for config, count in (("one", 1), ("many", params["workspaces"])):
        (run,) = doc["results"]["runs"][config]
        # Every workspace loaded and watched its operations, polling as asked.
        assert run["workspaces"] == run["loaded"] == count
        assert run["watched"] == [watched] * count
        assert run["interval_s"] == [params["interval_s"]] * count
        # Watching asks statuses and nothing else, and is never throttled.
        polls = params["window_s"] / params["interval_s"]
        assert 0 < run["status_calls"] <= count * watched * (polls + 1)
        assert run["other_calls"] == 0
        assert run["throttled_429"] == 0
        assert run["cpu_s"] > 0 and run["simulator_cpu_s"] >= 0
        assert run["memory_kib"]["VmHWM"] >= run["memory_kib"]["VmRSS"] > 0
    # The per-call comparison polled its 20 operations the same number of times both ways.
    cost = doc["results"]["status_call_cpu"]
    assert cost["calls_each"] == 2 * 20
    assert cost["in_process_ms"] > 0 and cost["https_ms"] > 0
