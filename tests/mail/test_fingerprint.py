"""Fingerprints and multiset matching: copies pair up, duplicates stay duplicates."""

from __future__ import annotations

from carbonio_migrate.mail.fingerprint import (
    Matcher,
    fingerprint,
    header_part,
    match,
    uniform_line_ends,
)

HEADER = b"Message-ID: <same@example.io>\r\nDate: Mon, 1 Jan 2024 10:00:00 +0000\r\n\r\n"


def test_equal_header_and_size_give_equal_fingerprints() -> None:
    assert fingerprint(HEADER, 100) == fingerprint(HEADER, 100)
    assert fingerprint(HEADER, 100).endswith(":100")


def test_messages_sharing_a_message_id_are_told_apart() -> None:
    other_date = HEADER.replace(b"10:00:00", b"10:00:01")

    assert fingerprint(HEADER, 100) != fingerprint(HEADER, 101)
    assert header_part(fingerprint(HEADER, 100)) != header_part(fingerprint(other_date, 100))


def test_line_ends_do_not_change_the_header_part() -> None:
    bare = HEADER.replace(b"\r\n", b"\n")

    assert uniform_line_ends(bare) == HEADER
    assert uniform_line_ends(b"a\rb\r\nc\n") == b"a\r\nb\r\nc\r\n"
    assert header_part(fingerprint(bare, 10)) == header_part(fingerprint(HEADER, 12))


def test_matching_counts_a_multiset() -> None:
    same = fingerprint(HEADER, 100)
    other = fingerprint(HEADER, 200)
    sources = [(1, same), (2, same), (3, other), (4, same)]
    targets = [(10, same), (11, other), (12, same)]

    assert match(sources, targets) == [(1, 10), (2, 12), (3, 11)]


def test_equal_fingerprints_pair_before_equal_headers() -> None:
    small, large = fingerprint(HEADER, 10), fingerprint(HEADER, 12)
    # The first source would take the only candidate by header if it could; it must not.
    pairs = match([(1, small), (2, large)], [(20, large)])

    assert pairs == [(2, 20)]


def test_a_copy_whose_size_the_server_changed_is_still_found() -> None:
    sent = fingerprint(HEADER, 19)  # a bare CR in the body, as sent
    stored = fingerprint(HEADER, 20)  # the server wrote it as CRLF

    assert match([(1, sent)], [(7, stored)]) == [(1, 7)]


def test_a_matcher_gives_each_candidate_once() -> None:
    matcher = Matcher([(5, "a:1"), (3, "a:1"), (9, "b:1")])

    assert len(matcher) == 3
    assert matcher.match([(1, "a:1"), (2, "a:1"), (4, "a:1")]) == [(1, 5), (2, 3)]
    assert matcher.match([(6, "a:1"), (7, "c:1")]) == []
    assert len(matcher) == 1
