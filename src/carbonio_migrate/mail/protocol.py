"""IMAP syntax without I/O: responses into Python values, arguments into wire bytes, UID sets.

The asyncio client (:mod:`carbonio_migrate.mail.client`) reads a response as *segments*: the
text of its lines at even positions, and the literal that ended each line (bytes, or a
:class:`FileLiteral` when large) at odd positions.
Everything here works on those segments and is shared by the copy engine and ``verify``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import pairwise
from typing import IO, Any, Union

from imapclient import imap_utf7

# Large literals go to an anonymous temporary file; this is how they travel.
CHUNK = 1 << 20


class ParseError(ValueError):
    """The server sent something that is not IMAP as we understand it."""


class FileLiteral:
    """A literal kept in an anonymous temporary file, so memory does not grow with its size."""

    def __init__(self, file: IO[bytes], size: int) -> None:
        self.file = file
        self.size = size

    def __len__(self) -> int:
        return self.size

    def chunks(self, size: int = CHUNK) -> Iterator[bytes]:
        """The content from the start, in pieces of at most ``size`` bytes."""
        self.file.seek(0)
        while piece := self.file.read(size):
            yield piece

    def read(self) -> bytes:
        """The whole content in memory; only for literals known to be small."""
        return b"".join(self.chunks())

    def close(self) -> None:
        """Delete the temporary file."""
        self.file.close()

    def __repr__(self) -> str:
        return f"<FileLiteral {self.size} bytes>"


Literal = Union[bytes, FileLiteral]  # noqa: UP007 - a runtime alias, used in isinstance checks
Segment = Union[bytes, FileLiteral]  # noqa: UP007
Token = Any  # bytes (atom or string), None (NIL), list (parenthesised), FileLiteral


def literal_bytes(value: Literal | None) -> bytes:
    """A literal's content as bytes (NIL as empty)."""
    if value is None:
        return b""
    return value if isinstance(value, bytes) else value.read()


def close_literal(value: object) -> None:
    """Release a literal's temporary file, if it has one."""
    if isinstance(value, FileLiteral):
        value.close()


# -- reading responses ----------------------------------------------------------------------

_TOKEN = re.compile(
    rb" *(?:(?P<open>\()|(?P<close>\))"
    rb'|"(?P<quoted>(?:[^"\\\r\n]|\\.)*)"'
    rb'|(?P<atom>(?:[^ ()"\r\n\[\]{]+(?:\[[^\]\r\n]*\][^ ()"\r\n{]*)?'
    rb'|\[[^\]\r\n]*\][^ ()"\r\n{]*)))'
)
_UNESCAPE = re.compile(rb"\\(.)")
_STATUS = re.compile(
    rb"(OK|NO|BAD|BYE|PREAUTH)(?: \[([^\]]*)\])? ?(.*)", re.IGNORECASE | re.DOTALL
)
_UNTAGGED = re.compile(rb"\* (?:(\d+) )?([A-Za-z][A-Za-z0-9.=-]*) ?")
_STATUS_KINDS = frozenset({"OK", "NO", "BAD", "BYE", "PREAUTH"})


def tokens(segments: Sequence[Segment]) -> list[Token]:
    """Parse segments into nested lists of atoms, strings, literals and None (NIL).

    Segments alternate: line text at even positions, the literal that ended it at odd ones.
    """
    stack: list[list[Token]] = [[]]
    current = stack[0]
    for index, segment in enumerate(segments):
        if index % 2:
            current.append(segment)
            continue
        assert isinstance(segment, bytes)
        position = 0
        for match in _TOKEN.finditer(segment):
            if match.start() != position or match.end() == position:
                break
            position = match.end()
            kind = match.lastgroup
            if kind == "atom":
                atom = match.group("atom")
                current.append(None if atom == b"NIL" or atom.upper() == b"NIL" else atom)
            elif kind == "open":
                current = []
                stack.append(current)
            elif kind == "close":
                if len(stack) == 1:
                    raise ParseError("unbalanced parenthesis")
                finished = stack.pop()
                current = stack[-1]
                current.append(finished)
            else:
                current.append(_UNESCAPE.sub(rb"\1", match.group("quoted")))
        if position != len(segment) and segment[position:].strip():
            raise ParseError(f"unexpected {segment[position : position + 40]!r}")
    if len(stack) != 1:
        raise ParseError("unbalanced parenthesis")
    return stack[0]


@dataclass(frozen=True)
class Status:
    """A status response: OK, NO, BAD, BYE or PREAUTH, its response code and its text."""

    kind: str
    code: str | None = None
    code_args: str = ""
    text: str = ""

    @property
    def ok(self) -> bool:
        """Whether the command succeeded."""
        return self.kind == "OK"

    def describe(self) -> str:
        """The answer as a person reads it: ``NO [OVERQUOTA] quota exceeded``."""
        code = (
            f" [{self.code}{' ' + self.code_args if self.code_args else ''}]" if self.code else ""
        )
        return f"{self.kind}{code} {self.text}".strip()


