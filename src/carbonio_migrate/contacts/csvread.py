"""Reading contact CSV files from Thunderbird, Outlook, Google and Carbonio itself.

The encoding (UTF-8 with or without BOM, UTF-16, Windows-1252) and the separator (``,``,
``;`` or tab) are found from the file; newlines inside quoted fields are values. The exporter
is recognised by its header, and its columns are mapped to Carbonio's contact fields. A
column no layout knows is kept as a custom field named after it, as Carbonio does.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from carbonio_migrate.calendars.lines import Finding, Severity
from carbonio_migrate.contacts.layouts import (
    GOOGLE,
    GOOGLE_GROUP,
    KINDS,
    LAYOUTS,
    PHONE_LABELS,
    Column,
)
from carbonio_migrate.contacts.model import Contact

_UTF8_BOM = b"\xef\xbb\xbf"
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
_SEPARATORS = (",", ";", "\t")
_MULTIPLE = " ::: "  # Google puts several values in one cell with this between them
_MAX_HEADER = 100


@dataclass
class ContactsRead:
    """The contacts of one input, and every finding."""

    contacts: list[Contact] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    read: int = 0
    broken: int = 0

    def add(self, where: str, message: str, severity: Severity) -> None:
        """Record a finding."""
        self.findings.append(Finding(where, message, severity))


# -- reading --------------------------------------------------------------------------------------


def read_contacts_csv(name: str, data: bytes) -> ContactsRead:
    """Every row of a contacts CSV as a Contact; bad rows are reported and left out."""
    result = ContactsRead()
    text = _decode(name, data, result)
    if not text.strip():
        result.add(f"{name}:1", "the file is empty", Severity.NOTE)
        return result

    separator = _separator(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator, strict=True)
    try:
        header = next(reader)
    except (StopIteration, csv.Error) as exc:
        result.add(f"{name}:1", f"the header line cannot be read ({exc})", Severity.BROKEN)
        return result
    layout_name, columns = _layout(header)
    if columns:
        result.add(f"{name}:1", f"columns read in the {layout_name} layout", Severity.NOTE)
    else:
        message = "no known exporter's columns; each column is kept as a custom field"
        result.add(f"{name}:1", message, Severity.REPAIRED)
    _read_rows(name, reader, header, columns, result)
    return result


def _decode(name: str, data: bytes, result: ContactsRead) -> str:
    """Text of the file, whatever of the usual encodings it is in."""
    if data.startswith(_UTF16_BOMS):
        return data.decode("utf-16")
    if data.startswith(_UTF8_BOM):
        data = data[len(_UTF8_BOM) :]
    elif len(data) >= 4 and data[1:4:2] == b"\x00\x00" and data[0]:
        return data.decode("utf-16-le", errors="replace")  # UTF-16 without its BOM
    elif len(data) >= 4 and data[0:3:2] == b"\x00\x00" and data[1]:
        return data.decode("utf-16-be", errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        result.add(
            f"{name}:{line}", "not UTF-8; the file is read as Windows-1252", Severity.REPAIRED
        )
        return data.decode("cp1252", errors="replace")


def _separator(text: str) -> str:
    """The separator used most on the header line outside quotes."""
    first = text.split("\n", 1)[0]
    outside = re.sub(r'"[^"]*"', "", first)
    return max(_SEPARATORS, key=outside.count)


def _layout(header: list[str]) -> tuple[str, dict[str, Column]]:
    """The exporter whose columns the header matches best."""
    names = [h.strip().lstrip("\ufeff").casefold() for h in header]

    def score(table: dict[str, Column]) -> int:
        known = sum(1 for n in names if n in table)
        return known + (sum(1 for n in names if GOOGLE_GROUP.match(n)) if table is GOOGLE else 0)

    best = max(LAYOUTS, key=lambda layout: score(LAYOUTS[layout]))
    if score(LAYOUTS[best]) < 2:
        return "generic", {}
    return best, LAYOUTS[best]


def _read_rows(
    name: str,
    reader: Any,  # csv's reader object, for its line_num
    header: list[str],
    columns: dict[str, Column],
    result: ContactsRead,
) -> None:
    """Turn each record into a contact, reporting the ones that cannot be."""
    keys = [h.strip().lstrip("\ufeff") for h in header]
    line = reader.line_num + 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            result.read += 1
            result.broken += 1
            message = f"row left out: {exc}"
            if "unexpected end of data" in str(exc):
                message = (
                    f"a quoted field is never closed; lines {line}-{reader.line_num} left out"
                )
            result.add(f"{name}:{line}", message, Severity.BROKEN)
            line = reader.line_num + 1
            continue
        where = f"{name}:{line}"
        line = reader.line_num + 1
        if not row:
            continue  # a blank line is no record
        result.read += 1
        contact = _contact(where, keys, row, columns, result)
        if contact.usable:
            result.contacts.append(contact)
        else:
            result.broken += 1
            result.add(where, "contact with no usable field; not sent", Severity.BROKEN)


def _contact(
    where: str, keys: list[str], row: list[str], columns: dict[str, Column], result: ContactsRead
) -> Contact:
    """One record mapped to Carbonio's fields."""
    contact = Contact(where)
    builder = _RowBuilder(contact)
    for index, value in enumerate(row):
        if index >= len(keys):
            if value.strip():
                result.add(where, "values beyond the last column left out", Severity.REPAIRED)
                break
            continue
        header = keys[index]
        value = value.strip()
        if not value or not header:
            continue
        column = columns.get(header.casefold())
        if column is None:
            group = GOOGLE_GROUP.match(header.casefold()) if columns is GOOGLE else None
            if group:
                builder.google(group.group(1), int(group.group(2)), group.group(3), value)
            else:
                contact.put(header[:_MAX_HEADER], value)  # kept as a custom field
            continue
        builder.column(column, value, where, result)
    builder.finish(where, result)
    return contact


