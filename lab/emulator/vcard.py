"""vCard import (`fmt=vcf`): every card becomes a contact, mapped to Carbonio field names."""

from __future__ import annotations

from typing import Any

import vobject


class VcardError(Exception):
    """The body is not a vCard stream the server can read (500)."""


class NoVcardFields(Exception):
    """No usable card in the body (400 `no contact fields found in vcard`)."""


def parse_vcards(text: str) -> list[dict[str, str]]:
    """Contacts of every non-empty card; raise NoVcardFields when there is none."""
    try:
        cards = list(vobject.readComponents(text))
    except (vobject.base.ParseError, ValueError) as exc:
        raise VcardError(str(exc)) from exc
    contacts = [_fields(card) for card in cards]
    if not contacts or (len(contacts) == 1 and not contacts[0]):
        raise NoVcardFields("no contact fields found in vcard")
    return [c for c in contacts if c]


def _fields(card: Any) -> dict[str, str]:
    """Map one card's properties to contact fields."""
    fields: dict[str, str] = {}
    for line in card.lines():
        types = {t.upper() for t in line.params.get("TYPE", [])}
        mapper = _MAPPERS.get(line.name)
        if mapper is not None:
            mapper(fields, line.value, types)
    return fields


def _add(fields: dict[str, str], key: str, value: str, prefix: str | None = None) -> None:
    """Set `key`, or the first free `<prefix><n>` (n from 2) when it is taken."""
    if not value:
        return
    if key not in fields:
        fields[key] = value
        return
    for suffix in range(2, 20):
        candidate = f"{prefix or key}{suffix}"
        if candidate not in fields:
            fields[candidate] = value
            return


def _name(fields: dict[str, str], value: Any, _types: set[str]) -> None:
    """N: family;given;additional;prefix;suffix."""
    parts = ("family", "given", "additional", "prefix", "suffix")
    keys = ("lastName", "firstName", "middleName", "namePrefix", "nameSuffix")
    for part, key in zip(parts, keys, strict=True):
        _add(fields, key, _text(getattr(value, part, "")))


def _address(fields: dict[str, str], value: Any, types: set[str]) -> None:
    """ADR by TYPE=HOME/WORK (else other): street lines, city, state, postal code, country."""
    kind = "home" if "HOME" in types else "work" if "WORK" in types else "other"
    street = "\n".join(
        s for s in (_text(value.box), _text(value.extended), _text(value.street)) if s
    )
    _add(fields, f"{kind}Street", street)
    _add(fields, f"{kind}City", _text(value.city))
    _add(fields, f"{kind}State", _text(value.region))
    _add(fields, f"{kind}PostalCode", _text(value.code))
    _add(fields, f"{kind}Country", _text(value.country))


def _phone(fields: dict[str, str], value: Any, types: set[str]) -> None:
    """TEL by TYPE: car, cell, pager, else home/work/other phone or fax."""
    for flag, key in (("CAR", "carPhone"), ("CELL", "mobilePhone"), ("PAGER", "pager")):
        if flag in types:
            _add(fields, key, value)
            return
    fax, voice = "FAX" in types, "VOICE" in types
    kinds = [k for k in ("home", "work") if k.upper() in types] or ["other"]
    for kind in kinds:
        if fax:
            _add(fields, f"{kind}Fax", value)
        if voice or not fax:
            _add(fields, f"{kind}Phone", value)


def _url(fields: dict[str, str], value: Any, types: set[str]) -> None:
    """URL by TYPE=HOME/WORK (else other)."""
    kinds = [k for k in ("home", "work") if k.upper() in types] or ["other"]
    for kind in kinds:
        _add(fields, f"{kind}URL", value)


def _org(fields: dict[str, str], value: Any, _types: set[str]) -> None:
    """ORG: company;department."""
    parts = value if isinstance(value, list) else [value]
    for key, part in zip(("company", "department"), parts, strict=False):
        _add(fields, key, _text(part))


def _text(value: Any) -> str:
    """A component value as text (lists joined with spaces)."""
    if isinstance(value, list):
        return " ".join(str(v) for v in value if v)
    return str(value or "")


def _simple(key: str, prefix: str | None = None) -> Any:
    """A mapper for a single-text property."""

    def mapper(fields: dict[str, str], value: Any, _types: set[str]) -> None:
        _add(fields, key, _text(value), prefix)

    return mapper


_MAPPERS = {
    "FN": _simple("fullName", "altFullName"),
    "N": _name,
    "NICKNAME": _simple("nickname"),
    "BDAY": _simple("birthday"),
    "ADR": _address,
    "TEL": _phone,
    "EMAIL": _simple("email"),
    "URL": _url,
    "ORG": _org,
    "TITLE": _simple("jobTitle", "altJobTitle"),
    "NOTE": _simple("notes"),
}
