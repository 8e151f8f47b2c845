"""A project whose every text is hostile, and an LCS that answers with hostile ids.

Environment names, types, regions and releases, backup names, descriptions
and authors, history names, types, status words and activity ids are the
strings of tests/hostile.py. Anyone who can name something in an LCS project
can send these; the commands must print them inert.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import httpx

from lcs_tui.simulator import ManualClock, Simulator
from tests.hostile import BEL, HOSTILE, OSC0, OSC8, OSC52

START = datetime(2026, 11, 20, 8, 0)

#: A refresh's target whose every field is hostile.
TARGET = HOSTILE["osc52"]
#: A development box LCS will not copy from: its refusal echoes the name.
DEV_BOX = f"DEV{OSC0}"
#: A customer-managed environment (start/stop).
CUSTOMER_BOX = f"CM{OSC8}"
#: The activity id LCS "gives" to every operation started in HostileIds.
HOSTILE_ID = f"id{OSC52}{BEL}"


def hostile_simulator() -> Simulator:
    sim = Simulator(clock=ManualClock(START))
    sim.faults.limits_enabled = False  # rate limits count real time
    sim.add_environment("PROD", environment_type="Production")
    for text in HOSTILE.values():
        env = sim.add_environment(
            text,
            topology=text,
            application_release_name=text,
            cloud_storage_location=text,
        )
        entry = sim.add_history_entry(
            env.environment_id,
            name=text,
            type=text,
            type_display=text,
            started_at=START - timedelta(hours=3),
            ended_at=START - timedelta(hours=2),
            status=text,
        )
        entry.activity_id = text  # a record: what LCS lists as the entry's id
        sim.add_backup(
            text,
            file_name=text,
            description=text,
            created_by=text,
            created=START - timedelta(days=1),
        )
    sim.add_environment(DEV_BOX, environment_type="DevTestDev")
    sim.add_environment(
        CUSTOMER_BOX, environment_type="DevTestDev", infrastructure="CustomerManaged"
    )
    return sim


def environment_id(sim: Simulator, name: str) -> str:
    return next(e.environment_id for e in sim.environments() if e.name == name)


class HostileIds(httpx.AsyncBaseTransport):
    """LCS as an impersonator could answer: every started operation's
    OperationActivityId is `HOSTILE_ID` (the simulator itself never knows it)."""

    STARTS = ("/databasemovement/v1/refresh/", "/databasemovement/v1/export/", "/environment/v1/")

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        if request.method != "POST" or not request.url.path.startswith(self.STARTS):
            return response
        body = json.loads(await response.aread())
        if body.get("IsSuccess"):
            body["OperationActivityId"] = HOSTILE_ID
        headers = [(k, v) for k, v in response.headers.items() if k.lower() != "content-length"]
        return httpx.Response(response.status_code, headers=headers, json=body)
