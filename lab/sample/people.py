"""Sample directory: the people and groups of a fictional organisation, and its LDIF.

The organisation holds the cases a directory reader must cope with: non-ASCII names, aliases in
a second domain, disabled accounts, a person and a group without mail, an upper-case user id,
a nested group and, on request, a very large group.
"""

from __future__ import annotations

import random
import string
from base64 import b64encode
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from functools import cached_property

from ldap3.protocol.rfc2849 import safe_ldif_string
from ldap3.utils.dn import escape_rdn

from lab.sample.names import LOCALES, TITLES, Locale, Surname

# The fixed people (see _special_people) plus room for the groups to have members.
MIN_PEOPLE = 8
DISABLED_SHARE = 0.10
_SPECIAL_COUNT = 6
# OpenLDAP's "disabled" convention in the lab: an account that expired on 1970-01-02.
_DISABLED_SHADOW_EXPIRE = "1"
# RFC 2849 suggests lines of at most 76 characters; longer ones continue after a space.
_LDIF_WIDTH = 76


@dataclass(frozen=True)
class Person:
    """A member of staff as the source directory holds them (an inetOrgPerson entry)."""

    uid: str
    given_name: str
    sn: str
    display_name: str
    mail: str | None
    alias_mails: tuple[str, ...]
    telephone: str
    title: str
    company: str
    password: str = field(repr=False)
    disabled: bool = False

    @property
    def mails(self) -> tuple[str, ...]:
        """Every mail value, the primary one first; empty for a person without mail."""
        return ((self.mail,) if self.mail else ()) + self.alias_mails


@dataclass(frozen=True)
class Group:
    """A group (groupOfNames) whose members are people or other groups, given by DN."""

    cn: str
    mail: str | None
    description: str
    display_name: str
    member_dns: tuple[str, ...]


@dataclass(frozen=True)
class Organisation:
    """The whole sample directory: its mail domain, base DN, people and groups."""

    domain: str
    base_dn: str
    people: tuple[Person, ...]
    groups: tuple[Group, ...]

    def people_dn(self, person: Person) -> str:
        """The DN of a person's entry, under ou=people."""
        return _person_dn(person.uid, self.base_dn)

    def group_dn(self, group: Group) -> str:
        """The DN of a group's entry, under ou=groups."""
        return _group_dn(group.cn, self.base_dn)

    def resolve(self, dn: str) -> Person | Group | None:
        """The person or group a member DN points to, or None when nothing has that DN."""
        return self._by_dn.get(dn.lower())

    @property
    def mail_people(self) -> tuple[Person, ...]:
        """The people that have a primary mail address, in directory order."""
        return tuple(person for person in self.people if person.mail)

    @cached_property
    def _by_dn(self) -> dict[str, Person | Group]:
        """Entries by lower-cased DN, built on first use."""
        entries: dict[str, Person | Group] = {}
        for person in self.people:
            entries[self.people_dn(person).lower()] = person
        for group in self.groups:
            entries[self.group_dn(group).lower()] = group
        return entries

    def to_ldif(self, base_dn: str | None = None, include_base: bool = False) -> str:
        """The LDIF that ldapadd loads: ou=people, ou=groups, every person, then every group.

        `base_dn` moves every entry and member DN under another suffix. `include_base` adds the
        suffix entry itself, for a database that does not have it yet. The text holds the
        plain passwords, so whoever writes it to disk keeps the file private (0600).
        """
        target = base_dn or self.base_dn
        records = [] if not include_base else [_base_record(target, self._company)]
        records.append(_ou_record("people", target))
        records.append(_ou_record("groups", target))
        records.extend(self._person_record(person, target) for person in self.people)
        records.extend(self._group_record(group, target) for group in self.groups)
        return "\n".join(records)

    @property
    def _company(self) -> str:
        """The organisation's name, for the suffix entry."""
        return self.people[0].company if self.people else self.domain

    def _person_record(self, person: Person, base_dn: str) -> str:
        """One person as an LDIF record; disabled people carry an expired shadowAccount."""
        classes = ["top", "person", "organizationalPerson", "inetOrgPerson"]
        if person.disabled:
            classes.append("shadowAccount")

        attributes: list[tuple[str, str]] = [("objectClass", name) for name in classes]
        attributes += [
            ("uid", person.uid),
            ("cn", person.display_name),
            ("givenName", person.given_name),
            ("sn", person.sn),
            ("displayName", person.display_name),
        ]
        attributes += [("mail", address) for address in person.mails]
        attributes += [
            ("telephoneNumber", person.telephone),
            ("title", person.title),
            ("o", person.company),
            ("userPassword", person.password),
        ]
        if person.disabled:
            attributes.append(("shadowExpire", _DISABLED_SHADOW_EXPIRE))
        return _record(_person_dn(person.uid, base_dn), attributes)

    def _group_record(self, group: Group, base_dn: str) -> str:
        """One group; extensibleObject lets a groupOfNames carry mail and displayName."""
        attributes = [
            ("objectClass", "top"),
            ("objectClass", "groupOfNames"),
            ("objectClass", "extensibleObject"),
            ("cn", group.cn),
        ]
        if group.mail:
            attributes.append(("mail", group.mail))
        attributes += [("description", group.description), ("displayName", group.display_name)]
        attributes += [("member", self._rebase(dn, base_dn)) for dn in group.member_dns]
        return _record(_group_dn(group.cn, base_dn), attributes)

    def _rebase(self, dn: str, base_dn: str) -> str:
        """Move a DN under this organisation's suffix to another suffix."""
        if base_dn == self.base_dn or not dn.lower().endswith(self.base_dn.lower()):
            return dn
        return dn[: len(dn) - len(self.base_dn)] + base_dn


