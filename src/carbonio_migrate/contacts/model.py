"""A contact as Carbonio stores it: field names of Carbonio's contact model, and text values.

Whatever the exporter, every contact is turned into these fields, so that one writer serves
every input, and a contact's identity and fingerprint do not depend on its file's layout.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

# Carbonio's contact fields in the order the CSV writer puts them first (contact-fields.xml).
KNOWN_FIELDS: tuple[str, ...] = (
    "fullName", "firstName", "middleName", "lastName", "namePrefix", "nameSuffix",
    "nickname", "maidenName", "fileAs", "company", "department", "jobTitle",
    "email", "email2", "email3", "email4", "email5",
    "workPhone", "workPhone2", "homePhone", "homePhone2", "mobilePhone", "mobilePhone2",
    "carPhone", "pager", "workFax", "homeFax", "otherPhone", "otherFax", "companyPhone",
    "assistantPhone", "callbackPhone",
    "homeStreet", "homeCity", "homeState", "homePostalCode", "homeCountry",
    "workStreet", "workCity", "workState", "workPostalCode", "workCountry",
    "otherStreet", "otherCity", "otherState", "otherPostalCode", "otherCountry",
    "homeURL", "workURL", "otherURL", "imAddress1", "imAddress2", "imAddress3",
    "birthday", "anniversary", "custom1", "custom2", "custom3", "custom4", "notes",
)  # fmt: skip
_KNOWN_ORDER = {name: index for index, name in enumerate(KNOWN_FIELDS)}
# Fields that say nothing about whom a contact is for when they are all it has.
_NOT_ENOUGH = frozenset({"birthday", "anniversary"})
_SUFFIX = re.compile(r"^(.*?)(\d+)$")
_MAX_SLOTS = 99
_ADDRESS_PARTS = ("Street", "City", "State", "PostalCode", "Country")


@dataclass
class Contact:
    """One contact: Carbonio field -> value, its place in the input, and an optional photo."""

    where: str
    fields: dict[str, str] = field(default_factory=dict)
    photo: tuple[str, str] | None = None  # (image type such as JPEG, base64 data)
    uid: str | None = None  # a vCard's UID: who it is, whatever else changes

    def put(self, name: str, value: str | None) -> None:
        """Set a field, or its next numbered slot (email, email2, ...) when it is taken."""
        value = (value or "").replace("\r\n", "\n").replace("\r", "\n").strip()
        if not value:
            return
        for slot in _slots(name):
            current = self.fields.get(slot)
            if current is None:
                self.fields[slot] = value
                return
            if current == value:
                return  # the same value twice in one contact is one value

    def put_address(self, kind: str, parts: dict[str, str]) -> None:
        """Set a postal address (kind home, work or other), in the first free address slot."""
        values = {
            part: (parts.get(part) or "").replace("\r\n", "\n").strip() for part in _ADDRESS_PARTS
        }
        if not any(values.values()):
            return
        for number in range(1, _MAX_SLOTS):
            suffix = "" if number == 1 else str(number)
            names = {part: f"{kind}{part}{suffix}" for part in _ADDRESS_PARTS}
            if not any(name in self.fields for name in names.values()):
                for part, value in values.items():
                    if value:
                        self.fields[names[part]] = value
                return

    @property
    def usable(self) -> bool:
        """Whether the contact says anything beyond a date."""
        return any(value.strip() for name, value in self.fields.items() if name not in _NOT_ENOUGH)

    def identity(self) -> str:
        """Who the contact is for: its vCard UID, or its names and e-mail addresses, or else
        everything it has."""
        if self.uid:
            return "uid:" + hashlib.sha256(self.uid.encode("utf-8")).hexdigest()[:32]
        names = [self.fields.get(n, "") for n in ("fullName", "firstName", "lastName", "company")]
        emails = sorted(v.lower() for k, v in self.fields.items() if k.startswith("email"))
        basis = names + emails if any(names) or emails else sorted(self.fields.items())
        return hashlib.sha256(repr(basis).casefold().encode("utf-8")).hexdigest()[:32]

    def fingerprint(self) -> str:
        """A digest of every field and the photo: it changes when anything changes."""
        content = repr((sorted(self.fields.items()), self.photo))
        return hashlib.sha256(content.encode("utf-8")).hexdigest()

    def ordered_names(self) -> list[str]:
        """The contact's field names, known fields first in Carbonio's order."""
        return sorted(self.fields, key=field_order)


def field_order(name: str) -> tuple[int, str]:
    """Sort key: Carbonio's known fields in their order, then the others by name."""
    match = _SUFFIX.match(name)
    base = match.group(1) if match and name not in _KNOWN_ORDER else name
    return (_KNOWN_ORDER.get(name, _KNOWN_ORDER.get(base, len(KNOWN_FIELDS))), name)


def _slots(name: str) -> Iterator[str]:
    """``name`` and the names after it: ``email``, ``email2``...; ``email2``, ``email3``..."""
    yield name
    match = _SUFFIX.match(name)
    if match and match.group(1):
        base, first = match.group(1), int(match.group(2))
    else:
        base, first = name, 1
    for number in range(max(first + 1, 2), _MAX_SLOTS):
        yield f"{base}{number}"


def keyed(contacts: list[Contact]) -> list[tuple[str, Contact]]:
    """Each contact with its state key: its identity, numbered when it repeats in a file."""
    seen: dict[str, int] = {}
    result = []
    for contact in contacts:
        identity = contact.identity()
        seen[identity] = seen.get(identity, 0) + 1
        count = seen[identity]
        result.append((identity if count == 1 else f"{identity}#{count}", contact))
    return result