class _RowBuilder:
    """Collects the parts of one record that several columns make up."""

    def __init__(self, contact: Contact) -> None:
        self.contact = contact
        self.addresses: dict[str, dict[str, str]] = {}
        self.street2: dict[str, list[str]] = {}
        self.birth: dict[str, str] = {}
        self.groups: dict[tuple[str, int], dict[str, str]] = {}

    def column(self, column: Column, value: str, where: str, result: ContactsRead) -> None:
        """Take the value of one known column."""
        kind, argument = column
        if kind == "field":
            self.contact.put(argument, value)
        elif kind == "address":
            address_kind, part = argument.split(":")
            self.addresses.setdefault(address_kind, {})[part] = value
        elif kind == "street2":
            self.street2.setdefault(argument, []).append(value)
        elif kind == "birth":
            self.birth[argument] = value
        elif kind == "date":
            date = parse_date(value)
            if date is None and value not in ("0/0/00", "00.00.00"):
                result.add(
                    where, f"{argument} {value!r} is not a date; left out", Severity.REPAIRED
                )
            self.contact.put(argument, date)

    def google(self, group: str, number: int, part: str, value: str) -> None:
        """Take one cell of Google's numbered groups (E-mail 1 - Value, ...)."""
        self.groups.setdefault((group, number), {})[part] = value

    def finish(self, where: str, result: ContactsRead) -> None:
        """Put together addresses, birthdays and Google's groups."""
        for kind, lines in self.street2.items():
            parts = self.addresses.setdefault(kind, {})
            parts["Street"] = "\n".join([parts.get("Street", ""), *lines]).strip("\n")
        for kind, parts in self.addresses.items():
            self.contact.put_address(kind, parts)
        if self.birth:
            birthday = _birthday(self.birth)
            if birthday is None:
                result.add(where, f"birthday {self.birth} is not a date; left out",
                           Severity.REPAIRED)  # fmt: skip
            self.contact.put("birthday", birthday)
        for (group, _), parts in sorted(self.groups.items(), key=lambda item: item[0][1]):
            _GROUP_HANDLERS.get(group, _ignore)(self.contact, parts)


