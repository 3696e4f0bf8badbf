"""Contact CSV import as Carbonio does it: its CSV reading rules and its named formats.

Reading follows the server's own parser rather than RFC 4180 to the letter (separator found
on the header line, a field after a closing quote starting a new column, a trailing separator
adding no column), which is why Python's csv module is not used. Formats loaded here: `csv`
(headers are field names), `thunderbird-csv` and its `de` variant; the other locale variants
and `yahoo-csv`, `outlook-*`, `windows-live-mail-csv` are not (TODO: importing with those
names falls back to `csv` here but maps columns on a real server).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass


class CsvParseError(Exception):
    """The file cannot be read as contact CSV (the server answers 400)."""


@dataclass(frozen=True)
class Column:
    """A format column: one header, or a group of headers joined into one field."""

    names: tuple[str, ...]
    field: str

    @property
    def multivalue(self) -> bool:
        """Whether several headers feed this field."""
        return len(self.names) > 1


@dataclass(frozen=True)
class CsvFormat:
    """A named format, optionally for one locale; `all_fields` uses headers as field names."""

    name: str
    locale: str | None
    columns: tuple[Column, ...] = ()
    all_fields: bool = False


def _thunderbird_columns(headers: list[str]) -> tuple[Column, ...]:
    """Columns of a thunderbird-csv variant: its headers (comma-joined for groups) by field."""
    pairs = zip(headers, _THUNDERBIRD_FIELDS, strict=True)
    return tuple(Column(tuple(names.split(",")), field) for names, field in pairs)


_THUNDERBIRD_FIELDS = [
    "firstName", "lastName", "fullName", "nickname", "email", "email2", "aimId", "workPhone",
    "homePhone", "workFax", "pager", "mobilePhone", "homeStreet", "homeCity", "homeState",
    "homePostalCode", "homeCountry", "workStreet", "workCity", "workState", "workPostalCode",
    "workCountry", "jobTitle", "department", "company", "workURL", "homeURL", "birthday",
    "custom1", "custom2", "custom3", "custom4", "notes",
]  # fmt: skip

_THUNDERBIRD_EN = [
    "First Name", "Last Name", "Display Name", "Nickname", "Primary Email", "Secondary Email",
    "Screen Name", "Work Phone", "Home Phone", "Fax Number", "Pager Number", "Mobile Number",
    "Home Address,Home Address 2", "Home City", "Home State", "Home ZipCode", "Home Country",
    "Work Address,Work Address 2", "Work City", "Work State", "Work ZipCode", "Work Country",
    "Job Title", "Department", "Organization", "Web Page 1", "Web Page 2",
    "Birth Month,Birth Day,Birth Year", "Custom 1", "Custom 2", "Custom 3", "Custom 4", "Notes",
]  # fmt: skip

_THUNDERBIRD_DE = [
    "Vorname", "Nachname", "Anzeigename", "Spitzname", "Primäre E-Mail-Adresse",
    "Sekundäre E-Mail-Adresse", "Messenger-Name", "Tel. dienstlich", "Tel. privat",
    "Fax-Nummer", "Pager-Nummer", "Mobil-Tel.-Nr.", "Privat: Adresse,Privat: Adresse 2",
    "Privat: Ort", "Privat: Bundesland", "Privat: PLZ", "Privat: Land",
    "Dienstlich: Adresse,Dienstlich: Adresse 2", "Dienstlich: Ort", "Dienstlich: Bundesland",
    "Dienstlich: PLZ", "Dienstlich: Land", "Arbeitstitel", "Abteilung", "Organisation",
    "Webseite 1", "Webseite 2", "Geburtsmonat,Geburtstag,Geburtsjahr", "Benutzerdef. 1",
    "Benutzerdef. 2", "Benutzerdef. 3", "Benutzerdef. 4", "Notizen",
]  # fmt: skip

DEFAULT_FORMAT = CsvFormat("csv", None, all_fields=True)
FORMATS = (
    DEFAULT_FORMAT,
    CsvFormat("thunderbird-csv", None, _thunderbird_columns(_THUNDERBIRD_EN)),
    CsvFormat("thunderbird-csv", "de", _thunderbird_columns(_THUNDERBIRD_DE)),
)

MAX_COLUMNS = 1000
MAX_HEADER_LENGTH = 100
_DATE_FIELDS = ("birthday", "anniversary")


def loaded_formats(broken: bool) -> tuple[CsvFormat, ...]:
    """The formats a server has loaded: only `csv` when its mapping file failed (4.9)."""
    return (DEFAULT_FORMAT,) if broken else FORMATS


def loaded_format_names(broken: bool) -> list[str]:
    """Distinct names of the loaded formats, in definition order."""
    return list(dict.fromkeys(f.name for f in loaded_formats(broken)))


def select_format(
    headers: list[str], name: str | None, locale: str | None, broken: bool
) -> CsvFormat:
    """`csvfmt` + locale, else that name without locale, else `csv`; no name: best match."""
    formats = loaded_formats(broken)
    if name is None:
        return _guess_format(headers, formats)
    exact = [f for f in formats if f.name == name and locale and f.locale == locale]
    plain = [f for f in formats if f.name == name and f.locale is None]
    return (exact or plain or [DEFAULT_FORMAT])[0]


def _guess_format(headers: list[str], formats: tuple[CsvFormat, ...]) -> CsvFormat:
    """The format with most column names present verbatim in the header (default `csv`)."""
    best, best_count = DEFAULT_FORMAT, 0
    for fmt in formats:
        count = sum(1 for column in fmt.columns if column.names[0] in headers)
        if count > best_count:
            best, best_count = fmt, count
    return best


def parse_contacts(
    text: str, name: str | None, locale: str | None, broken: bool
) -> list[dict[str, str]]:
    """Read a whole CSV body into contacts (field -> value); errors raise CsvParseError."""
    reader = _Reader(text)
    headers = reader.header()
    fmt = select_format(headers, name, locale, broken)
    contacts = []
    while (record := reader.record()) is not None:
        contact = _to_contact(headers, record, fmt)
        if contact:
            contacts.append(contact)
    return contacts


class _Reader:
    """Carbonio's CSV record reader over decoded text."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.line = 1
        self.record_start = 1
        self.separator: str | None = None

    def header(self) -> list[str]:
        """Read and check the header line."""
        fields = self.record()
        if fields is None:
            raise CsvParseError("no column name definitions")
        if fields[0] and fields[0].startswith("\ufeff"):
            fields[0] = fields[0][1:]
        if len(fields) > MAX_COLUMNS:
            raise CsvParseError(f"too many columns: {len(fields)}")

        headers = []
        for index, name in enumerate(fields):
            if not name:
                raise CsvParseError(f"missing column name for column[{index}]")
            if len(name) > MAX_HEADER_LENGTH:
                raise CsvParseError(
                    f"invalid format - header field {index + 1} of {len(fields)} is too long"
                    f" (length={len(name)})"
                )
            headers.append(name)
        return headers

    def record(self) -> list[str | None] | None:
        """Read one record; blank fields are None; None at the end of input."""
        self.record_start = self.line
        fields: list[str | None] = []
        after_quoted = False
        while self.pos < len(self.text):
            char = self.text[self.pos]
            self.pos += 1
            if char == '"':
                after_quoted = True
                fields.append(self._quoted())
            elif char in "\r\n":
                self._end_of_line(char)
                if fields:
                    return fields
            elif self._is_separator(char):
                if not after_quoted:
                    fields.append(None)
                after_quoted = False
            else:
                fields.append(self._unquoted(char))
                after_quoted = False
        return fields or None

    def _end_of_line(self, char: str) -> None:
        """Count a line end; CR LF is one."""
        self.line += 1
        if char == "\r" and self.text[self.pos : self.pos + 1] == "\n":
            self.pos += 1

    def _is_separator(self, char: str) -> bool:
        """The known separator, or the first `,` or `;` met while it is unknown."""
        if self.separator is None and char in ",;":
            self.separator = char
        return char == self.separator

    def _unquoted(self, first: str) -> str:
        """An unquoted field: up to a separator (consumed) or a line end (not consumed)."""
        chars = [first]
        while self.pos < len(self.text):
            char = self.text[self.pos]
            if char in "\r\n":
                break
            self.pos += 1
            if self._is_separator(char):
                break
            chars.append(char)
        return "".join(chars)

    def _quoted(self) -> str | None:
        """A quoted field after its opening quote; `""` is a quote; empty gives None."""
        chars: list[str] = []
        while self.pos < len(self.text):
            char = self.text[self.pos]
            self.pos += 1
            if char == '"':
                if self.text[self.pos : self.pos + 1] != '"':
                    return "".join(chars) or None
                self.pos += 1
            elif char == "\r" and self.text[self.pos : self.pos + 1] == "\n":
                chars.append(char)
                char = "\n"
                self.pos += 1
            if char in "\r\n":
                self.line += 1
            chars.append(char)
        raise CsvParseError(
            "End of stream reached while parsing field.\n"
            f"Current contact definition started at line {self.record_start}"
        )


