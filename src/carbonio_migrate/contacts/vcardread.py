"""Reading vCards 2.1, 3.0 and 4.0 with vobject, one card at a time.

Cards are first cut apart with their line numbers (so one broken card is reported where it is
and costs nothing else); quoted-printable soft breaks of vCard 2.1 are joined there, because
vobject reads a QP value only when it is on one line. PHOTO is read here as well: vobject
splits vCard 4.0 ``data:`` URIs at their comma.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable
from typing import Any

import vobject

from carbonio_migrate.calendars.lines import Component, Property, Severity, decode, parse
from carbonio_migrate.contacts.csvread import ContactsRead, parse_date
from carbonio_migrate.contacts.model import Contact

_DATA_URI = re.compile(r"^data:image/([A-Za-z0-9.+-]+)(?:;[^,]*)?,(.*)$", re.S)
_TEL_PREFIX = re.compile(r"(?i)^tel:")


def read_vcards(name: str, data: bytes) -> ContactsRead:
    """Every card of a vCard file as a Contact; broken cards are reported and left out."""
    result = ContactsRead()
    text, notes = decode(data)
    parsed = parse(text, quoted_printable=True)
    for line, message, severity in notes + parsed.notes:
        result.add(f"{name}:{line}", message, severity)

    for card in parsed.components:
        where = f"{name}:{card.line}"
        if card.name != "VCARD":
            result.add(where, f"{card.name} is not a vCard; ignored", Severity.NOTE)
            continue
        result.read += 1
        contact = _contact(card, where, result)
        if contact is None:
            result.broken += 1
        elif contact.usable:
            result.contacts.append(contact)
        else:
            result.broken += 1
            result.add(where, "vCard with no usable field; not sent", Severity.BROKEN)
    if not parsed.components:
        result.add(f"{name}:1", "no vCard found", Severity.NOTE)
    return result


def _contact(card: Component, where: str, result: ContactsRead) -> Contact | None:
    """The card as a Contact, or None after reporting why it cannot be read."""
    if card.broken:
        problems = "; ".join(f"line {line}: {m}" for line, m in card.all_damage())
        result.add(where, f"vCard left out: {problems}", Severity.BROKEN)
        return None

    contact = Contact(where)
    photos = card.all("PHOTO")
    card.properties = [p for p in card.properties if p.name != "PHOTO"]
    try:
        # TODO: vobject reads about 1,000 cards a second here (CSV: over 10,000); a reader of
        # the few properties mapped would be ten times faster, at the cost of its own code.
        parsed = vobject.readOne("\r\n".join(card.lines()) + "\r\n")
        lines = list(parsed.lines())
    except (vobject.base.ParseError, ValueError, TypeError, binascii.Error) as exc:
        result.add(where, f"vCard left out: {_reason(exc)}", Severity.BROKEN)
        return None

    for line in lines:
        mapper = _MAPPERS.get(line.name.upper())
        if mapper is not None:
            try:
                mapper(contact, line.value, _types(line))
            except (ValueError, TypeError, AttributeError) as exc:
                result.add(where, f"{line.name} left out: {exc}", Severity.REPAIRED)
    if photos:
        contact.photo = _photo(photos[0], where, result)
    uid = card.first("UID")
    contact.uid = uid.value.strip() if uid is not None and uid.value.strip() else None
    return contact


def _reason(exc: Exception) -> str:
    """vobject's message, which names the line inside the card it was given."""
    return str(exc).strip() or type(exc).__name__


def _types(line: Any) -> set[str]:
    """TYPE values in every spelling: TYPE=a,b / TYPE=a;TYPE=b / "a,b" / 2.1's bare WORK."""
    found: set[str] = set()
    for value in line.params.get("TYPE", []) + list(line.singletonparams):
        found.update(part.strip().strip('"').upper() for part in str(value).split(","))
    return found


