"""ETA from an environment's own history; jobs.toml errors name the file, line and key."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest

from lcs_tui.api import HistoryEntry, OperationStatus
from lcs_tui.api.models import HISTORY_TYPE_EXPORT, HISTORY_TYPE_REFRESH
from lcs_tui.config import ConfigError
from lcs_tui.jobs import JobStore, estimate
from lcs_tui.jobs.names import check_template, render

NOW = datetime(2026, 11, 20, 13, 30)


def entry(
    kind: str, started: datetime, minutes: int | None, status: str = "Completed"
) -> HistoryEntry:
    return HistoryEntry(
        name=None,
        type=kind,
        type_display=None,
        started=started,
        ended=started + timedelta(minutes=minutes) if minutes is not None else None,
        status=OperationStatus(status),
        activity_id=None,
        environment_id="uat",
        project_id=1,
    )


def seeded() -> list[HistoryEntry]:
    days = [NOW - timedelta(days=d) for d in range(1, 8)]
    refreshes = [
        entry(HISTORY_TYPE_REFRESH, d, m)
        for d, m in zip(days, (120, 130, 125, 140, 130, 135), strict=False)
    ]
    failed = entry(HISTORY_TYPE_REFRESH, days[6], 4, "Failed")  # says nothing about a good one
    exports = [entry(HISTORY_TYPE_EXPORT, days[0], 38)]
    return [*refreshes, failed, *exports]


def test_eta_is_the_median_of_past_successful_operations_of_that_kind() -> None:
    started = datetime(2026, 11, 20, 13, 30)
    eta = estimate(seeded(), "refresh", started_at=started, now=NOW)
    assert eta is not None
    assert eta.typical.samples == 6
    assert eta.typical.duration == timedelta(minutes=130)  # median of 120..140
    assert eta.finishes_at == datetime(2026, 11, 20, 15, 40)
    assert eta.describe() == "ETA 15:40 UTC (typical 2h10m, from 6 past refreshes)"
    assert eta.describe(
        "Europe/Amsterdam"
    ) == "16:40 CET (15:40 UTC) (typical 2h10m, from 6 past refreshes)".replace(
        "16:40", "ETA 16:40", 1
    )
    export = estimate(seeded(), "export", started_at=None, now=NOW)
    assert (
        export is not None
        and export.describe() == "takes about 38m00s (typical 38m00s, from 1 past export)"
    )


def test_no_history_of_that_kind_gives_no_eta() -> None:
    assert estimate([], "refresh", started_at=NOW, now=NOW) is None
    only_failed = [entry(HISTORY_TYPE_REFRESH, NOW - timedelta(days=1), 5, "Failed")]
    assert estimate(only_failed, "refresh", started_at=NOW, now=NOW) is None


def test_an_operation_past_its_typical_time_says_so() -> None:
    eta = estimate(seeded(), "refresh", started_at=NOW - timedelta(hours=3), now=NOW)
    assert eta is not None and eta.overdue
    assert eta.describe().startswith("longer than usual: expected by 12:40 UTC")


def test_name_templates_render_and_are_checked_against_the_export_rules() -> None:
    moment = datetime(2026, 11, 20, 22, 15)
    assert render("uat-golden-{date}", moment, env="CONTOSO-UAT") == "uat-golden-2026-11-20"
    assert render("{env}-{yyyy}{mm}{dd}-{time}", moment, env="UAT") == "UAT-20261120-2215"
    assert check_template("uat-golden-{date}", env="CONTOSO-UAT") is None
    assert "unknown placeholder {day}" in (check_template("x-{day}", env="E") or "")
    assert "letters, digits" in (check_template("golden {date}", env="E") or "")
    assert ".bacpac" in (check_template("x-{date}.bacpac", env="E") or "")


@pytest.mark.parametrize(
    ("text", "line", "key", "words"),
    [
        ('version = 1\n[jobs.a]\nprofile = "p"\nasap = true\n[[jobs.a.steps]]\ndo = "refresh"\n'
         'source = "P"\n', 5, "target", "needs target"),
        ('version = 1\n[jobs.a]\nprofile = "p"\ncron = "0 25 * * *"\n[[jobs.a.steps]]\n'
         'do = "notify"\nmessage = "m"\n', 4, "cron", "Bad hour"),
        ('version = 1\n[jobs.a]\nprofile = "p"\nzone = "Mars/Base"\nat = "2026-01-01 10:00"\n'
         '[[jobs.a.steps]]\ndo = "notify"\nmessage = "m"\n', 4, "zone", "unknown time zone"),
        ('version = 1\n[notify.ops]\nkind = "teams"\nurl = "https://x"\n', 4, "url",
         "never in this file"),
        ('version = 1\n[jobs.a]\nprofile = "p"\n[[jobs.a.steps]]\ndo = "notify"\nmessage = "m"\n'
         '[[jobs.a.steps]]\ndo = "download"\nbackup = "previous"\nfolder = "/x"\n', 2, None,
         "no export comes before it"),
    ],
)  # fmt: skip
def test_a_broken_jobs_file_names_file_line_and_key(
    tmp_path: Path, text: str, line: int, key: str | None, words: str
) -> None:
    path = tmp_path / "jobs.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as caught:
        JobStore(path).load()
    error = caught.value
    assert error.path == path and error.line == line and error.key == key, str(error)
    assert words in str(error)


def test_the_file_round_trips_and_a_hand_edit_is_seen_at_once(tmp_path: Path) -> None:
    from lcs_tui.jobs import PREVIOUS, Download, Export, Job, Refresh, Schedule

    store = JobStore(tmp_path / "jobs.toml")
    job = Job(
        "golden",
        "contoso",
        (Refresh("P", "U", "U"), Export("U", "u-{date}"), Download(PREVIOUS, "/b")),
        Schedule.every("0 22 * * SUN", "Europe/Amsterdam"),
        notify=("desktop",),
        created_at=NOW,
    )
    store.add(job)
    assert store.get("golden") == job
    store.path.write_text(store.path.read_text().replace("0 22 * * SUN", "30 21 * * SAT"))
    assert store.get("golden").schedule.cron == "30 21 * * SAT"


def test_a_download_step_chooses_its_connections_unless_told(tmp_path: Path) -> None:
    """As every default download does (docs/downloads.md): no fixed 4."""
    from lcs_tui.jobs import PREVIOUS, Download, Export, Job

    store = JobStore(tmp_path / "jobs.toml")
    chosen = Download(PREVIOUS, str(tmp_path))
    fixed = Download(PREVIOUS, str(tmp_path), connections=8)
    for name, step in (("chosen", chosen), ("fixed", fixed)):
        store.add(Job(name, "demo", (Export("CONTOSO-UAT", "uat-{date}"), step)))
    assert "connections" not in (tmp_path / "jobs.toml").read_text().split("[jobs.fixed]")[0]
    assert store.get("chosen").steps[1] == chosen and chosen.connections is None
    assert store.get("fixed").steps[1] == fixed
