"""People and groups of the source directory, as the destination will name them.

Address mapping (domain renames) is applied here, once: everything downstream sees only
destination addresses. Entries that cannot become an account or a list are reported with
their DN and the reason, and reading goes on.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from carbonio_migrate.config import Settings
from carbonio_migrate.directory.connection import DirectoryConnection
from carbonio_migrate.directory.presets import effective

log = logging.getLogger(__name__)

_GROUP_ATTRIBUTES = ["cn", "mail", "description", "displayName", "member", "uniqueMember"]


@dataclass(frozen=True)
class Person:
    """A person who becomes a Carbonio account."""

    dn: str
    address: str  # destination account name, lower case
    source_address: str  # primary mail on the source
    aliases: tuple[str, ...]
    attributes: dict[str, str]  # Carbonio attribute -> value
    disabled: bool = False


@dataclass(frozen=True)
class Group:
    """A directory group; with a mail address it becomes a distribution list."""

    dn: str
    name: str
    address: str | None
    description: str | None
    display_name: str | None
    member_dns: tuple[str, ...]


@dataclass(frozen=True)
class Problem:
    """An entry that was left out, and why."""

    dn: str
    message: str


@dataclass
class DirectorySnapshot:
    """What was read: people to migrate, disabled people, groups, and the entries left out."""

    people: list[Person] = field(default_factory=list)
    disabled: list[Person] = field(default_factory=list)
    groups: list[Group] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    def member_addresses(self, group: Group) -> tuple[list[str], list[str]]:
        """The addresses of a group's members (people and groups with mail), and unknown DNs."""
        by_dn: dict[str, str | None] = {p.dn.lower(): p.address for p in self.people}
        by_dn.update({g.dn.lower(): g.address for g in self.groups})
        found, missing = [], []
        for dn in group.member_dns:
            address = by_dn.get(dn.lower())
            if address:
                found.append(address)
            else:
                missing.append(dn)
        return found, missing


def read_directory(settings: Settings, connection: DirectoryConnection) -> DirectorySnapshot:
    """Read every person and group under the base DN (paged), mapped to the destination."""
    directory = settings.source.directory
    choices = effective(directory)
    snapshot = DirectorySnapshot()

    disabled_dns: set[str] = set()
    if choices.disabled_filter and not directory.include_disabled:
        query = f"(&{choices.user_filter}{choices.disabled_filter})"
        disabled_dns = {e["dn"].lower() for e in connection.search(directory.base_dn, query, [])}

    wanted = sorted({*choices.attributes.values(), "mail", "proxyAddresses"})
    seen: dict[str, str] = {}
    for entry in connection.search(directory.base_dn, choices.user_filter, wanted):
        person = _person(entry, choices.attributes, settings, snapshot.problems)
        if person is None:
            continue
        if person.address in seen:
            snapshot.problems.append(
                Problem(
                    person.dn, f"{person.address} is also the address of {seen[person.address]}"
                )
            )
            continue
        seen[person.address] = person.dn
        if person.dn.lower() in disabled_dns:
            snapshot.disabled.append(_disabled(person))
        else:
            snapshot.people.append(person)

    for entry in connection.search(directory.base_dn, choices.group_filter, _GROUP_ATTRIBUTES):
        snapshot.groups.append(_group(entry, settings))

    log.info(
        "Directory: %d people, %d disabled, %d groups, %d entries left out",
        len(snapshot.people),
        len(snapshot.disabled),
        len(snapshot.groups),
        len(snapshot.problems),
    )
    return snapshot


def _person(
    entry: dict[str, Any], mapping: dict[str, str], settings: Settings, problems: list[Problem]
) -> Person | None:
    dn = entry["dn"]
    attrs = entry["attributes"]
    mails = _mail_addresses(attrs, mapping.get("mail", "mail"))
    if not mails:
        problems.append(Problem(dn, "has no mail address; it cannot become an account"))
        return None

    name = _first(attrs.get(mapping.get("name", "uid")))
    if not name:
        problems.append(Problem(dn, f"has no {mapping.get('name')} (the account name)"))
        return None
    local = name.split("@", 1)[0].strip().lower()
    primary = settings.map_address(mails[0])
    address = f"{local}@{primary.rpartition('@')[2]}"

    aliases = [settings.map_address(mail) for mail in mails]
    extra = {
        carbonio: value
        for carbonio, source in mapping.items()
        if carbonio not in ("name", "mail") and (value := _first(attrs.get(source)))
    }
    return Person(
        dn=dn,
        address=address,
        source_address=mails[0].lower(),
        aliases=tuple(dict.fromkeys(a for a in aliases if a != address)),
        attributes=extra,
    )


def _disabled(person: Person) -> Person:
    return Person(
        person.dn,
        person.address,
        person.source_address,
        person.aliases,
        person.attributes,
        disabled=True,
    )


def _mail_addresses(attrs: dict[str, Any], mail_attribute: str) -> list[str]:
    """All mail values, then AD's proxyAddresses (``SMTP:`` is the primary one)."""
    mails = [m.strip() for m in _values(attrs.get(mail_attribute)) if "@" in m]
    for proxy in _values(attrs.get("proxyAddresses")):
        kind, _, address = proxy.partition(":")
        if kind == "SMTP":
            mails.insert(0, address.strip())
        elif kind.lower() == "smtp":
            mails.append(address.strip())
    return list(dict.fromkeys(m.lower() for m in mails))


def _group(entry: dict[str, Any], settings: Settings) -> Group:
    attrs = entry["attributes"]
    mail = _first(attrs.get("mail"))
    return Group(
        dn=entry["dn"],
        name=_first(attrs.get("cn")) or entry["dn"],
        address=settings.map_address(mail) if mail else None,
        description=_first(attrs.get("description")),
        display_name=_first(attrs.get("displayName")),
        member_dns=(*_values(attrs.get("member")), *_values(attrs.get("uniqueMember"))),
    )


def _values(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list | tuple):
        return [str(v) for v in value]
    return [str(value)]


def _first(value: Any) -> str | None:
    values = _values(value)
    return values[0] if values else None