def _birthday(parts: dict[str, str]) -> str | None:
    """Year, month and day columns as YYYY-MM-DD (or --MM-DD without a year)."""
    try:
        month, day = int(parts.get("month", "")), int(parts.get("day", ""))
        year = int(parts["year"]) if parts.get("year") else None
    except ValueError:
        return None
    return _valid_date(year, month, day)


def _valid_date(year: int | None, month: int, day: int) -> str | None:
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return None
    if year is None:
        return f"--{month:02d}-{day:02d}"
    if not 1600 <= year <= 4500:
        return None
    return f"{year:04d}-{month:02d}-{day:02d}"


def parse_date(value: str) -> str | None:
    """A date as YYYY-MM-DD from ISO, US (m/d/y), European (d.m.y) or --MM-DD forms."""
    value = value.strip()
    match = re.fullmatch(r"(\d{4})-?(\d{2})-?(\d{2})(?:T.*)?", value)
    if match:
        return _valid_date(int(match[1]), int(match[2]), int(match[3]))
    match = re.fullmatch(r"--(\d{2})-?(\d{2})", value)
    if match:
        return _valid_date(None, int(match[1]), int(match[2]))
    match = re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{2,4})", value)
    if match:
        return _valid_date(_year(match[3]), int(match[1]), int(match[2]))
    match = re.fullmatch(r"(\d{1,2})\.(\d{1,2})\.(\d{2,4})", value)
    if match:
        return _valid_date(_year(match[3]), int(match[2]), int(match[1]))
    return None


def _year(text: str) -> int:
    """A four-digit year from two digits the way Outlook writes them (30 and up: 19xx)."""
    year = int(text)
    if len(text) == 2:
        year += 1900 if year >= 30 else 2000
    return year


# -- Google's numbered groups ---------------------------------------------------------------------


def _values(parts: dict[str, str]) -> list[str]:
    return [v.strip() for v in parts.get("value", "").split(_MULTIPLE) if v.strip()]


def _label(parts: dict[str, str]) -> str:
    label = parts.get("label") or parts.get("type") or ""
    return label.replace("*", "").strip().casefold()


def _email(contact: Contact, parts: dict[str, str]) -> None:
    for value in _values(parts):
        contact.put("email", value)


def _phone(contact: Contact, parts: dict[str, str]) -> None:
    target = PHONE_LABELS.get(_label(parts), "otherPhone")
    for value in _values(parts):
        contact.put(target, value)


def _website(contact: Contact, parts: dict[str, str]) -> None:
    target = f"{KINDS.get(_label(parts), 'other')}URL"
    for value in _values(parts):
        contact.put(target, value)


def _address(contact: Contact, parts: dict[str, str]) -> None:
    kind = KINDS.get(_label(parts), "other")
    street = "\n".join(
        p for p in (parts.get("po box"), parts.get("street"), parts.get("extended address")) if p
    )
    if not street and not any(parts.get(p) for p in ("city", "region", "postal code")):
        street = parts.get("formatted", "")
    contact.put_address(
        kind,
        {
            "Street": street,
            "City": parts.get("city", ""),
            "State": parts.get("region", ""),
            "PostalCode": parts.get("postal code", ""),
            "Country": parts.get("country", ""),
        },
    )


def _organization(contact: Contact, parts: dict[str, str]) -> None:
    for part, target in (("name", "company"), ("title", "jobTitle"), ("department", "department")):
        contact.put(target, parts.get(part))


def _im(contact: Contact, parts: dict[str, str]) -> None:
    for value in _values(parts):
        contact.put("imAddress1", value)


def _ignore(contact: Contact, parts: dict[str, str]) -> None:
    """Groups with no Carbonio field (relations, events, custom fields)."""


_GROUP_HANDLERS: dict[str, Callable[[Contact, dict[str, str]], None]] = {
    "e-mail": _email,
    "phone": _phone,
    "website": _website,
    "address": _address,
    "organization": _organization,
    "im": _im,
}
