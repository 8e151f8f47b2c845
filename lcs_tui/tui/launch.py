"""Starting the TUI from the command line (imports Textual only when called)."""

from __future__ import annotations


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

    LcsApp(workspace).run()
    return 0