def parse_status(text: bytes) -> Status:
    """Parse ``OK [CODE args] text`` (the part after the tag or ``*``)."""
    match = _STATUS.match(text)
    if match is None:
        raise ParseError(f"not a status response: {text[:60]!r}")
    kind = match.group(1).decode().upper()
    code, args = None, ""
    if match.group(2) is not None:
        name, _, rest = match.group(2).decode("utf-8", "replace").partition(" ")
        code, args = name.upper(), rest
    return Status(kind, code, args, match.group(3).decode("utf-8", "replace").strip())


@dataclass
class Untagged:
    """An untagged response: ``* [number] KIND data``; ``status`` is set for OK/NO/BAD/BYE."""

    kind: str
    number: int | None
    segments: list[Segment]
    status: Status | None = None

    def data(self) -> list[Token]:
        """The data after the response kind, parsed into tokens."""
        return tokens(self.segments)


def parse_untagged(segments: list[Segment]) -> Untagged:
    """Split the first line of an untagged response into number, kind and data segments."""
    first = segments[0]
    assert isinstance(first, bytes)
    match = _UNTAGGED.match(first)
    if match is None:
        raise ParseError(f"not an untagged response: {first[:60]!r}")
    kind = match.group(2).decode().upper()
    number = int(match.group(1)) if match.group(1) else None
    rest = [first[match.end() :], *segments[1:]]
    status = None
    if kind in _STATUS_KINDS and number is None:
        status = parse_status(first[2:])
    return Untagged(kind, number, rest, status)


def fetch_items(response: Untagged) -> dict[str, Token]:
    """The items of a FETCH response by upper-case name: UID, FLAGS, BODY[HEADER], ..."""
    fast = _flat_fetch_items(response.segments)
    if fast is not None:
        return fast

    data = response.data()
    if len(data) != 1 or not isinstance(data[0], list):
        raise ParseError("FETCH data is not a parenthesised list")
    flat = data[0]
    items: dict[str, Token] = {}
    for index in range(0, len(flat) - 1, 2):
        name = flat[index]
        if isinstance(name, bytes):
            items[name.decode("ascii", "replace").upper()] = flat[index + 1]
    return items


# One FETCH item whose value is a number, a flat list, a quoted string, NIL, or the literal
# that follows the text (end of segment). Anything else takes the general tokenizer.
_FLAT_ITEM = re.compile(
    rb' ?([^ ()"{\[\]]+(?:\[[^\]]*\](?:<\d+>)?)?) '
    rb'(?:(\d+)|\(([^()"{]*)\)|"((?:[^"\\\r\n]|\\.)*)"|(NIL)|(\Z))'
)


def _flat_fetch_items(segments: Sequence[Segment]) -> dict[str, Token] | None:
    """FETCH items without the general tokenizer (several times faster), or None."""
    first, last = segments[0], segments[-1]
    if not (isinstance(first, bytes) and isinstance(last, bytes)):
        return None
    if not first.startswith(b"(") or not last.endswith(b")"):
        return None
    items: dict[str, Token] = {}
    count = len(segments)
    for index in range(0, count, 2):
        text = segments[index]
        assert isinstance(text, bytes)
        start = 1 if index == 0 else 0
        end = len(text) - 1 if index == count - 1 else len(text)
        position = start
        for match in _FLAT_ITEM.finditer(text, start, end):
            if match.start() != position:
                return None
            position = match.end()
            name = match.group(1).decode("ascii", "replace").upper()
            number, flags, quoted_, nil, follows = match.group(2, 3, 4, 5, 6)
            if number is not None:
                items[name] = number
            elif flags is not None:
                items[name] = flags.split()
            elif quoted_ is not None:
                items[name] = _UNESCAPE.sub(rb"\1", quoted_)
            elif nil is not None:
                items[name] = None
            elif follows is not None and index + 1 < count:
                items[name] = segments[index + 1]
            else:
                return None
        if position != end:
            return None
    return items


def token_int(value: Token) -> int:
    """An atom read as a number."""
    if not isinstance(value, bytes) or not value.isdigit():
        raise ParseError(f"expected a number, got {value!r}")
    return int(value)


def token_str(value: Token) -> str:
    """An atom or string as text (IMAP atoms and dates are ASCII)."""
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if value is None:
        return ""
    raise ParseError(f"expected a string, got {value!r}")


