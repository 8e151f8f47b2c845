"""Every example payload of LCS-API.md, as fixtures, parses through the real client."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import httpx
import pytest

from lcs_tui.api import LcsRejected, Outcome, QuotaExceeded
from lcs_tui.api.parsing import parse_datetime, parse_display_datetime
from tests.api.helpers import client_for

FIXTURES = Path(__file__).parent / "fixtures"


def fixture_handler(name: str):  # type: ignore[no-untyped-def]
    body = (FIXTURES / name).read_bytes()
    return lambda request: httpx.Response(200, content=body)


async def test_backups_list_parses_every_documented_field() -> None:
    async with client_for(fixture_handler("backups.json")) as client:
        result = await client.list_backups(1234567)
    (backup,) = result.backups
    assert backup.id == "6d5a6b8e-22a4-4a0e-9d59-0d3f3c1b6f10"
    assert backup.name == "uat-golden-2026-11-20"
    assert backup.file_name == "uat-golden-2026-11-20.bacpac"
    assert backup.created == datetime(2026, 11, 20, 8, 12, 35, 867000)
    assert backup.created_by == "Ana Admin"
    assert backup.project_id == 1234567
    assert result.activity_id == "2a3c5a7e-19a1-4c5a-8b9f-1d2e3f4a5b6c"
    # The SAS URL is kept for downloads but never shown by repr().
    assert backup.file_location and "sig=" in backup.file_location
    assert "SECRETSIGNATURE" not in repr(backup)


async def test_refresh_returns_the_new_operations_activity_id_and_polls_the_target() -> None:
    async with client_for(fixture_handler("refresh_started.json")) as client:
        started = await client.start_refresh(1234567, "src-env", "60b557b2-fefb-4b0c")
    assert started.activity_id == "55eb0d5c-7e4f-4c51-9a1b-4d9b2a7c3e11"
    assert started.poll_environment_id == "60b557b2-fefb-4b0c"


async def test_export_polls_its_source_and_encodes_the_backup_name() -> None:
    seen: list[str] = []
    body = (FIXTURES / "refresh_started.json").read_bytes()

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.raw_path.decode())
        assert request.method == "POST"
        assert request.content == b""  # LCS's POSTs carry no body
        assert request.headers["x-ms-version"] == "2017-09-15"
        return httpx.Response(200, content=body)

    async with client_for(handler) as client:
        started = await client.start_export(1234567, "d15ed3a8c2c14054840b946c93915da9", "uat_1")
    assert started.poll_environment_id == "d15ed3a8c2c14054840b946c93915da9"
    assert seen == [
        "/databasemovement/v1/export/project/1234567/environment/"
        "d15ed3a8c2c14054840b946c93915da9/backupName/uat_1"
    ]


async def test_status_report_with_seven_digit_fractions() -> None:
    async with client_for(fixture_handler("status.json")) as client:
        report = await client.operation_status(1234567, "d15ed3a8c2c14054840b946c93915da9", "55eb")
    assert report.status.word == "Completed"
    assert report.status.outcome is Outcome.SUCCEEDED
    assert report.completion_date == datetime(2019, 9, 27, 15, 17, 35, 867000)
    assert report.environment_id == "d15ed3a8c2c14054840b946c93915da9"  # kept without dashes


async def test_environment_page_tolerates_casing_unknown_and_missing_fields() -> None:
    async with client_for(fixture_handler("environments_page1.json")) as client:
        page = await client.environment_page(1234567, 1)
    prod, uat = page.items
    assert page.has_more is True
    assert prod.is_production and prod.region == "West Europe"
    assert prod.deployed_on == datetime(2021, 8, 5, 23, 0)
    assert prod.deployed_on_text == "8/5/2021 11:00 PM"
    assert uat.id == "60b557b2-fefb-4b0c-9d0d-1a2b3c4d5e6f"
    assert uat.name == "CONTOSO-UAT" and uat.is_sandbox
    assert uat.deployed_on is None and uat.platform_version is None


async def test_history_keeps_unknown_status_words_and_reports_retirement() -> None:
    async with client_for(fixture_handler("history_page1.json")) as client:
        page = await client.history_page(1234567, "60b557b2", 1)
        assert client.retirement_date == datetime(2027, 6, 30)
    refresh, servicing = page.items
    assert refresh.is_database_operation
    assert refresh.started == datetime(2026, 11, 19, 22, 40, 0, 123456)
    assert servicing.status.word == "ServicingInProgress"
    assert not servicing.status.known and servicing.status.outcome is Outcome.UNKNOWN
    assert not servicing.status.finished
    # StartDateTimeUtc (other casing) is read too.
    assert servicing.started == datetime(2026, 11, 18, 10, 0)


async def test_quota_message_becomes_quota_exceeded_with_its_time() -> None:
    async with client_for(fixture_handler("quota_exceeded.json")) as client:
        with pytest.raises(QuotaExceeded) as caught:
            await client.start_refresh(1234567, "a", "b")
    err = caught.value
    assert isinstance(err, LcsRejected)
    assert err.limit == 3
    assert err.frees_at == datetime(2019, 9, 30, 4, 1, 1, 999999)
    assert err.activity_id == "b7c1a2d3-0000-4e5f-9a8b-7c6d5e4f3a2b"
    assert "2019-09-30 04:01" in str(err)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2019-09-27T15:17:35.867", datetime(2019, 9, 27, 15, 17, 35, 867000)),
        ("9999-12-31T23:59:59.9999999", datetime(9999, 12, 31, 23, 59, 59, 999999)),
        ("2026-11-20T08:12:00Z", datetime(2026, 11, 20, 8, 12)),
        ("2026-11-20T10:12:00+02:00", datetime(2026, 11, 20, 8, 12)),
        ("2026-11-20 08:12", datetime(2026, 11, 20, 8, 12)),
        ("yesterday", None),
        ("2026-13-40T00:00:00", None),
    ],
)
def test_parse_datetime(text: str, expected: datetime | None) -> None:
    assert parse_datetime(text) == expected


def test_deployed_on_display_strings() -> None:
    assert parse_display_datetime("8/5/2021 11:00 PM") == datetime(2021, 8, 5, 23, 0)
    assert parse_display_datetime("12/31/2020 9:05 AM") == datetime(2020, 12, 31, 9, 5)
    assert parse_display_datetime("2021-08-05T23:00:00") == datetime(2021, 8, 5, 23, 0)
    assert parse_display_datetime("soon") is None


def test_fixtures_are_valid_json() -> None:
    for path in FIXTURES.glob("*.json"):
        json.loads(path.read_text())
