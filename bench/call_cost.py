"""The client's CPU per status call: in-process simulator against real HTTPS.

The idle benchmark runs the simulator in the app's process, behind an httpx
transport: no socket, no TLS, no HTTP parsing. Against real LCS each status
call also goes through those. This measures what one call costs the
client's thread — `ProjectService.poll` of a running export, as the watcher
makes it — both ways, so the idle figure can be read for real LCS:

- in-process: the demo's transport; the simulator's own handling (timed
  where it runs, on the same thread) is subtracted;
- HTTPS: the simulator served on loopback with its generated CA
  (`Simulator.serve_https`), the profile trusting it as a profile's
  `ca_bundle` does, one kept-alive connection as httpx keeps it. The server
  runs in threads of its own, so the client thread's CPU time is the
  client's alone.

CPU is `time.thread_time()` of the event loop's thread over `rounds` polls of
20 operations, after one unmeasured round.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

from bench.scenario import START, add_portal_exports
from lcs_tui.config import make_profile
from lcs_tui.service.journal import Journal
from lcs_tui.simulator import ManualClock, Simulator, demo
from lcs_tui.simulator import service as sim_service
from lcs_tui.workspace import Workspace, open_demo, open_profile

WATCHED = 20


@contextmanager
def simulator_cpu_on_this_thread() -> Iterator[list[float]]:
    """Seconds of this thread's CPU spent inside the simulator's handling, live."""
    spent = [0.0]
    real_handle = sim_service.Service.handle
    me = time.thread_time

    def handle(self: Any, request: Any) -> Any:
        before = me()
        try:
            return real_handle(self, request)
        finally:
            spent[0] += me() - before

    sim_service.Service.handle = handle  # type: ignore[method-assign]
    try:
        yield spent
    finally:
        sim_service.Service.handle = real_handle  # type: ignore[method-assign]


def _simulator() -> Simulator:
    sim = Simulator.demo(
        clock=ManualClock(START), failure_rate=0.0, token_lifetime=timedelta(hours=2)
    )
    add_portal_exports(sim, WATCHED - 1, prefix="bench-cost")
    return sim


async def _per_call(workspace: Workspace, rounds: int, simulator_cpu: list[float]) -> float:
    service = workspace.service
    await asyncio.to_thread(workspace.sign_in_without_asking)
    envs = await service.load_environments()
    for env in envs:
        if env.is_sandbox:
            await service.load_recent_history(env.id)
    service.adopt_running_from_history()
    watched = [op for op in service.active_operations() if op.needs_watching]
    if len(watched) != WATCHED:
        raise RuntimeError(f"watching {len(watched)} operations, not {WATCHED}")
    for op in watched:  # warm: connection open, token cached
        await service.poll(op)
    cpu, sim = time.thread_time(), simulator_cpu[0]
    for _ in range(rounds):
        for op in watched:
            await service.poll(op)
    client = (time.thread_time() - cpu) - (simulator_cpu[0] - sim)
    await workspace.aclose()
    return client / (rounds * len(watched))


async def _in_process(rounds: int) -> float:
    with simulator_cpu_on_this_thread() as spent:
        return await _per_call(open_demo(simulator=_simulator()), rounds, spent)


async def _https(rounds: int, state: Path) -> float:
    sim = _simulator()
    with sim.serve_https() as server, simulator_cpu_on_this_thread() as spent:
        profile = make_profile(
            name="bench-https",
            tenant=demo.TENANT_DOMAIN,
            client_id=demo.CLIENT_ID,
            username=demo.USERNAME,
            project_id=demo.PROJECT_ID,
            sign_in_method="password",
            api_host=server.base_url,
            authority=f"{server.base_url}/{demo.TENANT_ID}",
            ca_bundle=str(server.ca_file),
            secret_store="session",
        )
        workspace = open_profile(profile, journal=Journal(state / "journal.json"))
        workspace.demo_password = demo.PASSWORD
        return await _per_call(workspace, rounds, spent)


def measure(rounds: int) -> dict[str, float]:
    """Client CPU per status call in ms, in-process and over loopback HTTPS."""
    with tempfile.TemporaryDirectory(prefix="lcs-bench-cost-") as tmp:
        in_process = asyncio.run(_in_process(rounds))
        https = asyncio.run(_https(rounds, Path(tmp)))
    return {
        "in_process_ms": round(in_process * 1000, 3),
        "https_ms": round(https * 1000, 3),
        "calls_each": rounds * WATCHED,
    }
