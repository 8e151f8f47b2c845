"""A walk through the LCS API client against the loopback HTTPS simulator.

Run it: `.venv/bin/python examples/walkthrough.py`. It starts the simulator
on 127.0.0.1 with a generated CA (one real second is one simulated hour),
signs in with the real MSAL-based code, then, with the client exactly as the
app uses it:

1. lists the environments (all pages) and the database backups;
2. exports a sandbox and polls the export to Completed;
3. sees the new backup in the list;
4. refreshes the sandbox from production and waits for it;
5. uses the sandbox's third operation of the day, and gets the quota error
   on the fourth, with the time the quota frees up;
6. rides through an HTTP 429 from LCS with nothing more than a logged wait.

Every request is printed (redacted) as the request log shows it.
"""

from __future__ import annotations

import asyncio
import sys
from datetime import datetime, timedelta

from lcs_tui.api import LcsClient, OperationStarted, QuotaExceeded, RequestEvent
from lcs_tui.auth import Session, async_token_source
from lcs_tui.config import Profile, make_profile
from lcs_tui.secrets import MemoryStore
from lcs_tui.simulator import Simulator, demo

SIM_HOUR_PER_SECOND = 3600.0
POLL_EVERY = 0.25  # real seconds: a quarter of a simulated hour


def log_request(event: RequestEvent) -> None:
    if event.kind == "wait":
        print(f"    · WAIT {event.method} {event.path}: {event.note}")
    else:
        activity = f" activity {event.activity_id}" if event.activity_id else ""
        print(f"    · {event.method} {event.path} → {event.status}{activity}")


async def wait_for(client: LcsClient, started: OperationStarted) -> str:
    """Poll an operation until LCS reports a final status; return it."""
    last = None
    while True:
        report = await client.operation_status(
            started.project_id, started.poll_environment_id, started.activity_id
        )
        if report.status.word != last:
            print(f"  {started.kind} {started.activity_id}: {report.status}")
            last = report.status.word
        if report.status.finished:
            return report.status.word
        await asyncio.sleep(POLL_EVERY)


async def walk(profile: Profile, session: Session, sim: Simulator) -> None:
    project = profile.project_id
    async with LcsClient(
        api_host=profile.api_host,
        token_source=async_token_source(session),
        http=profile.http_settings(),
        observer=log_request,
    ) as client:
        print("1. Environments and backups")
        envs = await client.list_environments(project)
        for env in envs:
            print(f"  {env.name:<15} {env.type or '?':<11} {env.deployment_state or '?'}")
        backups = await client.list_backups(project)
        print(f"  {len(backups.backups)} backups")

        test = next(e for e in envs if e.name == demo.TEST_ENVIRONMENT_NAME)
        prod = next(e for e in envs if e.is_production)

        print("2. Export", test.name)
        name = f"walkthrough-{datetime.now():%Y%m%d%H%M%S}"
        export = await client.start_export(project, test.id, name)
        assert await wait_for(client, export) == "Completed"

        print("3. The new backup")
        backups = await client.list_backups(project)
        found = [b for b in backups.backups if b.name == name]
        assert found, "the exported backup is not in the list"
        print(f"  found {found[0].file_name}")

        print(f"4. Refresh {test.name} from {prod.name}")
        refresh = await client.start_refresh(project, prod.id, test.id)
        assert await wait_for(client, refresh) == "Completed"

        print("5. The third operation of the day, then the fourth")
        third = await client.start_export(project, test.id, name + "-2")
        assert await wait_for(client, third) == "Completed"
        try:
            await client.start_export(project, test.id, name + "-3")
        except QuotaExceeded as exc:
            print(f"  quota error as expected: {exc}")
            assert exc.frees_at is not None
        else:
            raise AssertionError("the fourth operation was accepted")

        print("6. LCS throttles the next call")
        sim.faults.throttle(1, retry_after=2)
        envs_again = await client.list_environments(project)
        assert len(envs_again) == len(envs)
        print(f"  still {len(envs_again)} environments; the caller saw only the wait")


def main() -> int:
    sim = Simulator.demo(
        time_scale=SIM_HOUR_PER_SECOND,
        failure_rate=0.0,
        # Tokens for a real hour, or MSAL would renew on every call at this speed.
        token_lifetime=timedelta(hours=SIM_HOUR_PER_SECOND),
    )
    with sim.serve_https() as server:
        print(f"simulator at {server.base_url} (CA {server.ca_file})")
        profile = make_profile(
            name="walkthrough",
            tenant=demo.TENANT_ID,
            client_id=demo.CLIENT_ID,
            username=demo.USERNAME,
            project_id=demo.PROJECT_ID,
            api_host=server.base_url,
            authority=f"{server.base_url}/{demo.TENANT_ID}",
            sign_in_method="password",
            ca_bundle=server.ca_file,
            secret_store="session",
        )
        session = Session(profile, MemoryStore())
        account = session.sign_in_with_password(demo.PASSWORD)
        print(f"signed in as {account.username}")
        asyncio.run(walk(profile, session, sim))
    print("walkthrough complete")
    return 0


if __name__ == "__main__":
    sys.exit(main())
