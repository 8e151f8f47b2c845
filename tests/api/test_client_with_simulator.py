"""The real client against the in-process simulator, with the real sign-in."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from lcs_tui.api import (
    LcsAuthError,
    LcsClient,
    LcsMalformedResponse,
    LcsRejected,
    OutcomeUnknown,
    RequestEvent,
)
from lcs_tui.auth import Session, async_token_source
from lcs_tui.config import make_profile
from lcs_tui.http import HttpSettings
from lcs_tui.secrets import MemoryStore
from lcs_tui.simulator import ManualClock, Simulator, demo

START = datetime(2026, 11, 20, 8, 0)
P = demo.PROJECT_ID


class FakeTime:
    """One clock for the client's limiter and the simulator's rate windows."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds


def signed_in_session(sim: Simulator, api_host: str = demo.API_HOST) -> Session:
    profile = make_profile(
        name="t",
        tenant=demo.TENANT_ID,
        client_id=demo.CLIENT_ID,
        username=demo.USERNAME,
        project_id=P,
        api_host=api_host,
        sign_in_method="password",
        secret_store="session",
    )
    http = HttpSettings(sync_transport=sim.sync_transport())
    session = Session(profile, MemoryStore(), http)
    session.sign_in_with_password(demo.PASSWORD)
    return session


@pytest.fixture
def sim() -> Simulator:
    return Simulator.demo(clock=ManualClock(START), failure_rate=0.0)


def make_client(
    sim: Simulator,
    *,
    time: FakeTime | None = None,
    api_host: str = demo.API_HOST,
    events: list[RequestEvent] | None = None,
    session_host: str = demo.API_HOST,
) -> LcsClient:
    session = signed_in_session(sim, session_host)
    kwargs: dict[str, object] = {}
    if time is not None:
        kwargs = {"clock": time, "sleep": time.sleep}
    return LcsClient(
        api_host=api_host,
        token_source=async_token_source(session),
        http=HttpSettings(async_transport=sim.async_transport()),
        observer=events.append if events is not None else None,
        **kwargs,
    )  # type: ignore[arg-type]


@pytest.fixture
async def client(sim: Simulator) -> AsyncIterator[LcsClient]:
    async with make_client(sim) as c:
        yield c


async def test_every_page_of_environments_and_ids_as_sent(
    sim: Simulator, client: LcsClient
) -> None:
    envs = await client.list_environments(P)
    assert sorted(e.id for e in envs) == sorted(e.environment_id for e in sim.environments())
    pages = [p for m, p, s in sim.request_log if "/environmentinfo/v1/detail/" in p]
    assert len(pages) == 2  # page size 4, seven environments
    by_name = await client.environment_by_name(P, "contoso-uat")
    assert by_name is not None and by_name.id == demo.UAT_ENVIRONMENT_ID
    by_id = await client.environment_by_id(P, demo.TEST_ENVIRONMENT_ID)
    assert by_id is not None and by_id.name == demo.TEST_ENVIRONMENT_NAME


async def test_the_limiter_keeps_normal_use_free_of_429(sim: Simulator) -> None:
    time = FakeTime()
    sim_with_time = Simulator.demo(clock=ManualClock(START), rate_time=time)
    events: list[RequestEvent] = []
    async with make_client(sim_with_time, time=time, events=events) as client:
        for _ in range(10):  # 20 detail calls: far above 6 per minute
            await client.list_environments(P)
    statuses = [s for _, p, s in sim_with_time.request_log if "/environmentinfo/" in p]
    assert len(statuses) == 20 and 429 not in statuses
    waits = [e for e in events if e.kind == "wait"]
    assert waits and all("pacing" in (e.note or "") for e in waits)
    assert time.now - 1000.0 >= 120  # it really spread the calls over minutes


async def test_expired_token_is_renewed_silently(sim: Simulator, client: LcsClient) -> None:
    await client.list_backups(P)
    sim.expire_tokens()
    result = await client.list_backups(P)
    assert result.backups
    statuses = [s for _, p, s in sim.request_log if p.startswith("/databasemovement/v1/databases")]
    assert statuses == [200, 401, 200]


