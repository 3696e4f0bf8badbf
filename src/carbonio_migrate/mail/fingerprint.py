"""Recognising the same message on both sides without a UID map.

A fingerprint is ``<hash>:<size>``: a hash of the header block (BODY[HEADER]) with its line
ends made uniform, and the message's size in bytes. Two copies of one message share it;
distinct messages that share a Message-ID do not (their Date, Received, Subject or size
differ). Matching counts fingerprints as a multiset, so exact duplicates stay duplicates: two
identical source messages need two destination copies.

Some servers rewrite bare CR or LF line ends as CRLF when they store a message, which
changes its size. Matching therefore pairs equal fingerprints first, and only then pairs what
is left by header hash alone.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict, deque
from collections.abc import Hashable, Iterable
from typing import Generic, TypeVar

S = TypeVar("S", bound=Hashable)
T = TypeVar("T", bound=Hashable)


def uniform_line_ends(data: bytes) -> bytes:
    """``data`` with every line end (CRLF, bare CR, bare LF) written as CRLF."""
    if data.count(b"\r") == data.count(b"\n") == data.count(b"\r\n"):
        return data
    return data.replace(b"\r\n", b"\n").replace(b"\r", b"\n").replace(b"\n", b"\r\n")


def fingerprint(header: bytes, size: int) -> str:
    """The fingerprint of a message from its header block and its size in bytes."""
    return f"{hashlib.sha256(uniform_line_ends(header)).hexdigest()}:{size}"


def header_part(print_: str) -> str:
    """The part of a fingerprint that does not depend on the size."""
    return print_.partition(":")[0]


class Matcher(Generic[T]):
    """Destination messages waiting to be claimed, by fingerprint, in UID order."""

    def __init__(self, candidates: Iterable[tuple[T, str]]) -> None:
        self._exact: dict[str, deque[T]] = defaultdict(deque)
        self._loose: dict[str, deque[tuple[T, str]]] = defaultdict(deque)
        self._taken: set[T] = set()
        for key, print_ in candidates:
            self._exact[print_].append(key)
            self._loose[header_part(print_)].append((key, print_))

    def match(self, sources: Iterable[tuple[S, str]]) -> list[tuple[S, T]]:
        """Claim a candidate for each source that has one: equal fingerprints first, then
        equal headers among what is left. Each candidate is claimed at most once."""
        pending = list(sources)
        pairs: list[tuple[S, T]] = []
        left: list[tuple[S, str]] = []
        for key, print_ in pending:
            found = self._take(self._exact.get(print_))
            if found is None:
                left.append((key, print_))
            else:
                pairs.append((key, found))
        for key, print_ in left:
            loose = self._loose.get(header_part(print_))
            found = self._take(deque(k for k, _ in loose) if loose else None)
            if found is not None:
                pairs.append((key, found))
        return pairs

    def _take(self, keys: deque[T] | None) -> T | None:
        while keys:
            key = keys.popleft()
            if key not in self._taken:
                self._taken.add(key)
                return key
        return None

    def __len__(self) -> int:
        keys = {key for queue in self._exact.values() for key in queue}
        return len(keys - self._taken)


def match(sources: Iterable[tuple[S, str]], targets: Iterable[tuple[T, str]]) -> list[tuple[S, T]]:
    """Pair sources with targets of equal fingerprint (then equal header), each used once."""
    return Matcher(targets).match(sources)
