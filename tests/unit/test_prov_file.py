"""Prov command files: every value, however strange, reaches Carbonio exactly."""

from __future__ import annotations

import io

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from carbonio_migrate.carbonio.prov import CommandFile, command_line, quote
from tests.unit.prov_tokenizer import logical_lines, parse_line

# Any Unicode scalar value, control characters included (surrogates cannot be UTF-8).
VALUES = st.text(st.characters(exclude_categories=("Cs",)), max_size=40)
# At least 5 commands of at least 3 values, over 700 examples: more than 10,000 values.
COMMANDS = st.lists(st.lists(VALUES, min_size=3, max_size=8), min_size=5, max_size=8)


@settings(max_examples=700, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(COMMANDS)
def test_any_values_read_back_exactly_one_command_per_line(commands: list[list[str]]) -> None:
    stream = io.StringIO()
    writer = CommandFile(stream)
    stream.close = lambda: None  # type: ignore[method-assign]
    for arguments in commands:
        writer.add("ma", *arguments)
    writer.close()
    text = stream.getvalue()

    lines = logical_lines(text)

    assert [parse_line(line) for line in lines] == [["ma", *a] for a in commands] + [["exit"]]
    assert text.encode("utf-8").count(b"\n") == len(commands) + 1


def test_the_tricky_values_of_the_reference() -> None:
    tricky = ["a b", 'say "hi"', "it's", "C:\\dir\\f", "#tag", "x\ny", "tab\there", "", "Zoë 山田"]

    line = command_line(tricky)

    assert parse_line(line) == tricky
    assert quote("CORP\\jdoe") == '"CORP\\\\jdoe"'
    assert quote("") == '""'