def make_organisation(
    domain: str = "example.io", people: int = 40, seed: int = 1, big_group_members: int = 0
) -> Organisation:
    """Build a deterministic organisation of `people` people and its groups.

    With `big_group_members`, a group "big-list" of that many members is added, and the
    organisation grows to at least that many people so every member DN exists.
    """
    if people < MIN_PEOPLE:
        raise ValueError(f"a sample organisation needs at least {MIN_PEOPLE} people")

    rng = random.Random(seed)
    count = max(people, big_group_members)
    base_dn = ",".join(f"dc={label}" for label in domain.split("."))

    factory = _PersonFactory(domain, rng)
    persons = _special_people(factory)
    persons += [factory.random_person() for _ in range(count - len(persons))]
    persons = _mark_disabled(persons, rng)

    groups = _make_groups(persons, domain, base_dn, rng, big_group_members)
    return Organisation(domain, base_dn, tuple(persons), groups)


class _PersonFactory:
    """Makes people with unique user ids and mail addresses."""

    def __init__(self, domain: str, rng: random.Random) -> None:
        self.domain = domain
        self.rng = rng
        self.label = domain.split(".")[0].capitalize()
        self.second_domain = _second_domain(domain)
        self._uids: set[str] = set()
        self._mails: set[str] = set()
        self._locales = list(LOCALES)
        self._weights = [locale.weight for locale in LOCALES]

    def person(
        self,
        locale: Locale,
        given: tuple[str, str],
        surname: tuple[str, str],
        *,
        uid: str | None = None,
        with_mail: bool = True,
        aliases: tuple[str, ...] = (),
    ) -> Person:
        """One person from (name, ascii) pairs; aliases are local parts or full addresses."""
        uid = self._unique_uid(uid or f"{given[1]}.{surname[1]}")
        display = f"{surname[0]} {given[0]}" if locale.family_first else f"{given[0]} {surname[0]}"
        mail = self._claim(f"{uid.lower()}@{self.domain}") if with_mail else None
        alias_mails = tuple(
            self._claim(alias if "@" in alias else f"{alias}@{self.domain}")
            for alias in (aliases if with_mail else ())
        )
        return Person(
            uid=uid,
            given_name=given[0],
            sn=surname[0],
            display_name=display,
            mail=mail,
            alias_mails=alias_mails,
            telephone=self._telephone(),
            title=self.rng.choice(TITLES),
            company=self._company(locale),
            password=self._password(),
        )

    def random_person(self) -> Person:
        """A person with names drawn from the pools and zero to two aliases."""
        locale = self.rng.choices(self._locales, self._weights)[0]
        given = self.rng.choice(locale.given)
        surname = self.rng.choice(locale.surnames)
        sn = surname_for(surname, female=given.female)

        aliases = []
        short = f"{given.ascii[0]}{sn[1]}"
        if self.rng.random() < 0.3 and self.free(short):
            aliases.append(short)
        if self.rng.random() < 0.1 and self.free(given.ascii):
            aliases.append(given.ascii)
        return self.person(locale, (given.name, given.ascii), sn, aliases=tuple(aliases))

    def free(self, local_part: str) -> bool:
        """Whether an address with this local part in the main domain is still unused."""
        return f"{local_part}@{self.domain}".lower() not in self._mails

    def _unique_uid(self, base: str) -> str:
        """The base uid, or the base with the first free number appended."""
        candidate, number = base, 1
        while candidate.lower() in self._uids or not self.free(candidate.lower()):
            number += 1
            candidate = f"{base}{number}"
        self._uids.add(candidate.lower())
        return candidate

    def _claim(self, address: str) -> str:
        """Reserve an address; a clash here is a bug in the fixed people."""
        address = address.lower()
        if address in self._mails:
            raise ValueError(f"address {address} is used twice")
        self._mails.add(address)
        return address

    def _telephone(self) -> str:
        """An Italian office number."""
        return f"+39 02 {self.rng.randint(1000, 9999)} {self.rng.randint(1000, 9999)}"

    def _company(self, locale: Locale) -> str:
        """The company of the person's country."""
        if locale.code == "fr":
            return f"{self.label} France SAS"
        if locale.code == "de":
            return f"{self.label} Deutschland GmbH"
        return f"{self.label} S.r.l."

    def _password(self) -> str:
        """A random 20-character password."""
        alphabet = string.ascii_letters + string.digits
        return "".join(self.rng.choice(alphabet) for _ in range(20))


