"""Starting the TUI from the command line (imports Textual only when called)."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from lcs_tui.untrusted import inert

if TYPE_CHECKING:
    from lcs_tui.service.operations import TrackedOperation
    from lcs_tui.startup import StartUp


def run_tui(*, profile: str | None, demo: bool, read_only: bool) -> int:
    """Open the app. `profile`: one name, a comma-separated list, or None
    (the workspaces of the last session, else the default profile)."""
    from lcs_tui.tui import collector

    # Before the heavy imports; the app resumes it once its first full screen
    # is shown (collector.py).
    collector.pause_for_start_up()
    start = _start(profile, demo=demo, read_only=read_only)
    if start is None:
        return 0
    # Sign in while Textual starts: the first full screen waits for both.
    # MSAL is imported here, not in the thread: two threads importing at once
    # only take turns on the interpreter lock, which made both slower.
    import msal  # noqa: F401

    first = next(
        (ws for ws in start.workspaces if ws.profile.name == start.shown), start.workspaces[0]
    )
    first.start_sign_in_early()
    from lcs_tui.tui.app import LcsApp
    from lcs_tui.tui.keymap import Keymap

    app = LcsApp(
        start.workspaces,
        keys=Keymap(start.keys),
        profiles=start.profiles,
        open_profile=start.open_profile,
        shown=first.profile.name,
        theme=start.theme,
        notices=[*start.key_problems, *([start.notice] if start.notice else [])],
        jobs=start.jobs,
    )
    app.run()
    if demo and start.jobs is not None:
        import shutil

        # The demo's jobs, their state and what they downloaded: the next
        # --demo starts afresh, like its simulated LCS.
        shutil.rmtree(start.jobs[0].path.parent, ignore_errors=True)
    if start.remember:
        from lcs_tui.startup import remember

        problem = remember(app.shown, list(app.runtimes), app.theme)
        if problem:
            print(inert(f"lcs-tui: {problem}"), file=sys.stderr)
    note = farewell(app.still_running, demo=demo)
    if note:
        print(note)
    if app.interrupted:
        from lcs_tui.tui.widgets.downloads import farewell_downloads

        for name, items in app.interrupted.items():
            print(farewell_downloads(items, profile=name, demo=demo))
    return 0


def _start(profile: str | None, *, demo: bool, read_only: bool) -> StartUp | None:
    from lcs_tui.startup import StartUp, demo_start, profiles_start, remembered_start

    if demo:
        return demo_start(read_only=read_only)
    from lcs_tui.config import ConfigError, load_config

    try:
        config = load_config()
    except ConfigError as exc:
        print(inert(f"lcs-tui: {exc}", newlines=True), file=sys.stderr)
        return None
    try:
        if not config.profiles:
            from lcs_tui.tui.first_run import choose_workspace

            chosen = choose_workspace(profile, read_only=read_only)
            return None if chosen is None else StartUp([chosen], [chosen.profile.name])
        if profile is None:
            return remembered_start(config, read_only=read_only)
        names = [name.strip() for name in profile.split(",") if name.strip()]
        return profiles_start(config, names, read_only=read_only)
    except ConfigError as exc:
        print(inert(f"lcs-tui: {exc}", newlines=True), file=sys.stderr)
        return None


def farewell(running: Sequence[TrackedOperation], *, demo: bool) -> str | None:
    """What to tell a user who quits while operations are still running in LCS.

    They go on without the app (LCS runs them); nothing is lost by quitting.
    """
    if not running:
        return None
    count = len(running)
    lines = [
        f"lcs-tui: {count} operation{'s' if count > 1 else ''} still running in LCS "
        "(quitting does not stop them):"
    ]
    # Titles, status words and ids came from LCS (or from the journal).
    lines += [
        inert(f"  {op.title()}  {op.status}  activity id {op.activity_id or '—'}", limit=300)
        for op in running
    ]
    lines.append(
        "The demo's simulated LCS stopped with the app; the next --demo starts afresh."
        if demo
        else "lcs-tui watches them again when it next starts with this profile."
    )
    return "\n".join(lines)
