"""Content lines: folding, decoding and the component tree, with the lines things are on."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from carbonio_migrate.calendars.lines import Severity, decode, fold, parse


@given(
    st.text(
        alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\n"),
        max_size=400,
    )
)
def test_folding_never_exceeds_75_octets_and_unfolds_to_the_original(line: str) -> None:
    folded = fold(line)
    physical = folded.removesuffix("\r\n").split("\r\n")

    assert all(len(piece.encode("utf-8")) <= 75 for piece in physical)
    assert physical[0] + "".join(piece[1:] for piece in physical[1:]) == line


def test_decoding_notes_each_line_that_is_not_utf8() -> None:
    text, notes = decode("A:ok\nB:caf\xe9\nC:ok\nD:\xfcber\n".encode("latin-1"))

    assert text.splitlines() == ["A:ok", "B:café", "C:ok", "D:über"]
    assert [(line, severity) for line, _, severity in notes] == [
        (2, Severity.REPAIRED),
        (4, Severity.REPAIRED),
    ]


def test_utf16_and_bom_are_read() -> None:
    assert decode("X:ü".encode("utf-16"))[0] == "X:ü"
    assert decode(b"\xef\xbb\xbfX:y")[0] == "X:y"


def test_components_keep_their_lines_and_damage() -> None:
    parsed = parse(
        "BEGIN:VCALENDAR\r\n"
        "BEGIN:VEVENT\r\n"
        "SUMMARY:one\r\n"
        " two\r\n"
        "END:VEVENT\r\n"
        "BEGIN:VEVENT\r\n"
        "SUMMARY:cut\r\n"
        "END:VCALENDAR\r\n"
        "END:VTODO\r\n"
    )
    calendar = parsed.components[0]
    first, second = calendar.children

    assert first.line == 2 and first.first("SUMMARY").value == "onetwo"  # type: ignore[union-attr]
    assert not first.broken
    assert second.line == 6 and second.damage == [(6, "BEGIN:VEVENT is not closed before line 8")]
    assert (9, "END:VTODO without BEGIN:VTODO; ignored", Severity.NOTE) in parsed.notes


def test_parameters_are_read_with_quotes_and_bare_vcard_types() -> None:
    prop = (
        parse('BEGIN:X\r\nATTENDEE;CN="Doe, Jane";ROLE=CHAIR:mailto:j@x\r\nEND:X\r\n')
        .components[0]
        .properties[0]
    )

    assert prop.param("CN") == "Doe, Jane"
    assert prop.param("ROLE") == "CHAIR"
    assert prop.value == "mailto:j@x"
    prop.replace_param("CN", "Roe; John")
    assert prop.text() == 'ATTENDEE;ROLE=CHAIR;CN="Roe; John":mailto:j@x'

    card = parse("BEGIN:VCARD\r\nTEL;WORK;VOICE:+1\r\nEND:VCARD\r\n").components[0]
    assert card.properties[0].param_names() == ["WORK", "VOICE"]