def surname_for(surname: Surname, *, female: bool) -> tuple[str, str]:
    """The (name, ascii) form of a surname that goes with a given name's gender."""
    if female:
        return surname.female, surname.ascii_female
    return surname.male, surname.ascii_male


def _special_people(factory: _PersonFactory) -> list[Person]:
    """The fixed people every sample has, each there for one reader case."""
    locales = {locale.code: locale for locale in LOCALES}
    second = factory.second_domain
    return [
        factory.person(
            locales["fr"],
            ("Zoë", "zoe"),
            ("Façade", "facade"),
            aliases=("zoe", f"zoe.facade@{second}"),
        ),
        factory.person(
            locales["de"],
            ("Jürgen", "jurgen"),
            ("Müller", "muller"),
            aliases=("juergen.mueller",),
        ),
        factory.person(
            locales["ru"],
            ("Анна", "anna"),
            ("Иванова", "ivanova"),
            aliases=(f"a.ivanova@{second}",),
        ),
        factory.person(locales["ja"], ("太郎", "taro"), ("山田", "yamada")),
        # Directories keep the case of uid; Carbonio lower-cases account names.
        factory.person(
            locales["fr"], ("Pierre", "pierre"), ("Durand", "durand"), uid="Pierre.Durand"
        ),
        factory.person(locales["en"], ("Nora", "nora"), ("Quinn", "quinn"), with_mail=False),
    ]


def _mark_disabled(persons: list[Person], rng: random.Random) -> list[Person]:
    """Disable about a tenth of the people, never one of the fixed ones."""
    candidates = range(_SPECIAL_COUNT, len(persons))
    count = min(len(candidates), round(len(persons) * DISABLED_SHARE))
    chosen = set(rng.sample(candidates, count))
    return [replace(p, disabled=True) if i in chosen else p for i, p in enumerate(persons)]


