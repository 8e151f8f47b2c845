"""Command-line entry point.

Parses arguments and hands over to the TUI or to a non-interactive command.
Nothing heavy is imported at module level: `lcs-tui --version` and the
scripting commands must not pay for Textual, and the TUI must not pay for the
simulator unless `--demo` asks for it.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from lcs_tui import __version__

# Each module registers its own subcommands (see lcs_tui/commands/__init__.py).
COMMAND_MODULES = (
    "lcs_tui.commands.simulator",
    "lcs_tui.commands.profile",
    "lcs_tui.commands.login",
    "lcs_tui.commands.reading",
    "lcs_tui.commands.operations",
    "lcs_tui.commands.status",
    "lcs_tui.commands.power",
    "lcs_tui.commands.jobs",
    "lcs_tui.commands.job_run",
)
#: The commands that read several profiles at once (--profile a,b, --all-profiles).
SEVERAL_PROFILES = ("envs", "history", "status", "run")


def build_parser(*, with_commands: bool = True) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="lcs-tui",
        description=(
            "Dynamics 365 F&O Lifecycle Services in your terminal: environments, "
            "database backups, refreshes, exports and downloads. "
            "Without a command, opens the interactive app."
        ),
    )
    parser.add_argument("--version", action="version", version=f"lcs-tui {__version__}")
    parser.add_argument(
        "--profile",
        metavar="NAME",
        help="profile to use (default: the default profile); several: NAME,NAME,...",
    )
    parser.add_argument(
        "--all-profiles",
        action="store_true",
        help="every profile of the profiles file (the app, envs, history, status)",
    )
    parser.add_argument(
        "--demo",
        action="store_true",
        help="open on the built-in LCS simulator: a seeded demo project, no Microsoft account",
    )
    parser.add_argument(
        "--read-only",
        action="store_true",
        help="hide and disable everything that changes something in LCS",
    )
    if not with_commands:
        return parser
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue  # a command family not built yet
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    words = list(sys.argv[1:] if argv is None else argv)
    # Opening the TUI needs none of the command modules: parse with the bare
    # options first and build the full parser only for a command or --help.
    bare = build_parser(with_commands=False)
    known, rest = bare.parse_known_args(words) if not _asks_for_help(words) else (None, words)
    args = known if known is not None and not rest else build_parser().parse_args(words)
    func = getattr(args, "func", None)
    if func is not None:
        several = args.all_profiles or "," in (args.profile or "")
        if several and args.command not in SEVERAL_PROFILES:
            from lcs_tui.commands.output import err

            err(
                f"lcs-tui {args.command}: one profile at a time (--profile NAME); "
                f"several profiles at once: lcs-tui {', '.join(SEVERAL_PROFILES)}"
            )
            return 2
        result: int = func(args)
        return result
    profile = args.profile
    if args.all_profiles:
        names = _every_profile(profile)
        if isinstance(names, int):
            return names
        profile = ",".join(names)  # the app takes a list as --profile NAME,NAME
    from lcs_tui.tui.launch import run_tui

    return run_tui(profile=profile, demo=args.demo, read_only=args.read_only)


def _every_profile(given: str | None) -> tuple[str, ...] | int:
    """The profiles --all-profiles opens in the app, or the exit code of why not."""
    from lcs_tui.commands.output import err
    from lcs_tui.config import ConfigError, load_config
    from lcs_tui.config.selection import SelectionError, select_profiles

    try:
        names = select_profiles(load_config(), given, every=True)
    except SelectionError as exc:
        err(f"lcs-tui: {exc.message}" + (f"; {exc.hint}" if exc.hint else ""))
        return 2
    except ConfigError as exc:
        err(f"lcs-tui: {exc}" + (f"; {exc.hint}" if exc.hint else ""))
        return 4
    assert names is not None
    return names


def _asks_for_help(words: list[str]) -> bool:
    return any(w in ("-h", "--help") for w in words)


if __name__ == "__main__":
    sys.exit(main())
