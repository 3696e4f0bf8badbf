"""A subset of RFC 2254 search filters, evaluated against directory entries.

Supported: `&`, `|`, `!`, equality, presence (`attr=*`), substrings (`a*b*c`), `>=`, `<=` and
`~=` (treated as equality); `\\XX` hex escapes. Values match case-insensitively, as the
directory's matching rules do for the attributes a migration searches on.
Hand-written because no maintained library evaluates filters against in-memory entries.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from lab.emulator import faults
from lab.emulator.attrs import AttrMap

Matcher = Callable[[AttrMap], bool]


def compile_filter(text: str) -> Matcher:
    """Compile a filter string; an empty one matches everything."""
    stripped = text.strip()
    if not stripped:
        return lambda _attrs: True
    if not stripped.startswith("("):
        stripped = f"({stripped})"
    parser = _Parser(stripped)
    matcher = parser.filter()
    if parser.pos != len(stripped):
        raise faults.invalid_search_filter(f"unexpected text at {parser.pos}: {text}")
    return matcher


@dataclass
class _Parser:
    """Recursive-descent parser over the filter text."""

    text: str
    pos: int = 0

    def filter(self) -> Matcher:
        """filter = "(" filtercomp ")"."""
        self._expect("(")
        head = self._peek()
        if head in ("&", "|"):
            self.pos += 1
            parts = self._filter_list()
            combine = all if head == "&" else any
            matcher: Matcher = _combined(combine, parts)
        elif head == "!":
            self.pos += 1
            inner = self.filter()
            matcher = _negated(inner)
        else:
            matcher = self._item()
        self._expect(")")
        return matcher

    def _filter_list(self) -> list[Matcher]:
        """One or more filters."""
        parts = []
        while self._peek() == "(":
            parts.append(self.filter())
        if not parts:
            raise faults.invalid_search_filter(f"empty filter list in {self.text}")
        return parts

    def _item(self) -> Matcher:
        """attr op value, up to the closing parenthesis."""
        end = self._closing_paren()
        item = self.text[self.pos : end]
        self.pos = end
        match = re.match(r"^([A-Za-z0-9;.-]+)(~=|>=|<=|=)(.*)$", item, re.DOTALL)
        if match is None:
            raise faults.invalid_search_filter(f"invalid filter item: {item}")
        attr, op, raw = match.groups()
        return _item_matcher(attr, op, raw)

    def _closing_paren(self) -> int:
        """Index of the next unescaped ')'."""
        end = self.text.find(")", self.pos)
        if end < 0:
            raise faults.invalid_search_filter(f"missing ')' in {self.text}")
        return end

    def _peek(self) -> str:
        """The next character ('' at the end)."""
        return self.text[self.pos : self.pos + 1]

    def _expect(self, char: str) -> None:
        """Consume `char` or fail."""
        if self._peek() != char:
            raise faults.invalid_search_filter(f"expected '{char}' at {self.pos}: {self.text}")
        self.pos += 1


def _combined(combine: Callable[[list[bool]], bool], parts: list[Matcher]) -> Matcher:
    """AND or OR of sub-filters."""
    return lambda attrs: combine([part(attrs) for part in parts])


def _negated(inner: Matcher) -> Matcher:
    """NOT of a sub-filter."""
    return lambda attrs: not inner(attrs)


def _item_matcher(attr: str, op: str, raw: str) -> Matcher:
    """Build the matcher of one comparison."""
    if op == "=" and raw == "*":
        return lambda attrs: attrs.has(attr)
    if op == "=" and "*" in _unescaped_stars(raw):
        pattern = _substring_pattern(raw)
        return lambda attrs: any(pattern.fullmatch(v) for v in attrs.get(attr))

    value = _unescape(raw).lower()
    if op == ">=":
        return lambda attrs: any(_compare(v, value) >= 0 for v in attrs.get(attr))
    if op == "<=":
        return lambda attrs: any(_compare(v, value) <= 0 for v in attrs.get(attr))
    return lambda attrs: any(v.lower() == value for v in attrs.get(attr))


def _unescaped_stars(raw: str) -> str:
    """The value with escape sequences removed, to see whether any real `*` remains."""
    return re.sub(r"\\[0-9A-Fa-f]{2}|\\.", "", raw)


def _substring_pattern(raw: str) -> re.Pattern[str]:
    """A case-insensitive regex for a substring filter value."""
    pieces = re.split(r"(?<!\\)\*", raw)
    return re.compile(".*".join(re.escape(_unescape(p)) for p in pieces), re.IGNORECASE | re.S)


def _unescape(raw: str) -> str:
    """Decode RFC 2254 `\\XX` escapes (and a backslash before any other character)."""
    data = bytearray()
    i = 0
    while i < len(raw):
        if raw[i] == "\\" and re.fullmatch(r"[0-9A-Fa-f]{2}", raw[i + 1 : i + 3]):
            data.append(int(raw[i + 1 : i + 3], 16))
            i += 3
        elif raw[i] == "\\" and i + 1 < len(raw):
            data.extend(raw[i + 1].encode())
            i += 2
        else:
            data.extend(raw[i].encode())
            i += 1
    return data.decode("utf-8", errors="replace")


def _compare(stored: str, wanted: str) -> int:
    """Order two values: numerically when both are integers, else as lower-cased text."""
    if stored.lstrip("-").isdigit() and wanted.lstrip("-").isdigit():
        return (int(stored) > int(wanted)) - (int(stored) < int(wanted))
    left = stored.lower()
    return (left > wanted) - (left < wanted)
