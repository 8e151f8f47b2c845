"""Every action of the app, declared once.

An action is a name, the keys it has by default, where it applies, what the
footer, the help page and the command palette call it, and whether it
changes something in LCS (then `--read-only` turns it off). The key
bindings, the footer, the help page and the palette are all drawn from this
list and the user's key map (keymap.py), so a remapped key shows everywhere
the action is listed and nothing can disagree.

Scopes: "app" (anywhere), "workspace" (one project's screen), the panes
"backups" and "operations" (their actions run on the workspace's screen),
"jobs" (the jobs pane; its actions too run on the workspace's screen) and
"tables" (every table's own moves). A Power Platform workspace's screen has
"unified" and "unified_backups" (its backups table), and of "workspace" only
the actions in SHARED_WITH_UNIFIED.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Scope = Literal[
    "app", "workspace", "backups", "operations", "jobs", "tables", "unified", "unified_backups"
]


@dataclass(frozen=True, slots=True)
class Action:
    """One thing the user can do, and how it is offered."""

    #: The name users write in `[keys]` of the config file, and the binding id.
    name: str
    #: Default keys (Textual key names: "r", "ctrl+r", "question_mark").
    keys: tuple[str, ...]
    #: What Textual calls (may carry arguments: "sort_backups(True)").
    target: str
    scope: Scope
    #: The footer's label; empty: not in the footer.
    label: str
    #: The palette's name for it.
    title: str
    #: One line for the help page and the palette.
    help: str
    #: The help page's section.
    section: str
    #: Changes something in LCS: off (and said so) with --read-only.
    mutating: bool = False
    #: Offered in the command palette.
    palette: bool = True
    #: Shown in the footer (when it has a label).
    footer: bool = True
    #: What "… is off" names with --read-only (default: the label).
    off_label: str = ""
    #: The help line on a Power Platform workspace, where it differs.
    unified_help: str = ""


_COMMON_AND_LCS: tuple[Action, ...] = (
    Action(
        name="refresh",
        keys=("r",),
        target="refresh",
        scope="workspace",
        label="Refresh",
        title="Refresh a sandbox",
        help="copy a database over a sandbox (checked, then confirmed by typing its name)",
        section="Operations",
        mutating=True,
    ),
    Action(
        name="export",
        keys=("e",),
        target="export",
        scope="workspace",
        label="Export",
        title="Export a sandbox",
        help="export a sandbox's database to a backup (.bacpac)",
        section="Operations",
        mutating=True,
    ),
    Action(
        name="watch",
        keys=("w",),
        target="watch",
        scope="workspace",
        label="Watch",
        title="Watch an operation by activity id",
        help="watch an operation started in the portal or a pipeline",
        section="Operations",
    ),
    Action(
        name="import_info",
        keys=("i",),
        target="import_info",
        scope="workspace",
        label="Import",
        title="Import a backup",
        help="why there is no import, and where to do it in the portal",
        section="Operations",
        footer=False,
    ),
    Action(
        name="forget_operation",
        keys=("x",),
        target="screen.forget_operation",
        scope="operations",
        label="Stop watching",
        title="Stop watching the operation",
        help="stop watching the highlighted operation (it goes on in LCS)",
        unified_help="forget the highlighted operation once it has ended",
        section="Operations",
    ),
    Action(
        name="job_details",
        keys=("enter",),
        target="screen.job_details",
        scope="jobs",
        label="Steps",
        title="Show the job's steps",
        help="the highlighted job's steps, where each stands, and its last run",
        section="Jobs",
        palette=False,
    ),
    Action(
        name="pause_job",
        keys=("space",),
        target="screen.pause_job",
        scope="jobs",
        label="Pause/resume",
        title="Pause or resume the job",
        help="pause the highlighted job (a running step goes on in LCS), or resume it",
        section="Jobs",
        palette=False,
    ),
    Action(
        name="run_job_now",
        keys=("n",),
        target="screen.run_job_now",
        scope="jobs",
        label="Run now",
        title="Run the job now",
        help="start the highlighted job's next run now instead of at its time",
        section="Jobs",
        mutating=True,
        palette=False,
    ),
    Action(
        name="cancel_job",
        keys=("x",),
        target="screen.cancel_job",
        scope="jobs",
        label="Cancel job",
        title="Cancel the job's run",
        help="cancel the job's run, after asking (a step started in LCS goes on)",
        section="Jobs",
        palette=False,
    ),
    Action(
        name="start_stop",
        keys=("t",),
        target="start_stop",
        scope="workspace",
        label="Start/stop",
        off_label="Start and stop",
        title="Start or stop the environment",
        help="start or stop the highlighted environment (customer-managed only)",
        section="Environments",
        mutating=True,
        footer=False,
    ),
    Action(
        name="download",
        keys=("d",),
        target="download",
        scope="workspace",
        label="Download",
        title="Download the backup",
        help="download the highlighted backup in the background (resumable)",
        section="Backups",
    ),
    Action(
        name="filter",
        keys=("slash",),
        target="filter",
        scope="workspace",
        label="Filter",
        title="Filter backups",
        help="filter the backups as you type (↓ or Enter to the matches, Esc closes it)",
        section="Backups",
    ),
    Action(
        name="sort_backups",
        keys=("s",),
        target="screen.sort_backups",
        scope="backups",
        label="Sort",
        title="Sort backups",
        help="sort the backups by the next column",
        section="Backups",
    ),
    Action(
        name="reverse_backups",
        keys=("S",),
        target="screen.sort_backups(True)",
        scope="backups",
        label="",
        title="Reverse the backups' order",
        help="reverse the order of the backups",
        section="Backups",
        footer=False,
    ),
    Action(
        name="toggle_log",
        keys=("l",),
        target="toggle_log",
        scope="workspace",
        label="Log",
        title="Toggle the request log",
        help="show or hide the request log (every call, with its activity id)",
        section="Views",
    ),
    Action(
        name="zoom",
        keys=("z",),
        target="zoom",
        scope="workspace",
        label="Zoom",
        title="Zoom the focused pane",
        help="give the focused pane the whole screen, or give it back (Esc too)",
        section="Views",
        footer=False,
    ),
    Action(
        name="reload",
        keys=("ctrl+r",),
        target="reload",
        scope="workspace",
        label="Reload",
        title="Reload",
        help="reload environments, backups and history",
        section="Views",
        footer=False,
    ),
    Action(
        name="cursor_down",
        keys=("j",),
        target="cursor_down",
        scope="tables",
        label="",
        title="Next row",
        help="next row (also ↓)",
        section="Moving",
        palette=False,
        footer=False,
    ),
    Action(
        name="cursor_up",
        keys=("k",),
        target="cursor_up",
        scope="tables",
        label="",
        title="Previous row",
        help="previous row (also ↑)",
        section="Moving",
        palette=False,
        footer=False,
    ),
    Action(
        name="first_row",
        keys=("g", "home"),
        target="scroll_top",
        scope="tables",
        label="",
        title="First row",
        help="first row",
        section="Moving",
        palette=False,
        footer=False,
    ),
    Action(
        name="last_row",
        keys=("G", "end"),
        target="scroll_bottom",
        scope="tables",
        label="",
        title="Last row",
        help="last row",
        section="Moving",
        palette=False,
        footer=False,
    ),
    Action(
        name="projects",
        keys=("p",),
        target="projects",
        scope="app",
        label="Projects",
        title="Switch project",
        help="every profile with its state; opens one that is not open yet",
        section="Projects",
    ),
    Action(
        name="overview",
        keys=("o",),
        target="overview",
        scope="app",
        label="Overview",
        title="Overview of all projects",
        help="every running operation and every environment's quota, most urgent first",
        section="Projects",
    ),
    Action(
        name="next_project",
        keys=("right_square_bracket",),
        target="next_project",
        scope="app",
        label="",
        title="Next project",
        help="the next open project",
        section="Projects",
        footer=False,
    ),
    Action(
        name="previous_project",
        keys=("left_square_bracket",),
        target="previous_project",
        scope="app",
        label="",
        title="Previous project",
        help="the previous open project",
        section="Projects",
        footer=False,
    ),
    Action(
        name="help",
        keys=("question_mark",),
        target="help",
        scope="app",
        label="Help",
        title="Help",
        help="every key (this page)",
        section="Help",
    ),
    Action(
        name="quit",
        keys=("q",),
        target="quit",
        scope="app",
        label="Quit",
        title="Quit",
        help="quit (operations go on in LCS; downloads resume next time)",
        unified_help="quit (copies and restores go on in Power Platform)",
        section="Help",
    ),
)

#: The Power Platform workspace's own actions (tui/unified/).
UNIFIED_ACTIONS: tuple[Action, ...] = (
    Action(
        name="copy",
        keys=("c",),
        target="copy",
        scope="unified",
        label="Copy",
        title="Copy an environment",
        help="copy an environment over a unified sandbox or UDE (validated first, "
        "confirmed by typing its name)",
        section="Unified environments",
        mutating=True,
    ),
    Action(
        name="restore",
        keys=("r",),
        target="restore",
        scope="unified",
        label="Restore",
        title="Restore a backup",
        help="restore the highlighted backup (or a point in time) into a sandbox",
        section="Unified environments",
        mutating=True,
    ),
    Action(
        name="create_backup",
        keys=("b",),
        target="create_backup",
        scope="unified",
        label="Back up",
        title="Back up an environment",
        help="make a manual backup of the highlighted environment, with a label",
        section="Unified environments",
        mutating=True,
    ),
    Action(
        name="delete_backup",
        keys=("delete",),
        target="screen.delete_backup",
        scope="unified_backups",
        label="Delete",
        title="Delete the backup",
        help="delete the highlighted manual backup (asked first)",
        section="Unified environments",
        mutating=True,
    ),
    Action(
        name="all_environments",
        keys=("a",),
        target="all_environments",
        scope="unified",
        label="All",
        title="Show every environment",
        help="show the tenant's environments without F&O too (or hide them again)",
        section="Unified environments",
        footer=False,
    ),
    Action(
        name="no_export",
        keys=("e", "d"),
        target="no_export",
        scope="unified",
        label="",
        title="Export or download a backup",
        help="why unified environments have no bacpac export or download",
        section="Unified environments",
        footer=False,
    ),
)
ACTIONS: tuple[Action, ...] = _COMMON_AND_LCS + UNIFIED_ACTIONS
#: Workspace actions a Power Platform workspace's screen offers too.
SHARED_WITH_UNIFIED = ("toggle_log", "zoom", "reload", "forget_operation")
#: The scopes of an LCS workspace's screen, and of a Power Platform one's.
LCS_SCOPES = frozenset({"workspace", "backups", "operations", "jobs"})
UNIFIED_SCOPES = frozenset({"unified", "unified_backups"})


def offered(action: Action, *, unified: bool) -> bool:
    """Whether a workspace of this backend offers the action (the palette's list)."""
    if action.scope in ("app", "tables"):
        return True
    if unified:
        return (
            action.scope in UNIFIED_SCOPES
            or action.scope == "jobs"
            or action.name in SHARED_WITH_UNIFIED
        )
    return action.scope not in UNIFIED_SCOPES


BY_NAME: dict[str, Action] = {action.name: action for action in ACTIONS}
#: The names a user may remap in the `[keys]` table of the config file.
ACTION_NAMES: tuple[str, ...] = tuple(BY_NAME)
#: The help page's sections, in order.
SECTIONS = (
    "Operations",
    "Unified environments",
    "Jobs",
    "Environments",
    "Backups",
    "Views",
    "Moving",
    "Projects",
    "Help",
)


def in_scope(scope: Scope) -> tuple[Action, ...]:
    return tuple(action for action in ACTIONS if action.scope == scope)