async def test_token_for_another_geography_is_refused_with_an_explanation(sim: Simulator) -> None:
    async with make_client(sim, api_host=demo.EU_API_HOST) as client:
        with pytest.raises(LcsAuthError) as caught:
            await client.list_backups(P)
    assert "geography" in str(caught.value)


async def test_rules_come_back_as_rejections_with_lcs_words(client: LcsClient) -> None:
    with pytest.raises(LcsRejected) as caught:
        await client.start_refresh(P, demo.UAT_ENVIRONMENT_ID, demo.PROD_ENVIRONMENT_ID)
    assert caught.value.activity_id
    assert caught.value.error_message
    with pytest.raises(LcsRejected):
        await client.start_export(P, demo.PROD_ENVIRONMENT_ID, "from-prod")


async def test_dropped_start_is_outcome_unknown_and_exactly_one_operation_exists(
    sim: Simulator, client: LcsClient
) -> None:
    before = len(sim.operations())
    sim.faults.drop_after_action(1, path_prefix="/databasemovement/v1/export")
    with pytest.raises(OutcomeUnknown):
        await client.start_export(P, demo.TEST_ENVIRONMENT_ID, "dropped-export")
    after = sim.operations()
    assert len(after) == before + 1
    assert after[-1].backup_name == "dropped-export"


@pytest.mark.parametrize(
    "kind", ["truncated-json", "html", "empty", "not-an-object", "wrong-types"]
)
async def test_malformed_answers_are_typed_errors(
    sim: Simulator, client: LcsClient, kind: str
) -> None:
    sim.faults.malformed(1, kind)  # type: ignore[arg-type]
    with pytest.raises(LcsMalformedResponse):
        await client.list_backups(P)
    assert (await client.list_backups(P)).backups  # and the next call is fine


async def test_unknown_status_words_are_kept_and_not_final(
    sim: Simulator, client: LcsClient
) -> None:
    sim.faults.unknown_status("ServicingInProgress", minutes=60)
    started = await client.start_export(P, demo.TEST_ENVIRONMENT_ID, "odd-status")
    assert isinstance(sim.clock, ManualClock)
    sim.clock.advance(timedelta(minutes=5))
    report = await client.operation_status(P, started.poll_environment_id, started.activity_id)
    assert report.status.word == "ServicingInProgress"
    assert not report.status.known and not report.status.finished


async def test_a_retirement_date_is_reported(sim: Simulator, client: LcsClient) -> None:
    sim.faults.version_eol(datetime(2027, 3, 31))
    await client.list_backups(P)
    assert client.retirement_date == datetime(2027, 3, 31)


async def test_gateway_errors_on_reads_are_retried(sim: Simulator, client: LcsClient) -> None:
    sim.faults.server_errors(2, status=503)
    assert (await client.list_backups(P)).backups


async def test_the_client_reads_the_simulators_clock_from_its_answers(
    sim: Simulator, client: LcsClient
) -> None:
    # The simulated clock stands days away from the real one: quota times in
    # an app pointed at `lcs-tui simulator` follow the simulator, not the host.
    await client.list_environments(demo.PROJECT_ID)
    assert abs(client.server_now() - sim.clock.now()) < timedelta(seconds=2)


async def test_a_profiles_workspace_counts_time_by_the_lcs_clock(
    sim: Simulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import asyncio

    from lcs_tui.workspace import open_profile

    monkeypatch.setenv("LCS_TUI_STATE_DIR", str(tmp_path))  # its journal
    profile = make_profile(
        name="t",
        tenant=demo.TENANT_ID,
        client_id=demo.CLIENT_ID,
        username=demo.USERNAME,
        project_id=P,
        api_host=demo.API_HOST,
        sign_in_method="password",
        secret_store="session",
    )
    http = HttpSettings(sync_transport=sim.sync_transport(), async_transport=sim.async_transport())
    workspace = open_profile(profile, http=http)
    await asyncio.to_thread(workspace.session.sign_in_with_password, demo.PASSWORD)
    await workspace.service.load_environments()
    # Quota windows and elapsed times are measured on the clock LCS answers with.
    assert abs(workspace.service.now() - sim.clock.now()) < timedelta(seconds=2)
    await workspace.aclose()
