"""IMAP syntax: responses into values, values into arguments, UID sets and dates."""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from carbonio_migrate.mail.protocol import (
    FileLiteral,
    ParseError,
    Untagged,
    astring,
    decode_name,
    encode_name,
    esearch_all,
    fetch_items,
    parse_internaldate,
    parse_status,
    parse_uid_set,
    parse_untagged,
    quoted,
    tokens,
    uid_set,
)


def test_a_fetch_response_with_literals_keeps_every_item() -> None:
    segments = [
        b'* 7 FETCH (UID 42 FLAGS (\\Seen $Label1) INTERNALDATE " 8-Feb-2019 20:48:52 +0100" '
        b"RFC822.SIZE 10706 BODY[HEADER] ",
        b"Subject: x\r\n\r\n",
        b" BODY[] ",
        b"Subject: x\r\n\r\nbody",
        b")",
    ]
    response = parse_untagged(segments)
    items = fetch_items(response)

    assert (response.kind, response.number) == ("FETCH", 7)
    assert items["UID"] == b"42"
    assert items["FLAGS"] == [b"\\Seen", b"$Label1"]
    assert items["INTERNALDATE"] == b" 8-Feb-2019 20:48:52 +0100"
    assert items["BODY[HEADER]"] == b"Subject: x\r\n\r\n"
    assert items["BODY[]"] == b"Subject: x\r\n\r\nbody"


def test_fetch_items_with_nested_lists_take_the_general_parser() -> None:
    response = parse_untagged([b'* 1 FETCH (UID 3 ENVELOPE ("date" NIL ("a" "b")))'])

    assert fetch_items(response) == {"UID": b"3", "ENVELOPE": [b"date", None, [b"a", b"b"]]}


def test_a_literal_that_looks_like_syntax_stays_a_literal() -> None:
    with tempfile.TemporaryFile() as spool:
        spilled = FileLiteral(spool, 0)
        found = tokens([b"(A ", b") (B", b" C ", spilled, b")"])

    assert found == [[b"A", b") (B", b"C", spilled]]


def test_quoted_strings_are_unescaped_and_nil_is_none() -> None:
    assert tokens([b'"a \\"b\\" \\\\c" NIL nil ()']) == [b'a "b" \\c', None, None, []]


def test_unbalanced_or_garbage_input_is_refused() -> None:
    with pytest.raises(ParseError):
        tokens([b"(a (b)"])
    with pytest.raises(ParseError):
        tokens([b'a "unterminated'])


def test_status_responses_carry_their_code() -> None:
    status = parse_status(b"OK [APPENDUID 38505 3955:3957] APPEND completed")

    assert status.ok
    assert (status.code, status.code_args) == ("APPENDUID", "38505 3955:3957")
    assert parse_status(b"NO [OVERQUOTA] Quota exceeded").describe() == (
        "NO [OVERQUOTA] Quota exceeded"
    )
    assert parse_status(b"bad maximum message size exceeded").kind == "BAD"


def test_untagged_status_and_data_responses() -> None:
    ok = parse_untagged([b"* OK [UIDVALIDITY 1796318888] UIDs valid"])
    listed = parse_untagged([b'* LIST (\\HasNoChildren \\Sent) "." "Old Stuff"'])
    empty = parse_untagged([b"* SEARCH"])

    assert ok.status is not None and ok.status.code == "UIDVALIDITY"
    assert listed.data() == [[b"\\HasNoChildren", b"\\Sent"], b".", b"Old Stuff"]
    assert empty.kind == "SEARCH" and empty.data() == []


@given(st.lists(st.integers(min_value=1, max_value=5000), max_size=200))
def test_uid_sets_round_trip(uids: list[int]) -> None:
    if not uids:
        with pytest.raises(ValueError):
            uid_set(uids)
        return
    assert parse_uid_set(uid_set(uids).decode()) == sorted(set(uids))


def test_uid_sets_are_compact_and_appenduid_order_is_kept() -> None:
    assert uid_set([5, 1, 2, 3, 9, 10]) == b"1:3,5,9:10"
    assert parse_uid_set("7,3:4") == [7, 3, 4]
    with pytest.raises(ParseError):
        parse_uid_set("3:x")


@given(st.text(min_size=1, max_size=40).filter(lambda t: "\x00" not in t))
def test_mailbox_names_survive_modified_utf7(name: str) -> None:
    encoded = encode_name(name)

    assert encoded.isascii()
    assert decode_name(encoded) == name


def test_known_modified_utf7_names() -> None:
    assert encode_name("R&D") == b"R&-D"
    assert decode_name(b"&BB8EQAQ4BDIENQRC-") == "Привет"
    assert decode_name(b"Projets.Soci&AOk-t&AOk-") == "Projets.Société"


def test_arguments_are_quoted_only_when_needed() -> None:
    assert astring(b"INBOX") == b"INBOX"
    assert astring(b"Old Stuff") == b'"Old Stuff"'
    assert astring(b"NIL") == b'"NIL"'
    assert quoted(b'a"b\\c') == b'"a\\"b\\\\c"'


def test_internaldate_keeps_its_offset_to_the_second() -> None:
    parsed = parse_internaldate(" 8-Feb-2019 20:48:52 -0500")

    assert parsed == datetime(2019, 2, 8, 20, 48, 52, tzinfo=timezone(timedelta(hours=-5)))
    assert parsed.astimezone(UTC).hour == 1
    with pytest.raises(ParseError):
        parse_internaldate("2019-02-08")


def test_a_fetch_with_a_spilled_body_keeps_the_file() -> None:
    with tempfile.TemporaryFile() as spool:
        spool.write(b"x" * 10)
        body = FileLiteral(spool, 10)
        response = Untagged("FETCH", 1, [b"(UID 9 BODY[] ", body, b")"])

        assert fetch_items(response)["BODY[]"] is body
        assert body.read() == b"x" * 10


def test_esearch_answers_give_their_uid_ranges() -> None:
    some = parse_untagged([b'* ESEARCH (TAG "A7") UID ALL 2,10:12,40'])
    none = parse_untagged([b'* ESEARCH (TAG "A8") UID'])
    counted = parse_untagged([b'* ESEARCH (TAG "A9") UID COUNT 3 ALL 5:7'])

    assert esearch_all(some.data()) == [2, 10, 11, 12, 40]
    assert esearch_all(none.data()) == []
    assert esearch_all(counted.data()) == [5, 6, 7]
