"""Writing contacts for Carbonio's REST import, in the three forms it reads.

``carbonio-csv`` (the default) is Carbonio's own ``csv`` format: the headers are its field
names, so every field arrives whether or not the server's named CSV layouts load (they may
not on some releases) and whatever the account's locale. ``vcard`` keeps photos.
``thunderbird-csv`` is the layout of the documented procedure, kept for those who want it;
fields it has no column for are dropped and reported.
"""

from __future__ import annotations

import base64
import csv
import io
from collections.abc import Sequence
from urllib.parse import urlencode

import vobject

from carbonio_migrate.config import ContactFormatChoice as ContactFormat
from carbonio_migrate.contacts.model import Contact, field_order

# Carbonio refuses header names over 100 characters (ContactCSV).
_MAX_HEADER = 100
_THUNDERBIRD_HEADERS: tuple[tuple[str, str], ...] = (
    ("First Name", "firstName"),
    ("Last Name", "lastName"),
    ("Display Name", "fullName"),
    ("Nickname", "nickname"),
    ("Primary Email", "email"),
    ("Secondary Email", "email2"),
    ("Screen Name", "aimId"),
    ("Work Phone", "workPhone"),
    ("Home Phone", "homePhone"),
    ("Fax Number", "workFax"),
    ("Pager Number", "pager"),
    ("Mobile Number", "mobilePhone"),
    ("Home Address", "homeStreet:1"),
    ("Home Address 2", "homeStreet:2"),
    ("Home City", "homeCity"),
    ("Home State", "homeState"),
    ("Home ZipCode", "homePostalCode"),
    ("Home Country", "homeCountry"),
    ("Work Address", "workStreet:1"),
    ("Work Address 2", "workStreet:2"),
    ("Work City", "workCity"),
    ("Work State", "workState"),
    ("Work ZipCode", "workPostalCode"),
    ("Work Country", "workCountry"),
    ("Job Title", "jobTitle"),
    ("Department", "department"),
    ("Organization", "company"),
    ("Web Page 1", "workURL"),
    ("Web Page 2", "homeURL"),
    ("Birth Year", "birthday:year"),
    ("Birth Month", "birthday:month"),
    ("Birth Day", "birthday:day"),
    ("Custom 1", "custom1"),
    ("Custom 2", "custom2"),
    ("Custom 3", "custom3"),
    ("Custom 4", "custom4"),
    ("Notes", "notes"),
)
__all__ = ["ContactFormat", "dropped_fields", "import_query", "render"]
THUNDERBIRD_FIELDS = frozenset(target.split(":")[0] for _, target in _THUNDERBIRD_HEADERS)


def file_suffix(kind: ContactFormat) -> str:
    """The file name suffix of a format."""
    return ".vcf" if kind == ContactFormat.VCARD else ".csv"


def import_query(kind: ContactFormat, csvlocale: str) -> str:
    """The REST query string that makes Carbonio read the body in this format."""
    if kind == ContactFormat.VCARD:
        return urlencode({"fmt": "vcf"})
    if kind == ContactFormat.THUNDERBIRD_CSV:
        # Without csvlocale an account whose locale is de, fr... expects translated headers.
        return urlencode({"fmt": "csv", "csvfmt": "thunderbird-csv", "csvlocale": csvlocale})
    return urlencode({"fmt": "csv", "csvfmt": "csv"})


def content_type(kind: ContactFormat) -> str:
    """The Content-Type of a body in this format."""
    return (
        "text/vcard; charset=utf-8" if kind == ContactFormat.VCARD else "text/csv; charset=utf-8"
    )


def render(kind: ContactFormat, contacts: Sequence[Contact]) -> bytes:
    """The contacts as one body in the chosen format (UTF-8, no BOM)."""
    if kind == ContactFormat.VCARD:
        return "".join(vcard(contact) for contact in contacts).encode("utf-8")
    if kind == ContactFormat.THUNDERBIRD_CSV:
        return thunderbird_csv(contacts)
    return carbonio_csv(contacts)


def carbonio_csv(contacts: Sequence[Contact]) -> bytes:
    """Carbonio's ``csv`` format: one column per field name used, every value quoted."""
    names = sorted({name for c in contacts for name in c.fields}, key=field_order)
    headers = [name[:_MAX_HEADER] for name in names]
    return _csv([headers] + [[c.fields.get(name, "") for name in names] for c in contacts])


def thunderbird_csv(contacts: Sequence[Contact]) -> bytes:
    """The ``thunderbird-csv`` layout with its 37 English headers."""
    rows = [[header for header, _ in _THUNDERBIRD_HEADERS]]
    for contact in contacts:
        rows.append([_thunderbird_value(contact, target) for _, target in _THUNDERBIRD_HEADERS])
    return _csv(rows)


def _thunderbird_value(contact: Contact, target: str) -> str:
    """The value of one Thunderbird column: street lines and birthday parts split."""
    name, _, part = target.partition(":")
    value = contact.fields.get(name, "")
    if not part or not value:
        return value
    if name.endswith("Street"):
        first, _, rest = value.partition("\n")
        return first if part == "1" else rest.replace("\n", ", ")
    year, month, day = _date_parts(value)
    return {"year": year, "month": month, "day": day}[part]


def _date_parts(value: str) -> tuple[str, str, str]:
    """Year, month and day of YYYY-MM-DD or --MM-DD, without leading zeros."""
    pieces = value.lstrip("-").split("-")
    if len(pieces) == 3:
        return pieces[0], str(int(pieces[1])), str(int(pieces[2]))
    if len(pieces) == 2:
        return "", str(int(pieces[0])), str(int(pieces[1]))
    return "", "", ""


