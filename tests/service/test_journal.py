"""The journal survives what users do to it: restarts, corruption, two writers."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from lcs_tui.service.journal import SCHEMA_VERSION, Journal
from lcs_tui.service.operations import STARTING, TrackedOperation


def make_op(**changes: object) -> TrackedOperation:
    values: dict[str, object] = dict(
        kind="refresh",
        project_id=1,
        poll_environment_id="uat",
        environment_name="UAT",
        source_name="PROD",
        source_environment_id="prod",
        requested_at=datetime(2026, 11, 29, 10, 0, 0, 123456),
    )
    values.update(changes)
    return TrackedOperation.new(**values)


def test_round_trip_keeps_every_field(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "journal.json")
    op = make_op(activity_id="55eb", status="InProgress", message="ok")
    journal.upsert(op)
    assert Journal(tmp_path / "journal.json").load() == [op]
    data = json.loads((tmp_path / "journal.json").read_text())
    assert data["schema"] == SCHEMA_VERSION


def test_upsert_replaces_by_key_and_remove_forgets(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "j.json")
    op = make_op()
    journal.upsert(op)
    assert journal.load()[0].status == STARTING
    journal.upsert(op.with_changes(activity_id="a1", status="NotStarted"))
    (loaded,) = journal.load()
    assert loaded.activity_id == "a1"
    journal.remove(op.key)
    assert journal.load() == []


def test_corrupt_journal_is_set_aside_with_a_message(tmp_path: Path) -> None:
    path = tmp_path / "j.json"
    path.write_text('{"schema": 1, "operations": [{"kind": ')
    journal = Journal(path)
    assert journal.load() == []
    assert journal.recovered_from is not None
    assert "could not be read" in journal.recovered_from
    aside = list(tmp_path.glob("j.json.corrupt-*"))
    assert len(aside) == 1 and aside[0].read_text().startswith('{"schema"')
    journal.upsert(make_op())  # the app keeps working
    assert len(Journal(path).load()) == 1


def test_unknown_schema_is_not_misread(tmp_path: Path) -> None:
    path = tmp_path / "j.json"
    path.write_text(json.dumps({"schema": 99, "operations": []}))
    journal = Journal(path)
    assert journal.load() == []
    assert journal.recovered_from and "schema" in journal.recovered_from


def test_no_temporary_files_left_behind(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "j.json")
    for _ in range(5):
        journal.upsert(make_op())
    leftovers = [p.name for p in tmp_path.iterdir() if p.suffix == ".tmp"]
    assert leftovers == []
    assert len(journal.load()) == 5
