"""The prov command-file reader: the tokenizer table of reference 2.3, lines and continuations."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lab.emulator.prov import parse_line
from lab.emulator.provlex import is_java_whitespace, logical_lines, physical_lines


@pytest.mark.parametrize(
    ("line", "tokens"),
    [
        # unquoted runs, separated by Java whitespace (U+3000 yes, U+00A0 no)
        ("md  example.com\tzimbraX 1", ["md", "example.com", "zimbraX", "1"]),
        ("a\u3000b", ["a", "b"]),
        ("a\u00a0b", ["a\u00a0b"]),
        # quotes at the start of a token, either kind, the other kind literal inside
        ("\"a b\" 'c d'", ["a b", "c d"]),
        ('"it\'s" \'say "x"\'', ["it's", 'say "x"']),
        # a quote in the middle of an unquoted token is literal
        ('a"b c"', ['a"b', 'c"']),
        # '' and "" are empty tokens
        ("ca user@dom ''", ["ca", "user@dom", ""]),
        ('x "" y', ["x", "", "y"]),
        # a token directly after a closing quote starts a new token
        ("'a'b", ["a", "b"]),
        # \\ is one backslash, inside or outside quotes
        ('a\\\\b "c\\\\d"', ["a\\b", "c\\d"]),
        ("CORP\\\\jdoe", ["CORP\\jdoe"]),
        # \n, \t, \r
        ('"l1\\nl2" a\\tb "c\\rd"', ["l1\nl2", "a\tb", "c\rd"]),
        # \' and \" never terminate
        ("'it\\'s' \"q\\\"q\"", ["it's", 'q"q']),
        ("\\'start", ["'start"]),
        # backslash + whitespace keeps the whitespace inside the token
        ("a\\ b c", ["a b", "c"]),
        # backslash + anything else gives that character, the backslash is dropped
        ("\\f", ["f"]),
        ("CORP\\jdoe", ["CORPjdoe"]),
        # a backslash at the very end stays
        ("abc\\", ["abc\\"]),
        # an unterminated quote runs to the end; an empty one gives nothing
        ('x "rest of line', ["x", "rest of line"]),
        ('x "', ["x"]),
        # blank lines give no tokens
        ("   \t ", []),
    ],
)
def test_tokenizer_table(line: str, tokens: list[str]) -> None:
    assert parse_line(line) == tokens


def test_java_whitespace() -> None:
    assert [is_java_whitespace(c) for c in " \t\n\x1f\u2003\u3000"] == [True] * 6
    assert [is_java_whitespace(c) for c in "\u00a0\u2007\u202fa"] == [False] * 4


def encode(value: str) -> str:
    """The safe encoding of reference 2.3."""
    escaped = (
        value.replace("\\", "\\\\")
        .replace('"', '\\"')
        .replace("\n", "\\n")
        .replace("\r", "\\r")
        .replace("\t", "\\t")
    )
    return f'"{escaped}"'


@given(st.lists(st.text(), min_size=1, max_size=5))
def test_safe_encoding_round_trips(values: list[str]) -> None:
    assert parse_line(" ".join(encode(v) for v in values)) == values


def test_physical_lines_split_on_lf_cr_and_crlf() -> None:
    assert physical_lines("a\r\nb\rc\nd\n") == ["a", "b", "c", "d"]
    assert physical_lines("") == []
    assert physical_lines("a\n\n") == ["a", ""]


def logical(text: str) -> list[str]:
    """Logical lines of a text."""
    return list(logical_lines(iter(physical_lines(text))))


def test_trailing_backslash_joins_without_separator() -> None:
    assert logical("md x \\\n  a b\nnext\n") == ["md x   a b", "next"]
    assert logical("a\\\nb\\\nc") == ["abc"]


def test_an_empty_line_ends_a_continuation() -> None:
    assert logical("a \\\n\nb\n") == ["a ", "b"]


def test_continuation_at_end_of_file() -> None:
    assert logical("a\\") == ["a"]
    assert logical("\\") == [""]


def test_blank_lines_come_through_as_empty() -> None:
    assert logical("a\n\nb") == ["a", "", "b"]