def _csv(rows: list[list[str]]) -> bytes:
    """Rows as RFC 4180 CSV: every field quoted, CRLF line ends, UTF-8."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def vcard(contact: Contact) -> str:
    """One vCard 3.0 (FN is required: built from the names or the address when missing)."""
    fields = contact.fields
    card = vobject.vCard()
    card.add("fn").value = fields.get("fullName") or _display_name(fields)
    card.add("n").value = vobject.vcard.Name(
        family=fields.get("lastName", ""),
        given=fields.get("firstName", ""),
        additional=fields.get("middleName", ""),
        prefix=fields.get("namePrefix", ""),
        suffix=fields.get("nameSuffix", ""),
    )
    for name in sorted(fields, key=field_order):
        if name != "notes":
            _add_property(card, name, fields[name], fields)
    # Fields without a vCard property (custom columns) are kept in the note, not lost.
    extra = [f"{name}: {fields[name]}" for name in sorted(fields) if not vcard_fields(name)]
    note = "\n".join(part for part in (fields.get("notes", ""), *extra) if part)
    if note:
        card.add("note").value = note
    if contact.photo:
        photo = card.add("photo")
        photo.encoding_param = "b"
        photo.type_param = contact.photo[0]
        photo.value = base64.b64decode(contact.photo[1])
    return str(card.serialize())


def _display_name(fields: dict[str, str]) -> str:
    names = [fields.get(n, "") for n in ("firstName", "middleName", "lastName")]
    joined = " ".join(n for n in names if n)
    return joined or fields.get("company") or fields.get("email") or fields.get("nickname", "")


def vcard_fields(name: str) -> bool:
    """Whether a Carbonio field has a vCard property (the others are not written)."""
    base = name.rstrip("0123456789")
    return (
        base in _VCARD_NAMED
        or base.endswith(("Phone", "Fax", "URL"))
        or any(base.endswith(part) for part in _ADDRESS_PARTS)
    )


def _add_property(
    card: vobject.base.Component, name: str, value: str, fields: dict[str, str]
) -> None:
    """Add the vCard property for one Carbonio field (an address is added once)."""
    base = name.rstrip("0123456789")
    if base == "email":
        card.add("email").value = value
    elif base.endswith(("Phone", "Fax")) or base == "pager":
        tel = card.add("tel")
        tel.value = value
        tel.params["TYPE"] = _TEL_TYPES.get(base, ["VOICE"])
    elif any(base.endswith(part) for part in _ADDRESS_PARTS):
        _add_address(card, name, fields)
    elif base.endswith("URL"):
        url = card.add("url")
        url.value = value
        url.params["TYPE"] = [base.removesuffix("URL").upper()]
    elif base in _SIMPLE_PROPERTIES:
        card.add(_SIMPLE_PROPERTIES[base]).value = value
    elif base == "company" or (base == "department" and "company" not in fields):
        company = fields.get("company", "")
        department = fields.get("department", "")
        card.add("org").value = [company, department] if department else [company]


def _add_address(card: vobject.base.Component, name: str, fields: dict[str, str]) -> None:
    """One ADR for the address that this field is a part of, added at its first part."""
    part = next(p for p in _ADDRESS_PARTS if p in name)
    kind, suffix = name.split(part, 1)
    if name != _first_address_field(kind, suffix, fields):
        return
    adr = card.add("adr")
    adr.value = vobject.vcard.Address(
        street=fields.get(f"{kind}Street{suffix}", ""),
        city=fields.get(f"{kind}City{suffix}", ""),
        region=fields.get(f"{kind}State{suffix}", ""),
        code=fields.get(f"{kind}PostalCode{suffix}", ""),
        country=fields.get(f"{kind}Country{suffix}", ""),
    )
    adr.type_param = kind.upper()


def _first_address_field(kind: str, suffix: str, fields: dict[str, str]) -> str:
    for part in _ADDRESS_PARTS:
        if f"{kind}{part}{suffix}" in fields:
            return f"{kind}{part}{suffix}"
    return ""


_ADDRESS_PARTS = ("Street", "City", "State", "PostalCode", "Country")
_TEL_TYPES = {
    "workPhone": ["WORK", "VOICE"],
    "homePhone": ["HOME", "VOICE"],
    "mobilePhone": ["CELL"],
    "carPhone": ["CAR"],
    "pager": ["PAGER"],
    "workFax": ["WORK", "FAX"],
    "homeFax": ["HOME", "FAX"],
    "otherFax": ["FAX"],
}
_SIMPLE_PROPERTIES = {
    "nickname": "nickname",
    "jobTitle": "title",
    "birthday": "bday",
}
_VCARD_NAMED = frozenset(
    {"email", "pager", "company", "department", "fullName", "firstName", "lastName", "notes"}
    | {"middleName", "namePrefix", "nameSuffix", *_SIMPLE_PROPERTIES}
)


def dropped_fields(kind: ContactFormat, contacts: Sequence[Contact]) -> list[str]:
    """Fields (and photos) the chosen format cannot carry, to report once per account."""
    names = {name for contact in contacts for name in contact.fields}
    if kind == ContactFormat.THUNDERBIRD_CSV:
        dropped = sorted(names - THUNDERBIRD_FIELDS, key=field_order)
    else:
        dropped = []
    if kind != ContactFormat.VCARD and any(contact.photo for contact in contacts):
        dropped.append("photo")
    return dropped
