"""`envs` and `history` over several profiles: one table, or one JSON document.

The table gets a PROFILE column, its rows in the order the profiles were
given (`--all-profiles`: the profiles file's order). The JSON documents
(`lcs-tui/envs-profiles/v1`, `lcs-tui/history-profiles/v1`, see
docs/scripting.md) list every profile with its own exit code and error,
and the rows, each naming its profile and project.
"""

from __future__ import annotations

import argparse
from typing import Any

from lcs_tui.commands.across import ProfileRun, report_failed_profiles, worst
from lcs_tui.commands.failures import Failure
from lcs_tui.commands.output import emit_json, err, print_table, schema_id, speaking_for
from lcs_tui.commands.reading import (
    EnvsRead,
    HistoryRead,
    envs_headers,
    history_headers,
    history_json,
    history_row,
    more_history_hint,
)
from lcs_tui.commands.runtime import environment_json
from lcs_tui.commands.suggest import unknown_in_profiles


def report_envs(args: argparse.Namespace, runs: list[ProfileRun[EnvsRead]]) -> int:
    code = worst([run.code for run in runs])
    read = [(run.name, run.result) for run in runs if run.result is not None]
    if args.json:
        emit_json(
            {
                "schema": schema_id("envs-profiles"),
                "exit_code": code,
                "error": None,
                "profiles": [run.to_json() for run in runs],
                "environments": [
                    {**found.row_json(env), "profile": name, "project_id": found.project_id}
                    for name, found in read
                    for env in found.environments
                ],
            }
        )
    elif read:
        print_table(
            ["PROFILE", *envs_headers(bool(args.quota))],
            [[name, *found.row(env)] for name, found in read for env in found.environments],
        )
    for name, found in read:
        if not found.environments:
            with speaking_for(name):
                err(f"project {found.project_id} has no environments")
    report_failed_profiles(runs)
    return code


def report_history(args: argparse.Namespace, runs: list[ProfileRun[HistoryRead]]) -> int:
    there = [
        (run.name, found)
        for run in runs
        if (found := run.result) is not None and found.environment is not None
    ]
    nowhere = None if there or not any(run.result for run in runs) else _nowhere(args.env, runs)
    code = worst([run.code for run in runs] + ([nowhere.code] if nowhere else []))
    if args.json:
        emit_json(
            {
                "schema": schema_id("history-profiles"),
                "exit_code": code,
                "error": nowhere.to_json() if nowhere else None,
                "profiles": [{**run.to_json(), **_reach(run.result)} for run in runs],
                "entries": [
                    {
                        **history_json(entry),
                        "profile": name,
                        "project_id": found.project_id,
                        "environment": environment_json(found.environment),
                    }
                    for name, found in there
                    for entry in found.entries or []
                ],
            }
        )
    elif there:
        print_table(
            ["PROFILE", *history_headers()],
            [[name, *history_row(entry)] for name, found in there for entry in found.entries or []],
        )
    for name, found in there:
        if found.has_more:
            with speaking_for(name):
                err(more_history_hint(found.pages_read))
    if nowhere is not None:
        nowhere.print()
    report_failed_profiles(runs)
    return code


def _reach(found: HistoryRead | None) -> dict[str, Any]:
    """A profile's entry: which environment ENV is there (null: none), how much was read."""
    return {
        "environment": environment_json(found.environment) if found else None,
        "pages_read": found.pages_read if found else 0,
        "has_more": found.has_more if found else False,
    }


def _nowhere(wanted: str, runs: list[ProfileRun[HistoryRead]]) -> Failure:
    """ENV is in none of the profiles read: a usage error, with the closest names."""
    read = [(run.name, run.result.environments) for run in runs if run.result is not None]
    return unknown_in_profiles(wanted, read, [run.name for run in runs if run.result is None])
