"""`envs` and `history` over several profiles: one table, or one JSON document.

The table gets a PROFILE column, its rows in the order the profiles were
given (`--all-profiles`: the profiles file's order). The JSON documents
(`lcs-tui/envs-profiles/v1`, `lcs-tui/history-profiles/v1`, see
docs/scripting.md) list every profile with its own exit code and error,
and the rows, each naming its profile and project.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import Any

from lcs_tui.commands.across import ProfileRun, report_failed_profiles, worst
from lcs_tui.commands.failures import Failure
from lcs_tui.commands.output import emit_json, err, print_table, schema_id, shown, speaking_for
from lcs_tui.commands.pp_reading import PpEnvsRead, PpHistoryRead, pp_history_json
from lcs_tui.commands.pp_view import environment_ref
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
from lcs_tui.commands.suggest import Named, unknown_in_profiles


def report_envs(args: argparse.Namespace, runs: list[ProfileRun[EnvsRead | PpEnvsRead]]) -> int:
    code = worst([run.code for run in runs])
    read = [(run.name, run.result) for run in runs if run.result is not None]
    mixed = any(run.backend == "powerplatform" for run in runs)
    if args.json:
        emit_json(
            {
                "schema": schema_id("envs-profiles"),
                "exit_code": code,
                "error": None,
                "profiles": [run.to_json() for run in runs],
                "environments": [row for name, found in read for row in _env_rows(name, found)],
            }
        )
    elif read and not mixed:
        lcs = [(name, found) for name, found in read if isinstance(found, EnvsRead)]
        print_table(
            ["PROFILE", *envs_headers(bool(args.quota))],
            [[name, *found.row(env)] for name, found in lcs for env in found.environments],
        )
    elif read:
        # LCS projects and Power Platform tenants side by side: the columns they share.
        print_table(
            ["PROFILE", "BACKEND", "NAME", "TYPE", "STATE", "REGION", "VERSION", "ID"]
            + (["BUSY"] if args.quota else []),
            [row for name, found in read for row in _shared_rows(name, found, bool(args.quota))],
        )
    for name, found in read:
        if not found.environments:
            with speaking_for(name):
                if isinstance(found, EnvsRead):
                    err(f"project {found.project_id} has no environments")
                else:
                    err("the tenant has no environments with finance and operations apps")
    report_failed_profiles(runs)
    return code


def _env_rows(name: str, found: EnvsRead | PpEnvsRead) -> list[dict[str, Any]]:
    if isinstance(found, EnvsRead):
        return [
            {
                **found.row_json(env),
                "profile": name,
                "project_id": found.project_id,
                "backend": "lcs",
            }
            for env in found.environments
        ]
    return [
        {**found.row_json(env), "profile": name, "project_id": None} for env in found.environments
    ]


def _shared_rows(
    name: str, found: EnvsRead | PpEnvsRead, with_busy: bool
) -> list[list[str | None]]:
    rows: list[list[str | None]] = []
    if isinstance(found, EnvsRead):
        for env in found.environments:
            row = [
                name,
                "lcs",
                env.name,
                env.type,
                env.deployment_status or env.deployment_state,
                env.region,
                env.app_release,
                env.id,
            ]
            if with_busy:
                row.append("busy" if env.id in found.busy else None)
            rows.append(row)
        return rows
    for pp in found.environments:
        version = pp.details.application_version if pp.details else None
        row = [name, "powerplatform", pp.name, pp.kind_label, pp.state, pp.region, version, pp.id]
        if with_busy:
            row.append("busy" if pp.id in found.busy else None)
        rows.append(row)
    return rows


def report_history(
    args: argparse.Namespace, runs: list[ProfileRun[HistoryRead | PpHistoryRead]]
) -> int:
    there = [
        (run.name, found)
        for run in runs
        if (found := run.result) is not None and found.environment is not None
    ]
    nowhere = None if there or not any(run.result for run in runs) else _nowhere(args.env, runs)
    code = worst([run.code for run in runs] + ([nowhere.code] if nowhere else []))
    mixed = any(run.backend == "powerplatform" for run in runs)
    if args.json:
        emit_json(
            {
                "schema": schema_id("history-profiles"),
                "exit_code": code,
                "error": nowhere.to_json() if nowhere else None,
                "profiles": [{**run.to_json(), **_reach(run.result)} for run in runs],
                "entries": [row for name, found in there for row in _history_rows(name, found)],
            }
        )
    elif there and not mixed:
        lcs = [(name, found) for name, found in there if isinstance(found, HistoryRead)]
        print_table(
            ["PROFILE", *history_headers()],
            [[name, *history_row(entry)] for name, found in lcs for entry in found.entries or []],
        )
    elif there:
        print_table(
            ["PROFILE", "BACKEND", "STARTED (UTC)", "ENDED (UTC)", "STATUS", "OPERATION", "ID"],
            [row for name, found in there for row in _shared_history(name, found)],
        )
    for name, found in there:
        if found.has_more:
            with speaking_for(name):
                err(more_history_hint(found.pages_read))
    if nowhere is not None:
        nowhere.print()
    report_failed_profiles(runs)
    return code


def _history_rows(name: str, found: HistoryRead | PpHistoryRead) -> list[dict[str, Any]]:
    if isinstance(found, HistoryRead):
        return [
            {
                **history_json(entry),
                "profile": name,
                "project_id": found.project_id,
                "backend": "lcs",
                "environment": environment_json(found.environment),
            }
            for entry in found.entries or []
        ]
    return [
        {
            **pp_history_json(entry),
            "profile": name,
            "project_id": None,
            "backend": "powerplatform",
            "environment": environment_ref(found.environment),
        }
        for entry in found.entries or []
    ]


def _shared_history(name: str, found: HistoryRead | PpHistoryRead) -> list[list[str | None]]:
    if isinstance(found, HistoryRead):
        return [
            [
                name,
                "lcs",
                shown(h.started),
                shown(h.ended),
                h.status.word,
                h.type_display or h.type,
                h.activity_id,
            ]
            for h in found.entries or []
        ]
    return [
        [
            name,
            "powerplatform",
            shown(e.started),
            shown(e.ended),
            e.status.word,
            e.name,
            e.operation_id,
        ]
        for e in found.entries or []
    ]


def _reach(found: HistoryRead | PpHistoryRead | None) -> dict[str, Any]:
    """A profile's entry: which environment ENV is there (null: none), how much was read."""
    if isinstance(found, PpHistoryRead):
        environment = environment_ref(found.environment)
    else:
        environment = environment_json(found.environment) if found else None
    return {
        "environment": environment,
        "pages_read": found.pages_read if found else 0,
        "has_more": found.has_more if found else False,
    }


def _nowhere(wanted: str, runs: list[ProfileRun[HistoryRead | PpHistoryRead]]) -> Failure:
    """ENV is in none of the profiles read: a usage error, with the closest names."""
    read: list[tuple[str, Sequence[Named]]] = [
        (run.name, run.result.environments) for run in runs if run.result is not None
    ]
    return unknown_in_profiles(wanted, read, [run.name for run in runs if run.result is None])
