"""The sanitiser: every control made visible, nothing else changed."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lcs_tui.untrusted import ELLIPSIS, inert, json_text
from tests.hostile import DANGEROUS, HOSTILE, assert_inert


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_every_hostile_string_becomes_inert(name: str) -> None:
    assert_inert(inert(HOSTILE[name]))
    assert_inert(inert(HOSTILE[name], newlines=True))


def test_controls_become_visible_escapes_the_user_can_read() -> None:
    assert inert("PROD\x1b]52;c;UFdORUQ=\x07") == "PROD\\x1b]52;c;UFdORUQ=\\x07"
    assert inert("\x9b2J") == "\\x9b2J"
    assert inert("a\u202eb\u2066c") == "a\\u202eb\\u2066c"
    assert inert("a\x00b\x7f") == "a\\x00b\\x7f"
    assert inert("one\ntwo\tthree\r") == "one\\ntwo\\tthree\\r"


def test_newlines_pass_only_where_a_text_is_meant_to_span_lines() -> None:
    assert inert("one\ntwo\tx", newlines=True) == "one\ntwo\tx"
    assert inert("one\r\ntwo", newlines=True) == "one\\r\ntwo"


def test_ordinary_text_in_any_script_is_left_alone() -> None:
    for text in ("CONTOSO-UAT", "Ana Ñúñez", "Müller → Zürich", "東京-prod", "…", "€ 5"):
        assert inert(text) == text


def test_lone_surrogates_are_escaped_so_the_terminal_can_encode_them() -> None:
    assert inert("a\ud800b") == "a\\ud800b"
    inert("a\ud800b").encode("utf-8")  # would raise with the raw surrogate


def test_a_limit_cuts_long_text_with_an_ellipsis() -> None:
    cut = inert("x" * 10_000, limit=40)
    assert len(cut) == 40 and cut.endswith(ELLIPSIS)
    assert inert("short", limit=40) == "short"


def test_json_escapes_c1_bidi_and_surrogates_and_reads_back_the_same() -> None:
    document = {"name": "a\x85b\u202ec\x1bd\ud800e\u2028", "plain": "Zürich"}
    text = json_text(document)
    assert_inert(text)
    assert "Zürich" in text  # readable, not \u-escaped
    assert "\\u0085" in text and "\\u202e" in text and "\\u001b" in text
    assert json.loads(text) == document


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_no_text_survives_with_a_control_in_it(text: str) -> None:
    assert DANGEROUS.search(inert(text)) is None
    assert DANGEROUS.search(json_text({"v": text})) is None
    assert json.loads(json_text({"v": text})) == {"v": text}


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cc", "Cs", "Cf", "Zl", "Zp"))))
def test_text_without_controls_is_unchanged(text: str) -> None:
    assert inert(text) == text
