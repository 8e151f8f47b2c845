"""Tokens expire every hour; a 24-hour operation is watched to its end silently.

The real MSAL session renews with its refresh token when LCS answers 401 (the
client asks for a forced renewal exactly once per 401). The password is not
stored, so any renewal that needed the user would fail the test.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from lcs_tui.simulator import demo
from tests.recovery.support import PROD, START, TEST, FakeTime, demo_sim, make_rig

TOKEN_PATH = f"/{demo.TENANT_ID}/oauth2/v2.0/token"


async def test_a_24_hour_operation_outlives_24_tokens(tmp_path: Path) -> None:
    fake = FakeTime()
    sim = demo_sim(fake, token_lifetime=timedelta(hours=1))
    rig = make_rig(tmp_path / "journal.json", sim=sim, fake=fake)
    started = sim.add_operation(
        "refresh",
        environment_id=TEST,
        source_environment_id=PROD,
        started_at=START,
        duration=timedelta(hours=24),
        outcome="success",
    )
    await rig.service.load_environments()
    op = rig.service.watch(started.activity_id, TEST, kind="refresh", started_at=START)
    token_calls_before = sum(1 for e in sim.request_log if e.path == TOKEN_PATH)

    polls = 0
    statuses: set[str] = set()
    while op.needs_watching:
        rig.advance(timedelta(minutes=10))
        await rig.service.poll(op)  # raises (and fails the test) if any poll fails
        op = rig.service.operations[op.key]
        statuses.add(op.status)
        polls += 1
        assert polls <= 6 * 25, "the operation never finished"

    assert op.status == "Completed"
    assert polls >= 6 * 24
    assert "InProgress" in statuses
    # The tokens really expired (LCS said 401) and were renewed each time,
    # through the token endpoint, without the user.
    unauthorized = [e for e in sim.request_log if e.status == 401]
    renewals = sum(1 for e in sim.request_log if e.path == TOKEN_PATH) - token_calls_before
    assert len(unauthorized) >= 23
    assert renewals >= len(unauthorized)
    # Every 401 was followed by a successful retry of the same call.
    log = list(sim.request_log)
    for index, entry in enumerate(log):
        if entry.status == 401:
            retry = next(e for e in log[index + 1 :] if e.path == entry.path)
            assert retry.status == 200
    await rig.aclose()
