"""Which profiles a command line asks for: `--profile a,b` or `--all-profiles`.

One name (or none: the default profile) is the classic form every command
has always had; `select_profiles` returns None for it and the caller goes on
as before. A list or `--all-profiles` asks for several at once — the form a
command's output then takes does not depend on how many profiles the file
happens to hold, so a script's parser keeps working when one is added.
"""

from __future__ import annotations

from lcs_tui.config.store import Config, ConfigError


class SelectionError(ValueError):
    """The command line names profiles in a way that cannot work (a usage error)."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


def asks_for_several(given: str | None, *, every: bool) -> bool:
    """Whether the command line asks for several profiles (before reading any file)."""
    return every or (given is not None and "," in given)


def select_profiles(config: Config, given: str | None, *, every: bool) -> tuple[str, ...] | None:
    """The profiles asked for, in order (duplicates once); None for the one-profile form.

    `given` is --profile's text, `every` is --all-profiles. Raises
    SelectionError for both at once or an empty name in the list, and
    ConfigError for a name the file does not have (or no profile at all).
    """
    if not asks_for_several(given, every=every):
        return None
    if every and given is not None:
        raise SelectionError(
            "--profile and --all-profiles both given",
            "give a list (--profile contoso,fabrikam) or --all-profiles, not both",
        )
    if every:
        if not config.profiles:
            raise ConfigError("no profile yet", hint="create one with: lcs-tui profile add")
        return tuple(config.profiles)
    assert given is not None
    names = [name.strip() for name in given.split(",")]
    if any(not name for name in names):
        raise SelectionError(
            f"--profile {given!r} holds an empty name",
            "separate profile names with commas: --profile contoso,fabrikam",
        )
    for name in names:
        config.get(name)  # ConfigError naming the known profiles
    return tuple(dict.fromkeys(names))