def _photo(prop: Property, where: str, result: ContactsRead) -> tuple[str, str] | None:
    """(image type, base64 data) of an inline PHOTO; URLs to elsewhere are not fetched."""
    value = prop.value.strip()
    match = _DATA_URI.match(value)
    if match:
        kind, data = match.group(1).upper(), match.group(2)
    elif (prop.param("ENCODING") or "").upper() in ("B", "BASE64") or "BASE64" in (
        prop.param_names()
    ):
        kind = (prop.param("TYPE") or "JPEG").upper()
        data = value
    else:
        result.add(where, "PHOTO is a link, not an image; left out", Severity.REPAIRED)
        return None
    try:
        base64.b64decode(data, validate=False)
    except (binascii.Error, ValueError):
        result.add(where, "PHOTO is not valid base64; left out", Severity.REPAIRED)
        return None
    return kind.removeprefix("IMAGE/"), re.sub(r"\s+", "", data)


# -- properties to fields -------------------------------------------------------------------------


def _text(value: Any) -> str:
    if isinstance(value, list | tuple):
        return " ".join(str(v) for v in value if v)
    return str(value or "")


def _name(contact: Contact, value: Any, _types: set[str]) -> None:
    for part, field in (
        ("family", "lastName"),
        ("given", "firstName"),
        ("additional", "middleName"),
        ("prefix", "namePrefix"),
        ("suffix", "nameSuffix"),
    ):
        contact.put(field, _text(getattr(value, part, "")))


def _phone(contact: Contact, value: Any, types: set[str]) -> None:
    number = _TEL_PREFIX.sub("", _text(value))
    contact.put(_phone_field(types), number)


def _phone_field(types: set[str]) -> str:
    """Carbonio's phone field for a TEL's types."""
    for flag, name in (("CELL", "mobilePhone"), ("PAGER", "pager"), ("CAR", "carPhone")):
        if flag in types:
            return name
    kind = "work" if "WORK" in types else "home" if "HOME" in types else "other"
    return f"{kind}Fax" if "FAX" in types else f"{kind}Phone"


def _address(contact: Contact, value: Any, types: set[str]) -> None:
    kind = "work" if "WORK" in types else "home" if "HOME" in types else "other"
    street = "\n".join(
        s for s in (_text(value.box), _text(value.extended), _text(value.street)) if s
    )
    contact.put_address(
        kind,
        {
            "Street": street,
            "City": _text(value.city),
            "State": _text(value.region),
            "PostalCode": _text(value.code),
            "Country": _text(value.country),
        },
    )


def _organization(contact: Contact, value: Any, _types: set[str]) -> None:
    parts = value if isinstance(value, list) else [value]
    for field, part in zip(("company", "department"), parts, strict=False):
        contact.put(field, _text(part))


def _url(contact: Contact, value: Any, types: set[str]) -> None:
    kind = "work" if "WORK" in types else "home" if "HOME" in types else "other"
    contact.put(f"{kind}URL", _text(value))


def _date(field: str) -> Callable[[Contact, Any, set[str]], None]:
    def mapper(contact: Contact, value: Any, _types: set[str]) -> None:
        text = _text(value)
        date = parse_date(text)
        if date is None:
            raise ValueError(f"{text!r} is not a date")
        contact.put(field, date)

    return mapper


def _simple(field: str) -> Callable[[Contact, Any, set[str]], None]:
    def mapper(contact: Contact, value: Any, _types: set[str]) -> None:
        contact.put(field, _text(value))

    return mapper


def _note(contact: Contact, value: Any, _types: set[str]) -> None:
    text = _text(value).replace("\r\n", "\n")
    existing = contact.fields.get("notes")
    if existing and text.strip():
        contact.fields["notes"] = f"{existing}\n\n{text.strip()}"
    else:
        contact.put("notes", text)


_MAPPERS: dict[str, Callable[[Contact, Any, set[str]], None]] = {
    "FN": _simple("fullName"),
    "N": _name,
    "NICKNAME": _simple("nickname"),
    "EMAIL": _simple("email"),
    "TEL": _phone,
    "ADR": _address,
    "ORG": _organization,
    "TITLE": _simple("jobTitle"),
    "URL": _url,
    "BDAY": _date("birthday"),
    "ANNIVERSARY": _date("anniversary"),
    "X-ANNIVERSARY": _date("anniversary"),
    "NOTE": _note,
}