def _to_contact(headers: list[str], record: list[str | None], fmt: CsvFormat) -> dict[str, str]:
    """Map one record to contact fields with the format's columns."""
    contact = _ContactFields()
    if fmt.all_fields:
        for header, value in zip(headers, record, strict=False):
            contact.put(header, value)
        return contact.finish()

    unseen = list(fmt.columns)
    pending: dict[Column, dict[str, str | None]] = {}
    for index, header in enumerate(headers):
        value = record[index] if index < len(record) else None
        column = next((c for c in unseen if header.lower() in _lower(c.names)), None)
        if column is None:
            contact.put(header, value)
        elif column.multivalue:
            group = pending.setdefault(column, {})
            group[header.lower()] = value
            if len(group) >= len(column.names):
                _put_group(contact, column, group)
                unseen.remove(column)
        else:
            contact.put(column.field, value)
            unseen.remove(column)
    for column, group in pending.items():
        _put_group(contact, column, group)
    return contact.finish()


def _lower(names: tuple[str, ...]) -> list[str]:
    """Lower-cased header names."""
    return [n.lower() for n in names]


class _ContactFields:
    """Collects fields: first value per (case-insensitive) name wins, blanks are ignored."""

    def __init__(self) -> None:
        self.fields: dict[str, str] = {}
        self._seen: set[str] = set()

    def put(self, name: str, value: str | None) -> None:
        """Add a field unless blank-named, empty, or already set."""
        if not name.strip() or not value or name.lower() in self._seen:
            return
        self._seen.add(name.lower())
        self.fields[name] = value

    def finish(self) -> dict[str, str]:
        """The contact; a lone whitespace-only field is no contact at all."""
        if len(self.fields) == 1 and not next(iter(self.fields.values())).strip():
            return {}
        return self.fields


def _put_group(contact: _ContactFields, column: Column, group: dict[str, str | None]) -> None:
    """Join a multi-header field: lines for addresses, a date for birthday groups."""
    values = [group.get(name.lower()) for name in column.names]
    present = [v for v in values if v is not None]
    if column.field not in _DATE_FIELDS:
        contact.put(column.field, "\n".join(present))
        return

    date = _group_date(values) if len(values) == 3 else None
    if date is None and present:
        joined = "-".join(present)
        date = f"'{joined}'" if joined[0].isdigit() else joined
    contact.put(column.field, date)


def _group_date(values: list[str | None]) -> str | None:
    """Month, day and year parts as YYYY-MM-DD when they form a valid date."""
    try:
        month, day, year = (int(v) if v is not None else 0 for v in values)
    except ValueError:
        return None
    if not (1600 <= year <= 4500 and 1 <= month <= 12):
        return None
    if not 1 <= day <= calendar.monthrange(year, month)[1]:
        return None
    return f"{year:04d}-{month:02d}-{day:02d}"
