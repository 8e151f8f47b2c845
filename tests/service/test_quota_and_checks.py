"""Quota arithmetic and the client-side checks, as a user would meet them."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from lcs_tui.api import Environment
from lcs_tui.service.checks import backup_name_problem, export_problems, refresh_problems
from lcs_tui.service.quota import compute_quota

NOW = datetime(2026, 11, 29, 12, 0)


def test_quota_counts_only_the_last_24_hours_and_dedupes_activity_ids() -> None:
    starts = [
        ("a", NOW - timedelta(hours=30)),  # outside the window
        ("b", NOW - timedelta(hours=20)),
        ("B", NOW - timedelta(hours=20)),  # same operation seen twice (history + local)
        ("c", NOW - timedelta(hours=1)),
    ]
    quota = compute_quota(starts, now=NOW)
    assert quota.used == 2 and quota.left == 1
    assert quota.describe() == "1/3 left"


def test_exhausted_quota_says_when_it_frees_up() -> None:
    starts = [(str(i), NOW - timedelta(hours=h)) for i, h in enumerate((23, 10, 2))]
    quota = compute_quota(starts, now=NOW)
    assert quota.left == 0
    assert quota.next_frees_at == NOW + timedelta(hours=1)
    assert "until 13:00 UTC" in quota.describe()


def test_four_operations_in_the_window_need_two_to_expire() -> None:
    starts = [(str(i), NOW - timedelta(hours=h)) for i, h in enumerate((23, 20, 10, 2))]
    quota = compute_quota(starts, now=NOW)
    assert quota.used == 4 and quota.left == 0
    assert quota.next_frees_at == NOW + timedelta(hours=4)


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("uat-golden_2026", None),
        ("", "type a name"),
        ("uat golden", "not ' '"),
        ("uat.bacpac", "extension"),
        ("x" * 101, "at most 100"),
        ("résumé", "'é'"),
        ("../etc", "'.' '/'"),
    ],
)
def test_backup_names(name: str, problem: str | None) -> None:
    found = backup_name_problem(name)
    if problem is None:
        assert found is None
    else:
        assert found is not None and problem in found


PROD = Environment(id="p", name="PROD", type="Production")
UAT = Environment(id="u", name="UAT", type="Sandbox")
TEST = Environment(id="t", name="TEST", type="Sandbox")
DEV = Environment(id="d", name="DEV", type="DevTestDev", infrastructure="CustomerManaged")


def messages(problems: list) -> str:  # type: ignore[type-arg]
    return " | ".join(p.message for p in problems)


def test_refresh_into_production_is_refused_with_the_reason() -> None:
    text = messages(refresh_problems(UAT, PROD, target_quota_left=3, busy=set()))
    assert "PROD is a production environment" in text


def test_refresh_checks_source_target_quota_and_busy() -> None:
    assert refresh_problems(PROD, UAT, target_quota_left=3, busy=set()) == []
    assert "same environment" in messages(
        refresh_problems(UAT, UAT, target_quota_left=3, busy=set())
    )
    assert "no operations left" in messages(
        refresh_problems(PROD, UAT, target_quota_left=0, busy=set())
    )
    # Each refusal also says what to do about it.
    frees = datetime(2026, 11, 21, 9, 30)
    assert "the next one frees at 2026-11-21 09:30 UTC" in messages(
        refresh_problems(PROD, UAT, target_quota_left=0, busy=set(), target_quota_frees_at=frees)
    )
    busy = messages(refresh_problems(PROD, UAT, target_quota_left=2, busy={"u"}))
    assert "UAT is busy" in busy and "wait until it finishes" in busy
    assert "must be a sandbox" in messages(
        refresh_problems(PROD, DEV, target_quota_left=3, busy=set())
    )


def test_export_checks() -> None:
    assert export_problems(UAT, "ok-name", quota_left=1, busy=set(), existing_names=set()) == []
    assert "only from sandboxes" in messages(
        export_problems(PROD, "x", quota_left=3, busy=set(), existing_names=set())
    )
    assert "already exists" in messages(
        export_problems(UAT, "Golden", quota_left=3, busy=set(), existing_names={"golden"})
    )
    assert "backup name" in messages(
        export_problems(UAT, "bad name", quota_left=3, busy=set(), existing_names=set())
    )
