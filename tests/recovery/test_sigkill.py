"""A process killed with SIGKILL while it writes the journal, over and over.

After every kill the journal loads (it is never corrupt, nothing is set
aside), every change the child confirmed is there exactly once, and nothing
appears that the child did not at least start to write. The kills land at
chosen moments, not at moments timed by a clock: the child stops inside the
write the test picked (the new file written but not renamed, or renamed but
not yet made durable) and is killed there, or it is killed between changes.
So the test checks the same thing on a fast machine and a loaded one.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from lcs_tui.service.journal import SCHEMA_VERSION, Journal

KILLS = 50
CHILD = Path(__file__).with_name("journal_child.py")
ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL (POSIX)")


@dataclass
class Expected:
    """What the journal must contain, from the children's confirmed lines."""

    present: dict[str, str] = field(default_factory=dict)  # key -> "NotStarted"/"InProgress"
    #: Keys whose last change was cut off: either state is fine.
    maybe: dict[str, set[str | None]] = field(default_factory=dict)

    def apply(self, lines: list[str]) -> bool:
        """Replay one child's output; True when the kill cut a change in the middle."""
        intent: tuple[str, str] | None = None
        for line in lines:
            if line == "ready":
                continue
            tag, key = line.split(" ", 1)
            if tag.startswith("?"):
                intent = (tag[1], key)
                continue
            intent = None
            if tag == "+":
                self.present[key] = "Starting"
            elif tag == "~":
                self.present[key] = "InProgress"
            elif tag == "-":
                del self.present[key]
        if intent is None:
            return False
        action, key = intent
        before = self.present.get(key)
        after = {"+": "Starting", "~": "InProgress", "-": None}[action]
        self.maybe[key] = {before, after}
        return True

    def settle(self, found: dict[str, str]) -> None:
        """Adopt the state the journal chose for the cut-off changes."""
        for key, states in self.maybe.items():
            state = found.get(key)
            assert state in states, f"{key}: {state} not in {states}"
            if state is None:
                self.present.pop(key, None)
            else:
                self.present[key] = state
        self.maybe.clear()


def read_journal(path: Path) -> dict[str, str]:
    if not path.exists():
        # Killed before its first write ever landed: an empty journal.
        assert Journal(path).load() == []
        return {}
    # Strict: the raw file is valid JSON of the right schema, each key once.
    data = json.loads(path.read_text())
    assert data["schema"] == SCHEMA_VERSION
    keys = [entry["key"] for entry in data["operations"]]
    assert len(keys) == len(set(keys)), "an operation is duplicated"
    journal = Journal(path)
    loaded = {op.key: op.status for op in journal.load()}
    assert journal.recovered_from is None, journal.recovered_from
    assert set(loaded) == set(keys)
    return loaded


@pytest.mark.slow
def test_sigkill_at_random_moments_never_loses_or_duplicates(tmp_path: Path) -> None:
    path = tmp_path / "journal.json"
    rng = random.Random(4)
    expected = Expected()
    cut_mid_write = 0
    leftovers_seen = 0
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    stops = 0
    for child in range(KILLS):
        # Where this child dies: inside a write (two in three) or between.
        point = rng.choice(["tmp", "renamed", "between"])
        write = rng.randint(1, 8)
        proc = subprocess.Popen(
            [sys.executable, str(CHILD), str(path), str(child), f"{write}:{point}"],
            stdout=subprocess.PIPE,
            text=True,
            env=env,
        )
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "ready"
        seen: list[str] = []
        while True:
            line = proc.stdout.readline()
            assert line, "the child ended by itself"
            seen.append(line.rstrip("\n"))
            if point != "between" and line.startswith("!"):
                break  # it waits inside the write: kill it right there
            if point == "between" and sum(not x.startswith("?") for x in seen) >= write:
                break
        proc.send_signal(signal.SIGKILL)
        stops += point != "between"
        rest = proc.stdout.read()
        proc.wait()
        assert proc.returncode == -signal.SIGKILL
        lines = ["ready", *(x for x in seen if not x.startswith("!")), *rest.splitlines()]
        # The last line may itself be cut: a partial line is no confirmation.
        if rest and not rest.endswith("\n"):
            lines = lines[:-1]
        cut_mid_write += expected.apply(lines)
        leftovers_seen += bool(list(tmp_path.glob(".journal.json.*.tmp")))

        found = read_journal(path)
        expected.settle(found)
        assert found == expected.present

    assert not list(tmp_path.glob(".journal.json.*.tmp"))  # the last load cleaned up
    assert not list(tmp_path.glob("*.corrupt-*"))
    # Every kill inside a write cut a change (by construction, not by luck).
    print(f"{cut_mid_write} of {KILLS} kills cut a change; {leftovers_seen} left a temporary file")
    assert cut_mid_write >= stops >= KILLS // 3, (cut_mid_write, stops)
    assert leftovers_seen > 0  # killed with a new journal written but not renamed
