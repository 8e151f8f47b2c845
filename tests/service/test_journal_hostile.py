"""A journal file made by hand or by a hostile program never breaks a command.

Seen before: a journal nested 100k deep raised RecursionError on every
command. Now such a file is set aside like any unreadable journal (named,
with what to do), and an entry the service could not use costs only itself.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lcs_tui.service.journal import SCHEMA_VERSION, Journal

DEPTH = 100_000


@pytest.mark.parametrize(
    "text",
    [
        "[" * DEPTH + "]" * DEPTH,
        '{"a":' * DEPTH + "1" + "}" * DEPTH,
        f'{{"schema": {SCHEMA_VERSION}, "operations": ' + "[" * DEPTH + "]" * DEPTH + "}",
    ],
    ids=["array", "object", "operations"],
)
def test_a_journal_nested_too_deeply_is_set_aside_with_a_message(tmp_path: Path, text: str) -> None:
    path = tmp_path / "journal-contoso.json"
    path.write_text(text)
    journal = Journal(path)
    assert journal.load() == []
    notice = journal.recovered_from or ""
    assert str(path) in notice and "nested too deeply" in notice
    assert "check the LCS portal" in notice
    (aside,) = tmp_path.glob("journal-contoso.json.corrupt-*")
    assert aside.read_text() == text  # the evidence is kept
    assert Journal(path).load() == []  # and the next command starts clean


def test_an_entry_with_a_zoned_time_costs_only_itself(tmp_path: Path) -> None:
    good = {
        "key": "k1",
        "kind": "refresh",
        "project_id": 1,
        "poll_environment_id": "uat",
        "environment_name": "UAT",
        "requested_at": "2026-11-29T10:00:00",
    }
    zoned = dict(good, key="k2", requested_at="2026-11-29T10:00:00+02:00")
    off_calendar = dict(good, key="k3", started_at="9999-12-31T23:59:59-01:00")
    path = tmp_path / "journal.json"
    path.write_text(
        json.dumps({"schema": SCHEMA_VERSION, "operations": [good, zoned, off_calendar]})
    )
    journal = Journal(path)
    assert [op.key for op in journal.load()] == ["k1"]
    assert journal.recovered_from and "2 entries" in journal.recovered_from
