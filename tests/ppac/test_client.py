"""The Power Platform client against answers shaped as PPAC-API.md quotes them."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import httpx
import pytest

from lcs_tui.api import LcsConnectionError, LcsThrottled, OutcomeUnknown, RequestEvent
from lcs_tui.ppac.errors import (
    PpAuthError,
    PpBusy,
    PpCapacity,
    PpForbidden,
    PpNotFound,
    PpValidationFailed,
)
from lcs_tui.ppac.models import (
    KIND_DATAVERSE,
    KIND_LCS_DEVBOX,
    KIND_LCS_PRODUCTION,
    KIND_LCS_SANDBOX,
    KIND_UNIFIED_SANDBOX,
    KIND_UPE,
)
from lcs_tui.ppac.requests import COPY_FULL, COPY_MINIMAL, COPY_TRANSACTIONLESS, CopyOptions
from tests.ppac.fake import (
    BAP,
    LCS_DEVBOX,
    LCS_PROD,
    LCS_SANDBOX,
    LCS_SANDBOX_LCS_ID,
    PLAIN,
    PP,
    UDE,
    UPE,
    USE,
    FakePowerPlatform,
    once,
)
from tests.ppac.helpers import BAP_SCOPE, PP_SCOPE, ScopedTokens, client_on


@pytest.fixture
def fake() -> FakePowerPlatform:
    return FakePowerPlatform()


# -- environments --------------------------------------------------------------------


async def test_environments_are_read_over_odata_next_links(fake: FakePowerPlatform) -> None:
    fake.env_page_size = 3
    async with client_on(fake) as client:
        listing = await client.list_environments()
    assert [e.id for e in listing.items] == [e.id for e in fake.envs]
    pages = [
        r for r in fake.requests if r.url.startswith(f"{PP}/environmentmanagement/environments")
    ]
    assert len(pages) == 4  # 10 environments, 3 a page
    assert not listing.cut_short


async def test_the_next_link_is_accepted_in_either_case(fake: FakePowerPlatform) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if "skip=1" in str(request.url):
            return httpx.Response(200, json={"value": [fake.envs[1].pp()]})
        return httpx.Response(
            200,
            json={
                "value": [fake.envs[0].pp()],
                "@odata.nextLink": f"{PP}/environmentmanagement/environments?skip=1",
            },
        )

    async with client_on(handler) as client:
        listing = await client.list_environments()
    assert [e.name for e in listing.items] == ["CONTOSO-UPE", "CONTOSO-USE"]


async def test_a_next_link_on_another_host_is_not_followed_with_the_token(
    fake: FakePowerPlatform,
) -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        return httpx.Response(
            200,
            json={"value": [fake.envs[0].pp()], "@odata.nextlink": "https://evil.example/more"},
        )

    events: list[RequestEvent] = []
    async with client_on(handler, events=events) as client:
        listing = await client.list_environments()
    assert len(listing.items) == 1 and listing.cut_short
    assert not any("evil.example" in url for url in seen)
    assert any(e.warning and "another host" in (e.note or "") for e in events)


async def test_a_repeated_next_link_ends_the_list_with_a_warning(
    fake: FakePowerPlatform,
) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200,
            json={
                "value": [fake.envs[0].pp()],
                "@odata.nextlink": f"{PP}/environmentmanagement/environments?page=2",
            },
        )

    events: list[RequestEvent] = []
    async with client_on(handler, events=events) as client:
        listing = await client.list_environments()
    assert listing.cut_short
    assert any(e.warning for e in events)


async def test_kinds_of_the_seeded_tenant(fake: FakePowerPlatform) -> None:
    async with client_on(fake) as client:
        envs = {e.id: e for e in (await client.list_environments()).items}
    assert envs[UPE].kind == KIND_UPE
    # A unified sandbox is a UDE or a USE: only Dataverse says which.
    assert envs[USE].kind == KIND_UNIFIED_SANDBOX
    assert envs[LCS_SANDBOX].kind == KIND_LCS_SANDBOX
    assert envs[LCS_SANDBOX].lcs_environment_id == LCS_SANDBOX_LCS_ID
    assert envs[LCS_PROD].kind == KIND_LCS_PRODUCTION
    assert envs[LCS_DEVBOX].kind == KIND_LCS_DEVBOX
    assert envs[PLAIN].kind == KIND_DATAVERSE
    assert envs[UDE].admin_mode is True


async def test_dataverse_tells_a_ude_from_a_use_with_its_own_audience(
    fake: FakePowerPlatform,
) -> None:
    tokens = ScopedTokens()
    async with client_on(fake, tokens=tokens) as client:
        envs = {e.id: e for e in (await client.list_environments()).items}
        ude = envs[UDE].with_details(await client.finops_details(envs[UDE]))
        use = envs[USE].with_details(await client.finops_details(envs[USE]))
    assert ude.kind == "ude" and use.kind == "use"
    assert ude.details is not None and ude.details.application_version == "10.0.45.2"
    asked = {scope for scope, _ in tokens.asked}
    assert "https://ana-ude.crm4.dynamics.com/.default" in asked


async def test_bap_lists_the_linked_app_metadata(fake: FakePowerPlatform) -> None:
    tokens = ScopedTokens()
    async with client_on(fake, tokens=tokens) as client:
        listing = await client.list_bap_environments()
    envs = {e.id: e for e in listing.items}
    assert envs[LCS_SANDBOX].kind == KIND_LCS_SANDBOX
    assert envs[UPE].type == "Production" and envs[UPE].source == "bap"
    assert envs[UDE].admin_mode is True
    # BAP is another audience: its token is asked for with its own scope.
    assert (BAP_SCOPE, False) in tokens.asked
    bap_calls = [r for r in fake.requests if r.url.startswith(BAP)]
    assert bap_calls and all(BAP_SCOPE in (r.authorization or "") for r in bap_calls)


# -- copy ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("copy_type", "wire", "advanced"),
    [
        (COPY_FULL, "Full", False),
        (COPY_TRANSACTIONLESS, "Full", True),
        (COPY_MINIMAL, "Minimal", False),
    ],
)
async def test_copy_types_go_out_as_the_api_names_them(
    fake: FakePowerPlatform, copy_type: str, wire: str, advanced: bool
) -> None:
    async with client_on(fake) as client:
        started = await client.start_copy(UPE, USE, CopyOptions(copy_type, skip_audit_data=True))
    (post,) = fake.posts("/copy")
    assert post.url.startswith(f"{PP}/environmentmanagement/environments/{USE}/copy")
    assert post.body == {
        "sourceEnvironmentId": UPE,
        "copyType": wire,
        "copyOptions": {
            "skipAuditData": True,
            "executeAdvancedCopyForFinanceAndOperations": advanced,
        },
    }
    assert started.poll_url and started.operation_id and started.retry_after == 30


async def test_validate_only_is_a_query_flag_and_passes(fake: FakePowerPlatform) -> None:
    async with client_on(fake) as client:
        validation = await client.validate_copy(UPE, USE, CopyOptions())
    assert validation.passed is True
    (post,) = fake.posts("/copy")
    assert "ValidateOnly=true" in post.url
    assert not fake.ops  # nothing started


async def test_a_validation_response_lists_its_field_errors(fake: FakePowerPlatform) -> None:
    async with client_on(fake) as client:
        with pytest.raises(PpValidationFailed) as caught:
            await client.validate_copy(USE, UPE, CopyOptions())
    assert any("production" in p for p in caught.value.problems)
    assert caught.value.field_errors[0].field == "targetEnvironmentId"


async def test_the_poll_url_comes_from_location_or_the_body(fake: FakePowerPlatform) -> None:
    fake.location_header = "Location"
    async with client_on(fake) as client:
        by_location = await client.start_copy(UPE, USE, CopyOptions())
    fake.ops.clear()
    fake.location_header = None
    async with client_on(fake) as client:
        by_body = await client.start_copy(UPE, USE, CopyOptions())
    assert by_location.poll_url and "/operations/" in by_location.poll_url
    assert by_body.poll_url and "/operations/" in by_body.poll_url


async def test_a_start_is_never_sent_twice_whatever_the_failure(fake: FakePowerPlatform) -> None:
    for fault in (
        once(502, match="/copy"),
        once(500, match="/copy"),
        once(504, match="/copy"),
    ):
        fake.requests.clear()
        fake.faults = [fault]
        async with client_on(fake) as client:
            with pytest.raises(OutcomeUnknown):
                await client.start_copy(UPE, USE, CopyOptions())
        assert len(fake.posts("/copy")) == 1


async def test_a_lost_answer_to_a_start_is_an_unknown_outcome(fake: FakePowerPlatform) -> None:
    fake.lose_answers.append("/copy")
    async with client_on(fake) as client:
        with pytest.raises(OutcomeUnknown) as caught:
            await client.start_copy(UPE, USE, CopyOptions())
    assert len(fake.posts("/copy")) == 1
    assert len(fake.ops) == 1  # it did start: only the history can tell
    assert "history" in (caught.value.hint or "")


async def test_a_start_that_could_not_connect_says_nothing_was_sent() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    async with client_on(handler) as client:
        with pytest.raises(LcsConnectionError) as caught:
            await client.start_copy(UPE, USE, CopyOptions())
    assert "nothing was sent" in (caught.value.hint or "")


async def test_a_busy_target_answers_409_which_is_no_unknown_outcome(
    fake: FakePowerPlatform,
) -> None:
    async with client_on(fake) as client:
        await client.start_copy(UPE, USE, CopyOptions())
        with pytest.raises(PpBusy) as caught:
            await client.start_copy(UPE, USE, CopyOptions())
    assert caught.value.code == "OperationNotStartable"
    assert len(fake.ops) == 1


async def test_a_409_without_a_body_is_still_busy(fake: FakePowerPlatform) -> None:
    fake.faults = [once(409, match="/copy")]
    async with client_on(fake) as client:
        with pytest.raises(PpBusy):
            await client.start_copy(UPE, USE, CopyOptions())


async def test_capacity_is_its_own_error(fake: FakePowerPlatform) -> None:
    fake.faults = [
        once(
            400,
            match="/copy",
            json={
                "error": {
                    "code": "InsufficientCapacity_StorageDriven",
                    "message": "needs at least 1 GB of database capacity",
                }
            },
        )
    ]
    async with client_on(fake) as client:
        with pytest.raises(PpCapacity) as caught:
            await client.start_copy(UPE, USE, CopyOptions())
    assert "1 GB" in (caught.value.hint or "")


# -- sign-in and permissions ----------------------------------------------------------------


async def test_a_wrong_audience_is_said_after_one_renewal(fake: FakePowerPlatform) -> None:
    fake.check_token = lambda request: (
        "The token was acquired for the wrong audience."
        if "powerplatform" not in (request.headers.get("authorization") or "")
        or "lcsapi" in (request.headers.get("authorization") or "")
        else None
    )

    class LcsTokens(ScopedTokens):
        async def __call__(self, *, scope: str, force_refresh: bool = False) -> str:
            self.asked.append((scope, force_refresh))
            return "tok:https://lcsapi.lcs.dynamics.com//.default"

    tokens = LcsTokens()
    async with client_on(fake, tokens=tokens) as client:
        with pytest.raises(PpAuthError) as caught:
            await client.list_environments()
    assert caught.value.reason == "wrong-audience"
    assert PP_SCOPE in (caught.value.hint or "")
    assert [forced for _, forced in tokens.asked] == [False, True]


async def test_an_unregistered_service_principal_is_told_how_to_register() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            403,
            json={
                "error": {
                    "code": "Forbidden",
                    "message": "The service principal with id 'x' does not have permission "
                    "to access the path '/providers/Microsoft.BusinessAppPlatform/scopes/admin/"
                    "environments'",
                }
            },
        )

    async with client_on(handler) as client:
        with pytest.raises(PpForbidden) as caught:
            await client.list_bap_environments()
    assert caught.value.reason == "unregistered"
    assert "adminApplications" in (caught.value.hint or "")


async def test_a_missing_role_names_the_roles() -> None:
    async with client_on(lambda r: httpx.Response(403)) as client:
        with pytest.raises(PpForbidden) as caught:
            await client.list_environments()
    assert caught.value.reason == "missing-role"
    assert "Contributor" in (caught.value.hint or "")


async def test_a_missing_environment_is_not_found(fake: FakePowerPlatform) -> None:
    async with client_on(fake) as client:
        with pytest.raises(PpNotFound) as caught:
            await client.list_backups("no-such-env")
    assert caught.value.code == "EnvironmentNotFound"


# -- throttling -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "waited"),
    [("7", 7.0), ("1m30s", 90.0), ("500ms", 1.0), ("Fri, 20 Nov 2026 08:00:42 GMT", 42.0)],
)
async def test_retry_after_in_its_three_forms(
    fake: FakePowerPlatform, header: str, waited: float
) -> None:
    fake.faults = [
        once(
            429,
            match="/environments",
            headers={"Retry-After": header, "Date": "Fri, 20 Nov 2026 08:00:00 GMT"},
        )
    ]
    sleeps: list[float] = []
    async with client_on(fake, sleeps=sleeps) as client:
        listing = await client.list_environments()
    assert listing.items
    assert sleeps == [waited]


async def test_a_throttled_start_waits_and_is_then_sent_once(fake: FakePowerPlatform) -> None:
    fake.faults = [once(429, match="/copy", headers={"Retry-After": "5"})]
    sleeps: list[float] = []
    async with client_on(fake, sleeps=sleeps) as client:
        await client.start_copy(UPE, USE, CopyOptions())
    assert sleeps == [5.0]
    assert len(fake.ops) == 1


async def test_an_absurd_retry_after_is_not_waited(fake: FakePowerPlatform) -> None:
    fake.faults = [once(429, match="/environments", headers={"Retry-After": "1e9"})]
    sleeps: list[float] = []
    async with client_on(fake, sleeps=sleeps) as client:
        with pytest.raises(LcsThrottled):
            await client.list_environments()
    assert sleeps == []


async def test_gets_survive_a_503(fake: FakePowerPlatform) -> None:
    fake.faults = [once(503, match="/backups")]
    async with client_on(fake) as client:
        listing = await client.list_backups(USE)
    assert listing.items


# -- backups -------------------------------------------------------------------------------------


async def test_backups_create_201_list_delete_204(fake: FakePowerPlatform) -> None:
    async with client_on(fake) as client:
        made = await client.create_backup(USE, "golden-2026-11-20")
        listed = (await client.list_backups(USE)).items
        assert made is not None and made.label == "golden-2026-11-20" and made.is_manual
        assert made.id in {b.id for b in listed}
        system = [b for b in listed if not b.is_manual]
        assert system and all(b.expires is not None for b in system)
        await client.delete_backup(USE, made.id)
        assert made.id not in {b.id for b in (await client.list_backups(USE)).items}
    (post,) = fake.posts("/backups")
    assert post.body == {"label": "golden-2026-11-20"}


async def test_backups_are_read_over_continuation_tokens() -> None:
    pages = {
        None: {"collection": [{"id": "b1", "label": "one"}], "continuationToken": "t2"},
        "t2": {"collection": [{"id": "b2", "label": "two"}], "continuationToken": ""},
    }

    def handler(request: httpx.Request) -> httpx.Response:
        token = request.url.params.get("continuationToken")
        return httpx.Response(200, json=pages[token])

    async with client_on(handler) as client:
        listing = await client.list_backups(USE)
    assert [b.id for b in listing.items] == ["b1", "b2"]


async def test_an_item_without_its_id_is_skipped_not_the_list() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200, json={"collection": [{"label": "no id"}, {"id": "b2", "label": "two"}]}
        )

    async with client_on(handler) as client:
        listing = await client.list_backups(USE)
    assert [b.id for b in listing.items] == ["b2"] and listing.skipped == 1


# -- polling ----------------------------------------------------------------------------------


async def test_a_poll_reads_both_status_spellings_and_stages(fake: FakePowerPlatform) -> None:
    for spelling in ("status", "state.id", "state"):
        fake.ops.clear()
        fake.spelling = spelling
        async with client_on(fake) as client:
            started = await client.start_copy(UPE, USE, CopyOptions())
            fake.now += timedelta(hours=1)
            assert started.poll_url is not None
            poll = await client.poll(started.poll_url)
        assert poll.state == "report" and poll.report is not None
        assert poll.report.status.word == "InProgress", spelling
        assert [s.name for s in poll.report.stages] == ["Validate", "Prepare", "Run", "Finalize"]
        current = poll.report.current_stage
        assert current is not None and current.name == "Prepare"
        assert poll.retry_after == 30
        fake.now -= timedelta(hours=1)


async def test_409_while_polling_is_still_running_and_404_is_gone(
    fake: FakePowerPlatform,
) -> None:
    fake.conflicts = 2
    fake.gone_when_done = True
    async with client_on(fake) as client:
        started = await client.start_copy(UPE, USE, CopyOptions())
        assert started.poll_url is not None
        assert (await client.poll(started.poll_url)).state == "running"
        assert (await client.poll(started.poll_url)).state == "running"
        assert (await client.poll(started.poll_url)).state == "report"
        fake.now += timedelta(hours=4)
        assert (await client.poll(started.poll_url)).state == "gone"


async def test_an_unknown_status_word_is_kept(fake: FakePowerPlatform) -> None:
    async with client_on(fake) as client:
        started = await client.start_copy(UPE, USE, CopyOptions())
        fake.ops[0].running_word = "Rehydrating"
        fake.now += timedelta(minutes=30)
        assert started.poll_url is not None
        poll = await client.poll(started.poll_url)
    assert poll.report is not None
    assert poll.report.status.word == "Rehydrating" and not poll.report.status.known
    assert not poll.report.status.finished


async def test_a_poll_url_on_another_host_is_never_sent_the_token() -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        return httpx.Response(200, json={"status": "Succeeded"})

    async with client_on(handler) as client:
        assert client.usable_poll_url("https://evil.example/operations/1") is None
        assert client.usable_poll_url("/environmentmanagement/operations/1") == (
            f"{PP}/environmentmanagement/operations/1"
        )
        with pytest.raises(Exception, match="not on this profile"):
            await client.poll("https://evil.example/operations/1")
    assert seen == []


async def test_history_pages_over_continuation_tokens(fake: FakePowerPlatform) -> None:
    async with client_on(fake) as client:
        for _ in range(3):
            await client.start_copy(UPE, USE, CopyOptions())
            fake.now += timedelta(hours=4)
        first = await client.history_page(USE, limit=2)
        second = await client.history_page(USE, continuation=first.continuation, limit=2)
    assert len(first.operations) == 2 and first.continuation
    assert len(second.operations) == 1 and second.continuation is None
    assert all(op.status.word == "Succeeded" for op in first.operations)


async def test_bap_lifecycle_operations_read_state_id(fake: FakePowerPlatform) -> None:
    async with client_on(fake) as client:
        await client.start_copy(UPE, USE, CopyOptions())
        fake.now += timedelta(hours=1)
        page = await client.bap_history(USE)
    (op,) = page.operations
    assert op.status.word == "InProgress" and op.status_field == "state.id"
    assert op.environment_id == USE
    assert page.source == "bap"


# -- restore ------------------------------------------------------------------------------------


async def test_a_restore_point_goes_out_as_rfc3339_with_an_offset(
    fake: FakePowerPlatform,
) -> None:
    from lcs_tui.ppac.requests import RestorePoint

    async with client_on(fake) as client:
        await client.start_restore(
            USE, USE, RestorePoint(datetime(2026, 11, 19, 7, 30)), skip_audit_data=False
        )
        backup = (await client.list_backups(USE)).items[0]
        assert backup.point_text is not None and backup.point is not None
        await client.start_restore(
            USE, UDE, RestorePoint(backup.point, backup.point_text), skip_audit_data=True
        )
    first, second = (json.loads(json.dumps(p.body)) for p in fake.posts("/restore"))
    assert first["restorePointDateTime"] == "2026-11-19T07:30:00+00:00"
    assert first["restoreOptions"] == {"skipAuditData": False}
    assert second["restorePointDateTime"] == backup.point_text


async def test_dataverse_is_asked_at_the_organisations_own_url_and_audience() -> None:
    from lcs_tui.ppac.models import PpEnvironment

    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        return httpx.Response(200, json={"applicationdeploymenttype": "OnlineDev"})

    tokens = ScopedTokens()
    env = PpEnvironment(
        id="e",
        name="E",
        type="Sandbox",
        finops_type="Internal",
        url="https://127.0.0.1:8443/dataverse/ana/",
    )
    async with client_on(handler, tokens=tokens) as client:
        details = await client.finops_details(env)
        assert (
            await client.finops_details(PpEnvironment(id="x", name="X", url="http://evil.example/"))
            is None
        )
    assert details is not None and details.deployment_type == "OnlineDev"
    assert seen == [
        "https://127.0.0.1:8443/dataverse/ana/api/data/v9.2/msprov_getfinopsapplicationdetails"
    ]
    assert tokens.asked == [("https://127.0.0.1:8443/dataverse/ana/.default", False)]
