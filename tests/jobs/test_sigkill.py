"""A golden-copy job survives SIGKILL at every step boundary and in the middle of each POST.

The runner is the real `lcs-tui run` in a child process, against the
simulator served over loopback HTTPS, on the simulator's manual clock (the
child takes LCS's time from the answers' Date header, as against real LCS).
The child stops where the test picked — after a step's intent is recorded,
after LCS answered a POST but before the job recorded it, after a step is
done — or blocks in a POST whose answer the simulator holds back; it is
killed there with SIGKILL and a new child takes over. In the end: each
step's POST reached the simulator exactly once, the downloaded file's MD5
is the backup's, and the job is Completed.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from lcs_tui.config import load_config, make_profile, save_config
from lcs_tui.jobs import PREVIOUS, Download, Export, Job, JobStateStore, JobStore, Refresh
from lcs_tui.simulator import LoopbackServer, ManualClock, Simulator, demo
from lcs_tui.simulator.records import PRODUCTION
from tests.jobs.support import EXPORT_PATH, REFRESH_PATH, START, expected_md5, md5_of, posts

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL (POSIX)"),
]

CHILD = Path(__file__).with_name("runner_child.py")
ROOT = Path(__file__).resolve().parents[2]
#: Real seconds any one wait of the test may take before it is a failure
#: (only ends waits that would never end).
BOUND = 90.0


@pytest.fixture
def served() -> Iterator[tuple[Simulator, LoopbackServer]]:
    sim = Simulator(clock=ManualClock(START), seed=7, token_lifetime=timedelta(days=30))
    sim.add_environment("GOLD-PROD", environment_type=PRODUCTION)
    sim.add_environment("GOLD-UAT")
    sim.faults.limits_enabled = False
    with sim.serve_https() as server:
        yield sim, server


@pytest.fixture
def world(
    served: tuple[Simulator, LoopbackServer],
    isolated_dirs: dict[str, Path],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> tuple[Simulator, Path]:
    sim, server = served
    monkeypatch.setenv("LCS_TUI_STATE_DIR", str(isolated_dirs["state"] / "lcs-tui"))
    monkeypatch.setenv("LCS_TUI_PASSWORD", demo.PASSWORD)
    profile = make_profile(
        name="gold",
        tenant=demo.TENANT_DOMAIN,
        client_id=demo.CLIENT_ID,
        username=demo.USERNAME,
        project_id=demo.PROJECT_ID,
        geography=None,
        api_host=server.base_url,
        authority=f"{server.base_url}/{demo.TENANT_ID}",
        ca_bundle=server.ca_file,
        sign_in_method="password",
        secret_store="session",
    )
    save_config(load_config().with_profile(profile, make_default=True))
    folder = tmp_path / "golden"
    folder.mkdir()
    JobStore().add(
        Job(
            "golden-copy",
            "gold",
            (
                Refresh("GOLD-PROD", "GOLD-UAT", confirmed="GOLD-UAT"),
                Export("GOLD-UAT", "uat-golden-{date}"),
                Download(PREVIOUS, str(folder), connections=1),
            ),
            created_at=START,
        )
    )
    return sim, folder


class Child:
    """One `lcs-tui run` process and the lines it printed."""

    def __init__(self, plan: str) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, str(CHILD), plan, "run", "--interval", "0.05"],
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.stop_seen = threading.Event()
        self.err: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()
        threading.Thread(target=self._read_err, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            if line.startswith("!"):
                self.stop_seen.set()

    def _read_err(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.err.append(line.rstrip("\n"))

    def stopped(self) -> bool:
        """Whether the child printed its stop line (it waits to be killed)."""
        return self.stop_seen.is_set()

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=30)

    def alive(self) -> bool:
        return self.proc.poll() is None


def run_status() -> str | None:
    run = JobStateStore().read("golden-copy").run
    return run.status if run is not None else None


def drive(sim: Simulator, child: Child, until: object) -> None:
    """Let simulated time pass (10 minutes a round) until `until()` is true."""
    clock = sim.clock
    assert isinstance(clock, ManualClock)
    deadline = time.monotonic() + BOUND
    while not until():  # type: ignore[operator]
        assert child.alive() or child.stopped(), "\n".join(child.err[-30:])
        assert time.monotonic() < deadline, "no progress:\n" + "\n".join(child.err[-30:])
        seen = len(sim.request_log)
        clock.advance(timedelta(minutes=10))
        # Give the child a chance to look at the new time (no margin is
        # relied on: whatever it does, it does at simulated times).
        wait_until = time.monotonic() + 0.25
        while len(sim.request_log) == seen and time.monotonic() < wait_until:
            time.sleep(0.01)


def api_operations(sim: Simulator, kind: str) -> int:
    return sum(1 for o in sim.operations() if o.origin == "api" and o.kind == kind)


def finish(sim: Simulator, folder: Path) -> None:
    child = Child("none")
    try:
        drive(sim, child, lambda: run_status() == "completed")
    finally:
        child.kill()
    assert posts(sim, REFRESH_PATH) == 1
    assert posts(sim, EXPORT_PATH) == 1
    run = JobStateStore().read("golden-copy").run
    assert run is not None and run.status == "completed"
    name = run.steps[1].backup_name
    assert name is not None and name.startswith("uat-golden-")
    path = Path(run.steps[2].path or "")
    assert path.parent == folder and path.exists()
    backup = next(b for b in sim.backups() if b.name == name)
    assert md5_of(path) == expected_md5(sim, backup.backup_id)
    assert not list(folder.glob("*.part"))


def kill_at(sim: Simulator, plan: str) -> None:
    child = Child(plan)
    try:
        drive(sim, child, child.stopped)
    finally:
        child.kill()


def kill_in_post(sim: Simulator, prefix: str, kind: str) -> None:
    """Hold the POST's answer at the simulator; kill the child once LCS acted on it."""
    gate = sim.faults.hold(n=1, path_prefix=prefix)
    child = Child("none")
    try:
        drive(sim, child, lambda: api_operations(sim, kind) == 1)
        child.kill()
    finally:
        gate.set()
        if child.alive():
            child.kill()


def kill_mid_download(sim: Simulator, folder: Path) -> None:
    sim.faults.blob_cut_after(256 * 1024, n=10_000)  # the download crawls: time to kill it
    child = Child("none")
    try:
        drive(sim, child, lambda: any(p.stat().st_size > 0 for p in folder.glob("*.part")))
    finally:
        child.kill()
        sim.faults.clear()
        sim.faults.limits_enabled = False


def test_killed_at_every_step_boundary_and_in_each_post(world: tuple[Simulator, Path]) -> None:
    sim, folder = world
    for step, prefix, kind in ((0, REFRESH_PATH, "refresh"), (1, EXPORT_PATH, "export")):
        kill_at(sim, f"intent:{step}")  # intent recorded, nothing asked yet
        assert api_operations(sim, kind) == 0
        kill_in_post(sim, prefix, kind)  # LCS acted, its answer never arrived
        kill_at(sim, f"done:{step}")  # the step is done, the next not begun
        assert api_operations(sim, kind) == 1
    kill_at(sim, "intent:2")
    kill_mid_download(sim, folder)
    assert list(folder.glob("*.part"))
    finish(sim, folder)


def test_killed_after_lcs_answered_but_before_the_job_recorded_it(
    world: tuple[Simulator, Path],
) -> None:
    sim, folder = world
    for step, kind in ((0, "refresh"), (1, "export")):
        kill_at(sim, f"sent:{step}")
        assert api_operations(sim, kind) == 1
    kill_at(sim, "done:2")
    finish(sim, folder)
