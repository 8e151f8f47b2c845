"""Subcommand families of the `lcs-tui` command line.

Each module exposes `register(subparsers)`, which adds its subcommands and
sets `func` on each: `func(args: argparse.Namespace) -> int` returns the exit
code. Modules import their heavy dependencies inside `func`, never at import.
"""
