"""A profiles file nested too deeply is a clear error, not a RecursionError.

Seen before: every command died with a RecursionError traceback.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from lcs_tui.cli import main
from lcs_tui.commands import exit_codes
from lcs_tui.config import ConfigError, load_config

DEPTH = 100_000
NESTED = {
    "array": "x = " + "[" * DEPTH + "]" * DEPTH + "\n",
    "inline-table": "x = " + "{a = " * DEPTH + "1" + "}" * DEPTH + "\n",
    "in-a-profile": '[profiles.contoso]\ntenant = "t"\nextra = ' + "[" * DEPTH + "]" * DEPTH,
}


@pytest.mark.parametrize("text", NESTED.values(), ids=NESTED.keys())
def test_load_config_names_the_file_and_what_to_do(tmp_path: Path, text: str) -> None:
    path = tmp_path / "profiles.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert caught.value.path == path
    assert str(path) in str(caught.value) and "nested too deeply" in str(caught.value)
    assert caught.value.hint and "lcs-tui profile add" in caught.value.hint


@pytest.mark.parametrize("argv", [("envs",), ("backups", "--json")])
def test_every_command_ends_with_the_config_exit_code(
    isolated_dirs: dict[str, Path],
    capsys: pytest.CaptureFixture[str],
    argv: tuple[str, ...],
) -> None:
    folder = isolated_dirs["config"] / "lcs-tui"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "profiles.toml").write_text(NESTED["array"])
    assert main(list(argv)) == exit_codes.CONFIG
    err = capsys.readouterr().err
    assert "profiles.toml" in err and "nested too deeply" in err and "Traceback" not in err
