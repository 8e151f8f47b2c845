"""Starting the TUI from the command line (imports Textual only when called)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from lcs_tui.untrusted import inert

if TYPE_CHECKING:
    from lcs_tui.service.operations import TrackedOperation


def run_tui(*, profile: str | None, demo: bool, read_only: bool) -> int:
    from lcs_tui.tui import collector

    # Before the heavy imports; the app resumes it once its first full screen
    # is shown (collector.py).
    collector.pause_for_start_up()
    from lcs_tui.workspace import open_demo

    if demo:
        workspace = open_demo(read_only=read_only)
    else:
        from lcs_tui.tui.first_run import choose_workspace

        chosen = choose_workspace(profile, read_only=read_only)
        if chosen is None:
            return 0
        workspace = chosen
    # Sign in while Textual starts: the first full screen waits for both.
    # MSAL is imported here, not in the thread: two threads importing at once
    # only take turns on the interpreter lock, which made both slower.
    import msal  # noqa: F401

    workspace.start_sign_in_early()
    from lcs_tui.tui.app import LcsApp

    app = LcsApp(workspace)
    app.run()
    note = farewell(app.still_running, demo=workspace.demo)
    if note:
        print(note)
    if app.interrupted_downloads:
        from lcs_tui.tui.widgets.downloads import farewell_downloads

        profile = workspace.profile.name
        print(farewell_downloads(app.interrupted_downloads, profile=profile, demo=workspace.demo))
    return 0


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
