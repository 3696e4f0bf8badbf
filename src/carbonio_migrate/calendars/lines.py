"""iCalendar and vCard text as components of content lines, each with the line it starts on.

Both formats share the content-line syntax of RFC 5545 and RFC 6350. Exports in the wild break
it in known ways (bare LF or CR line ends, text that is not UTF-8, long lines folded without
the leading space, quoted-printable soft breaks), so the text is read leniently and every
repair is noted with its line. icalendar and vobject give no line numbers and read ten times
slower, so this splitting is done here and the libraries read the values.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import StrEnum

_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_NAME_START = re.compile(r"[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)?[;:]")
_PROPERTY = re.compile(
    r"(?P<name>[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)?)"
    r'(?P<params>(?:;[A-Za-z0-9-]+(?:=(?:"[^"]*"|[^";:]*)(?:,(?:"[^"]*"|[^";:,]*))*)?)*)'
    r":(?P<value>.*)",
    re.S,
)
_PARAM = re.compile(r';([A-Za-z0-9-]+)(?:=((?:"[^"]*"|[^";:]*)(?:,(?:"[^"]*"|[^";:,]*))*))?')
_LINE_OCTETS = 75
_JOINED = (
    "line break inside a value (a long line folded without the leading space); "
    "joined to the line before"
)
_UTF8_BOM = b"\xef\xbb\xbf"
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


class Severity(StrEnum):
    """How much a finding matters: what was left out, what was repaired, what is only noted."""

    BROKEN = "broken"  # the item is left out
    SKIPPED = "skipped"  # left out on purpose (a duplicate, a kind that is not imported)
    REPAIRED = "repaired"  # read, changed so that Carbonio takes it, and imported
    NOTE = "note"


@dataclass(frozen=True)
class Finding:
    """One thing worth telling the administrator, with its place (``file:line``)."""

    where: str
    message: str
    severity: Severity

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


@dataclass(slots=True)
class Property:
    """One content line: upper-case name, raw parameter text (``;A=b;C=d``) and raw value."""

    name: str
    params: str
    value: str
    line: int

    def param(self, name: str) -> str | None:
        """The first value of a parameter, unquoted; None when it is absent."""
        if not self.params:
            return None
        for found, raw in _PARAM.findall(self.params):
            if found.upper() == name:
                value = str(raw)
                return value[1:-1] if value.startswith('"') and value.endswith('"') else value
        return None

    def param_names(self) -> list[str]:
        """The upper-case names of every parameter, in order (vCard 2.1 types have no value)."""
        return [found.upper() for found, _ in _PARAM.findall(self.params)] if self.params else []

    def replace_param(self, name: str, value: str) -> None:
        """Set a parameter to ``value`` (quoted when needed), replacing it if present."""
        quoted = f'"{value}"' if any(c in value for c in ",;:") else value
        kept = [
            f";{found}" + (f"={raw}" if raw else "")
            for found, raw in _PARAM.findall(self.params)
            if found.upper() != name
        ]
        self.params = "".join(kept) + f";{name}={quoted}"

    def text(self) -> str:
        """The content line, unfolded."""
        return f"{self.name}{self.params}:{self.value}"


@dataclass
class Component:
    """A BEGIN/END block: its properties in order, its sub-components, and what is wrong."""

    name: str
    line: int
    properties: list[Property] = field(default_factory=list)
    children: list[Component] = field(default_factory=list)
    damage: list[tuple[int, str]] = field(default_factory=list)  # (line, what is wrong)

    def first(self, name: str) -> Property | None:
        """The first property called ``name``."""
        return next((p for p in self.properties if p.name == name), None)

    def all(self, name: str) -> list[Property]:
        """Every property called ``name``."""
        return [p for p in self.properties if p.name == name]

    @property
    def broken(self) -> bool:
        """Whether this component or one inside it could not be read."""
        return bool(self.damage) or any(child.broken for child in self.children)

    def all_damage(self) -> list[tuple[int, str]]:
        """Every problem of the component and its sub-components, by line."""
        found = list(self.damage)
        for child in self.children:
            found += child.all_damage()
        return sorted(found)

    def lines(self, *, skip: frozenset[str] = frozenset()) -> Iterator[str]:
        """The component's content lines, unfolded, without properties named in ``skip``."""
        yield f"BEGIN:{self.name}"
        for prop in self.properties:
            if prop.name not in skip:
                yield prop.text()
        for child in self.children:
            yield from child.lines(skip=skip)
        yield f"END:{self.name}"

    def serialize(self) -> str:
        """The component as folded text with CRLF line ends."""
        return "".join(fold(line) for line in self.lines())


@dataclass
class Parsed:
    """The top-level components of one document, and the notes about the text as a whole."""

    components: list[Component]
    notes: list[tuple[int, str, Severity]]


def decode(data: bytes) -> tuple[str, list[tuple[int, str, Severity]]]:
    """Text from bytes: UTF-8 (with or without BOM) or UTF-16 with BOM; lines that are not
    UTF-8 are read as Windows-1252, and each such line is noted."""
    if data.startswith(_UTF16_BOMS):
        return data.decode("utf-16"), []
    if data.startswith(_UTF8_BOM):
        data = data[len(_UTF8_BOM) :]
    try:
        return data.decode("utf-8"), []
    except UnicodeDecodeError:
        pass

    notes: list[tuple[int, str, Severity]] = []
    pieces = []
    for number, raw in enumerate(data.split(b"\n"), start=1):
        try:
            pieces.append(raw.decode("utf-8"))
        except UnicodeDecodeError:
            pieces.append(raw.decode("cp1252", errors="replace"))
            notes.append((number, "not valid UTF-8; read as Windows-1252", Severity.REPAIRED))
    return "\n".join(pieces), notes