def flag_list(value: Token) -> tuple[str, ...]:
    """A parenthesised flag list as strings, in the server's order."""
    if not isinstance(value, list):
        raise ParseError(f"expected a flag list, got {value!r}")
    return tuple(token_str(flag) for flag in value)


def status_items(data: Sequence[Token]) -> dict[str, int]:
    """The ``(NAME number ...)`` list of a STATUS response."""
    if not data or not isinstance(data[-1], list):
        raise ParseError("STATUS data is not a parenthesised list")
    pairs = data[-1]
    return {
        token_str(pairs[index]).upper(): token_int(pairs[index + 1])
        for index in range(0, len(pairs) - 1, 2)
    }


# -- mailbox names ----------------------------------------------------------------------------


def decode_name(raw: Token) -> str:
    """A mailbox name from the wire (modified UTF-7) as Unicode."""
    data = literal_bytes(raw) if not isinstance(raw, list) else b""
    decoded = imap_utf7.decode(data)
    return decoded if isinstance(decoded, str) else decoded.decode("utf-8", "replace")


def encode_name(name: str) -> bytes:
    """A Unicode mailbox name in modified UTF-7, as commands carry it."""
    encoded = imap_utf7.encode(name)
    return encoded if isinstance(encoded, bytes) else encoded.encode("ascii")


# -- writing arguments ----------------------------------------------------------------------

_ATOM_SAFE = re.compile(rb"[!#$&'+,\-./0-9:;<=>?@A-Z^_`a-z|}~]+")


def quoted(value: bytes) -> bytes:
    """A quoted string; the value must be 7-bit without CR or LF (see :func:`needs_literal`)."""
    return b'"' + value.replace(b"\\", b"\\\\").replace(b'"', b'\\"') + b'"'


def needs_literal(value: bytes) -> bool:
    """Whether a string can only travel as a literal (8-bit data, CR, LF or NUL)."""
    return not value.isascii() or any(byte in value for byte in b"\r\n\x00")


def astring(value: bytes) -> bytes:
    """The shortest safe form of a 7-bit string argument: an atom when possible, else quoted."""
    if value and _ATOM_SAFE.fullmatch(value) and value.upper() != b"NIL":
        return value
    return quoted(value)


def flags_argument(flags: Iterable[str]) -> bytes:
    """A parenthesised flag list for APPEND or STORE."""
    return b"(" + b" ".join(flag.encode("ascii") for flag in flags) + b")"


# -- UID sets -----------------------------------------------------------------------------------


def uid_set(uids: Iterable[int]) -> bytes:
    """The shortest sequence set for these UIDs: ``1:5,8,10:12``."""
    ordered = sorted(set(uids))
    if not ordered:
        raise ValueError("an empty UID set cannot be sent")
    parts: list[bytes] = []
    start = previous = ordered[0]
    for uid in [*ordered[1:], None]:
        if uid is not None and uid == previous + 1:
            previous = uid
            continue
        parts.append(b"%d" % start if start == previous else b"%d:%d" % (start, previous))
        if uid is not None:
            start = previous = uid
    return b",".join(parts)


def uid_sets(uids: Sequence[int], limit: int = 2000) -> Iterator[bytes]:
    """UID sets of at most ``limit`` UIDs each, so no command line grows past server limits."""
    ordered = sorted(set(uids))
    for start in range(0, len(ordered), limit):
        yield uid_set(ordered[start : start + limit])


def parse_uid_set(text: str) -> list[int]:
    """The UIDs of a set such as ``3955:3957,3960`` in the order written (APPENDUID, COPYUID)."""
    uids: list[int] = []
    for part in text.split(","):
        low, _, high = part.partition(":")
        if not low.isdigit() or (high and not high.isdigit()):
            raise ParseError(f"not a UID set: {text!r}")
        first, last = int(low), int(high or low)
        step = 1 if last >= first else -1
        uids.extend(range(first, last + step, step))
    return uids


# -- dates ----------------------------------------------------------------------------------------


def esearch_all(data: Sequence[Token]) -> list[int]:
    """The UIDs of an ESEARCH answer's ALL item (RFC 4731); none when it has no ALL."""
    items = [token for token in data if not isinstance(token, list)]  # drop (TAG "A1")
    for name, value in pairwise(items):
        if isinstance(name, bytes) and name.upper() == b"ALL":
            return parse_uid_set(token_str(value))
    return []


def parse_internaldate(value: str) -> datetime:
    """An INTERNALDATE (``17-Jul-1996 02:44:25 -0700``) as an aware datetime."""
    text = value.strip()
    try:
        return datetime.strptime(text, "%d-%b-%Y %H:%M:%S %z")
    except ValueError as exc:
        raise ParseError(f"not an INTERNALDATE: {value!r}") from exc
