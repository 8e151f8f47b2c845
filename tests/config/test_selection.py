"""Which profiles `--profile a,b` and `--all-profiles` ask for."""

from __future__ import annotations

from pathlib import Path

import pytest

from lcs_tui.config import Config, ConfigError, make_profile
from lcs_tui.config.selection import SelectionError, select_profiles


def config(*names: str) -> Config:
    made = Config(path=Path("profiles.toml"))
    for name in names:
        made = made.with_profile(
            make_profile(
                name=name,
                tenant="contoso.onmicrosoft.com",
                client_id="aaaaaaaa-0000-0000-0000-000000000001",
                project_id=1234567,
                geography="eu",
                sign_in_method="device-code",
            )
        )
    return made


def test_one_name_or_none_is_the_one_profile_form() -> None:
    assert select_profiles(config("a"), None, every=False) is None
    assert select_profiles(config("a"), "a", every=False) is None
    assert select_profiles(config(), "missing", every=False) is None  # checked as always, later


def test_a_list_keeps_its_order_and_names_each_once() -> None:
    assert select_profiles(config("a", "b", "c"), " c, a ,c", every=False) == ("c", "a")


def test_every_profile_in_the_files_order() -> None:
    assert select_profiles(config("b", "a"), None, every=True) == ("b", "a")


@pytest.mark.parametrize(
    ("given", "every", "error", "words"),
    [
        ("a,,b", False, SelectionError, "empty name"),
        ("a,", False, SelectionError, "empty name"),
        ("a,b", True, SelectionError, "both given"),
        ("a,zzz", False, ConfigError, "no profile named 'zzz'"),
        (None, True, None, "no profile yet"),
    ],
)
def test_what_cannot_work_says_why(
    given: str | None, every: bool, error: type[Exception] | None, words: str
) -> None:
    names = () if words == "no profile yet" else ("a", "b")
    with pytest.raises(error or ConfigError, match=words):
        select_profiles(config(*names), given, every=every)
