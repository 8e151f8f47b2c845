"""Copy: candidates, validate-only, the direction matrix and every refusal, the 202."""

from __future__ import annotations

import pytest

from lcs_tui.simulator import Simulator, demo
from lcs_tui.simulator.faults import POWER_PLATFORM

from .pp_support import (
    BAP,
    ENVS,
    Api,
    Tenant,
    advance,
    field_errors,
    small_tenant,
    spn_token,
    tenant_sim,
    user_token,
)


@pytest.fixture
def sim() -> Simulator:
    return tenant_sim()


@pytest.fixture
def tenant(sim: Simulator) -> Tenant:
    return small_tenant(sim)


@pytest.fixture
def api(sim: Simulator, tenant: Tenant) -> Api:
    return Api(sim, user_token(sim))


#: (source, target, the refusal's code or None) — PPAC-API.md §3.4 and §10.5 item 7.
MATRIX = [
    ("lcs_sandbox", "ude", None),
    ("lcs_prod", "ude", None),
    ("lcs_sandbox", "use", None),
    ("lcs_prod", "use", None),  # not in the table; in use (D3)
    ("use", "ude", None),
    ("upe", "ude", None),
    ("upe", "use", None),
    ("use", "use2", None),  # undocumented: allowed
    ("devbox", "ude", "SourceIsCloudHosted"),
    ("devbox", "use", "SourceIsCloudHosted"),
    ("ude", "use", "SourceIsDeveloperEnvironment"),
    ("ude", "ude", "SourceEqualsTarget"),
    ("use", "upe", "TargetIsProduction"),
    ("lcs_sandbox", "upe", "TargetIsProduction"),
    ("use", "lcs_sandbox", "TargetManagedInLifecycleServices"),
    ("use", "use_us", "RegionMismatch"),
    ("use", "use_managed", "ManagedStateMismatch"),
    ("default", "use", "UnsupportedEnvironmentType"),
    ("use", "trial", "UnsupportedEnvironmentType"),
    ("developer", "use", "UnsupportedEnvironmentType"),
    ("dataverse", "use", "SourceWithoutFinanceAndOperations"),
    ("use", "dataverse", "TargetWithoutFinanceAndOperations"),
    ("lcs_no_dataverse", "ude", "EnvironmentWithoutDataverse"),
]


@pytest.mark.parametrize(("source", "target", "code"), MATRIX)
def test_the_direction_matrix(
    sim: Simulator, tenant: Tenant, api: Api, source: str, target: str, code: str | None
) -> None:
    source_id, target_id = getattr(tenant, source), getattr(tenant, target)
    checked = api.copy(target_id, source_id, ValidateOnly="true")
    if code is None:
        assert checked.status_code == 200, checked.text
        assert checked.json()["status"] == "ValidationPassed"
    else:
        assert checked.status_code == 400, checked.text
        assert checked.json()["errorDetail"]["code"] == code
        assert all(messages for messages in field_errors(checked).values())
    assert sim.pp_operations() == []  # validate-only starts nothing


def test_two_broken_rules_are_both_reported(tenant: Tenant, api: Api) -> None:
    refused = api.copy(tenant.upe, tenant.ude)
    assert refused.status_code == 400
    assert refused.json()["errorDetail"]["code"] == "ValidationFailed"
    errors = field_errors(refused)
    assert "production environment" in errors["targetEnvironmentId"][0]
    assert "unified developer environment" in errors["sourceEnvironmentId"][0]


def test_validate_properties_checks_only_the_fields_named(tenant: Tenant, api: Api) -> None:
    only_source = api.copy(
        tenant.upe, tenant.use, ValidateOnly="true", ValidateProperties="sourceEnvironmentId"
    )
    assert only_source.status_code == 200
    everything = api.copy(tenant.upe, tenant.use, ValidateOnly="true")
    assert everything.status_code == 400


def test_the_body_is_checked(tenant: Tenant, api: Api) -> None:
    path = f"{ENVS}/{tenant.ude}/copy"
    missing = api.post(path, {"sourceEnvironmentId": tenant.use})
    assert missing.status_code == 400
    entry = missing.json()["errorDetail"]["fieldErrors"]["copyType"]
    assert entry["suggestedValue"] == "Full"
    bap_name = api.post(path, {"sourceEnvironmentId": tenant.use, "copyType": "FullCopy"})
    assert "Full or Minimal" in field_errors(bap_name)["copyType"][0]
    unknown = api.copy(tenant.ude, "00000000-0000-4000-8000-00000000dead")
    assert "could not be found" in field_errors(unknown)["sourceEnvironmentId"][0]
    minimal = api.post(
        path,
        {
            "sourceEnvironmentId": tenant.use,
            "copyType": "Minimal",
            "copyOptions": {"executeAdvancedCopyForFinanceAndOperations": True},
        },
    )
    assert minimal.json()["errorDetail"]["code"] == "TransactionlessNeedsFullCopy"

    def rename(name: str) -> int:
        body = {
            "sourceEnvironmentId": tenant.use,
            "copyType": "Full",
            "copyOptions": {"environmentNameToOverride": name},
        }
        return api.post(path, body, ValidateOnly="true").status_code

    # F&O's name limit: 20 characters.
    assert rename("TWENTY-CHARACTERS-OK") == 200
    assert rename("TWENTY-ONE-CHARACTERS") == 400


