"""What every benchmark shares: statistics, the machine's description, output.

Each script writes one JSON document:

    {"benchmark": ..., "mode": "quick" | "full", "machine": {...},
     "params": {...}, "results": {...}, "targets": [{...}, ...]}

`targets` holds one entry per target of the issue: its name, the measured
value, the limit and whether it was met, so a reader (or CI) need not know
each benchmark's layout to see what passed.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
RESULTS_DIR = REPO / "bench" / "results"


@dataclass(frozen=True)
class Summary:
    """Order statistics of one series of timings (seconds in, milliseconds out)."""

    n: int
    median_ms: float
    p95_ms: float
    min_ms: float
    max_ms: float

    @classmethod
    def of(cls, seconds: Sequence[float]) -> Summary:
        if not seconds:
            raise ValueError("no samples")
        ms = sorted(s * 1000.0 for s in seconds)
        return cls(
            n=len(ms),
            median_ms=round(statistics.median(ms), 3),
            p95_ms=round(percentile(ms, 95.0), 3),
            min_ms=round(ms[0], 3),
            max_ms=round(ms[-1], 3),
        )

    def as_dict(self) -> dict[str, float | int]:
        return asdict(self)


def percentile(sorted_values: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile: a value that was actually measured, never interpolated."""
    if not sorted_values:
        raise ValueError("no samples")
    rank = max(1, -(-len(sorted_values) * pct // 100))  # ceil without floats drifting
    return float(sorted_values[int(rank) - 1])


@dataclass(frozen=True)
class Target:
    name: str
    value: float
    limit: float
    unit: str
    #: "max": the value must not exceed the limit; "equal": it must be exactly the limit.
    kind: str = "max"

    @property
    def met(self) -> bool:
        if self.kind == "equal":
            return self.value == self.limit
        return self.value <= self.limit

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "met": self.met}

    def line(self) -> str:
        relation = "=" if self.kind == "equal" else "≤"
        verdict = "met" if self.met else "MISSED"
        return (
            f"{self.name}: {self.value:g} {self.unit} "
            f"(target {relation} {self.limit:g}) — {verdict}"
        )


def machine() -> dict[str, Any]:
    """Enough about the machine and the code to tell whether two figures compare."""
    info: dict[str, Any] = {
        "platform": platform.platform(),
        "python": sys.version.split()[0],
        "cpus": os.cpu_count(),
        "cpu_model": _cpu_model(),
        "loadavg": [round(x, 2) for x in os.getloadavg()],
        "git": _git_revision(),
        "when": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }
    try:
        from importlib.metadata import version

        info["textual"] = version("textual")
    except Exception:  # a missing distribution must not stop a benchmark
        info["textual"] = None
    return info


def _cpu_model() -> str | None:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or None


def _git_revision() -> str | None:
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=REPO,
            capture_output=True,
            text=True,
            check=True,
            timeout=10,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no", "--", "lcs_tui"],
            cwd=REPO,
            capture_output=True,
            text=True,
            check=True,
            timeout=10,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    # The figures describe the working tree: say so when lcs_tui/ differs from HEAD.
    return head + ("+dirty" if dirty else "")


def arguments(description: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument(
        "--quick", action="store_true", help="a few iterations: checks the script works"
    )
    parser.add_argument(
        "--out", type=Path, default=RESULTS_DIR, help="directory for the JSON result"
    )
    return parser


def write_result(
    out_dir: Path,
    benchmark: str,
    *,
    quick: bool,
    params: dict[str, Any],
    results: dict[str, Any],
    targets: Sequence[Target],
) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    document = {
        "benchmark": benchmark,
        "mode": "quick" if quick else "full",
        "machine": machine(),
        "params": params,
        "results": results,
        "targets": [t.as_dict() for t in targets],
    }
    # Quick runs must not overwrite the figures of a full run.
    suffix = "-quick" if quick else ""
    path = out_dir / f"{benchmark}{suffix}.json"
    path.write_text(json.dumps(document, indent=2) + "\n")
    return path


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A plain text table, right-aligned numbers, for the terminal."""
    cells = [[_cell(v) for v in row] for row in rows]
    widths = [
        max(len(h), *(len(r[i]) for r in cells)) if cells else len(h) for i, h in enumerate(headers)
    ]

    def fmt(values: Sequence[str]) -> str:
        pairs = enumerate(zip(values, widths, strict=True))
        return "  ".join(v.ljust(w) if i == 0 else v.rjust(w) for i, (v, w) in pairs)

    lines = [fmt(list(headers)), fmt(["-" * w for w in widths])]
    lines.extend(fmt(r) for r in cells)
    return "\n".join(lines)


def _cell(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.1f}"
    return str(value)


def now() -> float:
    """The clock every benchmark uses: CLOCK_MONOTONIC, comparable across processes on Linux."""
    return time.monotonic()