def parse(text: str, *, quoted_printable: bool = False) -> Parsed:
    """Split ``text`` into components; damage is recorded on the component it is in.

    ``quoted_printable`` joins vCard 2.1 soft line breaks (a QP value ending with ``=``).
    """
    notes: list[tuple[int, str, Severity]] = []
    ending = _line_ending_note(text)
    if ending:
        notes.append((1, ending, Severity.NOTE))

    builder = _Builder(notes)
    for number, logical in _logical_lines(text, notes, quoted_printable):
        builder.feed(number, logical)
    builder.finish()
    return Parsed(builder.top, notes)


def _line_ending_note(text: str) -> str | None:
    """A note when the text does not use CRLF throughout."""
    crlf = text.count("\r\n")
    bare_lf = text.count("\n") - crlf
    bare_cr = text.count("\r") - crlf
    if not bare_lf and not bare_cr:
        return None
    kinds = [k for k, n in (("CRLF", crlf), ("LF", bare_lf), ("CR", bare_cr)) if n]
    return f"line ends are {' and '.join(kinds)} instead of CRLF; read anyway"


def _logical_lines(
    text: str, notes: list[tuple[int, str, Severity]], quoted_printable: bool
) -> Iterator[tuple[int, str]]:
    """Unfolded content lines with the number of the physical line each starts on."""
    start, current = 0, ""
    for number, physical in enumerate(_LINE_BREAK.split(text), start=1):
        if not physical.strip():
            if current:
                yield start, current
            start, current = 0, ""
        elif quoted_printable and current.endswith("=") and _head_has(current, "QUOTED-PRINTABLE"):
            current = current[:-1] + physical.lstrip(" \t")  # a QP soft line break
        elif physical[0] in " \t":
            if current:
                current += physical[1:]
            else:
                message = "continuation line without a line before it; ignored"
                notes.append((number, message, Severity.REPAIRED))
        elif _NAME_START.match(physical) or not current:
            if current:
                yield start, current
            start, current = number, physical
        elif _head_has(current, "ENCODING=B") or _head_has(current, "BASE64"):
            current += physical  # base64 data written without folding space
        else:
            notes.append((number, _JOINED, Severity.REPAIRED))
            current += "\\n" + physical
    if current:
        yield start, current


def _head_has(current: str, word: str) -> bool:
    """Whether the name and parameters of a content line contain ``word``."""
    return word in current.split(":", 1)[0].upper()


class _Builder:
    """Turns content lines into a component tree, recording unbalanced BEGIN/END."""

    def __init__(self, notes: list[tuple[int, str, Severity]]) -> None:
        self.notes = notes
        self.top: list[Component] = []
        self.stack: list[Component] = []

    def feed(self, number: int, logical: str) -> None:
        """Take one content line."""
        match = _PROPERTY.fullmatch(logical)
        if match is None:
            self._damage(number, f"cannot be read as NAME;PARAMETERS:VALUE: {_clip(logical)}")
            return
        name = match["name"].upper()
        if name == "BEGIN":
            self._begin(number, match["value"].strip().upper())
        elif name == "END":
            self._end(number, match["value"].strip().upper())
        elif self.stack:
            self.stack[-1].properties.append(
                Property(name, match["params"], match["value"], number)
            )
        else:
            self.notes.append((number, f"{name} outside any component; ignored", Severity.NOTE))

    def _begin(self, number: int, name: str) -> None:
        if any(open_one.name == name for open_one in self.stack):
            # A component cannot contain its own kind: the open one was cut short.
            while self.stack:
                unclosed = self.stack.pop()
                unclosed.damage.append(
                    (unclosed.line, f"BEGIN:{unclosed.name} is not closed before line {number}")
                )
                if unclosed.name == name:
                    break
        component = Component(name, number)
        if self.stack:
            self.stack[-1].children.append(component)
        else:
            self.top.append(component)
        self.stack.append(component)

    def _end(self, number: int, name: str) -> None:
        names = [component.name for component in self.stack]
        if name not in names:
            self._damage(number, f"END:{name} without BEGIN:{name}")
            return
        while self.stack[-1].name != name:
            unclosed = self.stack.pop()
            unclosed.damage.append(
                (unclosed.line, f"BEGIN:{unclosed.name} is not closed before line {number}")
            )
        self.stack.pop()

    def _damage(self, number: int, message: str) -> None:
        if self.stack:
            self.stack[-1].damage.append((number, message))
        else:
            self.notes.append((number, message + "; ignored", Severity.NOTE))

    def finish(self) -> None:
        """Record components left open at the end of the text."""
        for component in self.stack:
            component.damage.append(
                (component.line, f"BEGIN:{component.name} is never closed (END:{component.name})")
            )
        self.stack.clear()


def _clip(text: str, size: int = 60) -> str:
    """A piece of a line for a message."""
    return text if len(text) <= size else text[:size] + "..."


def fold(line: str) -> str:
    """One content line folded at 75 octets without splitting a UTF-8 sequence, with CRLF."""
    data = line.encode("utf-8")
    if len(data) <= _LINE_OCTETS:
        return line + "\r\n"

    pieces = []
    start, limit = 0, _LINE_OCTETS
    while len(data) - start > limit:
        end = start + limit
        while data[end] & 0xC0 == 0x80:  # a UTF-8 continuation byte: cut before its sequence
            end -= 1
        pieces.append(data[start:end])
        start, limit = end, _LINE_OCTETS - 1
    pieces.append(data[start:])
    return b"\r\n ".join(pieces).decode("utf-8") + "\r\n"