def test_an_unknown_target_is_404(api: Api) -> None:
    missing = api.copy("00000000-0000-4000-8000-00000000dead", demo.PP_USE_ENVIRONMENT_ID)
    assert missing.status_code == 404
    assert missing.json()["errorDetail"]["code"] == "EnvironmentNotFound"


def test_a_copy_is_accepted_with_its_operation_urls(
    sim: Simulator, tenant: Tenant, api: Api
) -> None:
    started = api.copy(tenant.ude, tenant.lcs_sandbox)
    assert started.status_code == 202 and started.content == b""
    [op] = sim.pp_operations()
    assert (op.name, op.environment_id, op.source_environment_id, op.status) == (
        "Copy",
        tenant.ude,
        tenant.lcs_sandbox,
        "Queued",
    )
    assert started.headers["Retry-After"] == "30"
    operation_url = (
        f"https://api.powerplatform.com/environmentmanagement/operations/{op.operation_id}"
    )
    assert started.headers["Operation-Location"] == f"{operation_url}?api-version=2024-10-01"
    assert started.headers["Location"] == (
        f"https://api.powerplatform.com{ENVS}/{tenant.ude}/operations/{op.operation_id}"
        "?api-version=2024-10-01"
    )
    for url in (started.headers["Location"], started.headers["Operation-Location"]):
        polled = api.follow(url)
        assert polled.status_code == 200 and polled.json()["operationId"] == op.operation_id


def test_a_copy_is_not_startable_while_an_operation_runs(
    sim: Simulator, tenant: Tenant, api: Api
) -> None:
    assert api.copy(tenant.ude, tenant.use).status_code == 202
    again = api.copy(tenant.ude, tenant.upe)
    assert again.status_code == 409
    assert again.json()["errorDetail"]["code"] == "OperationNotStartable"
    message = field_errors(again)["targetEnvironmentId"][0]
    assert "active lifecycle operation" in message
    # Validate-only says so too, before anything is sent for real.
    assert api.copy(tenant.ude, tenant.upe, ValidateOnly="true").status_code == 409
    # The environment being overwritten cannot be copied from either.
    assert api.copy(tenant.use2, tenant.ude).status_code in (400, 409)
    sim.faults.empty_conflicts()
    empty = api.copy(tenant.ude, tenant.upe)
    assert empty.status_code == 409 and empty.content == b""
    advance(sim, hours=9)
    assert api.copy(tenant.ude, tenant.upe).status_code == 202


def test_a_source_being_overwritten_cannot_be_copied_from(tenant: Tenant, api: Api) -> None:
    assert api.copy(tenant.use, tenant.upe).status_code == 202
    refused = api.copy(tenant.ude, tenant.use)
    assert refused.status_code == 409
    assert "sourceEnvironmentId" in refused.json()["errorDetail"]["fieldErrors"]


def test_not_enough_capacity(sim: Simulator, tenant: Tenant, api: Api) -> None:
    sim.set_pp_capacity(0.4)
    refused = api.copy(tenant.ude, tenant.use)
    assert refused.status_code == 400
    assert refused.json()["errorDetail"]["code"] == "InsufficientCapacity_StorageDriven"
    assert "at least 1 GB" in field_errors(refused)["targetEnvironmentId"][0]


def test_copy_candidates(sim: Simulator, tenant: Tenant, api: Api) -> None:
    def candidates(source: str) -> set[str]:
        answer = api.json(f"{ENVS}/{source}/copyCandidates")
        assert set(answer) <= {"collection", "continuationToken"}
        assert all(set(c) == {"environmentId", "displayName", "dataverseOrganizationUrl"}
                   for c in answer["collection"])  # fmt: skip
        return {c["displayName"] for c in answer["collection"]}

    assert candidates(tenant.lcs_sandbox) == {"T-USE", "T-USE2", "T-UDE"}
    assert candidates(tenant.upe) == {"T-USE", "T-USE2", "T-UDE"}
    assert candidates(tenant.ude) == set()  # a dead end as a source


