"""`[keys]` in the profiles file: the user's own keys, read, checked and kept."""

from __future__ import annotations

import string
from pathlib import Path

import pytest

from lcs_tui.config import ConfigError, Keymap, config_path, load_config
from lcs_tui.config.keymap import key_problem
from tests.auth.cli import run
from tests.auth.keyrings import MemoryKeyring

PROFILE = """
version = 1
default = "contoso"

[profiles.contoso]
tenant = "contoso.onmicrosoft.com"
client_id = "aaaaaaaa-0000-0000-0000-000000000001"
project_id = 1234567
sign_in_method = "device-code"
"""


def write(text: str) -> Path:
    path = config_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_one_key_several_keys_or_none() -> None:
    write(
        PROFILE
        + """
[keys]
refresh = "R"
quit = ["q", "ctrl+q", "q"]
help = "question_mark"
import_help = []
"""
    )
    keys = load_config().keys
    assert dict(keys) == {
        "refresh": ("R",),
        "quit": ("q", "ctrl+q"),  # a key given twice counts once
        "help": ("question_mark",),
        "import_help": (),  # no key: the palette still has the action
    }
    assert "export" not in keys  # not named: the app's own keys stay
    assert keys.line_of("quit") == 13 and keys.path == config_path()


def test_without_a_keys_table_nothing_is_remapped() -> None:
    write(PROFILE)
    assert dict(load_config().keys) == {}
    assert dict(load_config(config_path().with_name("absent.toml")).keys) == {}


@pytest.mark.parametrize(
    ("line", "words"),
    [
        ("refresh = 5", "a key in quotes"),
        ("refresh = { key = 'R' }", "a key in quotes"),
        ('refresh = ["R", 5]', "a key in quotes"),
        ('refresh = ""', "an empty key"),
        ('refresh = "ctrl + r"', "blank"),
        ('refresh = "Ctrl+R"', "lower case: 'ctrl+r'"),
        ('refresh = "F5"', "lower case: 'f5'"),
        ('refresh = "escpae"', "did you mean 'escape'?"),
        ('refresh = "cmd+r"', "'cmd' is not a modifier"),
        ('refresh = "r,R"', "several keys go in a list"),
        ('refresh = "ctrl++"', "'plus'"),
        ('"re fresh" = "r"', "not an action name"),
    ],
)
def test_a_wrong_shape_names_the_file_the_line_and_the_action(line: str, words: str) -> None:
    path = write(PROFILE + f"\n[keys]\nquit = 'q'\n{line}\n")
    with pytest.raises(ConfigError) as caught:
        load_config()
    error = caught.value
    assert error.path == path and error.line == 13
    assert words in error.message
    assert str(path) in str(error) and "line 13" in str(error)


def test_keys_must_be_a_table() -> None:
    write('keys = "R"\n' + PROFILE)
    with pytest.raises(ConfigError, match="must be a table") as caught:
        load_config()
    assert caught.value.line == 1


def test_the_app_reports_action_names_it_does_not_have() -> None:
    path = write(PROFILE + '\n[keys]\nrefresh = "R"\nrefersh_all = "A"\nquit = "x"\n')
    known = ["refresh", "refresh_all", "quit", "help"]
    problems = load_config().keys.check(known)
    assert len(problems) == 1
    (problem,) = problems
    assert problem.path == path and problem.line == 13 and problem.key == "refersh_all"
    assert "did you mean 'refresh_all'?" in problem.message
    assert problem.hint == "actions: help, quit, refresh, refresh_all"
    assert load_config().keys.check([*known, "refersh_all"]) == []


def test_profile_changes_keep_the_keys(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    memory_keyring: MemoryKeyring,
) -> None:
    write(PROFILE + '\n[keys]\nrefresh = "R"\nquit = ["q", "ctrl+q"]\n')
    result = run(
        capsys,
        monkeypatch,
        "profile", "add", "fabrikam", "--no-input",
        "--tenant", "contoso.onmicrosoft.com",
        "--client-id", "aaaaaaaa-0000-0000-0000-000000000001",
        "--project-id", "2345678", "--geography", "eu", "--method", "device-code",
    )  # fmt: skip
    assert result.code == 0, result.err
    config = load_config()
    assert set(config.profiles) == {"contoso", "fabrikam"}
    assert dict(config.keys) == {"refresh": ("R",), "quit": ("q", "ctrl+q")}
    assert run(capsys, monkeypatch, "profile", "remove", "fabrikam").code == 0
    assert dict(load_config().keys) == {"refresh": ("R",), "quit": ("q", "ctrl+q")}


def test_every_key_textual_names_is_accepted() -> None:
    """The headless check must not refuse a key the app could bind."""
    from textual.keys import Keys, _character_to_key

    named = [k.value for k in Keys if not k.value.startswith("<") and "-" not in k.value]
    characters = [_character_to_key(c) for c in string.printable if not c.isspace()]
    refused = {k: key_problem(k) for k in [*named, *characters] if key_problem(k) is not None}
    assert refused == {}
    assert key_problem("ctrl+shift+f12") is None and key_problem("R") is None


def test_a_keymap_reads_like_a_mapping() -> None:
    keymap = Keymap({"quit": ("q",)})
    assert keymap.get("quit") == ("q",) and keymap.get("help", ("?",)) == ("?",)
    assert list(keymap) == ["quit"] and len(keymap) == 1 and keymap.line_of("quit") is None