def _make_groups(
    persons: list[Person], domain: str, base_dn: str, rng: random.Random, big_members: int
) -> tuple[Group, ...]:
    """Staff, sales, engineering, the nested all-teams, a group without mail, a big list."""
    dns = [_person_dn(person.uid, base_dn) for person in persons]
    zoe, jurgen, _anna, _taro, pierre, nora = dns[:_SPECIAL_COUNT]
    others = list(range(_SPECIAL_COUNT, len(persons)))
    rng.shuffle(others)
    team_size = max(2, len(persons) // 4)
    sales = _in_order(dns, others[:team_size], zoe)
    engineering = _in_order(dns, others[team_size : 2 * team_size], jurgen)
    quiet = _in_order(dns, others[2 * team_size : 2 * team_size + 2], nora)

    groups = [
        Group("staff", f"staff@{domain}", "Everyone in the company", "Staff", tuple(dns)),
        Group("sales", f"sales@{domain}", "Équipe commerciale", "Sales (Ventes)", sales),
        Group(
            "engineering",
            f"engineering@{domain}",
            "Engineering, platform and operations",
            "Engineering",
            engineering,
        ),
        Group(
            "all-teams",
            f"all-teams@{domain}",
            "Sales and engineering together",
            "All teams",
            (_group_dn("sales", base_dn), _group_dn("engineering", base_dn), pierre),
        ),
        Group("no-mail", None, "A group nobody can write to", "No mail", quiet),
    ]
    if big_members:
        groups.append(
            Group(
                "big-list",
                f"big-list@{domain}",
                f"Announcements to {big_members} people",
                "Big list",
                tuple(dns[:big_members]),
            )
        )
    return tuple(groups)


def _in_order(dns: list[str], indexes: list[int], extra: str) -> tuple[str, ...]:
    """The DNs at these indexes plus one more, in directory order."""
    chosen = {dns[i] for i in indexes} | {extra}
    return tuple(dn for dn in dns if dn in chosen)


def _person_dn(uid: str, base_dn: str) -> str:
    """The DN of a person entry."""
    return f"uid={escape_rdn(uid)},ou=people,{base_dn}"


def _group_dn(cn: str, base_dn: str) -> str:
    """The DN of a group entry."""
    return f"cn={escape_rdn(cn)},ou=groups,{base_dn}"


def _second_domain(domain: str) -> str:
    """Another domain of the same organisation: the same name under .org (or .net)."""
    name, _, tld = domain.rpartition(".")
    return f"{name}.{'net' if tld == 'org' else 'org'}"


def _base_record(base_dn: str, company: str) -> str:
    """The suffix entry, for a dc= or o= suffix."""
    attribute, _, value = base_dn.split(",")[0].partition("=")
    if attribute.lower() == "dc":
        classes = ["top", "dcObject", "organization"]
        attributes = [("dc", value), ("o", company)]
    elif attribute.lower() == "o":
        classes = ["top", "organization"]
        attributes = [("o", value)]
    else:
        raise ValueError(f"the base DN {base_dn!r} must start with dc= or o=")
    return _record(base_dn, [("objectClass", name) for name in classes] + attributes)


def _ou_record(name: str, base_dn: str) -> str:
    """An organizationalUnit entry directly under the suffix."""
    return _record(
        f"ou={name},{base_dn}",
        [("objectClass", "top"), ("objectClass", "organizationalUnit"), ("ou", name)],
    )


def _record(dn: str, attributes: list[tuple[str, str]]) -> str:
    """One LDIF content record, ending with a newline."""
    lines = list(_ldif_line("dn", dn))
    for name, value in attributes:
        lines.extend(_ldif_line(name, value))
    return "\n".join(lines) + "\n"


def _ldif_line(name: str, value: str) -> Iterator[str]:
    """One attribute line, base64 when RFC 2849 requires it, folded at 76 columns.

    Written by hand because ldap3's LDIF producer emits a change record with its own version
    line per entry and is far slower on organisations with thousands of members.
    """
    raw = value.encode("utf-8")
    if safe_ldif_string(raw):
        line = f"{name}: {value}"
    else:
        line = f"{name}:: {b64encode(raw).decode('ascii')}"

    yield line[:_LDIF_WIDTH]
    for start in range(_LDIF_WIDTH, len(line), _LDIF_WIDTH - 1):
        yield " " + line[start : start + _LDIF_WIDTH - 1]