def test_copy_candidates_page_with_a_continuation_token() -> None:
    sim = tenant_sim(pp_page_size=2)
    tenant = small_tenant(sim)
    api = Api(sim, user_token(sim))
    first = api.json(f"{ENVS}/{tenant.upe}/copyCandidates")
    assert len(first["collection"]) == 2
    second = api.json(
        f"{ENVS}/{tenant.upe}/copyCandidates", continuationToken=first["continuationToken"]
    )
    assert len(second["collection"]) == 1 and "continuationToken" not in second


def test_the_api_answers_429_above_its_rate() -> None:
    from .support import FakeTime

    clock = FakeTime()
    sim = tenant_sim(rate_time=clock, pp_rate_limit=(5, 60.0))
    small_tenant(sim)
    api = Api(sim, user_token(sim))
    assert [api.get(ENVS).status_code for _ in range(5)] == [200] * 5
    throttled = api.get(ENVS)
    assert throttled.status_code == 429
    assert int(throttled.headers["Retry-After"]) == 60
    assert throttled.json()["error"]["code"] == "TooManyRequests"
    clock.advance(60)
    assert api.get(ENVS).status_code == 200


def test_a_throttle_fault_on_the_power_platform(sim: Simulator, tenant: Tenant, api: Api) -> None:
    sim.faults.throttle(1, retry_after=7, path_prefix=POWER_PLATFORM)
    throttled = api.copy(tenant.ude, tenant.use)
    assert throttled.status_code == 429 and throttled.headers["Retry-After"] == "7"
    assert sim.pp_operations() == []
    assert api.copy(tenant.ude, tenant.use).status_code == 202


def test_bap_copy_to_starts_the_same_operation(sim: Simulator, tenant: Tenant) -> None:
    bap = Api(sim, user_token(sim, scope=demo.BAP_SCOPE), BAP)
    path = f"/providers/Microsoft.BusinessAppPlatform/environments/{tenant.ude}/copyTo"
    bad = bap.post(path, {"sourceEnvironmentId": tenant.use, "copyType": "TransactionLess"})
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "InvalidCopyType"
    into_prod = bap.post(
        f"/providers/Microsoft.BusinessAppPlatform/environments/{tenant.upe}/copyTo",
        {"sourceEnvironmentId": tenant.use, "copyType": "FullCopy"},
    )
    assert into_prod.status_code == 400
    assert into_prod.json()["error"]["code"] == "TargetIsProduction"
    started = bap.post(
        path,
        {
            "SourceEnvironmentId": tenant.lcs_sandbox,
            "CopyType": "FullCopy",
            "ExecuteAdvancedCopyForFinanceAndOperations": True,
        },
        **{"api-version": "2021-04-01"},
    )
    assert started.status_code == 202
    location = started.headers["Location"]
    assert location.startswith(
        f"{BAP}/providers/Microsoft.BusinessAppPlatform/lifecycleOperations/"
    )
    polled = bap.follow(location)
    assert polled.json()["state"]["id"] == "NotStarted"
    assert polled.json()["type"]["id"] == "Copy"
    busy = bap.post(path, {"sourceEnvironmentId": tenant.upe, "copyType": "MinimalCopy"})
    assert busy.status_code == 409 and busy.json()["error"]["code"] == "OperationNotStartable"


def test_an_unregistered_service_principals_copy_to_names_the_path(
    sim: Simulator, tenant: Tenant
) -> None:
    token = spn_token(sim, demo.UNREGISTERED_SPN_CLIENT_ID, demo.BAP_SCOPE)
    bap = Api(sim, token, BAP)
    refused = bap.post(
        f"/providers/Microsoft.BusinessAppPlatform/environments/{tenant.ude}/copyTo",
        {"sourceEnvironmentId": tenant.use, "copyType": "FullCopy"},
        **{"api-version": "2020-08-01"},
    )
    assert refused.status_code == 403
    message = refused.json()["error"]["message"]
    assert "does not have permission to access the path" in message
    assert f"/environments/{tenant.ude}/copyTo?api-version=2020-08-01" in message
    assert sim.pp_operations() == []


def test_a_registered_service_principal_copies(sim: Simulator, tenant: Tenant) -> None:
    api = Api(sim, spn_token(sim))
    assert api.copy(tenant.ude, tenant.use).status_code == 202
    [op] = api.json(f"{ENVS}/{tenant.ude}/operations")["collection"]
    assert op["requestedBy"]["type"] == "ServicePrincipal"
